"""JSON encoding of WIT values, both ways, as the step protocol defines it
(tests/conformance/README.md).

Decoding: every field may be omitted (or ``null``) and then takes its
default; fields without a documented default take the empty value of their
type (``""``, ``0``, ``[]``). A present field of the wrong type is an error.
Payloads (``data``) are UTF-8 text; answers decode bytes lossily.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

from dapr_wasm import DaprError

E = TypeVar("E", bound=Enum)
T = TypeVar("T")

U32_MAX = 2**32 - 1


class Invalid(Exception):
    """A step that cannot be decoded; answered as ``invalid-argument``."""


def parse(step: str) -> Any:
    """The step's JSON value; refuses text that is not JSON, and strings no
    WIT string can hold (lone UTF-16 surrogates, which ``\\ud800`` escapes
    produce)."""
    try:
        value = json.loads(step)
    except ValueError as exc:
        raise Invalid(f"the step is not JSON: {exc}") from None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise Invalid(f"the step holds a string that is not valid Unicode: {exc}") from None
    return value


def show(value: Any) -> str:
    """A JSON value as compact text, for messages."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Fields:
    """A JSON object whose fields are decoded by WIT name; a missing object
    behaves like an empty one."""

    def __init__(self, value: Any, what: str) -> None:
        """Wraps ``value``, which must be an object or ``None``; ``what``
        names it in error messages."""
        if value is not None and not isinstance(value, dict):
            raise Invalid(f"`{what}` must be an object, not {show(value)}")
        self.what = what
        self.map: dict[str, Any] = value or {}

    def _get(self, name: str) -> Any:
        return self.map.get(name)

    def _wrong(self, name: str, expected: str) -> Invalid:
        return Invalid(f"`{self.what}.{name}` must be {expected}")

    def object(self, name: str) -> Fields:
        """A nested object (empty if missing)."""
        return Fields(self._get(name), name)

    def string(self, name: str) -> str:
        """A string (default ``""``)."""
        value = self.opt_string(name)
        return "" if value is None else value

    def opt_string(self, name: str) -> str | None:
        """An optional string (default ``None``)."""
        value = self._get(name)
        if value is None or isinstance(value, str):
            return value
        raise self._wrong(name, "a string")

    def data(self, name: str) -> bytes:
        """A payload given as text (default empty)."""
        return self.string(name).encode("utf-8")

    def u32(self, name: str) -> int:
        """An unsigned 32-bit integer (default 0)."""
        value = self._get(name)
        if value is None:
            return 0
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= U32_MAX:
            return value
        raise self._wrong(name, "a u32")

    def opt_u32(self, name: str) -> int | None:
        """An optional unsigned 32-bit integer (default ``None``)."""
        return None if self._get(name) is None else self.u32(name)

    def u64(self, name: str) -> int:
        """An unsigned 64-bit integer (default 0)."""
        value = self._get(name)
        if value is None:
            return 0
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1 << 64:
            return value
        raise self._wrong(name, "a u64")

    def opt_f64(self, name: str) -> float | None:
        """An optional number (default ``None``)."""
        value = self._get(name)
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise self._wrong(name, "a number")

    def bool(self, name: str) -> bool:
        """A boolean (default ``False``)."""
        value = self._get(name)
        if value is None or isinstance(value, bool):
            return bool(value)
        raise self._wrong(name, "a boolean")

    def is_null(self) -> bool:
        """Whether the object was missing or ``null``."""
        return not self.map

    def array(self, name: str) -> list[Any]:
        """An array (default empty)."""
        value = self._get(name)
        if value is None:
            return []
        if isinstance(value, list):
            return value
        raise self._wrong(name, "an array")

    def strings(self, name: str) -> list[str]:
        """An array of strings (default empty)."""
        values = self.array(name)
        if all(isinstance(v, str) for v in values):
            return values
        raise self._wrong(name, "an array of strings")

    def pairs(self, name: str) -> list[tuple[str, str]]:
        """An array of ``[k, v]`` string pairs (metadata, headers, ...)."""
        result = []
        for pair in self.array(name):
            if not (
                isinstance(pair, list) and len(pair) == 2 and all(isinstance(s, str) for s in pair)
            ):
                raise self._wrong(name, "an array of [string, string] pairs")
            result.append((pair[0], pair[1]))
        return result

    def variant(self) -> tuple[str, Fields]:
        """This object as a variant: its only field's name (the case) and
        value (the payload, an object)."""
        if len(self.map) != 1:
            raise Invalid(f"`{self.what}` must be an object with exactly one field")
        [(case, payload)] = self.map.items()
        return case, Fields(payload, case)

    def case(self, name: str, enum: type[E], default: E) -> E:
        """An enum given by its case name (the SDK's enums have the WIT
        names as values)."""
        value = self._get(name)
        if value is None:
            return default
        if isinstance(value, str):
            for member in enum:
                if member.value == value:
                    return member
        names = ", ".join(member.value for member in enum)
        raise self._wrong(name, f"one of {names}")


def each(items: list[Any], what: str, decode: Callable[[Fields], T]) -> list[T]:
    """Decodes each element of ``items`` with ``decode``; ``what`` names them."""
    return [decode(Fields(item, what)) for item in items]


def text(data: bytes) -> str:
    """Bytes as text, replacing invalid UTF-8."""
    return data.decode("utf-8", errors="replace")


def pairs(items: Any) -> list[list[str]]:
    """``[k, v]`` pairs, from a mapping or from pairs."""
    if isinstance(items, dict):
        items = items.items()
    return [[k, v] for k, v in items]


def error(e: DaprError) -> dict[str, str]:
    """A runtime error: ``{"<case>": "<message>"}``."""
    return {e.case: e.message}

"""The bindings componentize-py generates for the component's world, and the
conversions every building-block module shares.

componentize-py generates the package ``wit_world`` while it builds a
component (``build.sh``). Every world this SDK supports includes
``dapr:runtime/client``, so its imports are always under
``wit_world.imports`` by their interface names. Only ``types`` may be renamed
(to ``dapr_runtime_types``, when the world also has a ``wasi`` interface named
``types``), so the SDK never imports it: errors are recognised by the class
names of their cases (see :func:`call`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from componentize_py_types import Err, Ok
from wit_world.imports import (
    actors,
    bindings,
    configuration,
    conversation,
    crypto,
    invoke,
    jobs,
    lock,
    metadata,
    pubsub,
    secrets,
    state,
)

from .errors import DaprError

__all__ = [
    "actors",
    "bindings",
    "configuration",
    "conversation",
    "crypto",
    "invoke",
    "jobs",
    "lock",
    "metadata",
    "pubsub",
    "secrets",
    "state",
    "Err",
    "Ok",
    "Payload",
    "Data",
    "MetadataLike",
    "call",
    "to_bytes",
    "json_bytes",
    "pairs",
]

T = TypeVar("T")

Data = bytes | bytearray | memoryview | str
"""A payload: bytes as they are, or text (stored as UTF-8)."""

MetadataLike = Mapping[str, str] | Iterable[tuple[str, str]] | None
"""Metadata given to a call: a mapping, ``(key, value)`` pairs, or ``None``."""


class Payload:
    """``text()`` and ``json()`` of the payload in ``data``, for the SDK's
    dataclasses that carry one."""

    data: Data

    def text(self) -> str:
        """The payload as UTF-8 text (invalid bytes replaced)."""
        return to_bytes(self.data).decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The payload parsed as JSON (raises ``ValueError`` if it is not JSON)."""
        return json.loads(to_bytes(self.data))


def call(function: Callable[..., T], *args: Any) -> T:
    """Calls a generated import and raises its WIT error as a :class:`DaprError`."""
    try:
        return function(*args)
    except Err as err:
        raise DaprError.from_wit(err.value) from None


def to_bytes(data: Data) -> bytes:
    """A payload as bytes; text is encoded as UTF-8."""
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"a payload must be bytes or str, not {type(data).__name__}")


def json_bytes(value: Any) -> bytes:
    """``value`` serialized as compact JSON (UTF-8)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def pairs(items: MetadataLike) -> list[tuple[str, str]]:
    """Metadata, headers or a query as the list of pairs WIT takes."""
    if items is None:
        return []
    if isinstance(items, Mapping):
        items = items.items()
    result = []
    for pair in items:
        key, value = pair
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"metadata pairs must be (str, str), not {pair!r}")
        result.append((key, value))
    return result

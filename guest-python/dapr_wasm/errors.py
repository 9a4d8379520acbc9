"""The exceptions building-block calls raise: one class per case of the WIT
variant ``dapr:runtime/types.error``, all subclasses of :class:`DaprError`.

Branch on the class (or :attr:`DaprError.case`), never on the message::

    try:
        state.save("statestore", "k", "v", etag=etag)
    except EtagMismatch:
        ...  # someone else wrote first
"""

from __future__ import annotations

from typing import Any, ClassVar


class DaprError(Exception):
    """A building-block call failed; the subclass names the WIT error case."""

    case: ClassVar[str] = ""
    """The kebab-case name of the WIT case, such as ``"not-found"``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        """The runtime's human-readable explanation (for logs)."""

    def __str__(self) -> str:
        return f"{self.case}: {self.message}"

    @staticmethod
    def from_wit(error: Any) -> DaprError:
        """The exception for a generated ``Error_<Case>`` value.

        componentize-py names each case's class ``Error_`` plus the case in
        CamelCase, which is also the name of the subclass here.
        """
        name = type(error).__name__.removeprefix("Error_")
        cls = _BY_NAME.get(name, Internal)
        message = getattr(error, "value", None)
        if not isinstance(message, str):
            message = repr(error)
        return cls(message)


class NotFound(DaprError):
    """The named component, app id or item (secret, lock, ...) does not exist."""

    case = "not-found"


class Denied(DaprError):
    """The component exists but this app may not use it."""

    case = "denied"


class EtagMismatch(DaprError):
    """An etag did not match, or first-write found the key; nothing was written."""

    case = "etag-mismatch"


class InvalidArgument(DaprError):
    """The arguments are malformed (an empty key, invalid query JSON, ...)."""

    case = "invalid-argument"


class Unavailable(DaprError):
    """The backend cannot be reached now; retrying later may succeed."""

    case = "unavailable"


class Unsupported(DaprError):
    """The component serving the call does not implement the operation."""

    case = "unsupported"


class Internal(DaprError):
    """Any other failure inside the host or the backend."""

    case = "internal"


ERRORS: tuple[type[DaprError], ...] = (
    NotFound,
    Denied,
    EtagMismatch,
    InvalidArgument,
    Unavailable,
    Unsupported,
    Internal,
)
"""Every error class, in the order of the WIT variant's cases."""

_BY_NAME = {cls.__name__: cls for cls in ERRORS}

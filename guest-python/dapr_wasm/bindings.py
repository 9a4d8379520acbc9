"""Output bindings: sending data to external systems (Dapr's bindings
building block). Input bindings are received with
:meth:`dapr_wasm.App.binding`."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import _wit
from ._wit import Data, MetadataLike, Payload, call, pairs, to_bytes

__all__ = ["BindingResponse", "invoke"]


@dataclass
class BindingResponse(Payload):
    """What an output binding answered."""

    data: bytes
    """The response payload (may be empty)."""
    metadata: dict[str, str] = field(default_factory=dict)
    """Binding-specific response metadata."""


def invoke(
    name: str, operation: str, data: Data = b"", *, metadata: MetadataLike = None
) -> BindingResponse:
    """Invokes ``operation`` (such as ``create`` or ``get``) of the output
    binding ``name`` with ``data``."""
    response = call(_wit.bindings.invoke, name, operation, to_bytes(data), pairs(metadata))
    return BindingResponse(response.data, dict(response.metadata))

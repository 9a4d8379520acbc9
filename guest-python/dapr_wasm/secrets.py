"""Reading secrets (Dapr's secrets building block)."""

from __future__ import annotations

from . import _wit
from ._wit import MetadataLike, call, pairs

__all__ = ["get", "get_value", "get_bulk"]


def get(store: str, key: str, *, metadata: MetadataLike = None) -> dict[str, str]:
    """The secret ``key`` of ``store``: its values by name (most stores have
    one, named like the key). A missing secret raises
    :class:`~dapr_wasm.NotFound`."""
    return dict(call(_wit.secrets.get, store, key, pairs(metadata)))


def get_value(store: str, key: str) -> str | None:
    """The single value of the secret ``key``: its value named ``key``, else
    its first; ``None`` if it has no values. A missing secret raises
    :class:`~dapr_wasm.NotFound`."""
    secret = call(_wit.secrets.get, store, key, [])
    for name, value in secret:
        if name == key:
            return value
    return secret[0][1] if secret else None


def get_bulk(store: str, *, metadata: MetadataLike = None) -> dict[str, dict[str, str]]:
    """Every secret of ``store`` this app may read, by key."""
    return {
        key: dict(secret) for key, secret in call(_wit.secrets.get_bulk, store, pairs(metadata))
    }

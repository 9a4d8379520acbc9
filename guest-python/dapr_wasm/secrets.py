"""Reading secrets (Dapr's secrets building block)."""

from __future__ import annotations

from typing import Optional

from . import _wit
from ._wit import MetadataLike, call, pairs
from .errors import NotFound

__all__ = ["get", "get_value", "get_bulk"]


def get(store: str, key: str, *, metadata: MetadataLike = None) -> dict[str, str]:
    """The secret ``key`` of ``store``: its values by name (most stores have
    one, named like the key). Raises :class:`NotFound` for a missing secret."""
    return dict(call(_wit.secrets.get, store, key, pairs(metadata)))


def get_value(store: str, key: str) -> Optional[str]:
    """The value named ``key`` of the secret ``key``, or ``None`` if the secret
    does not exist."""
    try:
        return get(store, key).get(key)
    except NotFound:
        return None


def get_bulk(store: str, *, metadata: MetadataLike = None) -> dict[str, dict[str, str]]:
    """Every secret of ``store`` this app may read, by key."""
    return {key: dict(secret) for key, secret in call(_wit.secrets.get_bulk, store, pairs(metadata))}

"""Distributed locks with a lease (Dapr's distributed lock building block)."""

from __future__ import annotations

from enum import StrEnum

from . import _wit
from ._wit import call

__all__ = ["UnlockStatus", "try_lock", "unlock"]


class UnlockStatus(StrEnum):
    """The outcome of :func:`unlock`."""

    SUCCESS = "success"
    """The lock was released."""
    LOCK_DOES_NOT_EXIST = "lock-does-not-exist"
    """Nobody holds the lock (or its lease expired)."""
    LOCK_BELONGS_TO_OTHERS = "lock-belongs-to-others"
    """Another owner holds the lock; it was left alone."""


def try_lock(store: str, resource_id: str, owner: str, expiry_in_seconds: int) -> bool:
    """Takes the lock ``resource_id`` for ``owner`` for ``expiry_in_seconds``;
    ``False`` if someone else holds it. Never waits."""
    return call(_wit.lock.try_lock, store, resource_id, owner, expiry_in_seconds)


def unlock(store: str, resource_id: str, owner: str) -> UnlockStatus:
    """Releases the lock ``resource_id`` if ``owner`` holds it."""
    status = call(_wit.lock.unlock, store, resource_id, owner)
    return UnlockStatus[status.name]

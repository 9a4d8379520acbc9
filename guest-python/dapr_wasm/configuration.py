"""Reading application configuration and watching it change (Dapr's
configuration building block). Updates of a subscription arrive at the
handler registered with :meth:`dapr_wasm.App.configuration_update`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import _wit
from ._wit import MetadataLike, call, pairs

__all__ = ["ConfigurationItem", "get", "get_value", "subscribe", "unsubscribe"]


@dataclass
class ConfigurationItem:
    """One configuration item."""

    key: str
    """Its key."""
    value: str
    """Its value."""
    version: str = ""
    """The store's version of the value (may be empty)."""
    metadata: dict[str, str] = field(default_factory=dict)
    """Store-specific metadata."""

    @classmethod
    def _from_wit(cls, item: Any) -> ConfigurationItem:
        return cls(item.key, item.value, item.version, dict(item.metadata))


def get(
    store: str, keys: Iterable[str] = (), *, metadata: MetadataLike = None
) -> list[ConfigurationItem]:
    """The items ``keys`` of ``store`` (every item if ``keys`` is empty);
    missing keys are left out."""
    items = call(_wit.configuration.get, store, list(keys), pairs(metadata))
    return [ConfigurationItem._from_wit(item) for item in items]


def get_value(store: str, key: str) -> str | None:
    """The value of ``key``, or ``None`` if the store has no such item."""
    for item in get(store, [key]):
        if item.key == key:
            return item.value
    return None


def subscribe(store: str, keys: Iterable[str] = (), *, metadata: MetadataLike = None) -> str:
    """Watches ``keys`` (every item if empty) and returns the subscription id;
    changes are delivered to the app's configuration-update handler."""
    return call(_wit.configuration.subscribe, store, list(keys), pairs(metadata))


def unsubscribe(store: str, subscription_id: str) -> None:
    """Stops the subscription ``subscription_id``."""
    call(_wit.configuration.unsubscribe, store, subscription_id)

"""Key/value state stores (Dapr's state management building block).

Keys are the app's own: two apps may use the same key independently. Values
are bytes; :func:`save_json` and :func:`get_json` store and read JSON, as
other Dapr clients do::

    visits = state.get_json("statestore", "visits", default=0) + 1
    state.save_json("statestore", "visits", visits)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from . import _wit
from ._wit import Data, MetadataLike, Payload, call, pairs, to_bytes
from .errors import DaprError

__all__ = [
    "Consistency",
    "Concurrency",
    "StateItem",
    "BulkItem",
    "SaveItem",
    "DeleteItem",
    "QueryItem",
    "QueryResponse",
    "get",
    "get_json",
    "get_bulk",
    "save",
    "save_json",
    "save_bulk",
    "delete",
    "delete_item",
    "transact",
    "query",
]


class Consistency(StrEnum):
    """How a read or write is replicated before it is acknowledged."""

    EVENTUAL = "eventual"
    """Any replica may answer or acknowledge."""
    STRONG = "strong"
    """A quorum answers or acknowledges."""


class Concurrency(StrEnum):
    """How a write without an etag treats an existing key."""

    FIRST_WRITE = "first-write"
    """Only write a key that does not exist yet (else :class:`EtagMismatch`)."""
    LAST_WRITE = "last-write"
    """Replace whatever is stored."""


@dataclass
class StateItem(Payload):
    """A stored value as read back."""

    data: bytes
    """The bytes exactly as saved (may be empty)."""
    etag: str | None = None
    """The etag of this version, for a later etag-checked write."""
    metadata: dict[str, str] = field(default_factory=dict)
    """Store metadata about the item, such as ``ttlExpireTime``."""


@dataclass
class BulkItem:
    """One key's outcome in :func:`get_bulk`: ``item`` or ``error``."""

    key: str
    """The requested key."""
    item: StateItem | None = None
    """The stored value; ``None`` for a missing key or when ``error`` is set."""
    error: DaprError | None = None
    """Why reading only this key failed."""


@dataclass
class SaveItem:
    """One item to save (or upsert in :func:`transact`)."""

    key: str
    """The key (must not be empty)."""
    data: Data = b""
    """The value: bytes, or text stored as UTF-8."""
    etag: str | None = None
    """Only save if the stored etag is this one."""
    concurrency: Concurrency | str = Concurrency.LAST_WRITE
    """See :class:`Concurrency`."""
    consistency: Consistency | str = Consistency.EVENTUAL
    """See :class:`Consistency`."""
    metadata: MetadataLike = None
    """Per-item metadata, such as ``{"ttlInSeconds": "60"}``."""

    @classmethod
    def json(cls, key: str, value: Any, **options: Any) -> SaveItem:
        """An item whose value is ``value`` serialized as JSON."""
        return cls(key, _wit.json_bytes(value), **options)

    def _to_wit(self) -> Any:
        return _wit.state.SaveItem(
            key=self.key,
            data=to_bytes(self.data),
            etag=self.etag,
            options=_options(self.concurrency, self.consistency),
            metadata=pairs(self.metadata),
        )


@dataclass
class DeleteItem:
    """One key to delete (also a delete operation in :func:`transact`)."""

    key: str
    """The key (must not be empty)."""
    etag: str | None = None
    """Only delete if the stored etag is this one."""
    concurrency: Concurrency | str = Concurrency.LAST_WRITE
    """See :class:`Concurrency`."""
    consistency: Consistency | str = Consistency.EVENTUAL
    """See :class:`Consistency`."""
    metadata: MetadataLike = None
    """Store-specific metadata."""

    def _to_wit(self) -> Any:
        return _wit.state.DeleteItem(
            key=self.key,
            etag=self.etag,
            options=_options(self.concurrency, self.consistency),
            metadata=pairs(self.metadata),
        )


@dataclass
class QueryItem(Payload):
    """One result of a :func:`query`."""

    key: str
    """The key of the matching item."""
    data: bytes
    """Its stored bytes."""
    etag: str | None = None
    """Its etag, if the store has etags."""


@dataclass
class QueryResponse:
    """A page of :func:`query` results."""

    results: list[QueryItem]
    """The matching items, in the query's sort order."""
    token: str | None = None
    """Pass as ``page.token`` for the next page; ``None`` on the last page."""
    metadata: dict[str, str] = field(default_factory=dict)
    """Store-specific metadata about the query."""


def _options(concurrency: Concurrency | str, consistency: Consistency | str) -> Any:
    return _wit.state.WriteOptions(
        concurrency=_wit.state.Concurrency[Concurrency(concurrency).name],
        consistency=_wit.state.Consistency[Consistency(consistency).name],
    )


def _item(value: Any) -> StateItem:
    return StateItem(value.data, value.etag, dict(value.metadata))


def get(
    store: str,
    key: str,
    *,
    consistency: Consistency | str = Consistency.EVENTUAL,
    metadata: MetadataLike = None,
) -> StateItem | None:
    """Reads ``key``; ``None`` if it does not exist (or has expired)."""
    wit_consistency = _wit.state.Consistency[Consistency(consistency).name]
    value = call(_wit.state.get, store, key, wit_consistency, pairs(metadata))
    return None if value is None else _item(value)


def get_json(store: str, key: str, default: Any = None) -> Any:
    """Reads ``key`` and parses it as JSON; ``default`` if it does not exist."""
    item = get(store, key)
    return default if item is None else item.json()


def get_bulk(store: str, keys: Iterable[str], *, metadata: MetadataLike = None) -> list[BulkItem]:
    """Reads many keys: one :class:`BulkItem` per key, in order; a failure of
    one key does not fail the others."""
    values = call(_wit.state.get_bulk, store, list(keys), pairs(metadata))
    result = []
    for value in values:
        outcome = value.value
        if isinstance(outcome, _wit.Err):
            result.append(BulkItem(value.key, error=DaprError.from_wit(outcome.value)))
        else:
            found = outcome.value
            result.append(BulkItem(value.key, None if found is None else _item(found)))
    return result


def save(
    store: str,
    key: str,
    data: Data,
    *,
    etag: str | None = None,
    concurrency: Concurrency | str = Concurrency.LAST_WRITE,
    consistency: Consistency | str = Consistency.EVENTUAL,
    metadata: MetadataLike = None,
) -> None:
    """Saves ``data`` (bytes, or text as UTF-8) under ``key``."""
    save_bulk(store, [SaveItem(key, data, etag, concurrency, consistency, metadata)])


def save_json(store: str, key: str, value: Any, **options: Any) -> None:
    """Saves ``value`` serialized as JSON; ``options`` are those of :func:`save`."""
    save(store, key, _wit.json_bytes(value), **options)


def save_bulk(store: str, items: Iterable[SaveItem]) -> None:
    """Saves items one by one (not atomically: see :func:`transact`); the first
    failure stops the save and is raised, earlier items stay saved."""
    call(_wit.state.save, store, [item._to_wit() for item in items])


def delete(
    store: str,
    key: str,
    *,
    etag: str | None = None,
    concurrency: Concurrency | str = Concurrency.LAST_WRITE,
    consistency: Consistency | str = Consistency.EVENTUAL,
    metadata: MetadataLike = None,
) -> None:
    """Deletes ``key``; a missing key is not an error unless an etag is given."""
    delete_item(store, DeleteItem(key, etag, concurrency, consistency, metadata))


def delete_item(store: str, item: DeleteItem) -> None:
    """Deletes the key of ``item`` with its etag and options."""
    call(_wit.state.delete, store, item._to_wit())


def transact(
    store: str,
    operations: Iterable[SaveItem | DeleteItem],
    *,
    metadata: MetadataLike = None,
) -> None:
    """Applies the operations atomically, in order: each :class:`SaveItem` is an
    upsert, each :class:`DeleteItem` a delete."""
    wit_operations = []
    for operation in operations:
        if isinstance(operation, SaveItem):
            wit_operations.append(_wit.state.Operation_Upsert(operation._to_wit()))
        elif isinstance(operation, DeleteItem):
            wit_operations.append(_wit.state.Operation_Delete(operation._to_wit()))
        else:
            raise TypeError(
                f"an operation is a SaveItem or a DeleteItem, not {type(operation).__name__}"
            )
    call(_wit.state.transact, store, wit_operations, pairs(metadata))


def query(
    store: str, query: str | dict[str, Any], *, metadata: MetadataLike = None
) -> QueryResponse:
    """Runs a query in Dapr's state query language (a JSON string, or a dict
    serialized to one) over the values this app stored as JSON."""
    text = query if isinstance(query, str) else json.dumps(query)
    response = call(_wit.state.query, store, text, pairs(metadata))
    return QueryResponse(
        [QueryItem(r.key, r.data, r.etag) for r in response.results],
        response.token,
        dict(response.metadata),
    )

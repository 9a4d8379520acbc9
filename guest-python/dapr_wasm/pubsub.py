"""Publishing to topics (Dapr's publish & subscribe building block).

Subscribing is done with :meth:`dapr_wasm.App.topic`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import _wit
from ._wit import Data, MetadataLike, call, pairs, to_bytes
from .errors import DaprError

__all__ = ["BulkMessage", "BulkFailure", "publish", "publish_json", "bulk_publish"]


@dataclass
class BulkMessage:
    """One message of :func:`bulk_publish`."""

    entry_id: str
    """Identifies the message among the others of the call."""
    data: Data = b""
    """The payload: bytes, or text as UTF-8."""
    content_type: str = "application/json"
    """Its media type."""
    metadata: MetadataLike = None
    """Per-message metadata."""

    @classmethod
    def json(cls, entry_id: str, value: Any, metadata: MetadataLike = None) -> BulkMessage:
        """A message whose payload is ``value`` serialized as JSON."""
        return cls(entry_id, _wit.json_bytes(value), "application/json", metadata)


@dataclass
class BulkFailure:
    """A message of :func:`bulk_publish` that was not published."""

    entry_id: str
    """The message's ``entry_id``."""
    error: DaprError
    """Why it was not published."""


def publish(
    pubsub: str,
    topic: str,
    data: Data,
    *,
    content_type: str | None = None,
    metadata: MetadataLike = None,
) -> None:
    """Publishes ``data`` to ``topic`` of ``pubsub``; returns once the broker
    accepted it. ``content_type`` defaults to ``application/json``."""
    call(_wit.pubsub.publish, pubsub, topic, to_bytes(data), content_type, pairs(metadata))


def publish_json(pubsub: str, topic: str, value: Any, *, metadata: MetadataLike = None) -> None:
    """Publishes ``value`` serialized as JSON."""
    publish(
        pubsub,
        topic,
        _wit.json_bytes(value),
        content_type="application/json",
        metadata=metadata,
    )


def bulk_publish(
    pubsub: str,
    topic: str,
    messages: Iterable[BulkMessage],
    *,
    metadata: MetadataLike = None,
) -> list[BulkFailure]:
    """Publishes many messages; returns those that failed (empty when all were
    accepted). Raises only when nothing could be attempted."""
    wit_messages = [
        _wit.pubsub.BulkMessage(m.entry_id, to_bytes(m.data), m.content_type, pairs(m.metadata))
        for m in messages
    ]
    failures = call(_wit.pubsub.bulk_publish, pubsub, topic, wit_messages, pairs(metadata))
    return [BulkFailure(f.entry_id, DaprError.from_wit(f.error)) for f in failures]

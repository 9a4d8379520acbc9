"""Virtual actors (Dapr's Actors API), the client side: call an actor, read and
write the state of an actor this app hosts, and schedule its reminders and
timers. Hosting actor types is :class:`~dapr_wasm.Actor` and
:func:`~dapr_wasm.host_actors`::

    cart = ActorRef("cart", user)
    actors.invoke(cart, "add", "apple")
    actors.register_reminder(cart, Reminder("expire", "30m"))
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import _wit
from ._wit import Data, Payload, call, json_bytes, to_bytes

__all__ = [
    "ActorRef",
    "Upsert",
    "Delete",
    "Reminder",
    "Timer",
    "invoke",
    "invoke_json",
    "get_state",
    "get_state_json",
    "transact_state",
    "save_state",
    "save_state_json",
    "delete_state",
    "register_reminder",
    "get_reminder",
    "unregister_reminder",
    "register_timer",
    "unregister_timer",
]


@dataclass(frozen=True)
class ActorRef:
    """One actor: its type and its id within the type."""

    actor_type: str
    """The actor type, as the hosting app declares it."""
    id: str
    """The actor id; any non-empty string."""

    def _to_wit(self) -> Any:
        return _wit.actors.ActorRef(self.actor_type, self.id)

    @staticmethod
    def _from_wit(actor: Any) -> ActorRef:
        return ActorRef(actor.actor_type, actor.id)


@dataclass(frozen=True)
class Upsert:
    """An operation of :func:`transact_state`: store ``value`` under ``key``."""

    key: str
    """The state key, within the actor."""
    value: Data = b""
    """The value: bytes, or text stored as UTF-8."""
    ttl_seconds: int | None = None
    """The value expires after this many seconds; ``None``: never."""


@dataclass(frozen=True)
class Delete:
    """An operation of :func:`transact_state`: delete ``key`` (a missing key
    succeeds)."""

    key: str
    """The state key, within the actor."""


StateOperation = Upsert | Delete
"""One operation of :func:`transact_state`."""


@dataclass
class _Schedule(Payload):
    """What reminders and timers share: when they fire, and their payload.
    ``due_time`` and ``ttl`` are RFC 3339 times or Go (``90s``) or ISO 8601
    (``PT1M30S``) durations from now (``""``: now); ``period`` is a Go or
    ISO 8601 duration or an ISO 8601 repetition (``R5/PT10S``: five times in
    all)."""

    name: str
    """The name, unique within the actor."""
    due_time: str = ""
    """When it first fires."""
    period: str | None = None
    """How often it fires after that; ``None``: once."""
    ttl: str | None = None
    """When it stops firing; ``None``: never."""
    data: Data = b""
    """The payload handed to the actor."""


@dataclass
class Reminder(_Schedule):
    """A reminder: a persistent, scheduled call of the actor's
    ``on_reminder``; it activates the actor when due."""

    def _to_wit(self) -> Any:
        return _wit.actors.Reminder(
            self.name, self.due_time, self.period, self.ttl, to_bytes(self.data)
        )

    @staticmethod
    def _from_wit(reminder: Any) -> Reminder:
        return Reminder(
            reminder.name, reminder.due_time, reminder.period, reminder.ttl, reminder.data
        )


@dataclass
class Timer(_Schedule):
    """A timer: like a :class:`Reminder`, but kept in memory with the actor's
    activation; it stops when the actor is deactivated."""

    callback: str | None = None
    """A name handed to ``on_timer``, to tell the actor's timers apart."""

    def _to_wit(self) -> Any:
        return _wit.actors.Timer(
            self.name, self.due_time, self.period, self.ttl, self.callback, to_bytes(self.data)
        )


def _operation(operation: StateOperation) -> Any:
    actors = _wit.actors
    if isinstance(operation, Upsert):
        return actors.ActorStateOperation_Upsert(
            actors.ActorStateUpsert(operation.key, to_bytes(operation.value), operation.ttl_seconds)
        )
    if isinstance(operation, Delete):
        return actors.ActorStateOperation_Delete(operation.key)
    raise TypeError(f"an actor state operation is an Upsert or a Delete, not {operation!r}")


def invoke(actor: ActorRef, method: str, data: Data = b"") -> bytes:
    """Calls ``method`` of ``actor`` with ``data`` and returns its answer (the
    actor is activated if needed). The actor's own failure is
    :class:`~dapr_wasm.Internal` carrying its message; an actor type no app
    hosts, :class:`~dapr_wasm.NotFound`."""
    return call(_wit.actors.invoke, actor._to_wit(), method, to_bytes(data))


def invoke_json(actor: ActorRef, method: str, request: Any = None) -> Any:
    """Calls ``method`` of ``actor`` with ``request`` as JSON (nothing if
    ``None``) and parses its answer as JSON."""
    data = b"" if request is None else json_bytes(request)
    return json.loads(invoke(actor, method, data))


def get_state(actor: ActorRef, key: str) -> bytes | None:
    """The value of ``key`` in ``actor``'s state (a type this app hosts), or
    ``None``."""
    return call(_wit.actors.get_state, actor._to_wit(), key)


def get_state_json(actor: ActorRef, key: str, default: Any = None) -> Any:
    """The value of ``key`` in ``actor``'s state parsed as JSON, or
    ``default``."""
    value = get_state(actor, key)
    return default if value is None else json.loads(value)


def transact_state(actor: ActorRef, operations: Iterable[StateOperation]) -> None:
    """Applies ``operations`` (:class:`Upsert`, :class:`Delete`) to ``actor``'s
    state, all or none."""
    call(_wit.actors.transact_state, actor._to_wit(), [_operation(op) for op in operations])


def save_state(actor: ActorRef, key: str, value: Data, ttl_seconds: int | None = None) -> None:
    """Stores ``value`` (bytes, or text as UTF-8) under ``key`` in ``actor``'s
    state."""
    transact_state(actor, [Upsert(key, value, ttl_seconds)])


def save_state_json(actor: ActorRef, key: str, value: Any, ttl_seconds: int | None = None) -> None:
    """Stores ``value`` serialized as JSON under ``key`` in ``actor``'s state."""
    save_state(actor, key, json_bytes(value), ttl_seconds)


def delete_state(actor: ActorRef, key: str) -> None:
    """Deletes ``key`` from ``actor``'s state (a missing key succeeds)."""
    transact_state(actor, [Delete(key)])


def register_reminder(actor: ActorRef, reminder: Reminder) -> None:
    """Registers ``reminder`` for ``actor``, replacing one of the same name; a
    malformed time, period or TTL is :class:`~dapr_wasm.InvalidArgument`."""
    call(_wit.actors.register_reminder, actor._to_wit(), reminder._to_wit())


def get_reminder(actor: ActorRef, name: str) -> Reminder | None:
    """The reminder ``name`` of ``actor`` as registered, or ``None``."""
    reminder = call(_wit.actors.get_reminder, actor._to_wit(), name)
    return None if reminder is None else Reminder._from_wit(reminder)


def unregister_reminder(actor: ActorRef, name: str) -> None:
    """Unregisters the reminder ``name`` of ``actor`` (a missing one succeeds)."""
    call(_wit.actors.unregister_reminder, actor._to_wit(), name)


def register_timer(actor: ActorRef, timer: Timer) -> None:
    """Starts ``timer`` for ``actor`` (activating it if needed), for as long as
    its activation lasts."""
    call(_wit.actors.register_timer, actor._to_wit(), timer._to_wit())


def unregister_timer(actor: ActorRef, name: str) -> None:
    """Stops the timer ``name`` of ``actor`` (a missing one succeeds)."""
    call(_wit.actors.unregister_timer, actor._to_wit(), name)

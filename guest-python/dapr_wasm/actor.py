"""Hosting actors: a subclass of :class:`Actor` per actor type, its public
methods the actor's methods, exported with :func:`host_actors` as the
``dapr:runtime/actor`` export::

    import dapr_wasm
    from dapr_wasm import ActorCall, actors

    class Cart(dapr_wasm.Actor):
        actor_type = "cart"

        def on_activate(self) -> None:
            self.items = actors.get_state_json(self.ref, "items", default=[])

        def add(self, call: ActorCall) -> None:
            self.items.append(call.text())
            actors.save_state_json(self.ref, "items", self.items)

        def list(self, call: ActorCall) -> str:
            return ",".join(self.items)

    Actor = dapr_wasm.host_actors(Cart)   # componentize-py exports this class

The host runs each active actor in an instance of its own, kept between its
turns: the one object of its class lives as long as the activation, so its
attributes carry over from one call to the next. Keep what must outlive a
deactivation in actor state (:func:`dapr_wasm.actors.save_state`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from ._wit import Data, Err, Payload, to_bytes
from .actors import ActorRef

__all__ = ["Actor", "ActorCall", "TimerEvent", "ReminderEvent", "ReminderOutcome", "host_actors"]


class ReminderOutcome(StrEnum):
    """What becomes of a reminder after :meth:`Actor.on_reminder`."""

    KEEP = "keep"
    """It stays registered and fires again on its period."""
    CANCEL = "cancel"
    """It is unregistered."""


@dataclass
class ActorCall(Payload):
    """A call of one of the actor's methods."""

    method: str
    """The method called."""
    data: bytes
    """The caller's payload."""


@dataclass
class TimerEvent(Payload):
    """A timer of the actor firing."""

    name: str
    """The timer's name."""
    callback: str | None
    """The timer's callback name, if it has one."""
    data: bytes
    """The timer's payload."""


@dataclass
class ReminderEvent(Payload):
    """A reminder of the actor firing."""

    name: str
    """The reminder's name."""
    data: bytes
    """The reminder's payload."""


class Actor:
    """One actor type: subclass it, set ``actor_type``, and define the actor's
    methods as public methods of the class, each taking an
    :class:`ActorCall` and returning its answer (bytes or text) or ``None``.
    A method raising fails the call: the caller gets
    :class:`~dapr_wasm.Internal` with the exception's message. A method name
    with ``-`` reaches the method named with ``_``. The ``on_*`` hooks have
    defaults: no-op activation, deactivation and timers; reminders are kept.
    """

    actor_type: ClassVar[str]
    """The type's name, as callers write it in :attr:`ActorRef.actor_type`."""
    idle_timeout_ms: ClassVar[int | None] = None
    """Deactivate an actor idle this many milliseconds; ``None``: the host's
    setting (60 minutes by default)."""

    def __init__(self, ref: ActorRef) -> None:
        self.ref = ref
        """The actor this object is."""

    def on_activate(self) -> None:
        """Runs once when the actor is activated, before any call; raising
        refuses the activation."""

    def on_invoke(self, call: ActorCall) -> Data | None:
        """Handles a call: by default the method of the subclass named like
        ``call.method``; a name that is no such method fails with
        ``<type> has no method `<method>```."""
        method = _actor_method(type(self), call.method)
        if method is None:
            raise LookupError(f"{self.ref.actor_type} has no method `{call.method}`")
        return method(self, call)

    def on_timer(self, timer: TimerEvent) -> None:
        """Handles a timer firing; does nothing by default."""

    def on_reminder(self, reminder: ReminderEvent) -> ReminderOutcome | None:
        """Handles a reminder firing; returns ``None`` or
        :attr:`ReminderOutcome.KEEP` to keep it, :attr:`ReminderOutcome.CANCEL`
        to unregister it."""
        return ReminderOutcome.KEEP

    def on_deactivate(self) -> None:
        """Runs before the actor is deactivated."""


ActorMethod = Callable[[Actor, ActorCall], Data | None]
"""An actor method: takes the call, answers bytes, text or ``None``."""


def _actor_method(cls: type[Actor], name: str) -> ActorMethod | None:
    """The public method ``name`` (``-`` read as ``_``) that ``cls`` defines
    below :class:`Actor` (not a hook, not inherited from it)."""
    name = name.replace("-", "_")
    if not name.isidentifier() or name.startswith("_") or hasattr(Actor, name):
        return None
    for klass in cls.__mro__:
        if klass is Actor:
            return None
        if name in vars(klass):
            method = vars(klass)[name]
            return method if callable(method) else None
    return None


def _message(exc: BaseException) -> str:
    """The message an exception hands the caller."""
    if isinstance(exc, Err):
        return str(exc.value)
    return str(exc.args[0]) if len(exc.args) == 1 else str(exc) or type(exc).__name__


class _Hosting:
    """The hosted types and this instance's one live actor."""

    def __init__(self, types: dict[str, type[Actor]]) -> None:
        self.types = types
        self.live: Actor | None = None

    def activate(self, ref: ActorRef) -> Actor:
        """Makes and activates the actor ``ref``."""
        cls = self.types.get(ref.actor_type)
        if cls is None:
            raise LookupError(f"this component does not host actor type `{ref.actor_type}`")
        self.live = None
        actor = cls(ref)
        actor.on_activate()
        self.live = actor
        return actor

    def turn(self, wit_ref: Any, turn: Callable[[Actor], Any]) -> Any:
        """Runs ``turn`` on the live actor ``wit_ref``, activating it if this
        instance has none; an exception becomes the WIT ``err``."""
        ref = ActorRef._from_wit(wit_ref)
        try:
            actor = self.live if self.live is not None and self.live.ref == ref else self.activate(ref)
            return turn(actor)
        except Exception as exc:
            raise Err(_message(exc)) from None


def host_actors(*types: type[Actor]) -> type:
    """The class implementing the ``dapr:runtime/actor`` export for the actor
    types ``types``.

    Assign it to the name ``Actor`` in the app's module (the module given to
    ``build.sh``), where componentize-py looks for it. The component's world
    must export ``actor`` (``--world actor-app``, or ``app-actors`` together
    with an :class:`~dapr_wasm.App`'s ``Handler``).
    """
    by_name: dict[str, type[Actor]] = {}
    for cls in types:
        if not (isinstance(cls, type) and issubclass(cls, Actor)):
            raise TypeError(f"an actor type must be a subclass of Actor, not {cls!r}")
        name = getattr(cls, "actor_type", None)
        if not isinstance(name, str) or not name:
            raise TypeError(f"{cls.__name__} must set actor_type")
        if name in by_name:
            raise ValueError(f"actor type {name!r} is hosted twice")
        by_name[name] = cls
    try:
        from wit_world import exports as wit_exports
        from wit_world.exports import actor as wit
    except ImportError as exc:
        raise RuntimeError(
            "the component's world does not export dapr:runtime/actor: "
            "build it with `--world actor-app` (or a world that includes it)"
        ) from exc
    host = _Hosting(by_name)

    class ActorExport(wit_exports.Actor):
        """The ``dapr:runtime/actor`` export, dispatching to the live actor."""

        def actor_types(self) -> list[Any]:
            return [wit.ActorType(name, cls.idle_timeout_ms) for name, cls in by_name.items()]

        def on_activate(self, actor: Any) -> None:
            host.live = None
            host.turn(actor, lambda _actor: None)

        def on_invoke(self, actor: Any, method: str, data: bytes) -> bytes:
            def turn(live: Actor) -> bytes:
                answer = live.on_invoke(ActorCall(method, data))
                return b"" if answer is None else to_bytes(answer)

            return host.turn(actor, turn)

        def on_timer(self, actor: Any, name: str, callback: str | None, data: bytes) -> None:
            host.turn(actor, lambda live: live.on_timer(TimerEvent(name, callback, data)))

        def on_reminder(self, actor: Any, name: str, data: bytes) -> Any:
            def turn(live: Actor) -> Any:
                outcome = live.on_reminder(ReminderEvent(name, data))
                return wit.ReminderOutcome[ReminderOutcome(outcome or ReminderOutcome.KEEP).name]

            return host.turn(actor, turn)

        def on_deactivate(self, actor: Any) -> None:
            try:
                host.turn(actor, lambda live: live.on_deactivate())
            finally:
                host.live = None

    return ActorExport

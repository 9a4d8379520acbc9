"""The runner's ``actor`` export: the test actor type ``conformance-actor``
(tests/conformance/README.md). Its methods show what the host promises:
``echo`` answers its data; ``count`` counts calls in memory (only the same
instance, turn after turn, keeps counting); ``set`` (``key=value``) and
``get`` (``key``) use actor state; ``turn`` notes in actor state that a turn
is running, waits 50 ms and counts, noting an overlap if another turn was
running; ``timer`` (``name=period``) registers a timer on itself; ``call``
(``type/id/method/data``) calls another actor and answers its answer. Timers and
reminders are recorded in ``statestore`` as ``actor-timer:<id>:<name>`` and
``actor-reminder:<id>:<name>`` = ``<count>|<data>``; a reminder whose data is
``cancel`` cancels itself."""

from __future__ import annotations

import time

import dapr_wasm
from dapr_wasm import ActorCall, ReminderEvent, ReminderOutcome, TimerEvent, actors
from events import tally


def split(text: str, usage: str) -> tuple[str, str]:
    """``text`` split at its first ``=``; an error naming ``usage`` if it has none."""
    key, sep, value = text.partition("=")
    if not sep:
        raise ValueError(usage)
    return key, value


class ConformanceActor(dapr_wasm.Actor):
    """The hosted type."""

    actor_type = "conformance-actor"

    def on_activate(self) -> None:
        self._calls = 0  # the calls of `count` in this instance

    def echo(self, call: ActorCall) -> bytes:
        return call.data

    def count(self, _call: ActorCall) -> str:
        self._calls += 1
        return str(self._calls)

    def set(self, call: ActorCall) -> None:
        key, value = split(call.text(), "set takes key=value")
        actors.save_state(self.ref, key, value)

    def get(self, call: ActorCall) -> bytes:
        return actors.get_state(self.ref, call.text()) or b""

    def turn(self, _call: ActorCall) -> str:
        if actors.get_state(self.ref, "busy") is not None:
            self._add("overlaps")
        actors.save_state(self.ref, "busy", "1")
        time.sleep(0.05)
        actors.delete_state(self.ref, "busy")
        return str(self._add("turns"))

    def call(self, call: ActorCall) -> bytes:
        parts = call.text().split("/", 3)
        if len(parts) < 3:
            raise ValueError("call takes type/id/method/data")
        callee = actors.ActorRef(parts[0], parts[1])
        return actors.invoke(callee, parts[2], parts[3] if len(parts) > 3 else b"")

    def timer(self, call: ActorCall) -> None:
        name, period = split(call.text(), "timer takes name=period")
        timer = actors.Timer(name, "0s", period=period, callback="tick", data="timer-data")
        actors.register_timer(self.ref, timer)

    def on_timer(self, timer: TimerEvent) -> None:
        tally(f"actor-timer:{self.ref.id}:{timer.name}", f"{timer.callback or ''}:{timer.text()}")

    def on_reminder(self, reminder: ReminderEvent) -> ReminderOutcome:
        data = reminder.text()
        tally(f"actor-reminder:{self.ref.id}:{reminder.name}", data)
        return ReminderOutcome.CANCEL if data == "cancel" else ReminderOutcome.KEEP

    def _add(self, key: str) -> int:
        """Increments the count under ``key`` in actor state; the new count."""
        count = actors.get_state_json(self.ref, key, default=0) + 1
        actors.save_state(self.ref, key, str(count))
        return count

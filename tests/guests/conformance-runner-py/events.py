"""The runner's ``handler`` export: fixed subscriptions and input bindings,
and everything delivered recorded in ``statestore`` for scenarios to check
(tests/conformance/README.md)."""

from __future__ import annotations

from dapr_wasm import (
    App,
    BindingEvent,
    CloudEvent,
    ConfigurationItem,
    DaprError,
    EventStatus,
    Request,
    Response,
    state,
)

STORE = "statestore"
PUBSUB = "pubsub"
FLAKY_SUCCESS_ATTEMPT = 3
"""``flaky`` events succeed on this attempt."""

app = App()


def record(event: CloudEvent, suffix: str = "") -> None:
    """Records a delivered event under ``received:<topic>:<data>``, with
    ``suffix`` appended to the value."""
    data = event.text()
    value = f"{event.path}|{event.source}|{event.data_content_type}|{data}{suffix}"
    state.save(STORE, f"received:{event.topic}:{data}", value)


for topic in ("orders", "flaky-dead", "poison-dead", "batched-dead"):
    app.topic(PUBSUB, topic)(record)


@app.topic(PUBSUB, "flaky", dead_letter_topic="flaky-dead")
def flaky(event: CloudEvent) -> EventStatus | None:
    """Retried until its third attempt, then recorded."""
    if count_attempt(event.id) < FLAKY_SUCCESS_ATTEMPT:
        return EventStatus.RETRY
    record(event)
    return None


@app.topic(PUBSUB, "poison", dead_letter_topic="poison-dead")
def poison(_event: CloudEvent) -> EventStatus:
    """Never processed."""
    return EventStatus.DROP


@app.bulk_topic(PUBSUB, "batched", max_messages=3, max_await_ms=1000, dead_letter_topic="batched-dead")
def batched(events: list[CloudEvent]) -> list[EventStatus | None]:
    """``drop-*`` events are dropped, ``retry-*`` ones retried until their
    second attempt; the others (and those on their second attempt) are
    recorded with the size of their batch."""
    return [settle_batched(event, len(events)) for event in events]


def settle_batched(event: CloudEvent, size: int) -> EventStatus | None:
    """The answer for one event of a batch of ``size``."""
    data = event.text()
    if data.startswith("drop"):
        return EventStatus.DROP
    if data.startswith("retry") and count_attempt(event.id) < 2:
        return EventStatus.RETRY
    record(event, suffix=f"|{size}")
    return None


def count_attempt(event_id: str) -> int:
    """Increments the attempt counter of event ``event_id``; the new count."""
    return count(f"attempts:{event_id}")


def count(key: str) -> int:
    """Increments the counter under ``key``; the new count."""
    item = state.get(STORE, key)
    try:
        previous = int(item.text().strip()) if item else 0
    except ValueError:
        previous = 0
    attempt = previous + 1
    state.save(STORE, key, str(attempt))
    return attempt


@app.invoke("fail")
def fail(_request: Request) -> Response:
    """Always answers 500."""
    return Response(500, data=b"failed")


@app.invoke()
def echo(request: Request) -> Response:
    """Answers ``<verb>:<method>:<query as k=v joined by &>:<data>``."""
    query = "&".join(f"{k}={v}" for k, v in request.query)
    return Response.with_text(f"{request.verb.value}:{request.method}:{query}:{request.text()}")


@app.binding("ticker")
def ticker(event: BindingEvent) -> None:
    """Saves ``binding:<name>`` = the event's data."""
    state.save(STORE, f"binding:{event.name}", event.data)


@app.configuration_update
def configuration_update(
    _store: str, _subscription_id: str, items: list[ConfigurationItem]
) -> None:
    """Saves ``config-update:<key>`` = the value of each changed item."""
    for item in items:
        try:
            state.save(STORE, f"config-update:{item.key}", item.value)
        except DaprError:
            pass  # nothing can report a failure here; the missing key shows it


@app.job()
def on_job(name: str, data: bytes) -> None:
    """Counts every trigger under ``job-attempts:<name>``; jobs named
    ``flaky-*`` fail their first two triggers, ``failing-*`` every one; a
    completed trigger is counted under ``job:<name>`` as ``<count>|<data>``."""
    attempt = count(f"job-attempts:{name}")
    if name.startswith("failing-") or (
        name.startswith("flaky-") and attempt < FLAKY_SUCCESS_ATTEMPT
    ):
        raise RuntimeError(f"job `{name}` fails attempt {attempt}")
    tally(f"job:{name}", data.decode("utf-8", errors="replace"))


def tally(key: str, data: str) -> None:
    """Counts one more delivery under ``key`` with its data: the value becomes
    ``<count>|<data>`` (job triggers, actor timers and reminders)."""
    item = state.get(STORE, key)
    try:
        done = int(item.text().split("|")[0]) if item else 0
    except ValueError:
        done = 0
    state.save(STORE, key, f"{done + 1}|{data}")

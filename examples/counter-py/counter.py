"""An HTTP component that counts its visits: each ``GET /`` increments the
number stored under ``counter`` in ``statestore`` and answers the new value.

Concurrent requests run in separate instances, so the increment is an
optimistic read-modify-write: the save carries the etag that was read
(first-write concurrency when the key is missing) and starts over when
another request won the race.
"""

from dapr_wasm import DaprError, EtagMismatch, http, state
from dapr_wasm.state import Concurrency

STORE = "statestore"
KEY = "counter"
MAX_ATTEMPTS = 100
"""How often an increment is retried after losing a race."""


def increment() -> int:
    """Increments the counter and returns its new value."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        item = state.get(STORE, KEY)
        try:
            if item is None:
                state.save(STORE, KEY, "1", concurrency=Concurrency.FIRST_WRITE)
                return 1
            count = parse_count(item.data) + 1
            state.save(STORE, KEY, str(count), etag=item.etag)
            return count
        except EtagMismatch:
            if attempt == MAX_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def parse_count(data: bytes) -> int:
    """The stored count; anything unreadable counts as 0."""
    try:
        return int(data.decode().strip())
    except ValueError:
        return 0


def handle(request: http.Request) -> http.Response:
    """``GET /`` counts; anything else is 404."""
    if (request.method, request.path) != ("GET", "/"):
        return http.Response.not_found()
    try:
        return http.Response.with_text(str(increment()))
    except DaprError as error:
        return http.Response.with_text(str(error), 500)


IncomingHandler = http.handler(handle)

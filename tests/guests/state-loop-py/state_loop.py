"""Runs ``n`` state operations per request, the Python counterpart of
tests/guests/state-loop for the ``languages`` benchmark group:

- ``GET /get?n=N``: ``N`` gets of ``bench`` in ``statestore`` (eventual
  consistency, no metadata);
- ``GET /save?n=N``: ``N`` saves of a 64-byte value to ``bench``
  (last-write, eventual).

Both answer ``200`` with ``N`` (``n`` defaults to 1); a malformed ``n`` is
``400``, another path ``404``, a failed call ``500`` with the error.
"""

from dapr_wasm import DaprError, http, state

STORE = "statestore"
KEY = "bench"
VALUE = b"x" * 64


def count_of(request: http.Request) -> int | None:
    """``n`` of the query: 1 when absent, ``None`` unless a non-negative
    32-bit integer."""
    text = request.query_param("n")
    if text is None:
        return 1
    if not text.isascii() or not text.isdigit() or int(text) > 0xFFFF_FFFF:
        return None
    return int(text)


def get(n: int) -> None:
    """``n`` gets of the key."""
    for _ in range(n):
        state.get(STORE, KEY)


def save(n: int) -> None:
    """``n`` saves of the value."""
    for _ in range(n):
        state.save(STORE, KEY, VALUE)


LOOPS = {"/get": get, "/save": save}


def handle(request: http.Request) -> http.Response:
    """``GET /get`` and ``GET /save`` run their loop; anything else is 404."""
    loop = LOOPS.get(request.path)
    if request.method != "GET" or loop is None:
        return http.Response.not_found()
    n = count_of(request)
    if n is None:
        return http.Response.with_text("n must be a non-negative integer", 400)
    try:
        loop(n)
    except DaprError as error:
        return http.Response.with_text(str(error), 500)
    return http.Response.with_text(str(n))


IncomingHandler = http.handler(handle)

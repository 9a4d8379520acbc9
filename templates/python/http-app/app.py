"""{{name}}: a JSON HTTP endpoint backed by the state store.

- ``POST /items/{id}`` with a JSON body saves it under ``item:{id}`` in
  ``statestore`` and answers ``201`` with the saved JSON (``400`` if the
  body is not JSON).
- ``GET /items/{id}`` answers the saved JSON, or ``404``.

Every request runs in a fresh instance: keep data in the building blocks,
not in module globals.
"""

import json

from dapr_wasm import DaprError, http, state

STORE = "statestore"
"""The state store the items are kept in."""


def handle(request: http.Request) -> http.Response:
    """One request; the body is already read."""
    item_id = request.path.removeprefix("/items/")
    if item_id == request.path or not item_id or "/" in item_id:
        return error(404, "no such resource: use /items/{id}")
    try:
        if request.method == "GET":
            return get(item_id)
        if request.method == "POST":
            return post(item_id, request.body)
    except DaprError as failure:  # a failed call: failure.case says which kind
        return error(500, str(failure))
    return error(405, "use GET or POST")


def get(item_id: str) -> http.Response:
    """``GET /items/{id}``."""
    item = state.get(STORE, key(item_id))
    if item is None:
        return error(404, f"no item {item_id}")
    return http.Response(200, [("content-type", "application/json")], item.data)


def post(item_id: str, body: bytes) -> http.Response:
    """``POST /items/{id}``: the body must be JSON; it is saved as sent."""
    try:
        json.loads(body)
    except ValueError as bad:
        return error(400, f"the body is not JSON: {bad}")
    state.save(STORE, key(item_id), body)
    return http.Response(201, [("content-type", "application/json")], body)


def error(status: int, message: str) -> http.Response:
    """An error answer: ``{"error": message}``."""
    return http.Response.with_json({"error": message}, status)


def key(item_id: str) -> str:
    """The state key of item ``item_id``."""
    return f"item:{item_id}"


IncomingHandler = http.handler(handle)
"""The ``wasi:http/incoming-handler`` export componentize-py looks for."""

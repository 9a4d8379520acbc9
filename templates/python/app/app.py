"""{{name}}: an app that keeps the items published to it.

- Subscribes to topic ``items`` of the pub/sub ``pubsub``. Each event is a
  JSON object with a string ``id``, such as ``{"id": "1", "name": "apple"}``;
  it is saved as published under ``item:{id}`` in ``statestore``.
- Answers the invocation ``GET items/{id}`` with the saved item (JSON), or
  ``404`` when there is none.

Every event and invocation runs in a fresh instance: keep data in the
building blocks, not in module globals.
"""

import sys

from dapr_wasm import App, CloudEvent, EventStatus, HttpVerb, Request, Response, state

STORE = "statestore"
"""The state store the items are kept in."""
PUBSUB, TOPIC = "pubsub", "items"
"""The pub/sub component and topic the items arrive on."""

app = App()


@app.topic(PUBSUB, TOPIC)
def on_item(event: CloudEvent) -> EventStatus | None:
    """One event: ``None`` acknowledges it, ``EventStatus.DROP`` discards it;
    an exception (a failed save) has it delivered again later."""
    try:
        item = event.json()
    except ValueError:
        item = None
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        print(f"dropping event {event.id}: not an item with a string `id`", file=sys.stderr)
        return EventStatus.DROP
    state.save(STORE, key(item["id"]), event.data)
    return None


@app.invoke()
def on_invoke(request: Request) -> Response:
    """Every invocation: ``GET items/{id}`` answers the saved item."""
    method = request.method.lstrip("/")
    item_id = method.removeprefix("items/")
    if item_id == method or not item_id:
        return Response(status=404)
    if request.verb != HttpVerb.GET:
        return Response.with_text("only GET items/{id}", status=405)
    item = state.get(STORE, key(item_id))
    if item is None:
        return Response(status=404)
    return Response(status=200, content_type="application/json", data=item.data)


def key(item_id: str) -> str:
    """The state key of item ``item_id``."""
    return f"item:{item_id}"


Handler = app.handler()
"""The ``dapr:runtime/handler`` export componentize-py looks for."""

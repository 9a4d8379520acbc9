"""The back end of the orders example in Python, a Dapr app (``--world app``);
the same behaviour as the Rust ``order-store``.

Subscribes to topic ``orders`` of pub/sub ``pubsub`` and saves every order, a
JSON object with a string or number ``id``, under ``order:{id}`` in
``statestore``. Answers the invocation ``GET orders/{id}`` with the stored
JSON, or ``404`` if there is no such order.
"""

from dapr_wasm import App, CloudEvent, EventStatus, HttpVerb, Request, Response, state

STORE = "statestore"
PUBSUB = "pubsub"
TOPIC = "orders"

app = App()


def order_id(order: object) -> str | None:
    """The order's ``id`` as text, if it is a string or number."""
    if not isinstance(order, dict):
        return None
    id_ = order.get("id")
    if isinstance(id_, bool) or not isinstance(id_, (str, int, float)):
        return None
    return str(id_)


@app.topic(PUBSUB, TOPIC)
def on_order(event: CloudEvent) -> EventStatus | None:
    """Saves the order; drops what is not an order."""
    try:
        id_ = order_id(event.json())
    except ValueError:
        id_ = None
    if id_ is None:
        return EventStatus.DROP
    state.save(STORE, f"order:{id_}", event.data)
    return None


@app.invoke()
def lookup(request: Request) -> Response:
    """``GET orders/{id}``: the stored order, or 404."""
    method = request.method.lstrip("/")
    id_ = method.removeprefix("orders/")
    if request.verb != HttpVerb.GET or id_ == method or not id_:
        return Response.with_text("not found", 404)
    item = state.get(STORE, f"order:{id_}")
    if item is None:
        return Response.with_text(f"no order {id_}", 404)
    return Response(200, content_type="application/json", data=item.data)


Handler = app.handler()

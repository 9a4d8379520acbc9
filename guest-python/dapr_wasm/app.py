"""Apps: functions registered with decorators receive what the host delivers
through the ``dapr:runtime/handler`` export (pub/sub events, service
invocations, input-binding events, configuration updates)::

    from dapr_wasm import App, CloudEvent, Request, Response

    app = App()

    @app.topic("pubsub", "orders")
    def on_order(event: CloudEvent) -> None:
        state.save("statestore", event.id, event.data)

    @app.invoke("hello")
    def hello(request: Request) -> Response:
        return Response.with_text("hello " + request.text())

    Handler = app.handler()   # componentize-py exports this class

Every call runs in a fresh instance of the component: module-level code runs
once per instance, and nothing is shared between calls except through the
building blocks.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ._wit import Data, Err, MetadataLike, Payload, pairs, to_bytes
from .configuration import ConfigurationItem
from .invoke import Request, Response

__all__ = ["App", "CloudEvent", "BindingEvent", "EventStatus"]


class EventStatus(StrEnum):
    """How a topic handler handled an event."""

    SUCCESS = "success"
    """Processed; the event is acknowledged."""
    RETRY = "retry"
    """Not processed now; deliver it again later."""
    DROP = "drop"
    """Never to be processed; goes to the dead-letter topic, if any."""


@dataclass
class CloudEvent(Payload):
    """An event delivered to a subscription (CloudEvents 1.0 fields)."""

    id: str
    """The event id; a redelivery keeps it."""
    source: str
    """Who sent it (the publishing app id)."""
    type: str
    """The event type, such as ``com.dapr.event.sent``."""
    spec_version: str
    """The CloudEvents spec version, ``1.0``."""
    data_content_type: str
    """The media type of ``data``."""
    data: bytes
    """The payload, as published."""
    topic: str
    """The topic it was published to."""
    pubsub: str
    """The pub/sub component it came through."""
    path: str
    """The subscription's route (its topic when it has none)."""
    extensions: dict[str, str] = field(default_factory=dict)
    """Other CloudEvent attributes and broker metadata."""

    @classmethod
    def _from_wit(cls, event: Any) -> CloudEvent:
        return cls(
            event.id,
            event.source,
            event.event_type,
            event.spec_version,
            event.data_content_type,
            event.data,
            event.topic,
            event.pubsub,
            event.path,
            dict(event.extensions),
        )


@dataclass
class BindingEvent(Payload):
    """An event from an input binding."""

    name: str
    """The input binding's component name."""
    data: bytes
    """The payload."""
    metadata: dict[str, str] = field(default_factory=dict)
    """Binding-specific metadata."""


TopicHandler = Callable[[CloudEvent], EventStatus | None]
"""Handles an event; returns ``None`` (success) or an :class:`EventStatus`."""
BulkTopicHandler = Callable[[list[CloudEvent]], list[EventStatus | None]]
"""Handles a batch of events; returns one ``None`` (success) or
:class:`EventStatus` per event, in order."""
InvokeHandler = Callable[[Request], Response | Data | None]
"""Handles an invocation; returns a :class:`Response` or a 200 body."""
BindingHandler = Callable[[BindingEvent], Data | None]
"""Handles an input-binding event; returns response data, if any."""
ConfigurationHandler = Callable[[str, str, list[ConfigurationItem]], None]
"""Receives ``(store, subscription_id, items)`` of a configuration subscription."""
JobHandler = Callable[[str, bytes], None]
"""Handles one trigger of a job, called with ``(name, data)``; an exception fails it."""


@dataclass
class _Subscription:
    pubsub: str
    topic: str
    route: str | None
    metadata: list[tuple[str, str]]
    dead_letter_topic: str | None
    handler: TopicHandler | BulkTopicHandler
    bulk: tuple[int, int] | None = None
    """``(max_messages, max_await_ms)`` of a bulk subscription."""


def _log_failure(what: str) -> None:
    print(f"{what} failed:", file=sys.stderr)
    traceback.print_exc(file=sys.stderr)


class App:
    """The handlers of an app; :meth:`handler` turns them into the export."""

    def __init__(self) -> None:
        self._subscriptions: dict[tuple[str, str], _Subscription] = {}
        self._methods: dict[str, InvokeHandler] = {}
        self._any_method: InvokeHandler | None = None
        self._bindings: dict[str, BindingHandler] = {}
        self._configuration: ConfigurationHandler | None = None
        self._jobs: dict[str, JobHandler] = {}
        self._any_job: JobHandler | None = None

    def topic(
        self,
        pubsub: str,
        topic: str,
        *,
        route: str | None = None,
        dead_letter_topic: str | None = None,
        metadata: MetadataLike = None,
    ) -> Callable[[TopicHandler], TopicHandler]:
        """Subscribes the decorated function to ``topic`` of ``pubsub``.

        It returns ``None`` (success) or an :class:`EventStatus`; an exception
        is logged and the event retried. Events dropped, or failing after
        every retry, go to ``dead_letter_topic`` if given. ``route`` comes back
        as :attr:`CloudEvent.path`.
        """

        def register(function: TopicHandler) -> TopicHandler:
            self._subscribe(
                _Subscription(pubsub, topic, route, pairs(metadata), dead_letter_topic, function)
            )
            return function

        return register

    def bulk_topic(
        self,
        pubsub: str,
        topic: str,
        *,
        max_messages: int = 100,
        max_await_ms: int = 1000,
        route: str | None = None,
        dead_letter_topic: str | None = None,
        metadata: MetadataLike = None,
    ) -> Callable[[BulkTopicHandler], BulkTopicHandler]:
        """Subscribes the decorated function to ``topic`` of ``pubsub`` in
        batches of up to ``max_messages`` events (a batch that cannot fill is
        delivered once its oldest event has waited ``max_await_ms``).

        It returns one ``None`` (success) or :class:`EventStatus` per event,
        in order, and each event is settled on its own as with :meth:`topic`;
        an exception, or a list of another length, retries the whole batch.
        """
        if max_messages < 1:
            raise ValueError(f"max_messages must be at least 1, not {max_messages}")

        def register(function: BulkTopicHandler) -> BulkTopicHandler:
            self._subscribe(
                _Subscription(
                    pubsub,
                    topic,
                    route,
                    pairs(metadata),
                    dead_letter_topic,
                    function,
                    (max_messages, max_await_ms),
                )
            )
            return function

        return register

    def _subscribe(self, subscription: _Subscription) -> None:
        key = (subscription.pubsub, subscription.topic)
        if key in self._subscriptions:
            raise ValueError(
                f"topic {subscription.topic!r} of {subscription.pubsub!r} already has a handler"
            )
        self._subscriptions[key] = subscription

    def invoke(self, method: str | None = None) -> Callable[[InvokeHandler], InvokeHandler]:
        """Handles invocations of ``method`` (of every method without its own
        handler when ``None``) with the decorated function.

        It returns a :class:`Response`, or a body (bytes or text) answered with
        status 200; an exception is logged and answered with status 500.
        Methods without a handler are answered with status 404.
        """

        def register(function: InvokeHandler) -> InvokeHandler:
            if method is None:
                if self._any_method is not None:
                    raise ValueError("every method already has a handler")
                self._any_method = function
            else:
                if method in self._methods:
                    raise ValueError(f"method {method!r} already has a handler")
                self._methods[method] = function
            return function

        return register

    def binding(self, name: str) -> Callable[[BindingHandler], BindingHandler]:
        """Receives the events of the input binding ``name`` with the decorated
        function. It returns response data (or ``None``); an exception tells
        the binding that the event failed."""

        def register(function: BindingHandler) -> BindingHandler:
            if name in self._bindings:
                raise ValueError(f"input binding {name!r} already has a handler")
            self._bindings[name] = function
            return function

        return register

    def configuration_update(self, function: ConfigurationHandler) -> ConfigurationHandler:
        """Receives the changed items of every configuration subscription (made
        with :func:`dapr_wasm.configuration.subscribe`) with the decorated
        function, called as ``function(store, subscription_id, items)``."""
        if self._configuration is not None:
            raise ValueError("configuration updates already have a handler")
        self._configuration = function
        return function

    def job(self, name: str | None = None) -> Callable[[JobHandler], JobHandler]:
        """Handles the triggers of job ``name`` (of every job without its own
        handler when ``None``) with the decorated function, called as
        ``function(name, data)``. Returning completes the trigger; an
        exception fails it, and the job's failure policy decides on a retry.
        """

        def register(function: JobHandler) -> JobHandler:
            if name is None:
                if self._any_job is not None:
                    raise ValueError("every job already has a handler")
                self._any_job = function
            else:
                if name in self._jobs:
                    raise ValueError(f"job {name!r} already has a handler")
                self._jobs[name] = function
            return function

        return register

    # ---- what the export calls ----

    def _on_topic_event(self, event: CloudEvent) -> EventStatus:
        subscription = self._subscriptions.get((event.pubsub, event.topic))
        if subscription is None:
            print(f"no handler for topic {event.topic!r} of {event.pubsub!r}", file=sys.stderr)
            return EventStatus.DROP
        if subscription.bulk is not None:
            return self._on_bulk_topic_event([event])[0]
        try:
            status = subscription.handler(event)
            return EventStatus.SUCCESS if status is None else EventStatus(status)
        except Exception:
            _log_failure(f"the handler of topic {event.topic!r}")
            return EventStatus.RETRY

    def _on_bulk_topic_event(self, events: list[CloudEvent]) -> list[EventStatus]:
        if not events:
            return []
        first = events[0]
        subscription = self._subscriptions.get((first.pubsub, first.topic))
        if subscription is None or subscription.bulk is None:
            return [self._on_topic_event(event) for event in events]
        try:
            answers = list(subscription.handler(events))
            if len(answers) != len(events):
                raise ValueError(f"{len(answers)} statuses answered for {len(events)} events")
            return [
                EventStatus.SUCCESS if status is None else EventStatus(status)
                for status in answers
            ]
        except Exception:
            _log_failure(f"the bulk handler of topic {first.topic!r}")
            return [EventStatus.RETRY] * len(events)

    def _on_invoke(self, request: Request) -> Response:
        function = self._methods.get(request.method, self._any_method)
        if function is None:
            return Response.with_text(f"no handler for method {request.method!r}", 404)
        try:
            answer = function(request)
        except Exception as exc:
            _log_failure(f"the handler of method {request.method!r}")
            return Response.with_text(f"{type(exc).__name__}: {exc}", 500)
        if isinstance(answer, Response):
            return answer
        return Response(200, data=b"" if answer is None else answer)

    def _invoke_answer(self, request: Request) -> Any:
        """The WIT response to ``request``; 500 if the handler's answer cannot
        be one (a body that is not bytes or text, an invalid verb, ...)."""
        response = self._on_invoke(request)
        try:
            return response._to_wit()
        except (TypeError, ValueError) as exc:
            print(f"the handler of method {request.method!r} answered {exc}", file=sys.stderr)
            return Response.with_text(f"invalid response: {exc}", 500)._to_wit()

    def _on_binding_event(self, event: BindingEvent) -> bytes:
        function = self._bindings.get(event.name)
        if function is None:
            raise Err(f"no handler for input binding {event.name!r}")
        try:
            answer = function(event)
            return b"" if answer is None else to_bytes(answer)
        except Exception as exc:
            _log_failure(f"the handler of input binding {event.name!r}")
            raise Err(f"{type(exc).__name__}: {exc}") from None

    def _on_configuration_update(
        self, store: str, subscription_id: str, items: list[ConfigurationItem]
    ) -> None:
        if self._configuration is None:
            print(f"no handler for configuration updates of {store!r}", file=sys.stderr)
            return
        try:
            self._configuration(store, subscription_id, items)
        except Exception:
            _log_failure("the configuration-update handler")

    def _on_job_event(self, name: str, data: bytes) -> None:
        function = self._jobs.get(name, self._any_job)
        if function is None:
            raise Err(f"no handler for job {name!r}")
        try:
            function(name, data)
        except Exception as exc:
            _log_failure(f"the handler of job {name!r}")
            raise Err(f"{type(exc).__name__}: {exc}") from None

    def handler(self) -> type:
        """The class implementing the ``dapr:runtime/handler`` export.

        Assign it to the name ``Handler`` in the app's module (the module given
        to ``build.sh``), where componentize-py looks for it. The component's
        world must export the handler (``--world app``).
        """
        try:
            from wit_world import exports as wit_exports
            from wit_world.exports import handler as wit
        except ImportError as exc:
            raise RuntimeError(
                "the component's world does not export dapr:runtime/handler: "
                "build it with `--world app` (or a world that includes it)"
            ) from exc
        app = self

        class Handler(wit_exports.Handler):
            """The ``dapr:runtime/handler`` export, dispatching to the app."""

            def subscriptions(self) -> list[Any]:
                return [
                    wit.Subscription(
                        s.pubsub,
                        s.topic,
                        s.route,
                        s.metadata,
                        s.dead_letter_topic,
                        None if s.bulk is None else wit.BulkSubscribe(*s.bulk),
                    )
                    for s in app._subscriptions.values()
                ]

            def on_topic_event(self, event: Any) -> Any:
                status = app._on_topic_event(CloudEvent._from_wit(event))
                return wit.EventStatus[status.name]

            def on_bulk_topic_event(self, events: list[Any]) -> list[Any]:
                statuses = app._on_bulk_topic_event([CloudEvent._from_wit(e) for e in events])
                return [wit.EventStatus[status.name] for status in statuses]

            def on_invoke(self, request: Any) -> Any:
                return app._invoke_answer(Request._from_wit(request))

            def input_bindings(self) -> list[str]:
                return list(app._bindings)

            def on_binding_event(self, event: Any) -> bytes:
                return app._on_binding_event(
                    BindingEvent(event.name, event.data, dict(event.metadata))
                )

            def on_configuration_update(
                self, store: str, subscription_id: str, items: list[Any]
            ) -> None:
                app._on_configuration_update(
                    store, subscription_id, [ConfigurationItem._from_wit(i) for i in items]
                )

            def on_job_event(self, name: str, data: bytes) -> None:
                app._on_job_event(name, data)

        return Handler

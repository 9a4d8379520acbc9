"""dapr_wasm: Dapr building blocks for WebAssembly components written in
Python, served by wasmtime-dapr.

One module per building block, each a thin layer over the ``dapr:runtime``
imports that componentize-py generates: :mod:`~dapr_wasm.state`,
:mod:`~dapr_wasm.pubsub`, :mod:`~dapr_wasm.invoke`, :mod:`~dapr_wasm.bindings`,
:mod:`~dapr_wasm.secrets`, :mod:`~dapr_wasm.configuration`,
:mod:`~dapr_wasm.lock`, :mod:`~dapr_wasm.metadata`, :mod:`~dapr_wasm.jobs`,
:mod:`~dapr_wasm.conversation`, :mod:`~dapr_wasm.crypto` and
:mod:`~dapr_wasm.actors`. A failed call raises a subclass of :class:`DaprError`
named after the WIT error case. :class:`App` registers the handlers of an app
that receives events and invocations; :class:`Actor` and :func:`host_actors`
host actor types;
:func:`command` makes the ``wasi:cli/run`` export of a run-once command.
"""

from . import actors, bindings, configuration, conversation, crypto, invoke, jobs, lock, metadata, pubsub, secrets, state
from .actor import Actor, ActorCall, ReminderEvent, ReminderOutcome, TimerEvent, host_actors
from .actors import ActorRef
from .app import App, BindingEvent, CloudEvent, EventStatus
from .command import command
from .configuration import ConfigurationItem
from .errors import (
    DaprError,
    Denied,
    EtagMismatch,
    Internal,
    InvalidArgument,
    NotFound,
    Unavailable,
    Unsupported,
)
from .invoke import HttpVerb, Request, Response

__all__ = [
    "actors",
    "bindings",
    "configuration",
    "conversation",
    "crypto",
    "invoke",
    "jobs",
    "lock",
    "metadata",
    "pubsub",
    "secrets",
    "state",
    "Actor",
    "ActorCall",
    "ActorRef",
    "ReminderEvent",
    "ReminderOutcome",
    "TimerEvent",
    "host_actors",
    "App",
    "BindingEvent",
    "CloudEvent",
    "EventStatus",
    "command",
    "ConfigurationItem",
    "DaprError",
    "Denied",
    "EtagMismatch",
    "Internal",
    "InvalidArgument",
    "NotFound",
    "Unavailable",
    "Unsupported",
    "HttpVerb",
    "Request",
    "Response",
]

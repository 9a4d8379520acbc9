//! Inbound traffic of an app: the [`Handler`] trait and [`export_handler!`].

use serde::de::DeserializeOwned;

use crate::configuration::Item;
use crate::invoke::{Request, Response};
use crate::wit::exports::dapr::runtime::handler as raw;
use crate::{Metadata, Result};

pub use raw::{BindingEvent, BulkSubscribe, CloudEvent, EventStatus, Subscription};

/// What an app does with the events, invocations, input-binding events,
/// configuration updates and job triggers the host delivers. Every call runs in a fresh
/// instance, so the functions take no `self`: keep state in a building block.
///
/// Every function has a default that does nothing useful: no subscriptions,
/// events acknowledged (batches event by event), invocations answered `404`, no input bindings,
/// binding events acknowledged, configuration updates ignored, job
/// triggers failed (an app that schedules jobs handles them). Export the
/// implementation with [`export_handler!`](crate::export_handler).
///
/// ```no_run
/// use dapr_guest::{CloudEvent, EventStatus, Handler, Subscription};
///
/// struct App;
///
/// impl Handler for App {
///     fn subscriptions() -> Vec<Subscription> {
///         vec![Subscription::new("pubsub", "greetings")]
///     }
///
///     fn on_topic_event(event: CloudEvent) -> EventStatus {
///         match dapr_guest::state::save("statestore", "last-greeting", event.data) {
///             Ok(()) => EventStatus::Success,
///             Err(_) => EventStatus::Retry,
///         }
///     }
/// }
///
/// dapr_guest::export_handler!(App);
/// ```
pub trait Handler {
    /// The topics to subscribe to; called once when the app starts.
    fn subscriptions() -> Vec<Subscription> {
        Vec::new()
    }

    /// Handles one event of a subscription.
    fn on_topic_event(event: CloudEvent) -> EventStatus {
        let _ = event;
        EventStatus::Success
    }

    /// Handles a batch of events of a bulk subscription (see
    /// [`Subscription::bulk`]): one status per event, in order. By default
    /// each event goes to [`Handler::on_topic_event`] in turn.
    fn on_bulk_topic_event(events: Vec<CloudEvent>) -> Vec<EventStatus> {
        events.into_iter().map(Self::on_topic_event).collect()
    }

    /// Handles a service invocation addressed to this app.
    fn on_invoke(request: Request) -> Response {
        let _ = request;
        Response::not_found()
    }

    /// The input bindings to receive events from; called once at start.
    fn input_bindings() -> Vec<String> {
        Vec::new()
    }

    /// Handles one input-binding event: `Ok` acknowledges it (with optional
    /// response data), `Err` reports a failure to the binding.
    fn on_binding_event(event: BindingEvent) -> Result<Vec<u8>, String> {
        let _ = event;
        Ok(Vec::new())
    }

    /// Receives the changed items of a configuration subscription.
    fn on_configuration_update(store: String, subscription_id: String, items: Vec<Item>) {
        let _ = (store, subscription_id, items);
    }

    /// Handles one trigger of a job this app scheduled: `Ok` completes it,
    /// `Err` fails it (the job's failure policy decides on a retry).
    fn on_job_event(name: String, data: Vec<u8>) -> Result<(), String> {
        let _ = data;
        Err(format!("this app does not handle jobs (job `{name}`)"))
    }
}

impl<T: Handler> raw::Guest for T {
    fn subscriptions() -> Vec<Subscription> {
        T::subscriptions()
    }

    fn on_topic_event(event: CloudEvent) -> EventStatus {
        T::on_topic_event(event)
    }

    fn on_bulk_topic_event(events: Vec<CloudEvent>) -> Vec<EventStatus> {
        T::on_bulk_topic_event(events)
    }

    fn on_invoke(request: Request) -> Response {
        T::on_invoke(request)
    }

    fn input_bindings() -> Vec<String> {
        T::input_bindings()
    }

    fn on_binding_event(event: BindingEvent) -> Result<Vec<u8>, String> {
        T::on_binding_event(event)
    }

    fn on_configuration_update(store: String, subscription_id: String, items: Vec<Item>) {
        T::on_configuration_update(store, subscription_id, items)
    }

    fn on_job_event(name: String, data: Vec<u8>) -> Result<(), String> {
        T::on_job_event(name, data)
    }
}

/// Exports a [`Handler`] implementation as the component's
/// `dapr:runtime/handler` export. Takes the name of the implementing type.
#[macro_export]
macro_rules! export_handler {
    ($ty:ident) => {
        $crate::wit::__export_app_world!($ty with_types_in $crate::wit);
    };
}

impl Subscription {
    /// A subscription to `topic` of `pubsub`, without route, metadata,
    /// dead-letter topic or batching.
    pub fn new(pubsub: impl Into<String>, topic: impl Into<String>) -> Self {
        Subscription {
            pubsub: pubsub.into(),
            topic: topic.into(),
            route: None,
            metadata: Metadata::new(),
            dead_letter_topic: None,
            bulk: None,
        }
    }

    /// Delivers the events in batches of up to `max_messages` to
    /// [`Handler::on_bulk_topic_event`], a batch that cannot fill waiting
    /// at most `max_await_ms` after its oldest event was due.
    pub fn bulk(mut self, max_messages: u32, max_await_ms: u32) -> Self {
        self.bulk = Some(BulkSubscribe {
            max_messages,
            max_await_ms,
        });
        self
    }

    /// Sets the route handed back in [`CloudEvent::path`].
    pub fn route(mut self, route: impl Into<String>) -> Self {
        self.route = Some(route.into());
        self
    }

    /// Sends dropped and exhausted events to `topic`.
    pub fn dead_letter_topic(mut self, topic: impl Into<String>) -> Self {
        self.dead_letter_topic = Some(topic.into());
        self
    }

    /// Adds a metadata entry passed to the broker (such as `rawPayload`).
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.push((key.into(), value.into()));
        self
    }
}

impl CloudEvent {
    /// Deserializes the event's data from JSON.
    pub fn parse_json<T: DeserializeOwned>(&self) -> Result<T> {
        Ok(serde_json::from_slice(&self.data)?)
    }
}

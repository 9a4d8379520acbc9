//! `pubsub.in-memory`: an in-process broker. Delivery is at-least-once, in
//! publish order per subscription, with exponential-backoff retries and
//! dead-letter topics.
//!
//! Metadata: `maxRetries` (default 5), `initialRetryIntervalMs` (default
//! 100, doubling per retry), `maxRetryIntervalMs` (default 5000).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value as Json;
use tokio::sync::{mpsc, watch};

use super::PubSubBlock;
use crate::backend::embedded::{ComponentMetadata, parse_metadata};
use crate::backend::{BackendResult, Error};
use crate::blocks::EmbeddedComponent;
use crate::blocks::pubsub::{
    CloudEvent, EventStatus, Message, PubSub, Subscription, TopicSubscriber,
};

/// The CloudEvent type of published messages.
const EVENT_TYPE: &str = "com.dapr.event.sent";
/// The content type of messages that already are CloudEvents.
const CLOUDEVENT_CONTENT_TYPE: &str = "application/cloudevents+json";
/// The content type of messages published without one.
const DEFAULT_CONTENT_TYPE: &str = "application/json";

/// One `pubsub.in-memory` component: hand publishers out with
/// [`Self::for_app`] and register subscribers with [`Self::subscribe`].
/// Dropping the last handle (or [`Self::shutdown`]) stops delivery.
pub struct MemoryBroker {
    name: String,
    retry: RetryPolicy,
    routes: Mutex<HashMap<String, Vec<Route>>>,
    pending: Arc<watch::Sender<usize>>,
    closed: watch::Sender<bool>,
}

/// One subscription's queue on a topic.
struct Route {
    path: String,
    queue: mpsc::UnboundedSender<CloudEvent>,
}

/// Retry backoff of failed deliveries.
#[derive(Clone, Copy, Debug)]
struct RetryPolicy {
    max_retries: u32,
    initial: Duration,
    max: Duration,
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based).
    fn delay(&self, retry: u32) -> Duration {
        self.initial
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.max)
    }
}

impl MemoryBroker {
    /// Starts delivering the events published to `subscription.topic` from
    /// now on to `subscriber`. Must be called inside a Tokio runtime.
    pub fn subscribe(
        self: &Arc<Self>,
        app_id: &str,
        subscription: Subscription,
        subscriber: Arc<dyn TopicSubscriber>,
    ) -> anyhow::Result<()> {
        let runtime = tokio::runtime::Handle::try_current()
            .context("pubsub subscriptions need a Tokio runtime")?;
        if subscription.topic.is_empty() {
            bail!("subscription of app {app_id} has an empty topic");
        }
        let (queue, events) = mpsc::unbounded_channel();
        let path = subscription.route.clone().filter(|r| !r.is_empty());
        let route = Route {
            path: path.unwrap_or_else(|| subscription.topic.clone()),
            queue,
        };
        tracing::debug!(pubsub = %self.name, app_id, topic = %subscription.topic, "subscribed");
        self.routes
            .lock()
            .unwrap()
            .entry(subscription.topic.clone())
            .or_default()
            .push(route);
        let delivery = Delivery {
            subscription,
            subscriber,
            retry: self.retry,
            broker: Arc::downgrade(self),
            closed: self.closed.subscribe(),
            pending: self.pending.clone(),
        };
        runtime.spawn(delivery.run(events));
        Ok(())
    }

    /// Waits until every accepted event has been delivered, dead-lettered or
    /// discarded.
    pub async fn idle(&self) {
        let mut pending = self.pending.subscribe();
        // The sender lives in `self`, so this cannot fail while we wait.
        let _ = pending.wait_for(|n| *n == 0).await;
    }

    /// Stops delivery (pending retries are abandoned) and rejects further
    /// publishes with `unavailable`.
    pub fn shutdown(&self) {
        self.closed.send_replace(true);
        self.routes.lock().unwrap().clear();
        self.pending.send_replace(0);
    }

    /// Wraps `message` in a CloudEvent and queues it for every subscription
    /// of `topic`.
    fn enqueue(&self, topic: &str, source: &str, message: Message) -> BackendResult<()> {
        if topic.is_empty() {
            return Err(Error::InvalidArgument("the topic must not be empty".into()));
        }
        if *self.closed.borrow() {
            return Err(Error::Unavailable(format!(
                "pubsub {} is shut down",
                self.name
            )));
        }
        let event = self.envelope(topic, source, message)?;
        let routes = self.routes.lock().unwrap();
        for route in routes.get(topic).into_iter().flatten() {
            self.pending.send_modify(|n| *n += 1);
            if route
                .queue
                .send(CloudEvent {
                    path: route.path.clone(),
                    ..event.clone()
                })
                .is_err()
            {
                self.pending.send_modify(|n| *n = n.saturating_sub(1));
            }
        }
        Ok(())
    }
}

impl MemoryBroker {
    /// Wraps a message in a new CloudEvent, or unpacks it if it already is
    /// one (`application/cloudevents+json`).
    fn envelope(&self, topic: &str, source: &str, message: Message) -> BackendResult<CloudEvent> {
        let content_type = Some(message.content_type).filter(|c| !c.is_empty());
        let content_type = content_type.unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_string());
        let structured = content_type.starts_with(CLOUDEVENT_CONTENT_TYPE);
        let event = CloudEvent {
            id: uuid::Uuid::new_v4().to_string(),
            source: source.to_string(),
            event_type: EVENT_TYPE.to_string(),
            spec_version: "1.0".to_string(),
            data_content_type: content_type,
            data: message.data,
            topic: topic.to_string(),
            pubsub: self.name.clone(),
            path: String::new(),
            extensions: message.metadata,
        };
        if structured {
            unpack_structured(event)
        } else {
            Ok(event)
        }
    }
}

/// Takes the attributes of a structured CloudEvent (JSON in `event.data`)
/// over `event`; unknown attributes become extensions.
fn unpack_structured(mut event: CloudEvent) -> BackendResult<CloudEvent> {
    let invalid = |why: &str| Error::InvalidArgument(format!("invalid CloudEvent: {why}"));
    let Ok(Json::Object(mut fields)) = serde_json::from_slice::<Json>(&event.data) else {
        return Err(invalid("expected a JSON object"));
    };
    let mut take = |name: &str| fields.remove(name).map(json_string);
    event.id = take("id").unwrap_or(event.id);
    event.source = take("source").unwrap_or(event.source);
    event.event_type = take("type").unwrap_or(event.event_type);
    event.spec_version = take("specversion").unwrap_or(event.spec_version);
    event.data_content_type =
        take("datacontenttype").unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_string());
    let is_json = event.data_content_type.contains("json");
    event.data = match fields.remove("data") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::String(text)) if !is_json => text.into_bytes(),
        Some(value) => value.to_string().into_bytes(),
    };
    for name in ["topic", "pubsubname", "data_base64"] {
        fields.remove(name);
    }
    let attributes = fields.into_iter().map(|(k, v)| (k, json_string(v)));
    event.extensions = attributes.chain(event.extensions).collect();
    Ok(event)
}

fn json_string(value: Json) -> String {
    match value {
        Json::String(s) => s,
        other => other.to_string(),
    }
}

impl Drop for MemoryBroker {
    fn drop(&mut self) {
        self.closed.send_replace(true);
    }
}

/// A broker handle publishing as one app.
struct Publisher {
    broker: Arc<MemoryBroker>,
    app_id: String,
}

#[async_trait::async_trait]
impl PubSub for Publisher {
    async fn publish(&self, topic: &str, message: Message) -> BackendResult<()> {
        self.broker.enqueue(topic, &self.app_id, message)
    }

    fn subscribe(
        &self,
        subscription: Subscription,
        subscriber: Arc<dyn TopicSubscriber>,
    ) -> anyhow::Result<()> {
        self.broker
            .subscribe(&self.app_id, subscription, subscriber)
    }
}

/// The delivery task of one subscription.
struct Delivery {
    subscription: Subscription,
    subscriber: Arc<dyn TopicSubscriber>,
    retry: RetryPolicy,
    broker: Weak<MemoryBroker>,
    closed: watch::Receiver<bool>,
    pending: Arc<watch::Sender<usize>>,
}

/// What became of an event after its last attempt.
enum Outcome {
    Delivered,
    Failed(&'static str),
    Abandoned,
}

impl Delivery {
    /// Drains the queue in order until the broker closes.
    async fn run(mut self, mut events: mpsc::UnboundedReceiver<CloudEvent>) {
        loop {
            let event = tokio::select! {
                biased;
                _ = self.closed.wait_for(|closed| *closed) => return,
                event = events.recv() => match event {
                    Some(event) => event,
                    None => return,
                },
            };
            match self.attempt_all(&event).await {
                Outcome::Delivered => {}
                Outcome::Failed(reason) => self.dead_letter(event, reason),
                Outcome::Abandoned => return,
            }
            self.pending.send_modify(|n| *n = n.saturating_sub(1));
        }
    }

    /// Delivers one event, retrying with backoff.
    async fn attempt_all(&mut self, event: &CloudEvent) -> Outcome {
        for retry in 0.. {
            match self.subscriber.deliver(event.clone()).await {
                Ok(EventStatus::Success) => return Outcome::Delivered,
                Ok(EventStatus::Drop) => return Outcome::Failed("dropped by the subscriber"),
                Ok(EventStatus::Retry) => {}
                Err(err) => tracing::warn!(
                    pubsub = %event.pubsub, topic = %event.topic, id = %event.id,
                    "event delivery failed: {err:#}"
                ),
            }
            if retry >= self.retry.max_retries {
                break;
            }
            tokio::select! {
                biased;
                _ = self.closed.wait_for(|closed| *closed) => return Outcome::Abandoned,
                _ = tokio::time::sleep(self.retry.delay(retry)) => {}
            }
        }
        Outcome::Failed("retries exhausted")
    }

    /// Publishes a failed event's data to the dead-letter topic, or logs and
    /// discards it.
    fn dead_letter(&self, event: CloudEvent, reason: &str) {
        let target = self
            .subscription
            .dead_letter_topic
            .as_deref()
            .filter(|t| !t.is_empty());
        let (Some(topic), Some(broker)) = (target, self.broker.upgrade()) else {
            tracing::warn!(
                pubsub = %event.pubsub, topic = %event.topic, id = %event.id,
                "event discarded ({reason}); no dead-letter topic"
            );
            return;
        };
        let message = Message {
            data: event.data,
            content_type: event.data_content_type,
            metadata: event.extensions,
        };
        if let Err(err) = broker.enqueue(topic, &event.source, message) {
            tracing::warn!(pubsub = %event.pubsub, topic, id = %event.id, "dead-lettering failed: {err}");
        }
    }
}

impl EmbeddedComponent<PubSubBlock> for MemoryBroker {
    const TYPE: &'static str = "pubsub.in-memory";

    /// Creates the broker from component metadata.
    fn from_metadata(
        component_name: &str,
        metadata: &ComponentMetadata,
    ) -> anyhow::Result<Arc<Self>> {
        let ms = |key: &str, default: u64| {
            parse_metadata(metadata, key, default).map(Duration::from_millis)
        };
        let retry = RetryPolicy {
            max_retries: parse_metadata(metadata, "maxRetries", 5)?,
            initial: ms("initialRetryIntervalMs", 100)?,
            max: ms("maxRetryIntervalMs", 5_000)?,
        };
        Ok(Arc::new(MemoryBroker {
            name: component_name.to_string(),
            retry,
            routes: Mutex::default(),
            pending: Arc::new(watch::channel(0).0),
            closed: watch::channel(false).0,
        }))
    }

    /// A publisher for app `app_id` (the CloudEvent `source`).
    fn for_app(self: &Arc<Self>, app_id: &str) -> Arc<dyn PubSub> {
        Arc::new(Publisher {
            broker: self.clone(),
            app_id: app_id.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;

    /// Records deliveries and answers with a script (then `success`).
    #[derive(Default)]
    struct Recorder {
        events: Mutex<Vec<CloudEvent>>,
        script: Mutex<VecDeque<Option<EventStatus>>>,
    }

    impl Recorder {
        fn scripted(script: impl IntoIterator<Item = Option<EventStatus>>) -> Arc<Self> {
            Arc::new(Recorder {
                script: Mutex::new(script.into_iter().collect()),
                ..Default::default()
            })
        }

        fn data(&self) -> Vec<String> {
            let events = self.events.lock().unwrap();
            events
                .iter()
                .map(|e| String::from_utf8(e.data.clone()).unwrap())
                .collect()
        }
    }

    #[async_trait::async_trait]
    impl TopicSubscriber for Recorder {
        async fn deliver(&self, event: CloudEvent) -> anyhow::Result<EventStatus> {
            self.events.lock().unwrap().push(event);
            match self.script.lock().unwrap().pop_front() {
                None => Ok(EventStatus::Success),
                Some(Some(status)) => Ok(status),
                Some(None) => anyhow::bail!("trap"),
            }
        }
    }

    fn broker(max_retries: &str) -> Arc<MemoryBroker> {
        let md = [
            ("maxRetries", max_retries),
            ("initialRetryIntervalMs", "1"),
            ("maxRetryIntervalMs", "4"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        MemoryBroker::from_metadata("bus", &md).unwrap()
    }

    fn subscription(topic: &str, route: Option<&str>, dead_letter: Option<&str>) -> Subscription {
        Subscription {
            pubsub: "bus".into(),
            topic: topic.into(),
            route: route.map(Into::into),
            metadata: vec![],
            dead_letter_topic: dead_letter.map(Into::into),
        }
    }

    fn message(data: &str) -> Message {
        Message {
            data: data.into(),
            content_type: "text/plain".into(),
            metadata: vec![("k".into(), "v".into())],
        }
    }

    async fn idle(broker: &MemoryBroker) {
        tokio::time::timeout(Duration::from_secs(5), broker.idle())
            .await
            .expect("broker drained");
    }

    #[tokio::test]
    async fn delivers_cloud_events_in_order_to_every_subscriber() {
        let broker = broker("5");
        let (first, second) = (Recorder::scripted([]), Recorder::scripted([]));
        broker
            .subscribe(
                "s1",
                subscription("orders", Some("on-order"), None),
                first.clone(),
            )
            .unwrap();
        broker
            .subscribe("s2", subscription("orders", None, None), second.clone())
            .unwrap();
        let publisher = broker.for_app("shop");
        let expected: Vec<String> = (0..50).map(|i| i.to_string()).collect();
        for data in &expected {
            publisher.publish("orders", message(data)).await.unwrap();
        }
        publisher.publish("other", message("x")).await.unwrap();
        idle(&broker).await;
        assert_eq!(first.data(), expected);
        assert_eq!(second.data(), expected);
        let event = first.events.lock().unwrap()[0].clone();
        assert_eq!(
            (
                event.source.as_str(),
                event.event_type.as_str(),
                event.spec_version.as_str()
            ),
            ("shop", EVENT_TYPE, "1.0")
        );
        assert_eq!(
            (
                event.topic.as_str(),
                event.pubsub.as_str(),
                event.path.as_str()
            ),
            ("orders", "bus", "on-order")
        );
        assert_eq!(event.data_content_type, "text/plain");
        assert_eq!(event.extensions, vec![("k".to_string(), "v".to_string())]);
        assert_eq!(second.events.lock().unwrap()[0].path, "orders");
        assert_eq!(second.events.lock().unwrap()[0].id, event.id);
    }

    #[tokio::test]
    async fn retries_keep_the_id_and_block_the_queue() {
        let broker = broker("5");
        let sub = Recorder::scripted([Some(EventStatus::Retry), None]);
        broker
            .subscribe("s", subscription("t", None, None), sub.clone())
            .unwrap();
        let publisher = broker.for_app("p");
        publisher.publish("t", message("a")).await.unwrap();
        publisher.publish("t", message("b")).await.unwrap();
        idle(&broker).await;
        assert_eq!(sub.data(), ["a", "a", "a", "b"]);
        let events = sub.events.lock().unwrap();
        assert!(events[..3].iter().all(|e| e.id == events[0].id));
    }

    #[tokio::test]
    async fn dropped_events_go_to_the_dead_letter_topic_at_once() {
        let broker = broker("5");
        let sub = Recorder::scripted([Some(EventStatus::Drop)]);
        let dead = Recorder::scripted([]);
        broker
            .subscribe("s", subscription("t", None, Some("dlq")), sub.clone())
            .unwrap();
        broker
            .subscribe("s", subscription("dlq", None, None), dead.clone())
            .unwrap();
        broker
            .for_app("p")
            .publish("t", message("x"))
            .await
            .unwrap();
        idle(&broker).await;
        assert_eq!(sub.data(), ["x"]);
        assert_eq!(dead.data(), ["x"]);
        let event = dead.events.lock().unwrap()[0].clone();
        assert_eq!(
            (event.topic.as_str(), event.data_content_type.as_str()),
            ("dlq", "text/plain")
        );
    }

    #[tokio::test]
    async fn exhausted_retries_go_to_the_dead_letter_topic() {
        let broker = broker("2");
        let sub = Recorder::scripted([Some(EventStatus::Retry), None, Some(EventStatus::Retry)]);
        let dead = Recorder::scripted([]);
        broker
            .subscribe("s", subscription("t", None, Some("dlq")), sub.clone())
            .unwrap();
        broker
            .subscribe("s", subscription("dlq", None, None), dead.clone())
            .unwrap();
        broker
            .for_app("p")
            .publish("t", message("x"))
            .await
            .unwrap();
        idle(&broker).await;
        assert_eq!(sub.data(), ["x", "x", "x"]);
        assert_eq!(dead.data(), ["x"]);
    }

    #[tokio::test]
    async fn failed_events_without_dead_letter_are_discarded() {
        let broker = broker("0");
        let sub = Recorder::scripted([Some(EventStatus::Retry)]);
        broker
            .subscribe("s", subscription("t", None, None), sub.clone())
            .unwrap();
        let publisher = broker.for_app("p");
        publisher.publish("t", message("lost")).await.unwrap();
        publisher.publish("t", message("kept")).await.unwrap();
        idle(&broker).await;
        assert_eq!(sub.data(), ["lost", "kept"]);
    }

    #[tokio::test]
    async fn structured_cloud_events_are_unpacked() {
        let broker = broker("5");
        let sub = Recorder::scripted([]);
        broker
            .subscribe("s", subscription("t", None, None), sub.clone())
            .unwrap();
        let event = r#"{"id":"e1","source":"custom","type":"my.type","specversion":"1.0",
            "datacontenttype":"text/plain","data":"hi","traceid":"abc"}"#;
        let message = Message {
            data: event.into(),
            content_type: CLOUDEVENT_CONTENT_TYPE.into(),
            metadata: vec![],
        };
        let publisher = broker.for_app("p");
        publisher.publish("t", message).await.unwrap();
        let bad = Message {
            data: b"[]".to_vec(),
            content_type: CLOUDEVENT_CONTENT_TYPE.into(),
            metadata: vec![],
        };
        assert!(matches!(
            publisher.publish("t", bad).await,
            Err(Error::InvalidArgument(_))
        ));
        idle(&broker).await;
        let got = sub.events.lock().unwrap()[0].clone();
        assert_eq!(
            (
                got.id.as_str(),
                got.source.as_str(),
                got.event_type.as_str()
            ),
            ("e1", "custom", "my.type")
        );
        assert_eq!(
            (got.data_content_type.as_str(), got.data.as_slice()),
            ("text/plain", &b"hi"[..])
        );
        assert_eq!(
            got.extensions,
            vec![("traceid".to_string(), "abc".to_string())]
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            max_retries: 9,
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        let delays: Vec<_> = (0..6).map(|r| policy.delay(r).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1000, 1000]);
    }

    #[tokio::test]
    async fn shutdown_rejects_publishes_and_bad_topics_are_invalid() {
        let broker = broker("5");
        let publisher = broker.for_app("p");
        assert!(matches!(
            publisher.publish("", message("x")).await,
            Err(Error::InvalidArgument(_))
        ));
        publisher
            .publish("nobody-listens", message("x"))
            .await
            .unwrap();
        broker.shutdown();
        assert!(matches!(
            publisher.publish("t", message("x")).await,
            Err(Error::Unavailable(_))
        ));
        idle(&broker).await;
    }

    #[test]
    fn rejects_bad_metadata() {
        let md = [("maxRetries".to_string(), "many".to_string())].into();
        let err = MemoryBroker::from_metadata("bus", &md)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("maxRetries"), "{err}");
    }
}

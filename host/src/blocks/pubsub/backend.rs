//! The pub/sub trait, and the subscriber side used by in-process brokers.

use std::sync::Arc;

use crate::backend::{BackendResult, Metadata};
pub use crate::wit::dapr::runtime::pubsub::{BulkFailure, BulkMessage};
pub use crate::wit::exports::dapr::runtime::handler::{
    BulkSubscribe, CloudEvent, EventStatus, Subscription,
};

/// A message to publish.
#[derive(Clone, Debug)]
pub struct Message {
    /// The payload.
    pub data: Vec<u8>,
    /// Its media type (`application/json` when the publisher gave none).
    pub content_type: String,
    /// Publish metadata.
    pub metadata: Metadata,
}

/// A pub/sub component as one app sees it (the app is the event source).
#[async_trait::async_trait]
pub trait PubSub: Send + Sync {
    /// Publishes one message to `topic`; returns once the broker accepted it.
    async fn publish(&self, topic: &str, message: Message) -> BackendResult<()>;

    /// Publishes many messages; returns the ones that failed.
    async fn bulk_publish(
        &self,
        topic: &str,
        messages: Vec<BulkMessage>,
        metadata: &Metadata,
    ) -> BackendResult<Vec<BulkFailure>> {
        let mut failures = Vec::new();
        for m in messages {
            let mut md = metadata.clone();
            md.extend(m.metadata);
            let message = Message {
                data: m.data,
                content_type: m.content_type,
                metadata: md,
            };
            if let Err(error) = self.publish(topic, message).await {
                failures.push(BulkFailure {
                    entry_id: m.entry_id,
                    error,
                });
            }
        }
        Ok(failures)
    }

    /// Delivers the events of `subscription` to `subscriber` from now on.
    /// Only in-process brokers can; with a sidecar, daprd delivers events
    /// through the app channel.
    fn subscribe(
        &self,
        subscription: Subscription,
        subscriber: Arc<dyn TopicSubscriber>,
    ) -> anyhow::Result<()> {
        let _ = (subscription, subscriber);
        anyhow::bail!("this pub/sub component delivers its events through the Dapr app channel")
    }
}

/// Where an in-process broker delivers events: one app's `on-topic-event`
/// (and `on-bulk-topic-event` for bulk subscriptions).
#[async_trait::async_trait]
pub trait TopicSubscriber: Send + Sync {
    /// Delivers one event; an `Err` (trap, deadline, missing export) counts
    /// as `retry`.
    async fn deliver(&self, event: CloudEvent) -> anyhow::Result<EventStatus>;

    /// Delivers a batch of a bulk subscription: one status per event, in
    /// order; an `Err` counts as `retry` for every event.
    async fn deliver_bulk(&self, events: Vec<CloudEvent>) -> anyhow::Result<Vec<EventStatus>>;
}

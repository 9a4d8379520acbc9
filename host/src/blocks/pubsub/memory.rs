//! `pubsub.in-memory`: the delivery engine ([`super::delivery`]) over a
//! queue in process memory. Nothing survives a restart, and events
//! published to a topic nobody subscribes to (yet) are discarded. The queue
//! is not bounded: a subscriber slower than its publishers grows it.
//!
//! Metadata: `maxRetries` (default 5), `initialRetryIntervalMs` (default
//! 100, doubling per retry), `maxRetryIntervalMs` (default 5000),
//! `concurrencyMode` (`parallel` (default) or `single`),
//! `maxConcurrentHandlers` (default 16).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use super::PubSubBlock;
use super::delivery::{Broker, DeliveryOptions, Pending, Queue};
use crate::backend::BackendResult;
use crate::backend::embedded::ComponentMetadata;
use crate::blocks::EmbeddedComponent;
use crate::blocks::pubsub::{CloudEvent, PubSub};

/// One `pubsub.in-memory` component.
pub type MemoryBroker = Broker<MemoryQueue>;

/// The queued deliveries of every subscription, in memory.
#[derive(Default)]
pub struct MemoryQueue {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next_seq: u64,
    ids: HashMap<(String, String, String), u64>,
    by_topic: HashMap<String, Vec<u64>>,
    queues: HashMap<u64, SubscriptionQueue>,
}

/// One subscription's deliveries, by publish order and by due time.
#[derive(Default)]
struct SubscriptionQueue {
    entries: BTreeMap<u64, Entry>,
    by_due: BTreeSet<(i64, u64)>,
}

struct Entry {
    attempts: u32,
    due_ms: i64,
    event: CloudEvent,
}

impl SubscriptionQueue {
    fn pending(&self, seq: u64) -> Option<Pending> {
        self.entries.get(&seq).map(|e| Pending {
            seq,
            attempts: e.attempts,
            due_ms: e.due_ms,
            event: e.event.clone(),
        })
    }
}

impl Inner {
    /// The queue holding delivery `seq` (seqs are unique across queues).
    fn queue_of(&mut self, seq: u64) -> Option<&mut SubscriptionQueue> {
        self.queues
            .values_mut()
            .find(|q| q.entries.contains_key(&seq))
    }
}

impl Queue for MemoryQueue {
    const BLOCKING: bool = false;
    const POLL: Option<std::time::Duration> = None;

    fn register(&self, app_id: &str, topic: &str, route: &str) -> BackendResult<u64> {
        let mut inner = self.inner.lock().unwrap();
        let key = (app_id.to_string(), topic.to_string(), route.to_string());
        if let Some(id) = inner.ids.get(&key) {
            return Ok(*id);
        }
        let id = inner.ids.len() as u64;
        inner.ids.insert(key, id);
        inner
            .by_topic
            .entry(topic.to_string())
            .or_default()
            .push(id);
        inner.queues.insert(id, SubscriptionQueue::default());
        Ok(id)
    }

    fn push(&self, event: &CloudEvent, due_ms: i64) -> BackendResult<()> {
        let mut inner = self.inner.lock().unwrap();
        let subscriptions = inner
            .by_topic
            .get(&event.topic)
            .cloned()
            .unwrap_or_default();
        for id in subscriptions {
            inner.next_seq += 1;
            let seq = inner.next_seq;
            let queue = inner.queues.entry(id).or_default();
            queue.by_due.insert((due_ms, seq));
            queue.entries.insert(
                seq,
                Entry {
                    attempts: 0,
                    due_ms,
                    event: event.clone(),
                },
            );
        }
        Ok(())
    }

    fn due(&self, subscription: u64, now_ms: i64, limit: usize) -> BackendResult<Vec<Pending>> {
        let inner = self.inner.lock().unwrap();
        let Some(queue) = inner.queues.get(&subscription) else {
            return Ok(Vec::new());
        };
        Ok(queue
            .by_due
            .iter()
            .take_while(|(due, _)| *due <= now_ms)
            .take(limit)
            .filter_map(|(_, seq)| queue.pending(*seq))
            .collect())
    }

    fn head(&self, subscription: u64) -> BackendResult<Option<Pending>> {
        let inner = self.inner.lock().unwrap();
        let queue = inner.queues.get(&subscription);
        Ok(queue.and_then(|q| {
            let (seq, _) = q.entries.first_key_value()?;
            q.pending(*seq)
        }))
    }

    fn next_due_after(&self, subscription: u64, now_ms: i64) -> BackendResult<Option<i64>> {
        let inner = self.inner.lock().unwrap();
        let queue = inner.queues.get(&subscription);
        Ok(queue.and_then(|q| {
            q.by_due
                .range((now_ms.saturating_add(1), 0)..)
                .next()
                .map(|(due, _)| *due)
        }))
    }

    fn remove(&self, seq: u64) -> BackendResult<()> {
        let mut inner = self.inner.lock().unwrap();
        if let Some(queue) = inner.queue_of(seq)
            && let Some(entry) = queue.entries.remove(&seq)
        {
            queue.by_due.remove(&(entry.due_ms, seq));
        }
        Ok(())
    }

    fn reschedule(&self, seq: u64, attempts: u32, due_ms: i64) -> BackendResult<()> {
        let mut inner = self.inner.lock().unwrap();
        if let Some(queue) = inner.queue_of(seq)
            && let Some(entry) = queue.entries.get_mut(&seq)
        {
            queue.by_due.remove(&(entry.due_ms, seq));
            entry.attempts = attempts;
            entry.due_ms = due_ms;
            queue.by_due.insert((due_ms, seq));
        }
        Ok(())
    }

    fn pending(&self, subscriptions: &[u64]) -> BackendResult<usize> {
        let inner = self.inner.lock().unwrap();
        Ok(subscriptions
            .iter()
            .filter_map(|id| inner.queues.get(id))
            .map(|q| q.entries.len())
            .sum())
    }
}

impl EmbeddedComponent<PubSubBlock> for MemoryBroker {
    const TYPE: &'static str = "pubsub.in-memory";

    /// Creates the broker from component metadata.
    fn from_metadata(
        component_name: &str,
        metadata: &ComponentMetadata,
    ) -> anyhow::Result<Arc<Self>> {
        let options = DeliveryOptions::from_metadata(metadata)?;
        Ok(Broker::new(component_name, options, MemoryQueue::default()))
    }

    /// A publisher for app `app_id` (the CloudEvent `source`).
    fn for_app(self: &Arc<Self>, app_id: &str) -> Arc<dyn PubSub> {
        self.publisher(app_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::pubsub::delivery::conformance::broker_conformance;

    fn make(metadata: &ComponentMetadata) -> Arc<MemoryBroker> {
        MemoryBroker::from_metadata("bus", metadata).unwrap()
    }

    broker_conformance!(make);

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

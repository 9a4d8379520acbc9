//! The delivery engine of the embedded brokers: one [`Broker`] over a
//! [`Queue`] (in memory for `pubsub.in-memory`, SQLite for `pubsub.sqlite`).
//! The broker wraps published messages in CloudEvents, queues them for every
//! subscription of their topic, and runs one scheduler per active
//! subscription that delivers them, retries with backoff and dead-letters.
//!
//! Scheduling (metadata `concurrencyMode`):
//!
//! - `parallel` (default): up to `maxConcurrentHandlers` (default 16)
//!   deliveries of a subscription run at once, taken in order of due time,
//!   then publish order. A retried event waits for its backoff without
//!   holding the others back, so events are not delivered in publish order.
//! - `single`: one delivery at a time, strictly in publish order; an event
//!   waiting for its retry holds back the ones after it.
//!
//! A bulk subscription (`bulk` set) is delivered in batches of up to
//! `max-messages` due events, counted as one handler each against
//! `maxConcurrentHandlers` (so `single` gives one batch at a time); a batch
//! that is not full waits until its oldest event has been due for
//! `max-await-ms`. Each event of a batch is then settled on its own, as if
//! it had been delivered alone.
//!
//! An event leaves the queue only when the subscriber answers `success` or
//! `drop`, or when its retries (`maxRetries`, default 5, waiting
//! `initialRetryIntervalMs` (100) doubling up to `maxRetryIntervalMs`
//! (5000)) run out; a dropped or exhausted event is published to the
//! subscription's dead-letter topic, if it has one, before it is removed.
//! The scheduler holds at most `2 × maxConcurrentHandlers` queued events in
//! memory at a time: it asks the queue for what is due.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use super::envelope::{dead_letter_message, envelope};
use crate::backend::embedded::clock::Clock;
use crate::backend::embedded::{ComponentMetadata, parse_metadata};
use crate::backend::{BackendResult, Error};
use crate::blocks::pubsub::{
    BulkSubscribe, CloudEvent, EventStatus, Message, PubSub, Subscription, TopicSubscriber,
};

/// How long a scheduler waits before asking a failing queue again.
const QUEUE_ERROR_BACKOFF: Duration = Duration::from_secs(1);

/// Retry backoff of failed deliveries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Redeliveries after the first attempt before the event is dead-lettered.
    pub max_retries: u32,
    /// The wait before the first redelivery.
    pub initial: Duration,
    /// The longest wait between redeliveries.
    pub max: Duration,
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based): doubling, capped.
    pub fn delay(&self, retry: u32) -> Duration {
        self.initial
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.max)
    }
}

/// How the deliveries of one subscription are scheduled (`concurrencyMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConcurrencyMode {
    /// Up to the concurrency bound at once; retries do not hold others back.
    Parallel,
    /// One at a time, in publish order.
    Single,
}

/// The delivery settings of a broker, from its component metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryOptions {
    /// Backoff and retry limit.
    pub retry: RetryPolicy,
    /// Parallel or single.
    pub mode: ConcurrencyMode,
    /// The most deliveries of one subscription in flight at once
    /// (`maxConcurrentHandlers`; 1 in single mode).
    pub max_concurrent: usize,
}

impl DeliveryOptions {
    /// Reads `maxRetries`, `initialRetryIntervalMs`, `maxRetryIntervalMs`,
    /// `concurrencyMode` and `maxConcurrentHandlers`.
    pub fn from_metadata(metadata: &ComponentMetadata) -> anyhow::Result<Self> {
        let ms = |key: &str, default: u64| {
            parse_metadata(metadata, key, default).map(Duration::from_millis)
        };
        let retry = RetryPolicy {
            max_retries: parse_metadata(metadata, "maxRetries", 5)?,
            initial: ms("initialRetryIntervalMs", 100)?,
            max: ms("maxRetryIntervalMs", 5_000)?,
        };
        let mode = match parse_metadata(metadata, "concurrencyMode", String::new())?.as_str() {
            "" | "parallel" => ConcurrencyMode::Parallel,
            "single" => ConcurrencyMode::Single,
            other => bail!(
                "invalid value {other:?} for metadata `concurrencyMode`: expected `parallel` or `single`"
            ),
        };
        let max_concurrent: usize = parse_metadata(metadata, "maxConcurrentHandlers", 16)?;
        if max_concurrent == 0 {
            bail!(
                "invalid value \"0\" for metadata `maxConcurrentHandlers`: it must be at least 1"
            );
        }
        Ok(DeliveryOptions {
            retry,
            mode,
            max_concurrent: match mode {
                ConcurrencyMode::Parallel => max_concurrent,
                ConcurrencyMode::Single => 1,
            },
        })
    }
}

/// One queued delivery of an event to one subscription.
#[derive(Clone, Debug)]
pub struct Pending {
    /// Its queue position: increasing in publish order, unique in the queue.
    pub seq: u64,
    /// The failed attempts so far.
    pub attempts: u32,
    /// When it is due, in unix milliseconds.
    pub due_ms: i64,
    /// The event (its `path` is set by the scheduler).
    pub event: CloudEvent,
}

/// Where a broker keeps its queued deliveries. Every method is one atomic
/// step; [`Queue::BLOCKING`] queues run on Tokio's blocking pool.
pub trait Queue: Send + Sync + 'static {
    /// Whether the methods block the thread (disk I/O).
    const BLOCKING: bool;
    /// How often an idle scheduler looks at the queue anyway (for events
    /// another process added); `None` to rely on wake-ups only.
    const POLL: Option<Duration>;

    /// Records the subscription of `app_id` to `topic` with `route` (if it
    /// is new) and returns its id; the same key always gives the same id.
    fn register(&self, app_id: &str, topic: &str, route: &str) -> BackendResult<u64>;
    /// Queues `event` for every recorded subscription of `event.topic`,
    /// due at `due_ms`.
    fn push(&self, event: &CloudEvent, due_ms: i64) -> BackendResult<()>;
    /// Up to `limit` deliveries of `subscription` due at `now_ms`, by due
    /// time, then publish order.
    fn due(&self, subscription: u64, now_ms: i64, limit: usize) -> BackendResult<Vec<Pending>>;
    /// The first delivery of `subscription` in publish order, due or not.
    fn head(&self, subscription: u64) -> BackendResult<Option<Pending>>;
    /// The earliest due time after `now_ms` of `subscription`'s deliveries.
    fn next_due_after(&self, subscription: u64, now_ms: i64) -> BackendResult<Option<i64>>;
    /// Removes a delivery (acknowledged, dropped or dead-lettered).
    fn remove(&self, seq: u64) -> BackendResult<()>;
    /// Records a failed attempt: `attempts` so far, next due at `due_ms`.
    fn reschedule(&self, seq: u64, attempts: u32, due_ms: i64) -> BackendResult<()>;
    /// How many deliveries of these subscriptions are queued.
    fn pending(&self, subscriptions: &[u64]) -> BackendResult<usize>;
}

/// Runs `f` on `queue`, on the blocking pool if the queue blocks.
async fn on_queue<Q: Queue, T: Send + 'static>(
    queue: &Arc<Q>,
    f: impl FnOnce(&Q) -> BackendResult<T> + Send + 'static,
) -> BackendResult<T> {
    if Q::BLOCKING {
        let queue = queue.clone();
        tokio::task::spawn_blocking(move || f(&queue))
            .await
            .map_err(Error::internal)?
    } else {
        f(queue)
    }
}

/// An embedded pub/sub component: hand publishers out with
/// [`Broker::publisher`], register subscribers with [`Broker::subscribe`].
/// Dropping the last handle (or [`Broker::shutdown`]) stops delivery.
pub struct Broker<Q: Queue> {
    core: Arc<Core<Q>>,
}

/// What the broker and its schedulers share.
struct Core<Q> {
    name: String,
    options: DeliveryOptions,
    queue: Arc<Q>,
    clock: Clock,
    active: Mutex<HashMap<String, Vec<Active>>>,
    closed: watch::Sender<bool>,
}

/// A subscription being delivered by a scheduler of this process.
struct Active {
    id: u64,
    wake: Arc<Notify>,
}

impl<Q: Queue> Broker<Q> {
    /// A broker named `name` (the component name) over `queue`.
    pub fn new(name: &str, options: DeliveryOptions, queue: Q) -> Arc<Self> {
        Arc::new(Broker {
            core: Arc::new(Core {
                name: name.to_string(),
                options,
                queue: Arc::new(queue),
                clock: Clock::system(),
                active: Mutex::default(),
                closed: watch::channel(false).0,
            }),
        })
    }

    /// The delivery settings.
    pub fn options(&self) -> &DeliveryOptions {
        &self.core.options
    }

    /// The queue.
    pub fn queue(&self) -> &Q {
        &self.core.queue
    }

    /// A publisher for app `app_id` (the CloudEvent `source`), which also
    /// subscribes that app.
    pub fn publisher(self: &Arc<Self>, app_id: &str) -> Arc<dyn PubSub> {
        Arc::new(Publisher {
            broker: self.clone(),
            app_id: app_id.to_string(),
        })
    }

    /// Starts delivering the events of `subscription` to `subscriber`: the
    /// ones queued for it already and every one published from now on.
    /// Must be called inside a Tokio runtime.
    pub fn subscribe(
        &self,
        app_id: &str,
        subscription: Subscription,
        subscriber: Arc<dyn TopicSubscriber>,
    ) -> anyhow::Result<()> {
        let runtime = tokio::runtime::Handle::try_current()
            .context("pubsub subscriptions need a Tokio runtime")?;
        if subscription.topic.is_empty() {
            bail!("subscription of app {app_id} has an empty topic");
        }
        if *self.core.closed.borrow() {
            bail!("pubsub {} is shut down", self.core.name);
        }
        let path = subscription
            .route
            .clone()
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| subscription.topic.clone());
        let id = self
            .core
            .queue
            .register(app_id, &subscription.topic, &path)
            .map_err(|e| anyhow::anyhow!(e.describe()))
            .with_context(|| {
                format!(
                    "cannot record the subscription in pubsub {}",
                    self.core.name
                )
            })?;
        let wake = Arc::new(Notify::new());
        {
            let mut active = self.core.active.lock().unwrap();
            let topic = active.entry(subscription.topic.clone()).or_default();
            if topic.iter().any(|a| a.id == id) {
                bail!(
                    "app {app_id} already subscribes to topic {} with route {path}",
                    subscription.topic
                );
            }
            topic.push(Active {
                id,
                wake: wake.clone(),
            });
        }
        tracing::debug!(pubsub = %self.core.name, app_id, topic = %subscription.topic, "subscribed");
        let scheduler = Scheduler {
            core: self.core.clone(),
            id,
            path,
            subscription,
            subscriber,
            wake,
        };
        runtime.spawn(scheduler.run());
        Ok(())
    }

    /// Publishes `message` to `topic` as app `source`: wraps it in a
    /// CloudEvent and queues it for every subscription of the topic; returns
    /// once the queue holds it.
    pub async fn publish(&self, topic: &str, source: &str, message: Message) -> BackendResult<()> {
        self.core.publish(topic, source, message).await
    }

    /// Waits until no subscription active in this process has a queued
    /// delivery (delivered, dead-lettered or discarded).
    pub async fn idle(&self) {
        loop {
            let ids: Vec<u64> = {
                let active = self.core.active.lock().unwrap();
                active.values().flatten().map(|a| a.id).collect()
            };
            if matches!(self.core.queue.pending(&ids), Ok(0)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Stops delivery (deliveries in flight are abandoned and stay queued)
    /// and rejects further publishes with `unavailable`.
    pub fn shutdown(&self) {
        self.core.closed.send_replace(true);
        self.core.active.lock().unwrap().clear();
    }
}

impl<Q: Queue> Drop for Broker<Q> {
    fn drop(&mut self) {
        self.core.closed.send_replace(true);
    }
}

impl<Q: Queue> Core<Q> {
    async fn publish(&self, topic: &str, source: &str, message: Message) -> BackendResult<()> {
        if topic.is_empty() {
            return Err(Error::InvalidArgument("the topic must not be empty".into()));
        }
        if *self.closed.borrow() {
            return Err(Error::Unavailable(format!(
                "pubsub {} is shut down",
                self.name
            )));
        }
        let event = envelope(&self.name, topic, source, message)?;
        let now = self.clock.now_ms();
        on_queue(&self.queue, move |q| q.push(&event, now)).await?;
        let active = self.active.lock().unwrap();
        for subscription in active.get(topic).into_iter().flatten() {
            subscription.wake.notify_one();
        }
        Ok(())
    }
}

/// A broker handle publishing as one app.
struct Publisher<Q: Queue> {
    broker: Arc<Broker<Q>>,
    app_id: String,
}

#[async_trait::async_trait]
impl<Q: Queue> PubSub for Publisher<Q> {
    async fn publish(&self, topic: &str, message: Message) -> BackendResult<()> {
        self.broker.publish(topic, &self.app_id, message).await
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

/// The delivery task of one active subscription.
struct Scheduler<Q> {
    core: Arc<Core<Q>>,
    id: u64,
    path: String,
    subscription: Subscription,
    subscriber: Arc<dyn TopicSubscriber>,
    wake: Arc<Notify>,
}

/// What the scheduler does after a look at the queue.
struct Plan {
    /// The attempts to start: one event each, or one batch each for a bulk
    /// subscription.
    start: Vec<Vec<Pending>>,
    wake_at: Option<i64>,
}

impl<Q: Queue> Scheduler<Q> {
    /// Starts due deliveries as slots free up, until the broker closes; on
    /// close, deliveries in flight are abandoned (they stay queued).
    async fn run(self) {
        let this = Arc::new(self);
        let mut closed = this.core.closed.subscribe();
        let mut in_flight: HashSet<u64> = HashSet::new();
        // The attempt tasks (one per event, or per batch of a bulk
        // subscription), and which deliveries each one runs (so that a task
        // that panicked still frees its slot).
        let mut attempts: JoinSet<()> = JoinSet::new();
        let mut tasks: HashMap<tokio::task::Id, Vec<u64>> = HashMap::new();
        loop {
            if *closed.borrow() {
                return;
            }
            let wake_at = match this.plan(&in_flight, tasks.len()).await {
                Ok(plan) => {
                    for batch in plan.start {
                        let seqs: Vec<u64> = batch.iter().map(|p| p.seq).collect();
                        in_flight.extend(&seqs);
                        let task = if this.subscription.bulk.is_some() {
                            attempts.spawn(this.clone().attempt_batch(batch))
                        } else {
                            let mut batch = batch;
                            match batch.pop() {
                                Some(pending) => attempts.spawn(this.clone().attempt(pending)),
                                None => continue,
                            }
                        };
                        tasks.insert(task.id(), seqs);
                    }
                    plan.wake_at
                }
                Err(err) => {
                    tracing::warn!(
                        pubsub = %this.core.name, topic = %this.subscription.topic,
                        "cannot read the event queue: {}", err.describe()
                    );
                    Some(this.core.clock.now_ms() + QUEUE_ERROR_BACKOFF.as_millis() as i64)
                }
            };
            let wait = wake_at
                .map(|at| Duration::from_millis((at - this.core.clock.now_ms()).max(0) as u64))
                .into_iter()
                .chain(Q::POLL)
                .min();
            tokio::select! {
                biased;
                _ = closed.wait_for(|closed| *closed) => return,
                Some(done) = attempts.join_next_with_id(), if !attempts.is_empty() => {
                    let id = match done {
                        Ok((id, ())) => id,
                        Err(err) => err.id(),
                    };
                    for seq in tasks.remove(&id).into_iter().flatten() {
                        in_flight.remove(&seq);
                    }
                }
                _ = this.wake.notified() => {}
                _ = tokio::time::sleep(wait.unwrap_or_default()), if wait.is_some() => {}
            }
        }
    }

    /// Which due deliveries to start now, and when to look again, with
    /// `busy` attempts running.
    async fn plan(&self, in_flight: &HashSet<u64>, busy: usize) -> BackendResult<Plan> {
        let (id, now) = (self.id, self.core.clock.now_ms());
        if let Some(bulk) = self.subscription.bulk {
            return self.plan_batches(in_flight, busy, bulk).await;
        }
        match self.core.options.mode {
            ConcurrencyMode::Single => {
                if busy > 0 {
                    return Ok(Plan {
                        start: Vec::new(),
                        wake_at: None,
                    });
                }
                let head = on_queue(&self.core.queue, move |q| q.head(id)).await?;
                Ok(match head {
                    Some(head) if head.due_ms <= now => Plan {
                        start: vec![vec![head]],
                        wake_at: None,
                    },
                    other => Plan {
                        start: Vec::new(),
                        wake_at: other.map(|h| h.due_ms),
                    },
                })
            }
            ConcurrencyMode::Parallel => {
                let free = self.core.options.max_concurrent.saturating_sub(busy);
                let mut start = Vec::new();
                if free > 0 {
                    // In-flight deliveries are still queued: ask for enough
                    // to find `free` others.
                    let limit = free + in_flight.len();
                    let due = on_queue(&self.core.queue, move |q| q.due(id, now, limit)).await?;
                    start = due
                        .into_iter()
                        .filter(|p| !in_flight.contains(&p.seq))
                        .take(free)
                        .map(|p| vec![p])
                        .collect();
                }
                let wake_at =
                    on_queue(&self.core.queue, move |q| q.next_due_after(id, now)).await?;
                Ok(Plan { start, wake_at })
            }
        }
    }

    /// The batches of a bulk subscription to start now: up to the free
    /// slots' worth of full batches of due events (by due time, then
    /// publish order), and a last partial batch only once its oldest event
    /// has waited `max-await-ms`; otherwise it looks again then.
    async fn plan_batches(
        &self,
        in_flight: &HashSet<u64>,
        busy: usize,
        bulk: BulkSubscribe,
    ) -> BackendResult<Plan> {
        let (id, now) = (self.id, self.core.clock.now_ms());
        let size = bulk.max_messages.max(1) as usize;
        let free = self.core.options.max_concurrent.saturating_sub(busy);
        let mut start = Vec::new();
        let mut wake_at = on_queue(&self.core.queue, move |q| q.next_due_after(id, now)).await?;
        if free > 0 {
            let limit = free * size + in_flight.len();
            let due: Vec<Pending> = on_queue(&self.core.queue, move |q| q.due(id, now, limit))
                .await?
                .into_iter()
                .filter(|p| !in_flight.contains(&p.seq))
                .collect();
            for batch in due.chunks(size).take(free).map(<[Pending]>::to_vec) {
                let ready = batch.len() == size;
                let fill_by = batch.iter().map(|p| p.due_ms).min().unwrap_or(now)
                    + i64::from(bulk.max_await_ms);
                if ready || fill_by <= now {
                    start.push(batch);
                } else {
                    wake_at = Some(wake_at.map_or(fill_by, |at| at.min(fill_by)));
                }
            }
        }
        Ok(Plan { start, wake_at })
    }

    /// One delivery attempt of a single event, then [`Self::settle`].
    async fn attempt(self: Arc<Self>, pending: Pending) {
        let Pending {
            seq,
            attempts,
            mut event,
            ..
        } = pending;
        event.path = self.path.clone();
        let answer = self.subscriber.deliver(event.clone()).await;
        if let Err(err) = &answer {
            tracing::warn!(
                pubsub = %event.pubsub, topic = %event.topic, id = %event.id,
                "event delivery failed: {err:#}"
            );
        }
        self.settle(seq, attempts, event, answer.unwrap_or(EventStatus::Retry))
            .await;
    }

    /// One delivery attempt of a batch of a bulk subscription, and what
    /// follows it for each event, as for a single event.
    async fn attempt_batch(self: Arc<Self>, batch: Vec<Pending>) {
        let events: Vec<CloudEvent> = batch
            .iter()
            .map(|p| CloudEvent {
                path: self.path.clone(),
                ..p.event.clone()
            })
            .collect();
        let statuses = match self.subscriber.deliver_bulk(events.clone()).await {
            Ok(statuses) if statuses.len() == events.len() => statuses,
            answer => {
                let reason = match answer {
                    Ok(statuses) => format!(
                        "{} statuses answered for {} events",
                        statuses.len(),
                        events.len()
                    ),
                    Err(err) => format!("{err:#}"),
                };
                tracing::warn!(
                    pubsub = %self.core.name, topic = %self.subscription.topic,
                    events = events.len(), "batch delivery failed: {reason}"
                );
                vec![EventStatus::Retry; events.len()]
            }
        };
        for ((pending, event), status) in batch.into_iter().zip(events).zip(statuses) {
            self.settle(pending.seq, pending.attempts, event, status)
                .await;
        }
    }

    /// What follows the subscriber's answer for one event: removal on
    /// `success`, dead-lettering on `drop` or exhausted retries, else a
    /// rescheduled retry.
    async fn settle(&self, seq: u64, attempts: u32, event: CloudEvent, status: EventStatus) {
        let failed = match status {
            EventStatus::Success => None,
            EventStatus::Drop => Some("dropped by the subscriber"),
            EventStatus::Retry => {
                if attempts < self.core.options.retry.max_retries {
                    self.retry_later(seq, attempts, &event).await;
                    return;
                }
                Some("retries exhausted")
            }
        };
        let (topic, id) = (event.topic.clone(), event.id.clone());
        if let Some(reason) = failed {
            self.dead_letter(event, reason).await;
        }
        if let Err(err) = on_queue(&self.core.queue, move |q| q.remove(seq)).await {
            tracing::warn!(
                pubsub = %self.core.name, %topic, %id,
                "cannot remove a handled event from the queue (it will be redelivered): {}",
                err.describe()
            );
        }
    }

    async fn retry_later(&self, seq: u64, attempts: u32, event: &CloudEvent) {
        let delay = self.core.options.retry.delay(attempts);
        let due = self.core.clock.now_ms() + delay.as_millis() as i64;
        let attempts = attempts + 1;
        if let Err(err) =
            on_queue(&self.core.queue, move |q| q.reschedule(seq, attempts, due)).await
        {
            tracing::warn!(
                pubsub = %event.pubsub, topic = %event.topic, id = %event.id,
                "cannot reschedule an event (it is redelivered now): {}", err.describe()
            );
        }
    }

    /// Publishes a failed event's data to the dead-letter topic, or logs and
    /// discards it.
    async fn dead_letter(&self, event: CloudEvent, reason: &str) {
        let target = self
            .subscription
            .dead_letter_topic
            .as_deref()
            .filter(|t| !t.is_empty());
        let Some(topic) = target else {
            tracing::warn!(
                pubsub = %event.pubsub, topic = %event.topic, id = %event.id,
                "event discarded ({reason}); no dead-letter topic"
            );
            return;
        };
        let (id, source) = (event.id.clone(), event.source.clone());
        let message = dead_letter_message(event);
        if let Err(err) = self.core.publish(topic, &source, message).await {
            tracing::warn!(pubsub = %self.core.name, topic, %id, "dead-lettering failed: {err}");
        }
    }
}

/// Behavior every embedded broker shares, run by each queue's tests.
#[cfg(test)]
pub(crate) mod conformance {
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Records deliveries and answers with a script (then `success`); a
    /// `None` in the script is a trap. With a gate, every delivery first
    /// waits for it to open.
    #[derive(Default)]
    pub struct Recorder {
        pub events: Mutex<Vec<CloudEvent>>,
        script: Mutex<HashMap<String, VecDeque<Option<EventStatus>>>>,
        gate: Option<Arc<tokio::sync::Semaphore>>,
        in_flight: AtomicUsize,
        pub most_in_flight: AtomicUsize,
        barrier: Option<tokio::sync::Barrier>,
        /// The data of each batch delivered to `deliver_bulk`, in order.
        pub batches: Mutex<Vec<Vec<String>>>,
    }

    impl Recorder {
        /// Answers the deliveries of event data `data` with `script`.
        pub fn scripted<'a>(
            script: impl IntoIterator<Item = (&'a str, Vec<Option<EventStatus>>)>,
        ) -> Arc<Self> {
            Arc::new(Recorder {
                script: Mutex::new(
                    script
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v.into()))
                        .collect(),
                ),
                ..Default::default()
            })
        }

        /// Every delivery waits for a permit of the returned semaphore.
        pub fn gated() -> (Arc<Self>, Arc<tokio::sync::Semaphore>) {
            let gate = Arc::new(tokio::sync::Semaphore::new(0));
            let recorder = Recorder {
                gate: Some(gate.clone()),
                ..Default::default()
            };
            (Arc::new(recorder), gate)
        }

        /// The data of the deliveries, in delivery order.
        pub fn data(&self) -> Vec<String> {
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
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_in_flight.fetch_max(now, Ordering::SeqCst);
            if let Some(gate) = &self.gate {
                gate.acquire().await.unwrap().forget();
            }
            if let Some(barrier) = &self.barrier {
                barrier.wait().await;
            }
            let data = String::from_utf8_lossy(&event.data).to_string();
            self.events.lock().unwrap().push(event);
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            let answer = self
                .script
                .lock()
                .unwrap()
                .get_mut(&data)
                .and_then(VecDeque::pop_front);
            match answer {
                None => Ok(EventStatus::Success),
                Some(Some(status)) => Ok(status),
                Some(None) => anyhow::bail!("trap"),
            }
        }

        /// Answers each event as `deliver` would; a trap in the script
        /// traps the whole batch.
        async fn deliver_bulk(&self, events: Vec<CloudEvent>) -> anyhow::Result<Vec<EventStatus>> {
            let data = events
                .iter()
                .map(|e| String::from_utf8_lossy(&e.data).to_string())
                .collect();
            self.batches.lock().unwrap().push(data);
            let mut statuses = Vec::new();
            for event in events {
                statuses.push(self.deliver(event).await?);
            }
            Ok(statuses)
        }
    }

    /// Component metadata from pairs, with 20 ms retries unless given.
    pub fn metadata(pairs: &[(&str, &str)]) -> ComponentMetadata {
        let mut md: ComponentMetadata = [
            ("initialRetryIntervalMs", "20"),
            ("maxRetryIntervalMs", "40"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        md.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        md
    }

    /// A subscription of `topic`.
    pub fn subscription(
        topic: &str,
        route: Option<&str>,
        dead_letter: Option<&str>,
    ) -> Subscription {
        Subscription {
            pubsub: "bus".into(),
            topic: topic.into(),
            route: route.map(Into::into),
            metadata: vec![],
            dead_letter_topic: dead_letter.map(Into::into),
            bulk: None,
        }
    }

    /// A text message.
    pub fn message(data: &str) -> Message {
        Message {
            data: data.into(),
            content_type: "text/plain".into(),
            metadata: vec![("k".into(), "v".into())],
        }
    }

    /// Waits (at most 10 s) until the broker is idle.
    pub async fn idle<Q: Queue>(broker: &Broker<Q>) {
        tokio::time::timeout(Duration::from_secs(10), broker.idle())
            .await
            .expect("broker drained");
    }

    /// Parallel mode: while `a` waits for its retry, `b` and `c` (published
    /// behind it) are delivered; one slot, so the order is deterministic.
    pub async fn retry_does_not_hold_back_later_events<Q: Queue>(
        make: impl Fn(&ComponentMetadata) -> Arc<Broker<Q>>,
    ) {
        let broker = make(&metadata(&[("maxConcurrentHandlers", "1")]));
        let (sub, gate) = Recorder::gated();
        sub.script
            .lock()
            .unwrap()
            .insert("a".into(), [Some(EventStatus::Retry)].into());
        broker
            .subscribe("s", subscription("t", None, None), sub.clone())
            .unwrap();
        let publisher = broker.publisher("p");
        for data in ["a", "b", "c"] {
            publisher.publish("t", message(data)).await.unwrap();
        }
        gate.add_permits(100);
        idle(&broker).await;
        assert_eq!(sub.data(), ["a", "b", "c", "a"]);
        let events = sub.events.lock().unwrap();
        assert_eq!(events[0].id, events[3].id);
    }

    /// Single mode: strict publish order; the retry holds the queue.
    pub async fn single_mode_keeps_publish_order<Q: Queue>(
        make: impl Fn(&ComponentMetadata) -> Arc<Broker<Q>>,
    ) {
        let broker = make(&metadata(&[("concurrencyMode", "single")]));
        let (sub, gate) = Recorder::gated();
        sub.script
            .lock()
            .unwrap()
            .insert("a".into(), [Some(EventStatus::Retry), None].into());
        broker
            .subscribe("s", subscription("t", None, None), sub.clone())
            .unwrap();
        let publisher = broker.publisher("p");
        let mut expected = vec!["a".to_string(), "a".into()];
        for data in ["a", "b", "c"] {
            publisher.publish("t", message(data)).await.unwrap();
        }
        for i in 0..30 {
            publisher
                .publish("t", message(&i.to_string()))
                .await
                .unwrap();
        }
        gate.add_permits(1000);
        idle(&broker).await;
        expected.extend(["a", "b", "c"].map(String::from));
        expected.extend((0..30).map(|i| i.to_string()));
        assert_eq!(sub.data(), expected);
        assert_eq!(sub.most_in_flight.load(Ordering::SeqCst), 1);
    }

    /// Parallel mode runs up to `maxConcurrentHandlers` deliveries at once
    /// (a barrier of 4 only opens with 4 in flight), and never more.
    pub async fn parallel_deliveries_up_to_the_bound<Q: Queue>(
        make: impl Fn(&ComponentMetadata) -> Arc<Broker<Q>>,
    ) {
        let broker = make(&metadata(&[("maxConcurrentHandlers", "4")]));
        let sub = Arc::new(Recorder {
            barrier: Some(tokio::sync::Barrier::new(4)),
            ..Default::default()
        });
        broker
            .subscribe("s", subscription("t", None, None), sub.clone())
            .unwrap();
        let publisher = broker.publisher("p");
        for i in 0..12 {
            publisher
                .publish("t", message(&i.to_string()))
                .await
                .unwrap();
        }
        idle(&broker).await;
        let mut got = sub.data();
        got.sort_by_key(|d| d.parse::<u32>().unwrap());
        assert_eq!(got, (0..12).map(|i| i.to_string()).collect::<Vec<_>>());
        assert_eq!(sub.most_in_flight.load(Ordering::SeqCst), 4);
    }

    /// Every subscription gets every event as a CloudEvent with its path;
    /// events of other topics are not delivered.
    pub async fn delivers_to_every_subscription<Q: Queue>(
        make: impl Fn(&ComponentMetadata) -> Arc<Broker<Q>>,
    ) {
        let broker = make(&metadata(&[("concurrencyMode", "single")]));
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
        let err = broker
            .subscribe("s2", subscription("orders", None, None), second.clone())
            .unwrap_err();
        assert!(err.to_string().contains("already subscribes"), "{err}");
        let publisher = broker.publisher("shop");
        let expected: Vec<String> = (0..50).map(|i| i.to_string()).collect();
        for data in &expected {
            publisher.publish("orders", message(data)).await.unwrap();
        }
        publisher.publish("other", message("x")).await.unwrap();
        idle(&broker).await;
        assert_eq!(first.data(), expected);
        assert_eq!(second.data(), expected);
        let event = first.events.lock().unwrap()[0].clone();
        assert_eq!(event.source, "shop");
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

    /// `drop` dead-letters at once; exhausted retries (traps count) after
    /// `maxRetries` redeliveries; without a dead-letter topic the event is
    /// discarded and the rest go on.
    pub async fn dead_letters<Q: Queue>(make: impl Fn(&ComponentMetadata) -> Arc<Broker<Q>>) {
        let broker = make(&metadata(&[("maxRetries", "2")]));
        let sub = Recorder::scripted([
            ("dropped", vec![Some(EventStatus::Drop)]),
            (
                "exhausted",
                vec![Some(EventStatus::Retry), None, Some(EventStatus::Retry)],
            ),
        ]);
        let dead = Recorder::scripted([]);
        broker
            .subscribe("s", subscription("t", None, Some("dlq")), sub.clone())
            .unwrap();
        broker
            .subscribe("s", subscription("dlq", None, None), dead.clone())
            .unwrap();
        let publisher = broker.publisher("p");
        publisher.publish("t", message("dropped")).await.unwrap();
        publisher.publish("t", message("exhausted")).await.unwrap();
        idle(&broker).await;
        let mut got = sub.data();
        got.sort();
        assert_eq!(got, ["dropped", "exhausted", "exhausted", "exhausted"]);
        let mut dead_data = dead.data();
        dead_data.sort();
        assert_eq!(dead_data, ["dropped", "exhausted"]);
        let event = dead.events.lock().unwrap()[0].clone();
        assert_eq!(
            (event.topic.as_str(), event.data_content_type.as_str()),
            ("dlq", "text/plain")
        );

        let lost = Recorder::scripted([("lost", vec![Some(EventStatus::Retry); 3])]);
        broker
            .subscribe("s", subscription("u", None, None), lost.clone())
            .unwrap();
        publisher.publish("u", message("lost")).await.unwrap();
        publisher.publish("u", message("kept")).await.unwrap();
        idle(&broker).await;
        let mut got = lost.data();
        got.sort();
        assert_eq!(got, ["kept", "lost", "lost", "lost"]);
    }

    /// A bulk subscription gets full batches in publish order, settles each
    /// event on its own (`drop` dead-letters, `retry` redelivers just that
    /// one), retries a whole batch that traps, and delivers a batch that
    /// cannot fill once its oldest event has waited `max-await-ms`.
    pub async fn bulk_batches<Q: Queue>(make: impl Fn(&ComponentMetadata) -> Arc<Broker<Q>>) {
        let broker = make(&metadata(&[
            ("maxRetries", "2"),
            ("initialRetryIntervalMs", "150"),
            ("maxRetryIntervalMs", "150"),
        ]));
        let sub = Recorder::scripted([
            ("drop", vec![Some(EventStatus::Drop)]),
            ("retry", vec![Some(EventStatus::Retry)]),
            ("trap", vec![None]),
        ]);
        let dead = Recorder::scripted([]);
        let bulk = |max_await_ms| {
            Some(BulkSubscribe {
                max_messages: 3,
                max_await_ms,
            })
        };
        let batched = Subscription {
            bulk: bulk(60_000),
            ..subscription("t", None, Some("dlq"))
        };
        broker.subscribe("s", batched, sub.clone()).unwrap();
        broker
            .subscribe("s", subscription("dlq", None, None), dead.clone())
            .unwrap();
        let publisher = broker.publisher("p");
        for data in ["a", "drop", "retry", "b", "trap", "c"] {
            publisher.publish("t", message(data)).await.unwrap();
        }
        // Two full batches now; their four retried events make one more
        // and a partial one that cannot fill within a minute, so two more
        // events fill it.
        tokio::time::sleep(Duration::from_millis(200)).await;
        for data in ["d", "e"] {
            publisher.publish("t", message(data)).await.unwrap();
        }
        idle(&broker).await;
        let batches = sub.batches.lock().unwrap().clone();
        // The two first batches run at once (parallel mode).
        let mut first = batches[..2].to_vec();
        first.sort();
        assert_eq!(first, [["a", "drop", "retry"], ["b", "trap", "c"]]);
        let mut rest: Vec<String> = batches[2..].concat();
        rest.sort();
        assert_eq!(rest, ["b", "c", "d", "e", "retry", "trap"]);
        assert!(batches.iter().all(|b| b.len() <= 3), "{batches:?}");
        assert_eq!(dead.data(), ["drop"]);

        let (lone, started) = (Recorder::scripted([]), std::time::Instant::now());
        let waiting = Subscription {
            bulk: bulk(300),
            ..subscription("u", None, None)
        };
        broker.subscribe("s", waiting, lone.clone()).unwrap();
        publisher.publish("u", message("alone")).await.unwrap();
        idle(&broker).await;
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(*lone.batches.lock().unwrap(), [["alone"]]);
    }

    /// Empty topics are invalid; after shutdown, publishes are `unavailable`.
    pub async fn shutdown_and_bad_topics<Q: Queue>(
        make: impl Fn(&ComponentMetadata) -> Arc<Broker<Q>>,
    ) {
        let broker = make(&metadata(&[]));
        let publisher = broker.publisher("p");
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

    /// Runs every scenario above for one broker maker.
    macro_rules! broker_conformance {
        ($make:expr) => {
            mod conformance {
                use super::*;
                use $crate::blocks::pubsub::delivery::conformance as c;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn retry_does_not_hold_back_later_events() {
                    c::retry_does_not_hold_back_later_events($make).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn single_mode_keeps_publish_order() {
                    c::single_mode_keeps_publish_order($make).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn parallel_deliveries_up_to_the_bound() {
                    c::parallel_deliveries_up_to_the_bound($make).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn delivers_to_every_subscription() {
                    c::delivers_to_every_subscription($make).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn dead_letters() {
                    c::dead_letters($make).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn bulk_batches() {
                    c::bulk_batches($make).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn shutdown_and_bad_topics() {
                    c::shutdown_and_bad_topics($make).await;
                }
            }
        };
    }
    pub(crate) use broker_conformance;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::embedded::md;

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

    #[test]
    fn options_have_defaults_and_reject_bad_values() {
        let defaults = DeliveryOptions::from_metadata(&md(&[])).unwrap();
        assert_eq!(defaults.mode, ConcurrencyMode::Parallel);
        assert_eq!(defaults.max_concurrent, 16);
        assert_eq!(defaults.retry.max_retries, 5);
        assert_eq!(defaults.retry.initial, Duration::from_millis(100));
        assert_eq!(defaults.retry.max, Duration::from_secs(5));
        let single = DeliveryOptions::from_metadata(&md(&[
            ("concurrencyMode", "single"),
            ("maxConcurrentHandlers", "8"),
        ]))
        .unwrap();
        assert_eq!(
            (single.mode, single.max_concurrent),
            (ConcurrencyMode::Single, 1)
        );
        for (key, value) in [
            ("maxRetries", "many"),
            ("maxRetries", "-1"),
            ("initialRetryIntervalMs", "1.5"),
            ("concurrencyMode", "serial"),
            ("maxConcurrentHandlers", "0"),
            ("maxConcurrentHandlers", "lots"),
        ] {
            let err = DeliveryOptions::from_metadata(&md(&[(key, value)]))
                .unwrap_err()
                .to_string();
            assert!(err.contains(key), "{key}={value}: {err}");
        }
    }
}

//! What one app may use: per-instance limits (memory, deadline, payload
//! sizes) and admission across its instances (how many run at once, how
//! many requests wait for one), with overload as a typed error.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Daprd's default `--max-body-size`: 4 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 << 20;

/// The limits of one app: per instance (memory, deadline, body sizes) and
/// across its instances (how many run at once, how many requests wait).
#[derive(Clone, Debug)]
pub struct Limits {
    /// The most linear memory one instance may have, in bytes.
    pub memory_bytes: usize,
    /// How long one request, event or command may run (guest code and host
    /// calls together) before it is interrupted.
    pub timeout: Duration,
    /// How many instances of the app may run at once; `None` for a fair
    /// share of the runtime's instance slots (see [`RuntimeConfig`]).
    pub max_instances: Option<u32>,
    /// How many HTTP requests and invocations may wait for an instance when
    /// all are busy; past it they are refused as overloaded (HTTP `503`).
    /// Events and binding deliveries wait instead (their producers bound
    /// them).
    pub max_queued: u32,
    /// The largest HTTP or invocation body (each way), state value and gRPC
    /// message to or from daprd, in bytes.
    pub max_body_bytes: usize,
    /// How long an actor of this app stays active without a call, for an
    /// actor type that sets no idle timeout of its own.
    pub actor_idle_timeout: Duration,
    /// How many HTTP requests one instance serves. 1 (the default) gives
    /// every request a fresh instance; more is for apps that keep nothing
    /// across requests, since a later request sees what an earlier one left
    /// in the instance's memory.
    pub max_instance_reuse: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 128 << 20,
            timeout: Duration::from_secs(30),
            max_instances: None,
            max_queued: 64,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            actor_idle_timeout: crate::blocks::actors::DEFAULT_IDLE_TIMEOUT,
            max_instance_reuse: 1,
        }
    }
}

/// A size in bytes, written and read as daprd's `--max-body-size` is
/// (`4Mi`, `512Ki`, `1Gi`, `4MB`, or plain bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteSize(pub usize);

impl FromStr for ByteSize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let unit_bytes: u64 = match unit.trim() {
            "" | "B" => 1,
            "Ki" | "KiB" => 1 << 10,
            "Mi" | "MiB" => 1 << 20,
            "Gi" | "GiB" => 1 << 30,
            "k" | "K" | "KB" => 1_000,
            "M" | "MB" => 1_000_000,
            "G" | "GB" => 1_000_000_000,
            other => {
                return Err(format!(
                    "unknown size unit `{other}` in `{text}` (use Ki, Mi, Gi, KB, MB, GB or bytes)"
                ));
            }
        };
        let count: u64 = digits
            .parse()
            .map_err(|_| format!("`{text}` is not a size such as 4Mi or 1048576"))?;
        count
            .checked_mul(unit_bytes)
            .and_then(|bytes| usize::try_from(bytes).ok())
            .filter(|bytes| *bytes > 0)
            .map(ByteSize)
            .ok_or_else(|| format!("size `{text}` must be at least 1 byte and fit in memory"))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.0;
        for (unit, size) in [("GiB", 1usize << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
            if bytes >= size && bytes.is_multiple_of(size) {
                return write!(f, "{} {unit}", bytes / size);
            }
        }
        write!(f, "{bytes} bytes")
    }
}

/// Refuses a payload of `len` bytes over `limit`: the one message (naming
/// the payload, its size and the flag that raises the limit) every body
/// check gives. `len` is `None` when a stream was cut at the limit.
pub fn check_body(what: &str, len: Option<usize>, limit: usize) -> Result<(), String> {
    match len {
        Some(len) if len <= limit => Ok(()),
        Some(len) => Err(format!(
            "{what} is {len} bytes, over the {} limit (raise it with --max-body-size)",
            ByteSize(limit)
        )),
        None => Err(format!(
            "{what} is over the {} limit (raise it with --max-body-size)",
            ByteSize(limit)
        )),
    }
}

/// A call refused because every instance of the app is busy and its queue
/// is full (HTTP answers `503` with `Retry-After`).
#[derive(Debug, thiserror::Error)]
#[error(
    "app `{app}` is overloaded: {instances} instances busy and {queued} requests waiting (--max-instances, --max-queued); retry later"
)]
pub struct Overloaded {
    /// The app id.
    pub app: String,
    /// Its instance bound.
    pub instances: u32,
    /// Its queue bound.
    pub queued: u32,
}

impl Overloaded {
    /// How long a refused caller should wait before retrying.
    pub const RETRY_AFTER: Duration = Duration::from_secs(1);
}

/// How a call waits for an instance when all are busy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queueing {
    /// Requests and invocations: wait in the bounded queue for at most the
    /// app's timeout, else [`Overloaded`].
    Bounded,
    /// Events and binding deliveries: wait as long as it takes (the broker
    /// or trigger that produces them bounds how many there are).
    Wait,
    /// Actor activations looking for a free slot: refused at once when
    /// there is none (an idle actor may then make room).
    Never,
}

/// The instance bound of one app: a fair semaphore plus a counted queue.
pub(crate) struct Admission {
    app: String,
    permits: Arc<Semaphore>,
    instances: u32,
    queued: AtomicU32,
    max_queued: u32,
    queue_timeout: Duration,
}

impl Admission {
    /// Admission for app `app`: `instances` at once, `limits.max_queued`
    /// waiting for at most `limits.timeout`.
    pub(crate) fn new(app: &str, instances: u32, limits: &Limits) -> Self {
        let instances = instances.max(1);
        Admission {
            app: app.to_string(),
            permits: Arc::new(Semaphore::new(instances as usize)),
            instances,
            queued: AtomicU32::new(0),
            max_queued: limits.max_queued,
            queue_timeout: limits.timeout,
        }
    }

    /// A slot for one instance, held until the permit drops.
    pub(crate) async fn admit(
        &self,
        queueing: Queueing,
    ) -> Result<OwnedSemaphorePermit, Overloaded> {
        if let Ok(permit) = self.permits.clone().try_acquire_owned() {
            return Ok(permit);
        }
        if queueing == Queueing::Never {
            return Err(self.overloaded());
        }
        if queueing == Queueing::Wait {
            return self
                .permits
                .clone()
                .acquire_owned()
                .await
                .map_err(|_| self.overloaded());
        }
        let claimed = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max_queued).then_some(n + 1)
            });
        if claimed.is_err() {
            return Err(self.overloaded());
        }
        let waited =
            tokio::time::timeout(self.queue_timeout, self.permits.clone().acquire_owned()).await;
        self.queued.fetch_sub(1, Ordering::AcqRel);
        match waited {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(self.overloaded()),
        }
    }

    /// How many instances may run at once.
    pub(crate) fn instances(&self) -> u32 {
        self.instances
    }

    /// How many instances are running now.
    pub(crate) fn busy(&self) -> u32 {
        let free = u32::try_from(self.permits.available_permits()).unwrap_or(u32::MAX);
        self.instances.saturating_sub(free)
    }

    /// Whether a call that may queue would be refused now: every instance
    /// busy and the queue full.
    pub(crate) fn saturated(&self) -> bool {
        self.permits.available_permits() == 0
            && self.queued.load(Ordering::Acquire) >= self.max_queued
    }

    fn overloaded(&self) -> Overloaded {
        Overloaded {
            app: self.app.clone(),
            instances: self.instances,
            queued: self.max_queued,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_like_daprd_flags() {
        let parse = |s: &str| s.parse::<ByteSize>().map(|b| b.0);
        assert_eq!(parse("4Mi"), Ok(4 << 20));
        assert_eq!(parse("512Ki"), Ok(512 << 10));
        assert_eq!(parse("1Gi"), Ok(1 << 30));
        assert_eq!(parse("4MB"), Ok(4_000_000));
        assert_eq!(parse("1048576"), Ok(1 << 20));
        for bad in [
            "",
            "Mi",
            "4Xi",
            "0",
            "-1Mi",
            "99999999999999999999Gi",
            "1.5Mi",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(ByteSize(4 << 20).to_string(), "4 MiB");
        assert_eq!(ByteSize(1000).to_string(), "1000 bytes");
    }

    #[tokio::test]
    async fn a_full_queue_is_overloaded_and_frees_up() {
        let limits = Limits {
            max_queued: 1,
            timeout: Duration::from_secs(30),
            ..Limits::default()
        };
        let admission = Arc::new(Admission::new("a", 1, &limits));
        let first = admission.admit(Queueing::Bounded).await.unwrap();
        assert_eq!(admission.busy(), 1);
        let waiter = {
            let admission = admission.clone();
            tokio::spawn(async move { admission.admit(Queueing::Bounded).await.map(drop) })
        };
        while admission.queued.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        let refused = admission.admit(Queueing::Bounded).await.unwrap_err();
        assert!(refused.to_string().contains("overloaded"), "{refused}");
        drop(first);
        waiter.await.unwrap().unwrap();
        assert_eq!(admission.busy(), 0);
        drop(admission.admit(Queueing::Bounded).await.unwrap());
    }

    #[tokio::test]
    async fn queued_requests_give_up_after_the_timeout() {
        let limits = Limits {
            max_queued: 4,
            timeout: Duration::from_millis(20),
            ..Limits::default()
        };
        let admission = Admission::new("a", 1, &limits);
        let _busy = admission.admit(Queueing::Bounded).await.unwrap();
        assert!(admission.admit(Queueing::Bounded).await.is_err());
        assert_eq!(admission.queued.load(Ordering::Acquire), 0);
    }
}

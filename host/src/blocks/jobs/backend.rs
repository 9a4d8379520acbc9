//! The jobs traits: an app's scheduler, the host's schedulers, and where
//! triggers are delivered.

use std::sync::Arc;

use crate::backend::BackendResult;
pub use crate::wit::dapr::runtime::jobs::{ConstantRetry, FailurePolicy, Job};

/// The jobs of one app (named within the app).
#[async_trait::async_trait]
pub trait Scheduler: Send + Sync {
    /// Schedules `job`, replacing one of the same name only if `overwrite`
    /// (else `etag-mismatch`). The job has passed [`super::Timing::of`].
    async fn schedule(&self, job: Job, overwrite: bool) -> BackendResult<()>;

    /// The job `name` as scheduled, with the failure policy in force.
    async fn get(&self, name: &str) -> BackendResult<Option<Job>>;

    /// Deletes the job `name` (succeeding if there is none).
    async fn delete(&self, name: &str) -> BackendResult<()>;

    /// Starts delivering this app's triggers to `subscriber`. Only an
    /// in-process scheduler can; daprd delivers through the app channel.
    fn start_delivery(&self, subscriber: Arc<dyn JobSubscriber>) -> anyhow::Result<()> {
        let _ = subscriber;
        anyhow::bail!("this scheduler delivers jobs itself")
    }
}

/// The schedulers of every app of a host.
pub trait Jobs: Send + Sync {
    /// The scheduler of app `app_id`.
    fn for_app(self: Arc<Self>, app_id: &str) -> Arc<dyn Scheduler>;
}

/// Where an in-process scheduler delivers one app's triggers: its
/// `on-job-event`.
#[async_trait::async_trait]
pub trait JobSubscriber: Send + Sync {
    /// Delivers one trigger; `Ok(Err(..))` is the app's own failure answer,
    /// `Err` a trap, deadline or overload.
    async fn deliver(&self, name: &str, data: Vec<u8>) -> anyhow::Result<Result<(), String>>;
}

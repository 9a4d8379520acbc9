//! Scheduled jobs (Dapr's Jobs API): work handed back to this app at a
//! time or on a schedule, through `Handler::on_job_event` (the `handler`
//! feature).
//!
//! ```no_run
//! use dapr_guest::jobs::{self, Job};
//!
//! fn remind_in_an_hour(cart: &str) -> dapr_guest::Result<()> {
//!     let job = Job::once(format!("expire-{cart}"), "1h").data(cart.as_bytes().to_vec());
//!     jobs::schedule(&job, true)
//! }
//! ```

use serde::Serialize;

use crate::Result;
use crate::wit::dapr::runtime::jobs as raw;

pub use raw::{ConstantRetry, FailurePolicy, Job};

/// Schedules `job`; a job of the same name is replaced only if
/// `overwrite` (otherwise `etag-mismatch`).
pub fn schedule(job: &Job, overwrite: bool) -> Result<()> {
    Ok(raw::schedule(job, overwrite)?)
}

/// The job `name` as scheduled, or `None` when there is no such job.
pub fn get(name: &str) -> Result<Option<Job>> {
    Ok(raw::get(name)?)
}

/// Deletes the job `name` (succeeding when there is none).
pub fn delete(name: &str) -> Result<()> {
    Ok(raw::delete(name)?)
}

impl Job {
    /// A job `name` that triggers on `schedule` (a six-field cron
    /// expression, `@every 30s`, `@daily`...).
    pub fn on(name: impl Into<String>, schedule: impl Into<String>) -> Self {
        Job {
            schedule: Some(schedule.into()),
            ..Job::named(name.into())
        }
    }

    /// A job `name` that triggers once at `due_time` (RFC 3339, or a Go or
    /// ISO 8601 duration from now).
    pub fn once(name: impl Into<String>, due_time: impl Into<String>) -> Self {
        Job {
            due_time: Some(due_time.into()),
            ..Job::named(name.into())
        }
    }

    fn named(name: String) -> Self {
        Job {
            name,
            schedule: None,
            due_time: None,
            repeats: None,
            ttl: None,
            data: Vec::new(),
            failure_policy: None,
        }
    }

    /// First triggers at `due_time` instead of the schedule's first time.
    pub fn due_time(mut self, due_time: impl Into<String>) -> Self {
        self.due_time = Some(due_time.into());
        self
    }

    /// Triggers at most `repeats` times.
    pub fn repeats(mut self, repeats: u32) -> Self {
        self.repeats = Some(repeats);
        self
    }

    /// Expires at `ttl` (as a due time reads it).
    pub fn ttl(mut self, ttl: impl Into<String>) -> Self {
        self.ttl = Some(ttl.into());
        self
    }

    /// Carries `data` to `on_job_event`.
    pub fn data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// Carries `value` as JSON to `on_job_event`.
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Result<Self> {
        Ok(self.data(serde_json::to_vec(value)?))
    }

    /// On failure, does what `policy` says instead of Dapr's default (retry
    /// every second, at most three times).
    pub fn failure_policy(mut self, policy: FailurePolicy) -> Self {
        self.failure_policy = Some(policy);
        self
    }
}

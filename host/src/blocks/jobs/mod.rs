//! The jobs block (`dapr:runtime/jobs`): work handed back to the app that
//! scheduled it, at a time or on a schedule, through `handler.on-job-event`.
//! It has no components: the embedded backend keeps every app's jobs in
//! one SQLite scheduler (`scheduler.db` in the data directory), the sidecar
//! backend uses daprd's Jobs API (Dapr's scheduler service).

mod backend;
pub mod sidecar;
pub mod sqlite;
mod timing;

pub use backend::*;
pub use timing::{DEFAULT_FAILURE_POLICY, Timing};

use super::{BlockUnit, DaprCtx, non_empty, observed};
use crate::wit::Error;
use crate::wit::dapr::runtime::jobs::Host;

/// The jobs block's description.
pub static UNIT: BlockUnit = BlockUnit {
    name: "jobs",
    label: "job",
    type_prefix: None,
    embedded: &[],
    sidecar: None,
};

impl DaprCtx {
    /// `denied` unless the runtime config's grants allow job `name`.
    fn check_job(&self, name: &str) -> Result<(), Error> {
        non_empty("job name", name)?;
        self.app
            .access
            .check(&self.app.app_id, UNIT.name, UNIT.label, name)
    }
}

impl Host for DaprCtx {
    async fn schedule(&mut self, job: Job, overwrite: bool) -> Result<(), Error> {
        let name = job.name.clone();
        observed(&self.app, "jobs", "schedule", &name, async {
            self.check_job(&name)?;
            self.within_body_limit("the job data", job.data.len())?;
            Timing::of(&job, chrono::Utc::now())?;
            self.app.jobs.schedule(job, overwrite).await
        })
        .await
    }

    async fn get(&mut self, name: String) -> Result<Option<Job>, Error> {
        observed(&self.app, "jobs", "get", &name, async {
            self.check_job(&name)?;
            self.app.jobs.get(&name).await
        })
        .await
    }

    async fn delete(&mut self, name: String) -> Result<(), Error> {
        observed(&self.app, "jobs", "delete", &name, async {
            self.check_job(&name)?;
            self.app.jobs.delete(&name).await
        })
        .await
    }
}

//! Actor reminders as jobs of the host's scheduler, so they persist and fire
//! as jobs do (once after a restart for a time missed while down, retried by
//! the default failure policy). The reminders of the actors one app hosts
//! are the jobs of a reserved namespace, `<app id>||actor-reminders`, apart
//! from the app's own jobs (which live under its plain app id); in it a
//! reminder is the job `<actor type>||<actor id>||<reminder name>`, whose
//! data is the reminder as registered with its actor.

use std::sync::{Arc, Weak};

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::backend::{ActorRef, Reminder, ReminderOutcome};
use super::hosting::HostedActors;
use super::timing::{checked, described, job_of};
use crate::backend::BackendResult;
use crate::blocks::jobs::{JobSubscriber, Jobs, Scheduler};
use crate::wit::Error;

/// The scheduler namespace of the reminders of app `app_id`'s actors.
pub fn namespace(app_id: &str) -> String {
    format!("{app_id}||actor-reminders")
}

/// The job name of reminder `name` of `actor`.
fn job_name(actor: &ActorRef, name: &str) -> String {
    format!("{}||{}||{name}", actor.actor_type, actor.id)
}

/// A reminder as its job (or daprd's reminder) carries it, so it reads
/// back exactly as registered.
#[derive(Serialize, Deserialize)]
pub(super) struct Stored {
    actor_type: String,
    actor_id: String,
    name: String,
    due_time: String,
    period: Option<String>,
    ttl: Option<String>,
    /// The payload, base64.
    data: String,
}

impl Stored {
    /// `reminder` of `actor`, to store.
    pub(super) fn of(actor: &ActorRef, reminder: &Reminder) -> Self {
        Stored {
            actor_type: actor.actor_type.clone(),
            actor_id: actor.id.clone(),
            name: reminder.name.clone(),
            due_time: reminder.due_time.clone(),
            period: reminder.period.clone(),
            ttl: reminder.ttl.clone(),
            data: base64::engine::general_purpose::STANDARD.encode(&reminder.data),
        }
    }

    /// The actor and reminder stored as `data` (JSON).
    pub(super) fn decode(data: &[u8]) -> Result<(ActorRef, Reminder), String> {
        let stored: Stored =
            serde_json::from_slice(data).map_err(|e| format!("not a stored reminder: {e}"))?;
        let data = base64::engine::general_purpose::STANDARD
            .decode(&stored.data)
            .map_err(|e| format!("not a stored reminder: {e}"))?;
        let actor = ActorRef {
            actor_type: stored.actor_type,
            id: stored.actor_id,
        };
        let reminder = Reminder {
            name: stored.name,
            due_time: stored.due_time,
            period: stored.period,
            ttl: stored.ttl,
            data,
        };
        Ok((actor, reminder))
    }
}

/// The reminders of the actors one app hosts.
pub struct Reminders {
    scheduler: Arc<dyn Scheduler>,
}

impl Reminders {
    /// The reminders of app `app_id`'s actors in `jobs`.
    pub fn of(jobs: &Arc<dyn Jobs>, app_id: &str) -> Self {
        Reminders {
            scheduler: jobs.clone().for_app(&namespace(app_id)),
        }
    }

    /// Registers `reminder` of `actor`, replacing one of the same name.
    pub async fn register(&self, actor: &ActorRef, reminder: Reminder) -> BackendResult<()> {
        let label = format!("reminder `{}` of {}", reminder.name, described(actor));
        let stored = serde_json::to_vec(&Stored::of(actor, &reminder)).map_err(Error::internal)?;
        let mut job = job_of(
            &label,
            &reminder.due_time,
            reminder.period.as_deref(),
            reminder.ttl.as_deref(),
            stored,
        )?;
        checked(&job)?;
        job.name = job_name(actor, &reminder.name);
        self.scheduler.schedule(job, true).await
    }

    /// The reminder `name` of `actor` as registered.
    pub async fn get(&self, actor: &ActorRef, name: &str) -> BackendResult<Option<Reminder>> {
        let Some(job) = self.scheduler.get(&job_name(actor, name)).await? else {
            return Ok(None);
        };
        Stored::decode(&job.data)
            .map(|(_, reminder)| Some(reminder))
            .map_err(Error::Internal)
    }

    /// Unregisters the reminder `name` of `actor`.
    pub async fn unregister(&self, actor: &ActorRef, name: &str) -> BackendResult<()> {
        self.scheduler.delete(&job_name(actor, name)).await
    }

    /// Starts delivering the reminders to `hosted`, activating actors as
    /// needed.
    pub fn start_delivery(self, hosted: &Arc<HostedActors>) -> anyhow::Result<()> {
        let scheduler = self.scheduler.clone();
        scheduler.start_delivery(Arc::new(Delivery {
            hosted: Arc::downgrade(hosted),
            reminders: self,
        }))
    }
}

/// Hands the due reminders of one app to its actors.
struct Delivery {
    hosted: Weak<HostedActors>,
    reminders: Reminders,
}

#[async_trait::async_trait]
impl JobSubscriber for Delivery {
    async fn deliver(&self, _job: &str, data: Vec<u8>) -> anyhow::Result<Result<(), String>> {
        let (actor, reminder) = Stored::decode(&data).map_err(anyhow::Error::msg)?;
        let hosted = self
            .hosted
            .upgrade()
            .ok_or_else(|| anyhow::anyhow!("the host has stopped"))?;
        let outcome = hosted
            .remind(&actor, &reminder.name, reminder.data)
            .await
            .map_err(|e| anyhow::anyhow!(e.describe()))?;
        if let Ok(ReminderOutcome::Cancel) = outcome {
            self.reminders
                .unregister(&actor, &reminder.name)
                .await
                .map_err(|e| anyhow::anyhow!(e.describe()))?;
        }
        Ok(outcome.map(drop))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::jobs::sqlite::SqliteScheduler;

    #[tokio::test]
    async fn reminders_live_in_their_own_namespace_as_registered() {
        let jobs: Arc<dyn Jobs> = SqliteScheduler::in_memory().unwrap();
        let reminders = Reminders::of(&jobs, "shop");
        let cart = ActorRef {
            actor_type: "cart".into(),
            id: "alice".into(),
        };
        let reminder = Reminder {
            name: "expire".into(),
            due_time: "1h".into(),
            period: Some("R2/PT1M".into()),
            ttl: None,
            data: vec![0, 159, 255],
        };
        reminders.register(&cart, reminder.clone()).await.unwrap();
        assert_eq!(
            reminders.get(&cart, "expire").await.unwrap(),
            Some(reminder)
        );
        // Not one of the app's own jobs, and apart from another actor's.
        assert!(
            jobs.clone()
                .for_app("shop")
                .get("cart||alice||expire")
                .await
                .unwrap()
                .is_none()
        );
        let stored = jobs
            .clone()
            .for_app(&namespace("shop"))
            .get("cart||alice||expire")
            .await
            .unwrap();
        assert_eq!(stored.unwrap().repeats, Some(2));
        let bob = ActorRef {
            id: "bob".into(),
            ..cart.clone()
        };
        assert!(reminders.get(&bob, "expire").await.unwrap().is_none());
        reminders.unregister(&cart, "expire").await.unwrap();
        assert!(reminders.get(&cart, "expire").await.unwrap().is_none());
        let bad = Reminder {
            name: "bad".into(),
            due_time: "soon".into(),
            period: None,
            ttl: None,
            data: Vec::new(),
        };
        let err = reminders.register(&cart, bad).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidArgument(m) if m.starts_with("reminder `bad` of actor `cart/alice`")),
            "{err:?}"
        );
    }
}

//! `bindings.cron`: an input binding that fires on a schedule, delivering an
//! event with no data and Dapr's metadata (`readTimeUTC`, `timeZone`).
//!
//! Metadata: `schedule`, either `@every <duration>` (Go syntax: `500ms`,
//! `15s`, `1m30s`) or a cron expression with an optional seconds field
//! (`*/5 * * * * *`, `0 30 * * * *`, `30 * * * *`), or `@hourly`, `@daily`...

use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};

use super::BindingsBlock;
use crate::backend::embedded::{ComponentMetadata, required_metadata};
use crate::backend::schedule::{CronFields, Schedule};
use crate::blocks::EmbeddedComponent;
use crate::blocks::bindings::{Binding, BindingEvent, BindingSubscriber};

/// One `bindings.cron` component.
pub struct CronBinding {
    name: String,
    schedule: Schedule,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl CronBinding {
    /// Starts delivering events to `subscriber` (in a Tokio task). Ticks
    /// keep to the schedule however long a delivery takes: a tick that comes
    /// while the previous event of this binding is still being handled is
    /// skipped (and logged), so slow deliveries never pile up. A failed
    /// delivery is logged and the schedule goes on.
    pub fn start(&self, app_id: &str, subscriber: Arc<dyn BindingSubscriber>) -> Result<()> {
        let runtime =
            tokio::runtime::Handle::try_current().context("input bindings need a Tokio runtime")?;
        let (name, schedule, app_id) =
            (self.name.clone(), self.schedule.clone(), app_id.to_string());
        let task = runtime.spawn(async move {
            // The delivery in flight; dropped (aborted) with this task.
            let mut current = tokio::task::JoinSet::new();
            while let Some(delay) = schedule.next_delay() {
                tokio::time::sleep(delay).await;
                while current.try_join_next().is_some() {}
                if !current.is_empty() {
                    tracing::warn!(binding = %name, app = %app_id, "skipping a tick: the previous event is still being handled");
                    continue;
                }
                let now = chrono::Utc::now();
                let event = BindingEvent {
                    name: name.clone(),
                    data: Vec::new(),
                    metadata: vec![
                        ("readTimeUTC".to_string(), now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                        ("timeZone".to_string(), "UTC".to_string()),
                    ],
                };
                let (subscriber, name, app_id) = (subscriber.clone(), name.clone(), app_id.clone());
                current.spawn(async move {
                    match subscriber.deliver(event).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(message)) => tracing::warn!(binding = %name, app = %app_id, "the app failed the event: {message}"),
                        Err(err) => tracing::warn!(binding = %name, app = %app_id, "delivery failed: {err:#}"),
                    }
                });
            }
        });
        self.tasks.lock().unwrap().push(task);
        Ok(())
    }
}

/// One app's view of a cron binding.
struct AppCron {
    cron: Arc<CronBinding>,
    app_id: String,
}

#[async_trait::async_trait]
impl Binding for AppCron {
    fn start_input(&self, subscriber: Arc<dyn BindingSubscriber>) -> Result<()> {
        self.cron.start(&self.app_id, subscriber)
    }
}

impl Drop for CronBinding {
    fn drop(&mut self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

impl EmbeddedComponent<BindingsBlock> for CronBinding {
    const TYPE: &'static str = "bindings.cron";

    /// Creates the binding from its metadata (`schedule` is required).
    fn from_metadata(component_name: &str, metadata: &ComponentMetadata) -> Result<Arc<Self>> {
        let schedule = Schedule::parse(
            required_metadata(metadata, "schedule")?,
            CronFields::FiveOrSix,
        )?;
        Ok(Arc::new(CronBinding {
            name: component_name.to_string(),
            schedule,
            tasks: Mutex::new(Vec::new()),
        }))
    }

    /// The binding as app `app_id` sees it: input only.
    fn for_app(self: &Arc<Self>, app_id: &str) -> Arc<dyn Binding> {
        Arc::new(AppCron {
            cron: self.clone(),
            app_id: app_id.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    struct Count(std::sync::atomic::AtomicUsize);

    #[async_trait::async_trait]
    impl BindingSubscriber for Count {
        async fn deliver(&self, event: BindingEvent) -> Result<Result<Vec<u8>, String>> {
            assert_eq!(event.name, "ticker");
            assert!(event.metadata.iter().any(|(k, _)| k == "readTimeUTC"));
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(Ok(Vec::new()))
        }
    }

    /// Takes 100 ms per event and records how many were in flight at once.
    #[derive(Default)]
    struct Slow {
        in_flight: std::sync::atomic::AtomicUsize,
        most: std::sync::atomic::AtomicUsize,
        done: std::sync::atomic::AtomicUsize,
    }

    #[async_trait::async_trait]
    impl BindingSubscriber for Slow {
        async fn deliver(&self, _: BindingEvent) -> Result<Result<Vec<u8>, String>> {
            use std::sync::atomic::Ordering::SeqCst;
            let now = self.in_flight.fetch_add(1, SeqCst) + 1;
            self.most.fetch_max(now, SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
            self.in_flight.fetch_sub(1, SeqCst);
            self.done.fetch_add(1, SeqCst);
            Ok(Ok(Vec::new()))
        }
    }

    #[tokio::test]
    async fn a_slow_delivery_skips_ticks_instead_of_piling_up() {
        use std::sync::atomic::Ordering::SeqCst;
        let md = [("schedule".to_string(), "@every 10ms".to_string())].into();
        let binding = CronBinding::from_metadata("ticker", &md).unwrap();
        let slow = Arc::new(Slow::default());
        binding.start("app", slow.clone()).unwrap();
        while slow.done.load(SeqCst) < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(slow.most.load(SeqCst), 1);
    }

    #[tokio::test]
    async fn fires_on_schedule() {
        let md = [("schedule".to_string(), "@every 20ms".to_string())].into();
        let binding = CronBinding::from_metadata("ticker", &md).unwrap();
        let count = Arc::new(Count(Default::default()));
        binding.start("app", count.clone()).unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(count.0.load(std::sync::atomic::Ordering::SeqCst) >= 2);
        let err = CronBinding::from_metadata("ticker", &Default::default())
            .err()
            .unwrap();
        assert!(err.to_string().contains("schedule"), "{err}");
    }
}

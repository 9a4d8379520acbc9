//! The embedded scheduler: every app's jobs in one SQLite database, so they
//! survive a restart, and one delivery task per app that hands each trigger
//! to the app's `on-job-event` when it is due. A job that came due while
//! the host was down triggers once after start.
//!
//! Triggers of different jobs run concurrently; one job's next trigger
//! waits for the previous one to be settled (a job is never in flight
//! twice). A failed trigger is retried as the job's failure policy says,
//! then the job goes on to its next time; a job with no next time is
//! deleted, as Dapr's scheduler does.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::Notify;

use super::backend::{ConstantRetry, FailurePolicy, Job, JobSubscriber, Jobs, Scheduler};
use super::timing::{DEFAULT_FAILURE_POLICY, Timing};
use crate::backend::BackendResult;
use crate::runtime::failure_message;
use crate::wit::Error;

/// The jobs of every app of a host, in one database.
pub struct SqliteScheduler {
    conn: Mutex<Connection>,
    /// Wakes an app's delivery task when its jobs change.
    wake: Mutex<HashMap<String, Arc<Notify>>>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

/// A stored job that is due.
struct Due {
    id: i64,
    job: Job,
    created: DateTime<Utc>,
    count: u32,
    attempts: u32,
}

const JOB_COLUMNS: &str =
    "name, schedule, due_time, repeats, ttl, data, policy, interval_ms, max_retries";

impl SqliteScheduler {
    /// Opens (creating if needed) the scheduler database at `path`.
    pub fn open(path: &Path) -> anyhow::Result<Arc<Self>> {
        let target = path
            .to_str()
            .context("the database path is not valid UTF-8")?;
        Self::with_connection(crate::backend::embedded::sqlite::open(
            target,
            Duration::from_secs(5),
            "NORMAL",
        )?)
    }

    /// A scheduler whose jobs last as long as it does.
    pub fn in_memory() -> anyhow::Result<Arc<Self>> {
        Self::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(conn: Connection) -> anyhow::Result<Arc<Self>> {
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS jobs (
                 id INTEGER PRIMARY KEY AUTOINCREMENT,
                 app_id TEXT NOT NULL,
                 name TEXT NOT NULL,
                 schedule TEXT,
                 due_time TEXT,
                 repeats INTEGER,
                 ttl TEXT,
                 data BLOB NOT NULL,
                 policy TEXT NOT NULL,
                 interval_ms INTEGER,
                 max_retries INTEGER,
                 created_ms INTEGER NOT NULL,
                 count INTEGER NOT NULL,
                 attempts INTEGER NOT NULL,
                 next_ms INTEGER NOT NULL,
                 UNIQUE (app_id, name)
             );
             CREATE INDEX IF NOT EXISTS jobs_next ON jobs (app_id, next_ms);",
        )
        .context("cannot create the scheduler's tables")?;
        Ok(Arc::new(SqliteScheduler {
            conn: Mutex::new(conn),
            wake: Mutex::default(),
            tasks: Mutex::default(),
        }))
    }

    fn notify(&self, app_id: &str) -> Arc<Notify> {
        self.wake
            .lock()
            .unwrap()
            .entry(app_id.to_string())
            .or_default()
            .clone()
    }

    fn schedule(&self, app_id: &str, job: Job, overwrite: bool) -> BackendResult<()> {
        let now = Utc::now();
        let timing = Timing::of(&job, now)?;
        let policy = job.failure_policy.unwrap_or(DEFAULT_FAILURE_POLICY);
        let (kind, interval, max) = match policy {
            FailurePolicy::Drop => ("drop", None, None),
            FailurePolicy::Constant(c) => ("constant", Some(c.interval_ms as i64), c.max_retries),
        };
        let conn = self.conn.lock().unwrap();
        let taken: bool = conn
            .query_row(
                "SELECT 1 FROM jobs WHERE app_id = ?1 AND name = ?2",
                params![app_id, job.name],
                |_| Ok(true),
            )
            .optional()
            .map_err(internal)?
            .unwrap_or(false);
        if taken && !overwrite {
            return Err(Error::EtagMismatch(format!(
                "job `{}` already exists; schedule it with overwrite to replace it",
                job.name
            )));
        }
        conn.execute(
            "INSERT OR REPLACE INTO jobs (app_id, name, schedule, due_time, repeats, ttl, data,
                 policy, interval_ms, max_retries, created_ms, count, attempts, next_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, 0, ?12)",
            params![
                app_id,
                job.name,
                job.schedule,
                job.due_time,
                job.repeats,
                job.ttl,
                job.data,
                kind,
                interval,
                max,
                now.timestamp_millis(),
                timing.first.timestamp_millis(),
            ],
        )
        .map_err(internal)?;
        drop(conn);
        self.notify(app_id).notify_one();
        Ok(())
    }

    fn get(&self, app_id: &str, name: &str) -> BackendResult<Option<Job>> {
        let conn = self.conn.lock().unwrap();
        conn.query_row(
            &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE app_id = ?1 AND name = ?2"),
            params![app_id, name],
            job_of_row,
        )
        .optional()
        .map_err(internal)
    }

    fn delete(&self, app_id: &str, name: &str) -> BackendResult<()> {
        let conn = self.conn.lock().unwrap();
        conn.execute(
            "DELETE FROM jobs WHERE app_id = ?1 AND name = ?2",
            params![app_id, name],
        )
        .map_err(internal)?;
        Ok(())
    }

    /// The jobs of `app_id` due by `now` that are not in flight, and the
    /// time of the next one after those.
    fn due(
        &self,
        app_id: &str,
        now: DateTime<Utc>,
        in_flight: &HashSet<i64>,
    ) -> rusqlite::Result<(Vec<Due>, Option<DateTime<Utc>>)> {
        let conn = self.conn.lock().unwrap();
        let mut statement = conn.prepare_cached(&format!(
            "SELECT id, created_ms, count, attempts, next_ms, {JOB_COLUMNS}
             FROM jobs WHERE app_id = ?1 ORDER BY next_ms"
        ))?;
        let mut rows = statement.query(params![app_id])?;
        let mut due = Vec::new();
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            if in_flight.contains(&id) {
                continue;
            }
            let next = millis(row.get(4)?);
            if next > now {
                return Ok((due, Some(next)));
            }
            due.push(Due {
                id,
                created: millis(row.get(1)?),
                count: row.get(2)?,
                attempts: row.get(3)?,
                job: job_at(row, 5)?,
            });
        }
        Ok((due, None))
    }

    /// Records how trigger `due` ended at `now`: retried, moved on to the
    /// job's next time, or (with none) deleted. A job replaced or deleted
    /// meanwhile is left alone.
    fn settle(&self, due: &Due, succeeded: bool, now: DateTime<Utc>) -> rusqlite::Result<()> {
        let policy = due.job.failure_policy.unwrap_or(DEFAULT_FAILURE_POLICY);
        let retry = match policy {
            FailurePolicy::Constant(ConstantRetry {
                interval_ms,
                max_retries,
            }) if !succeeded && max_retries.is_none_or(|max| due.attempts < max) => {
                Some(interval_ms)
            }
            _ => None,
        };
        let conn = self.conn.lock().unwrap();
        if let Some(interval_ms) = retry {
            let next =
                now + chrono::TimeDelta::milliseconds(interval_ms.min(i64::MAX as u64) as i64);
            conn.execute(
                "UPDATE jobs SET attempts = attempts + 1, next_ms = ?2 WHERE id = ?1",
                params![due.id, next.timestamp_millis()],
            )?;
            return Ok(());
        }
        let count = due.count + 1;
        let next = Timing::of(&due.job, due.created)
            .ok()
            .and_then(|timing| timing.next(count, now));
        match next {
            Some(next) => conn.execute(
                "UPDATE jobs SET count = ?2, attempts = 0, next_ms = ?3 WHERE id = ?1",
                params![due.id, count, next.timestamp_millis()],
            )?,
            None => conn.execute("DELETE FROM jobs WHERE id = ?1", params![due.id])?,
        };
        Ok(())
    }

    /// Delivers the triggers of `app_id` to `subscriber` until the
    /// scheduler is dropped.
    async fn deliver(
        this: Weak<Self>,
        app_id: String,
        subscriber: Arc<dyn JobSubscriber>,
        wake: Arc<Notify>,
    ) {
        let in_flight = Arc::new(Mutex::new(HashSet::new()));
        let mut running = tokio::task::JoinSet::new();
        loop {
            let Some(scheduler) = this.upgrade() else {
                return;
            };
            let now = Utc::now();
            let found = scheduler.due(&app_id, now, &in_flight.lock().unwrap());
            drop(scheduler);
            let next = match found {
                Ok((due, next)) => {
                    for due in due {
                        in_flight.lock().unwrap().insert(due.id);
                        running.spawn(Self::trigger(
                            this.clone(),
                            app_id.clone(),
                            due,
                            subscriber.clone(),
                            in_flight.clone(),
                        ));
                    }
                    next
                }
                Err(err) => {
                    tracing::error!(app = %app_id, "cannot read the scheduled jobs: {err}");
                    Some(now + chrono::TimeDelta::seconds(1))
                }
            };
            let sleep = next
                .map(|t| (t - Utc::now()).to_std().unwrap_or(Duration::ZERO))
                .unwrap_or(Duration::from_secs(3600));
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(sleep) => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
            }
        }
    }

    /// Runs one trigger and settles it.
    async fn trigger(
        this: Weak<Self>,
        app_id: String,
        due: Due,
        subscriber: Arc<dyn JobSubscriber>,
        in_flight: Arc<Mutex<HashSet<i64>>>,
    ) {
        let name = due.job.name.clone();
        let succeeded = match subscriber.deliver(&name, due.job.data.clone()).await {
            Ok(Ok(())) => true,
            Ok(Err(message)) => {
                tracing::warn!(app = %app_id, job = %name, "the app failed the job: {message}");
                false
            }
            Err(err) => {
                tracing::warn!(app = %app_id, job = %name, "job delivery failed: {}", failure_message(&err));
                false
            }
        };
        if let Some(scheduler) = this.upgrade()
            && let Err(err) = scheduler.settle(&due, succeeded, Utc::now())
        {
            tracing::error!(app = %app_id, job = %name, "cannot record the trigger: {err}");
        }
        in_flight.lock().unwrap().remove(&due.id);
    }
}

impl Drop for SqliteScheduler {
    fn drop(&mut self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

fn internal(err: rusqlite::Error) -> Error {
    Error::Internal(format!("scheduler database: {err}"))
}

fn millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn job_of_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Job> {
    job_at(row, 0)
}

/// The job in `row`'s columns [`JOB_COLUMNS`] from index `at` on.
fn job_at(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Job> {
    let policy: String = row.get(at + 6)?;
    let interval: Option<i64> = row.get(at + 7)?;
    Ok(Job {
        name: row.get(at)?,
        schedule: row.get(at + 1)?,
        due_time: row.get(at + 2)?,
        repeats: row.get(at + 3)?,
        ttl: row.get(at + 4)?,
        data: row.get(at + 5)?,
        failure_policy: Some(match policy.as_str() {
            "drop" => FailurePolicy::Drop,
            _ => FailurePolicy::Constant(ConstantRetry {
                interval_ms: interval.unwrap_or(1000).max(0) as u64,
                max_retries: row.get(at + 8)?,
            }),
        }),
    })
}

impl Jobs for SqliteScheduler {
    fn for_app(self: Arc<Self>, app_id: &str) -> Arc<dyn Scheduler> {
        Arc::new(AppJobs {
            scheduler: self,
            app_id: app_id.to_string(),
        })
    }
}

/// One app's jobs in the embedded scheduler.
struct AppJobs {
    scheduler: Arc<SqliteScheduler>,
    app_id: String,
}

#[async_trait::async_trait]
impl Scheduler for AppJobs {
    async fn schedule(&self, job: Job, overwrite: bool) -> BackendResult<()> {
        self.scheduler.schedule(&self.app_id, job, overwrite)
    }

    async fn get(&self, name: &str) -> BackendResult<Option<Job>> {
        self.scheduler.get(&self.app_id, name)
    }

    async fn delete(&self, name: &str) -> BackendResult<()> {
        self.scheduler.delete(&self.app_id, name)
    }

    fn start_delivery(&self, subscriber: Arc<dyn JobSubscriber>) -> anyhow::Result<()> {
        let runtime = tokio::runtime::Handle::try_current().context("jobs need a Tokio runtime")?;
        let wake = self.scheduler.notify(&self.app_id);
        let task = runtime.spawn(SqliteScheduler::deliver(
            Arc::downgrade(&self.scheduler),
            self.app_id.clone(),
            subscriber,
            wake,
        ));
        self.scheduler.tasks.lock().unwrap().push(task);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering::SeqCst};

    fn job(name: &str, schedule: Option<&str>, due: Option<&str>) -> Job {
        Job {
            name: name.into(),
            schedule: schedule.map(Into::into),
            due_time: due.map(Into::into),
            repeats: None,
            ttl: None,
            data: b"payload".to_vec(),
            failure_policy: None,
        }
    }

    /// Counts triggers; fails the first `fail` of them.
    #[derive(Default)]
    struct Counter {
        seen: AtomicU32,
        fail: u32,
    }

    #[async_trait::async_trait]
    impl JobSubscriber for Counter {
        async fn deliver(&self, _: &str, data: Vec<u8>) -> anyhow::Result<Result<(), String>> {
            assert_eq!(data, b"payload");
            let n = self.seen.fetch_add(1, SeqCst);
            Ok(if n < self.fail {
                Err("not now".into())
            } else {
                Ok(())
            })
        }
    }

    async fn until(what: impl Fn() -> bool) {
        for _ in 0..500 {
            if what() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("timed out");
    }

    #[tokio::test]
    async fn schedules_gets_and_deletes_per_app() {
        let jobs = SqliteScheduler::in_memory().unwrap();
        let (a, b) = (jobs.clone().for_app("a"), jobs.clone().for_app("b"));
        a.schedule(job("j", Some("@every 1h"), None), false)
            .await
            .unwrap();
        let err = a
            .schedule(job("j", Some("@every 2h"), None), false)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::EtagMismatch(_)), "{err:?}");
        assert_eq!(
            a.get("j").await.unwrap().unwrap().schedule.as_deref(),
            Some("@every 1h")
        );
        a.schedule(job("j", Some("@every 2h"), None), true)
            .await
            .unwrap();
        let got = a.get("j").await.unwrap().unwrap();
        assert_eq!(got.schedule.as_deref(), Some("@every 2h"));
        assert_eq!(got.data, b"payload");
        assert!(matches!(
            got.failure_policy,
            Some(FailurePolicy::Constant(ConstantRetry {
                interval_ms: 1000,
                max_retries: Some(3)
            }))
        ));
        assert!(b.get("j").await.unwrap().is_none());
        a.delete("j").await.unwrap();
        a.delete("j").await.unwrap();
        assert!(a.get("j").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_one_shot_triggers_once_then_is_gone() {
        let jobs = SqliteScheduler::in_memory().unwrap();
        let app = jobs.clone().for_app("a");
        let counter = Arc::new(Counter::default());
        app.start_delivery(counter.clone()).unwrap();
        app.schedule(job("once", None, Some("10ms")), false)
            .await
            .unwrap();
        until(|| counter.seen.load(SeqCst) == 1).await;
        for _ in 0..20 {
            if app.get("once").await.unwrap().is_none() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(app.get("once").await.unwrap().is_none());
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(counter.seen.load(SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_trigger_is_retried_as_its_policy_says() {
        let jobs = SqliteScheduler::in_memory().unwrap();
        let app = jobs.clone().for_app("a");
        let counter = Arc::new(Counter {
            fail: 2,
            ..Default::default()
        });
        app.start_delivery(counter.clone()).unwrap();
        let mut retried = job("retried", None, Some("0s"));
        retried.failure_policy = Some(FailurePolicy::Constant(ConstantRetry {
            interval_ms: 20,
            max_retries: Some(5),
        }));
        app.schedule(retried, false).await.unwrap();
        until(|| counter.seen.load(SeqCst) == 3).await;
        let dropped = Arc::new(Counter {
            fail: 1,
            ..Default::default()
        });
        let other = jobs.clone().for_app("b");
        other.start_delivery(dropped.clone()).unwrap();
        let mut once = job("dropped", None, Some("0s"));
        once.failure_policy = Some(FailurePolicy::Drop);
        other.schedule(once, false).await.unwrap();
        until(|| dropped.seen.load(SeqCst) == 1).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(dropped.seen.load(SeqCst), 1);
        assert!(other.get("dropped").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn jobs_survive_a_restart_and_a_missed_one_triggers_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scheduler.db");
        {
            let jobs = SqliteScheduler::open(&path).unwrap();
            let app = jobs.clone().for_app("a");
            let mut repeating = job("tick", Some("@every 50ms"), None);
            repeating.repeats = Some(100);
            app.schedule(repeating, false).await.unwrap();
            app.schedule(job("later", None, Some("50ms")), false)
                .await
                .unwrap();
        }
        // Down for a while: the repeating job misses several times.
        tokio::time::sleep(Duration::from_millis(400)).await;
        let jobs = SqliteScheduler::open(&path).unwrap();
        let app = jobs.clone().for_app("a");
        assert!(app.get("tick").await.unwrap().is_some());
        let counter = Arc::new(Counter::default());
        app.start_delivery(counter.clone()).unwrap();
        until(|| counter.seen.load(SeqCst) >= 2).await;
        // `later` and one `tick` right away, then `tick` every 50 ms again.
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            counter.seen.load(SeqCst) <= 3,
            "{}",
            counter.seen.load(SeqCst)
        );
    }
}

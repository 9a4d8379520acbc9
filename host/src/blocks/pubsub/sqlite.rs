//! `pubsub.sqlite`: the delivery engine ([`super::delivery`]) over a queue
//! in one SQLite file (WAL journal), the default `pubsub` of `serve`.
//!
//! Durability: `publish` returns once the event is committed for every
//! subscription recorded for its topic, and a delivery's row is deleted only
//! after the subscriber answered `success` or `drop` (or its retries ran out
//! and it was dead-lettered). With `synchronous=NORMAL` (the default) a
//! commit survives the process being killed at any moment; `FULL` also
//! survives an operating-system crash or power loss, at the cost of a sync
//! per commit.
//!
//! Subscriptions are durable, like a consumer group: one is recorded the
//! first time an app subscribes, keyed by app id, topic and route, and
//! events published to the topic are queued for it from then on, also while
//! the app is not subscribed (before it re-subscribes after a restart). A
//! subscription an app no longer declares keeps collecting events until its
//! row in `pubsub_subscriptions` is deleted.
//! Attempt counts and next due times are stored with each delivery, so
//! backoff and the retry limit carry over a restart; an attempt interrupted
//! by the process dying is not counted. The event id is stored too: every
//! redelivery carries the same CloudEvent id.
//!
//! One process delivers from a database. Other processes may publish into it
//! (`wasmtime-dapr run` with the same `--data-dir`): the delivering process
//! polls its queue once a second while idle.
//!
//! Metadata: `connectionString` (required: a file path or `file:` URI),
//! `busyTimeout` in milliseconds (default 5000), `synchronous` (`NORMAL`
//! or `FULL`), and the delivery settings of [`super::delivery`]:
//! `maxRetries`, `initialRetryIntervalMs`, `maxRetryIntervalMs`,
//! `concurrencyMode`, `maxConcurrentHandlers`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::PubSubBlock;
use super::delivery::{Broker, DeliveryOptions, Pending, Queue};
use crate::backend::embedded::{ComponentMetadata, parse_metadata, required_metadata};
use crate::backend::{BackendResult, Error};
use crate::blocks::EmbeddedComponent;
use crate::blocks::pubsub::{CloudEvent, PubSub};

/// One `pubsub.sqlite` component.
pub type SqliteBroker = Broker<SqliteQueue>;

/// The queued deliveries and durable subscriptions in one SQLite database.
pub struct SqliteQueue {
    component: String,
    conn: Mutex<Connection>,
}

/// The columns of a delivery read back into a [`Pending`].
const DELIVERY_COLUMNS: &str = "seq, attempts, due_at, event_id, source, type, specversion, \
     content_type, data, topic, extensions";

impl SqliteQueue {
    /// Opens (creating if needed) the queue of component `component` in the
    /// database `target` (a path or `file:` URI).
    pub fn open(
        component: &str,
        target: &str,
        busy_timeout: Duration,
        synchronous: &str,
    ) -> anyhow::Result<Self> {
        let conn = crate::backend::embedded::sqlite::open(target, busy_timeout, synchronous)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS pubsub_subscriptions (
                 id INTEGER PRIMARY KEY,
                 pubsub TEXT NOT NULL,
                 app_id TEXT NOT NULL,
                 topic TEXT NOT NULL,
                 route TEXT NOT NULL,
                 UNIQUE (pubsub, app_id, topic, route)
             );
             CREATE INDEX IF NOT EXISTS pubsub_subscriptions_topic
                 ON pubsub_subscriptions (pubsub, topic);
             CREATE TABLE IF NOT EXISTS pubsub_deliveries (
                 seq INTEGER PRIMARY KEY AUTOINCREMENT,
                 subscription INTEGER NOT NULL REFERENCES pubsub_subscriptions (id),
                 attempts INTEGER NOT NULL,
                 due_at INTEGER NOT NULL,
                 event_id TEXT NOT NULL,
                 source TEXT NOT NULL,
                 type TEXT NOT NULL,
                 specversion TEXT NOT NULL,
                 content_type TEXT NOT NULL,
                 data BLOB NOT NULL,
                 topic TEXT NOT NULL,
                 extensions TEXT NOT NULL
             );
             CREATE INDEX IF NOT EXISTS pubsub_deliveries_due
                 ON pubsub_deliveries (subscription, due_at, seq);
             CREATE INDEX IF NOT EXISTS pubsub_deliveries_order
                 ON pubsub_deliveries (subscription, seq);",
        )
        .context("cannot create the pub/sub tables")?;
        Ok(SqliteQueue {
            component: component.to_string(),
            conn: Mutex::new(conn),
        })
    }

    fn pending_row(&self, row: &Row) -> rusqlite::Result<Pending> {
        let extensions: String = row.get(10)?;
        let extensions = serde_json::from_str(&extensions).unwrap_or_default();
        Ok(Pending {
            seq: row.get::<_, i64>(0)? as u64,
            attempts: row.get(1)?,
            due_ms: row.get(2)?,
            event: CloudEvent {
                id: row.get(3)?,
                source: row.get(4)?,
                event_type: row.get(5)?,
                spec_version: row.get(6)?,
                data_content_type: row.get(7)?,
                data: row.get(8)?,
                topic: row.get(9)?,
                pubsub: self.component.clone(),
                path: String::new(),
                extensions,
            },
        })
    }
}

/// Maps SQLite failures: a busy/locked database is `unavailable`, anything
/// else `internal`.
fn sql_error(err: rusqlite::Error) -> Error {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            Error::Unavailable(format!("sqlite: {err}"))
        }
        _ => Error::Internal(format!("sqlite: {err}")),
    }
}

impl Queue for SqliteQueue {
    const BLOCKING: bool = true;
    const POLL: Option<Duration> = Some(Duration::from_secs(1));

    fn register(&self, app_id: &str, topic: &str, route: &str) -> BackendResult<u64> {
        let conn = self.conn.lock().unwrap();
        conn.prepare_cached(
            "INSERT INTO pubsub_subscriptions (pubsub, app_id, topic, route)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        )
        .and_then(|mut s| s.execute(params![self.component, app_id, topic, route]))
        .map_err(sql_error)?;
        conn.prepare_cached(
            "SELECT id FROM pubsub_subscriptions
             WHERE pubsub = ?1 AND app_id = ?2 AND topic = ?3 AND route = ?4",
        )
        .and_then(|mut s| {
            s.query_row(params![self.component, app_id, topic, route], |r| {
                r.get::<_, i64>(0)
            })
        })
        .map(|id| id as u64)
        .map_err(sql_error)
    }

    fn push(&self, event: &CloudEvent, due_ms: i64) -> BackendResult<()> {
        let extensions = serde_json::to_string(&event.extensions).map_err(Error::internal)?;
        let conn = self.conn.lock().unwrap();
        conn.prepare_cached(
            "INSERT INTO pubsub_deliveries (subscription, attempts, due_at, event_id, source,
                 type, specversion, content_type, data, topic, extensions)
             SELECT id, 0, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM pubsub_subscriptions
             WHERE pubsub = ?10 AND topic = ?8",
        )
        .and_then(|mut s| {
            s.execute(params![
                due_ms,
                event.id,
                event.source,
                event.event_type,
                event.spec_version,
                event.data_content_type,
                event.data,
                event.topic,
                extensions,
                self.component,
            ])
        })
        .map_err(sql_error)?;
        Ok(())
    }

    fn due(&self, subscription: u64, now_ms: i64, limit: usize) -> BackendResult<Vec<Pending>> {
        let conn = self.conn.lock().unwrap();
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM pubsub_deliveries
             WHERE subscription = ?1 AND due_at <= ?2 ORDER BY due_at, seq LIMIT ?3"
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(sql_error)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![subscription as i64, now_ms, limit], |r| {
                self.pending_row(r)
            })
            .map_err(sql_error)?;
        rows.collect::<Result<_, _>>().map_err(sql_error)
    }

    fn head(&self, subscription: u64) -> BackendResult<Option<Pending>> {
        let conn = self.conn.lock().unwrap();
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM pubsub_deliveries
             WHERE subscription = ?1 ORDER BY seq LIMIT 1"
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(sql_error)?;
        stmt.query_row([subscription as i64], |r| self.pending_row(r))
            .optional()
            .map_err(sql_error)
    }

    fn next_due_after(&self, subscription: u64, now_ms: i64) -> BackendResult<Option<i64>> {
        let conn = self.conn.lock().unwrap();
        conn.prepare_cached(
            "SELECT MIN(due_at) FROM pubsub_deliveries WHERE subscription = ?1 AND due_at > ?2",
        )
        .and_then(|mut s| s.query_row(params![subscription as i64, now_ms], |r| r.get(0)))
        .map_err(sql_error)
    }

    fn remove(&self, seq: u64) -> BackendResult<()> {
        let conn = self.conn.lock().unwrap();
        conn.prepare_cached("DELETE FROM pubsub_deliveries WHERE seq = ?1")
            .and_then(|mut s| s.execute([seq as i64]))
            .map_err(sql_error)?;
        Ok(())
    }

    fn reschedule(&self, seq: u64, attempts: u32, due_ms: i64) -> BackendResult<()> {
        let conn = self.conn.lock().unwrap();
        conn.prepare_cached(
            "UPDATE pubsub_deliveries SET attempts = ?2, due_at = ?3 WHERE seq = ?1",
        )
        .and_then(|mut s| s.execute(params![seq as i64, attempts, due_ms]))
        .map_err(sql_error)?;
        Ok(())
    }

    fn pending(&self, subscriptions: &[u64]) -> BackendResult<usize> {
        let conn = self.conn.lock().unwrap();
        let mut stmt = conn
            .prepare_cached("SELECT COUNT(*) FROM pubsub_deliveries WHERE subscription = ?1")
            .map_err(sql_error)?;
        let mut total = 0;
        for id in subscriptions {
            let n: i64 = stmt
                .query_row([*id as i64], |r| r.get(0))
                .map_err(sql_error)?;
            total += n as usize;
        }
        Ok(total)
    }
}

impl EmbeddedComponent<PubSubBlock> for SqliteBroker {
    const TYPE: &'static str = "pubsub.sqlite";

    /// Opens (creating if needed) the database named by component metadata.
    fn from_metadata(
        component_name: &str,
        metadata: &ComponentMetadata,
    ) -> anyhow::Result<Arc<Self>> {
        let target = required_metadata(metadata, "connectionString")?;
        if target == ":memory:" {
            bail!(
                "metadata `connectionString` of pubsub.sqlite must name a file; use pubsub.in-memory for a broker in memory"
            );
        }
        let busy = parse_metadata(metadata, "busyTimeout", 5_000u64)?;
        let synchronous = parse_metadata(metadata, "synchronous", "NORMAL".to_string())?;
        let synchronous = synchronous.to_ascii_uppercase();
        if !matches!(synchronous.as_str(), "NORMAL" | "FULL" | "EXTRA") {
            bail!(
                "invalid value {synchronous:?} for metadata `synchronous`: expected `NORMAL`, `FULL` or `EXTRA`"
            );
        }
        let options = DeliveryOptions::from_metadata(metadata)?;
        let queue = SqliteQueue::open(
            component_name,
            target,
            Duration::from_millis(busy),
            &synchronous,
        )?;
        Ok(Broker::new(component_name, options, queue))
    }

    /// A publisher for app `app_id` (the CloudEvent `source`).
    fn for_app(self: &Arc<Self>, app_id: &str) -> Arc<dyn PubSub> {
        self.publisher(app_id)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::blocks::pubsub::delivery::conformance::{
        Recorder, broker_conformance, idle, message, metadata, subscription,
    };
    use crate::blocks::pubsub::{EventStatus, TopicSubscriber};

    fn open(path: &Path, extra: &[(&str, &str)]) -> Arc<SqliteBroker> {
        let mut md = metadata(extra);
        md.insert("connectionString".into(), path.display().to_string());
        SqliteBroker::from_metadata("bus", &md).unwrap()
    }

    fn make(extra: &ComponentMetadata) -> Arc<SqliteBroker> {
        // Each broker gets its own file, kept until the process ends.
        let dir = tempfile::tempdir().unwrap().keep();
        let mut md = extra.clone();
        md.insert(
            "connectionString".into(),
            dir.join("pubsub.db").display().to_string(),
        );
        SqliteBroker::from_metadata("bus", &md).unwrap()
    }

    broker_conformance!(make);

    fn rows(path: &Path) -> i64 {
        let conn = Connection::open(path).unwrap();
        conn.query_row("SELECT COUNT(*) FROM pubsub_deliveries", [], |r| r.get(0))
            .unwrap()
    }

    /// Never answers: deliveries stay in flight until the broker goes.
    struct Stuck;

    #[async_trait::async_trait]
    impl TopicSubscriber for Stuck {
        async fn deliver(&self, _: CloudEvent) -> anyhow::Result<EventStatus> {
            std::future::pending().await
        }

        async fn deliver_bulk(&self, _: Vec<CloudEvent>) -> anyhow::Result<Vec<EventStatus>> {
            std::future::pending().await
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn events_survive_reopening_and_are_removed_when_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pubsub.db");
        let mut ids = Vec::new();
        {
            let broker = open(&path, &[]);
            // The subscription is recorded; its deliveries never finish.
            broker
                .subscribe("app", subscription("t", Some("r"), None), Arc::new(Stuck))
                .unwrap();
            let publisher = broker.publisher("p");
            for i in 0..20 {
                publisher
                    .publish("t", message(&i.to_string()))
                    .await
                    .unwrap();
            }
            let pending = broker.queue().due(1, i64::MAX, 100).unwrap();
            ids.extend(pending.into_iter().map(|p| p.event.id));
            broker.shutdown();
        }
        assert_eq!(rows(&path), 20);
        let broker = open(&path, &[]);
        // Published while the known subscriber has not re-subscribed: kept.
        broker
            .publisher("p")
            .publish("t", message("20"))
            .await
            .unwrap();
        let sub = Recorder::scripted([]);
        broker
            .subscribe("app", subscription("t", Some("r"), None), sub.clone())
            .unwrap();
        idle(&broker).await;
        let mut got: Vec<u32> = sub.data().iter().map(|d| d.parse().unwrap()).collect();
        got.sort();
        assert_eq!(got, (0..=20).collect::<Vec<_>>());
        let events = sub.events.lock().unwrap();
        for id in &ids {
            assert!(events.iter().any(|e| &e.id == id), "id {id} kept");
        }
        assert!(events.iter().all(|e| e.path == "r"));
        assert_eq!(rows(&path), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn attempts_and_due_times_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pubsub.db");
        let extra = [
            ("maxRetries", "1"),
            ("initialRetryIntervalMs", "60000"),
            ("maxRetryIntervalMs", "60000"),
        ];
        {
            let broker = open(&path, &extra);
            let sub = Recorder::scripted([("x", vec![Some(EventStatus::Retry)])]);
            broker
                .subscribe("app", subscription("t", None, Some("dlq")), sub.clone())
                .unwrap();
            broker
                .subscribe("app", subscription("dlq", None, None), Arc::new(Stuck))
                .unwrap();
            broker
                .publisher("p")
                .publish("t", message("x"))
                .await
                .unwrap();
            while sub.data().is_empty() {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            // Wait for the retry to be recorded.
            while broker.queue().due(1, i64::MAX, 1).unwrap()[0].attempts == 0 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            broker.shutdown();
        }
        let broker = open(&path, &extra);
        let pending = broker.queue().head(1).unwrap().unwrap();
        assert_eq!(pending.attempts, 1);
        assert!(pending.due_ms > Clock::system().now_ms() + 30_000);
        // Not due for a minute: a new subscriber gets nothing yet.
        assert!(
            broker
                .queue()
                .due(1, Clock::system().now_ms(), 10)
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn events_another_process_publishes_are_picked_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pubsub.db");
        let serving = open(&path, &[]);
        let sub = Recorder::scripted([]);
        serving
            .subscribe("app", subscription("t", None, None), sub.clone())
            .unwrap();
        // Another connection to the file, as `wasmtime-dapr run` would open.
        let other = open(&path, &[]);
        other
            .publisher("cli")
            .publish("t", message("x"))
            .await
            .unwrap();
        idle(&serving).await;
        assert_eq!(sub.data(), ["x"]);
        assert_eq!(sub.events.lock().unwrap()[0].source, "cli");
    }

    #[test]
    fn rejects_bad_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.db").display().to_string();
        for (pairs, key) in [
            (vec![], "connectionString"),
            (vec![("connectionString", ":memory:")], "connectionString"),
            (
                vec![("connectionString", file.as_str()), ("synchronous", "off")],
                "synchronous",
            ),
            (
                vec![("connectionString", file.as_str()), ("busyTimeout", "soon")],
                "busyTimeout",
            ),
            (
                vec![
                    ("connectionString", file.as_str()),
                    ("concurrencyMode", "x"),
                ],
                "concurrencyMode",
            ),
            (
                vec![
                    ("connectionString", file.as_str()),
                    ("maxConcurrentHandlers", "0"),
                ],
                "maxConcurrentHandlers",
            ),
        ] {
            let md: ComponentMetadata = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let err = SqliteBroker::from_metadata("bus", &md)
                .err()
                .unwrap()
                .to_string();
            assert!(err.contains(key), "{pairs:?}: {err}");
        }
    }

    use crate::backend::embedded::clock::Clock;
}

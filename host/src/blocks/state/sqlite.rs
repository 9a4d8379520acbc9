//! `state.sqlite`: a persistent state store in one SQLite file (WAL mode),
//! shared by every app that uses the component.
//!
//! Metadata: `connectionString` (required: a file path, a `file:` URI or
//! `:memory:`), `tableName` (default `state`), `busyTimeout` in
//! milliseconds (default 5000), `keyPrefix`.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::StateBlock;
use super::embedded::{AppView, Record, RowStore, Rows};
use crate::backend::embedded::clock::Clock;
use crate::backend::embedded::key_prefix::KeyPrefix;
use crate::backend::embedded::{ComponentMetadata, parse_metadata, required_metadata};
use crate::backend::{BackendResult, Error};
use crate::blocks::EmbeddedComponent;
use crate::blocks::state::StateStore;

/// How often (at most) expired rows are deleted, in milliseconds.
const PURGE_INTERVAL_MS: i64 = 60_000;

/// One `state.sqlite` database, opened once per component; hand apps a view
/// with [`Self::for_app`].
#[derive(Debug)]
pub struct SqliteStateDb {
    component_name: String,
    key_prefix: KeyPrefix,
    table: String,
    clock: Clock,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    conn: Connection,
    last_purge: i64,
}

impl SqliteStateDb {
    /// Opens (creating if needed) a database file with default settings and
    /// the `appid` key prefix.
    pub fn open(component_name: &str, path: &Path) -> anyhow::Result<Arc<Self>> {
        let target = path
            .to_str()
            .context("the database path is not valid UTF-8")?;
        let conn = open_connection(target, Duration::from_secs(5))?;
        Self::with_connection(
            component_name,
            KeyPrefix::AppId,
            "state",
            conn,
            Clock::system(),
        )
    }

    fn with_connection(
        component_name: &str,
        key_prefix: KeyPrefix,
        table: &str,
        conn: Connection,
        clock: Clock,
    ) -> anyhow::Result<Arc<Self>> {
        if table.is_empty() || !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            bail!("invalid metadata `tableName` {table:?}: use letters, digits and `_`");
        }
        create_schema(&conn, table)?;
        Ok(Arc::new(SqliteStateDb {
            component_name: component_name.to_string(),
            key_prefix,
            table: table.to_string(),
            clock,
            inner: Mutex::new(Inner {
                conn,
                last_purge: i64::MIN,
            }),
        }))
    }
}

fn open_connection(target: &str, busy_timeout: Duration) -> anyhow::Result<Connection> {
    crate::backend::embedded::sqlite::open(target, busy_timeout, "NORMAL")
}

fn create_schema(conn: &Connection, table: &str) -> anyhow::Result<()> {
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS \"{table}\" (
             key TEXT PRIMARY KEY NOT NULL,
             value BLOB NOT NULL,
             etag TEXT NOT NULL,
             expires_at INTEGER
         );
         CREATE INDEX IF NOT EXISTS \"{table}_expires_at\" ON \"{table}\" (expires_at)
             WHERE expires_at IS NOT NULL;"
    ))
    .context("cannot create the state table")
}

impl RowStore for SqliteStateDb {
    const BLOCKING: bool = true;

    fn clock(&self) -> &Clock {
        &self.clock
    }

    fn atomic<T>(&self, f: impl FnOnce(&mut dyn Rows) -> BackendResult<T>) -> BackendResult<T> {
        let mut inner = self.inner.lock().unwrap();
        let now = self.clock.now_ms();
        let purge = now.saturating_sub(inner.last_purge) >= PURGE_INTERVAL_MS;
        let tx = inner
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_error)?;
        let mut rows = SqlRows {
            conn: &tx,
            table: &self.table,
        };
        if purge {
            rows.purge_expired(now)?;
        }
        let out = f(&mut rows)?;
        tx.commit().map_err(sql_error)?;
        if purge {
            inner.last_purge = now;
        }
        Ok(out)
    }
}

/// The rows of one table inside an open transaction.
struct SqlRows<'a> {
    conn: &'a Connection,
    table: &'a str,
}

impl SqlRows<'_> {
    fn purge_expired(&mut self, now: i64) -> BackendResult<()> {
        let sql = format!("DELETE FROM \"{}\" WHERE expires_at <= ?1", self.table);
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut s| s.execute([now]))
            .map_err(sql_error)?;
        Ok(())
    }
}

impl Rows for SqlRows<'_> {
    fn load(&mut self, key: &str) -> BackendResult<Option<Record>> {
        let sql = format!(
            "SELECT value, etag, expires_at FROM \"{}\" WHERE key = ?1",
            self.table
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(sql_error)?;
        stmt.query_row([key], |row| {
            Ok(Record {
                data: row.get(0)?,
                etag: row.get(1)?,
                expires_at: row.get(2)?,
            })
        })
        .optional()
        .map_err(sql_error)
    }

    fn store(&mut self, key: &str, record: &Record) -> BackendResult<()> {
        let sql = format!(
            "INSERT INTO \"{}\" (key, value, etag, expires_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key) DO UPDATE SET
                 value = excluded.value, etag = excluded.etag, expires_at = excluded.expires_at",
            self.table
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(sql_error)?;
        stmt.execute(params![key, record.data, record.etag, record.expires_at])
            .map_err(sql_error)?;
        Ok(())
    }

    fn remove(&mut self, key: &str) -> BackendResult<()> {
        let sql = format!("DELETE FROM \"{}\" WHERE key = ?1", self.table);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(sql_error)?;
        stmt.execute([key]).map_err(sql_error)?;
        Ok(())
    }

    fn scan(&mut self, prefix: &str) -> BackendResult<Vec<(String, Record)>> {
        let sql = format!(
            "SELECT key, value, etag, expires_at FROM \"{}\"
             WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key",
            self.table
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(sql_error)?;
        let rows = stmt
            .query_map([prefix], |row| {
                let record = Record {
                    data: row.get(1)?,
                    etag: row.get(2)?,
                    expires_at: row.get(3)?,
                };
                Ok((row.get(0)?, record))
            })
            .map_err(sql_error)?;
        rows.collect::<Result<_, _>>().map_err(sql_error)
    }

    fn keys(
        &mut self,
        prefix: &str,
        now: i64,
        offset: u64,
        limit: u32,
    ) -> BackendResult<Vec<String>> {
        let sql = format!(
            "SELECT key FROM \"{}\"
             WHERE substr(key, 1, length(?1)) = ?1 AND (expires_at IS NULL OR expires_at > ?2)
             ORDER BY key LIMIT ?3 OFFSET ?4",
            self.table
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(sql_error)?;
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let keys = stmt
            .query_map(rusqlite::params![prefix, now, limit, offset], |row| {
                row.get(0)
            })
            .map_err(sql_error)?;
        keys.collect::<Result<_, _>>().map_err(sql_error)
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

impl EmbeddedComponent<StateBlock> for SqliteStateDb {
    const TYPE: &'static str = "state.sqlite";

    /// Opens (creating if needed) the database named by component metadata.
    fn from_metadata(
        component_name: &str,
        metadata: &ComponentMetadata,
    ) -> anyhow::Result<Arc<Self>> {
        let target = required_metadata(metadata, "connectionString")?;
        let table = parse_metadata(metadata, "tableName", "state".to_string())?;
        // SQLite takes the busy timeout as a C int of milliseconds.
        let busy = parse_metadata(metadata, "busyTimeout", 5_000u32)?;
        if i32::try_from(busy).is_err() {
            bail!(
                "invalid value {busy} for metadata `busyTimeout`: at most {} milliseconds",
                i32::MAX
            );
        }
        let conn = open_connection(target, Duration::from_millis(u64::from(busy)))?;
        Self::with_connection(
            component_name,
            KeyPrefix::from_metadata(metadata),
            &table,
            conn,
            Clock::system(),
        )
    }

    /// The store as app `app_id` sees it (keys scoped by `keyPrefix`).
    fn for_app(self: &Arc<Self>, app_id: &str) -> Arc<dyn StateStore> {
        let prefix = self.key_prefix.resolve(&self.component_name, app_id);
        Arc::new(AppView::new(self.clone(), prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::state::embedded::conformance::{
        Fixture, get, item, state_store_conformance,
    };

    fn fixture() -> Fixture {
        let (clock, cell) = Clock::manual(1_000);
        let conn = open_connection(":memory:", Duration::from_secs(1)).unwrap();
        let db =
            SqliteStateDb::with_connection("db", KeyPrefix::AppId, "state", conn, clock).unwrap();
        Fixture {
            a: db.for_app("a"),
            b: db.for_app("b"),
            clock: cell,
        }
    }

    state_store_conformance!(fixture());

    #[tokio::test]
    async fn persists_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let etag = {
            let db = SqliteStateDb::open("db", &path).unwrap();
            db.for_app("a")
                .save(vec![item("k", "v"), item("empty", "")])
                .await
                .unwrap();
            get(&*db.for_app("a"), "k").await.unwrap().etag
        };
        let md = [("connectionString".to_string(), path.display().to_string())].into();
        let db = SqliteStateDb::from_metadata("db", &md).unwrap();
        let value = get(&*db.for_app("a"), "k").await.unwrap();
        assert_eq!((value.data.as_slice(), value.etag), (&b"v"[..], etag));
        assert_eq!(get(&*db.for_app("a"), "empty").await.unwrap().data, b"");
        assert_eq!(get(&*db.for_app("b"), "k").await, None);
    }

    #[tokio::test]
    async fn custom_prefix_and_table_are_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let md: ComponentMetadata = [
            ("connectionString", path.to_str().unwrap()),
            ("tableName", "items"),
            ("keyPrefix", "team"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let db = SqliteStateDb::from_metadata("db", &md).unwrap();
        db.for_app("a").save(vec![item("k", "v")]).await.unwrap();
        let stored: String = db
            .inner
            .lock()
            .unwrap()
            .conn
            .query_row("SELECT key FROM items", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, "team||k");
    }

    #[test]
    fn rejects_bad_metadata() {
        let err = SqliteStateDb::from_metadata("db", &ComponentMetadata::new()).unwrap_err();
        assert!(err.to_string().contains("connectionString"), "{err}");
        let md = [("connectionString", ":memory:"), ("tableName", "x; DROP")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert!(SqliteStateDb::from_metadata("db", &md).is_err());
        for busy in ["2147483648", "99999999999999999999", "-1"] {
            let md = [("connectionString", ":memory:"), ("busyTimeout", busy)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let err = SqliteStateDb::from_metadata("db", &md).unwrap_err();
            assert!(err.to_string().contains("busyTimeout"), "{err}");
        }
    }
}

//! `state.sqlite`: a persistent state store in one SQLite file (WAL mode),
//! shared by every app that uses the component.
//!
//! Metadata: `connectionString` (required: a file path, a `file:` URI or
//! `:memory:`), `tableName` (default `state`), `busyTimeout` in
//! milliseconds (default 5000), `keyPrefix`.
//!
//! Calls run on the caller's thread, not on a thread pool: reads on a
//! connection of their own (WAL lets each see the last commit while a write
//! is under way), writes on the one writer connection, each in its own
//! `BEGIN IMMEDIATE` transaction. Only a write that finds the file locked
//! by another writer (another process, or another component on the same
//! file) moves to Tokio's blocking pool, where it waits up to
//! `busyTimeout`. Durability is WAL with `synchronous=NORMAL`: a commit is
//! atomic and survives a crash of the process; a power loss may undo the
//! last commits before the next checkpoint, never corrupt the file.
//! Checkpoints run on the blocking pool every [`CHECKPOINT_EVERY`] commits,
//! never on an async thread; writes wait for one only when the WAL has
//! grown past [`MAX_WAL_FRAMES`] (and then on the blocking pool).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rusqlite::{Connection, OptionalExtension, params};

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

/// Commits between two background checkpoints of the WAL.
pub const CHECKPOINT_EVERY: u32 = 128;

/// WAL frames (pages) past which a checkpoint holds writers off until the
/// WAL can start over (about 16 MiB at SQLite's default 4 KiB pages).
const MAX_WAL_FRAMES: i64 = 1000;

/// Idle read connections kept open for reuse.
const MAX_IDLE_READERS: usize = 16;

/// One `state.sqlite` database, opened once per component; hand apps a view
/// with [`Self::for_app`].
#[derive(Debug)]
pub struct SqliteStateDb {
    component_name: String,
    key_prefix: KeyPrefix,
    sql: Statements,
    clock: Clock,
    busy_timeout: Duration,
    writer: Mutex<Writer>,
    /// `None` for a database only the writer connection can see (in memory).
    readers: Option<Arc<Readers>>,
}

/// The connection every write goes through. It never waits for a lock
/// itself (busy timeout 0): a write that would wait is retried off the
/// async threads by [`RowStore::atomic`].
#[derive(Debug)]
struct Writer {
    conn: Connection,
    last_purge: i64,
    commits: u32,
}

/// Connections for reads, opened on demand, plus the background checkpoint.
#[derive(Debug)]
struct Readers {
    target: String,
    busy_timeout: Duration,
    idle: Mutex<Vec<Connection>>,
    /// Whether a checkpoint is running, signalled when it ends.
    checkpointing: (Mutex<bool>, Condvar),
    /// Set while a checkpoint needs the write lock.
    hold_writers: AtomicBool,
}

/// The SQL of one table, formatted once.
#[derive(Debug)]
struct Statements {
    load: String,
    store: String,
    remove: String,
    scan: String,
    keys: String,
    purge: String,
}

impl Statements {
    fn for_table(table: &str) -> Self {
        Statements {
            load: format!("SELECT value, etag, expires_at FROM \"{table}\" WHERE key = ?1"),
            store: format!(
                "INSERT INTO \"{table}\" (key, value, etag, expires_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key) DO UPDATE SET
                     value = excluded.value, etag = excluded.etag, expires_at = excluded.expires_at"
            ),
            remove: format!("DELETE FROM \"{table}\" WHERE key = ?1"),
            scan: format!(
                "SELECT key, value, etag, expires_at FROM \"{table}\"
                 WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key"
            ),
            keys: format!(
                "SELECT key FROM \"{table}\"
                 WHERE substr(key, 1, length(?1)) = ?1 AND (expires_at IS NULL OR expires_at > ?2)
                 ORDER BY key LIMIT ?3 OFFSET ?4"
            ),
            purge: format!("DELETE FROM \"{table}\" WHERE expires_at <= ?1"),
        }
    }
}

impl SqliteStateDb {
    /// Opens (creating if needed) a database file with default settings and
    /// the `appid` key prefix.
    pub fn open(component_name: &str, path: &Path) -> anyhow::Result<Arc<Self>> {
        let target = path
            .to_str()
            .context("the database path is not valid UTF-8")?;
        Self::with_target(
            component_name,
            KeyPrefix::AppId,
            "state",
            target,
            Duration::from_secs(5),
            Clock::system(),
        )
    }

    fn with_target(
        component_name: &str,
        key_prefix: KeyPrefix,
        table: &str,
        target: &str,
        busy_timeout: Duration,
        clock: Clock,
    ) -> anyhow::Result<Arc<Self>> {
        if table.is_empty() || !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            bail!("invalid metadata `tableName` {table:?}: use letters, digits and `_`");
        }
        let conn = crate::backend::embedded::sqlite::open(target, busy_timeout, "NORMAL")?;
        create_schema(&conn, table)?;
        let mode: String = conn.pragma_query_value(None, "journal_mode", |row| row.get(0))?;
        let readers = if mode.eq_ignore_ascii_case("wal") {
            // Checkpoints happen in the background, not in a commit.
            conn.pragma_update(None, "wal_autocheckpoint", 0)?;
            Some(Arc::new(Readers {
                target: target.to_string(),
                busy_timeout,
                idle: Mutex::default(),
                checkpointing: Default::default(),
                hold_writers: AtomicBool::new(false),
            }))
        } else {
            None
        };
        conn.busy_timeout(Duration::ZERO)?;
        Ok(Arc::new(SqliteStateDb {
            component_name: component_name.to_string(),
            key_prefix,
            sql: Statements::for_table(table),
            clock,
            busy_timeout,
            writer: Mutex::new(Writer {
                conn,
                last_purge: i64::MIN,
                commits: 0,
            }),
            readers,
        }))
    }

    /// Runs one write scope on the writer if its lock is free right now.
    fn try_scope<T, F>(&self, writer: &mut Writer, f: F) -> Result<BackendResult<T>, F>
    where
        F: FnOnce(&mut dyn Rows) -> BackendResult<T>,
    {
        if let Some(readers) = &self.readers
            && readers.hold_writers.load(Ordering::Acquire)
        {
            return Err(f);
        }
        match run_cached(&writer.conn, "BEGIN IMMEDIATE") {
            Err(err) if is_busy(&err) => return Err(f),
            Err(err) => return Ok(Err(sql_error(err))),
            Ok(()) => {}
        }
        let now = self.clock.now_ms();
        let purge = now.saturating_sub(writer.last_purge) >= PURGE_INTERVAL_MS;
        let mut rows = SqlRows {
            conn: &writer.conn,
            sql: &self.sql,
        };
        let out = (|| {
            if purge {
                rows.purge_expired(now)?;
            }
            let out = f(&mut rows)?;
            run_cached(&writer.conn, "COMMIT").map_err(sql_error)?;
            Ok(out)
        })();
        if out.is_err() {
            if !writer.conn.is_autocommit() {
                // Nothing of the scope stays; a failed rollback leaves
                // SQLite to roll back when the connection is next used.
                let _ = run_cached(&writer.conn, "ROLLBACK");
            }
            return Ok(out);
        }
        if purge {
            writer.last_purge = now;
        }
        writer.commits = writer.commits.wrapping_add(1);
        if writer.commits.is_multiple_of(CHECKPOINT_EVERY)
            && let Some(readers) = &self.readers
        {
            readers.checkpoint_in_background();
        }
        Ok(out)
    }
}

impl Readers {
    /// An idle read connection, or a new one.
    fn take(&self) -> BackendResult<Connection> {
        if let Some(conn) = self.idle.lock().unwrap().pop() {
            return Ok(conn);
        }
        let conn =
            crate::backend::embedded::sqlite::open(&self.target, self.busy_timeout, "NORMAL")
                .map_err(|err| match err.downcast_ref::<rusqlite::Error>() {
                    Some(sql) if is_busy(sql) => Error::Unavailable(format!("sqlite: {err:#}")),
                    _ => Error::Internal(format!("sqlite: {err:#}")),
                })?;
        conn.pragma_update(None, "query_only", true)
            .map_err(sql_error)?;
        Ok(conn)
    }

    /// Returns a read connection for reuse.
    fn give_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap();
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
    }

    /// Copies the WAL into the database on the blocking pool (in place
    /// outside a Tokio runtime), unless a checkpoint is already running.
    fn checkpoint_in_background(self: &Arc<Self>) {
        {
            let mut running = self.checkpointing.0.lock().unwrap();
            if *running {
                return;
            }
            *running = true;
        }
        let readers = self.clone();
        let job = move || {
            if let Err(err) = readers.checkpoint() {
                tracing::debug!("state.sqlite checkpoint: {err:?}");
            }
            let (running, ended) = &readers.checkpointing;
            *running.lock().unwrap() = false;
            ended.notify_all();
        };
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => drop(handle.spawn_blocking(job)),
            Err(_) => job(),
        }
    }

    /// PASSIVE first: it copies what it can and never holds writers off.
    /// Writes arriving meanwhile keep the WAL from starting over, so once
    /// it holds [`MAX_WAL_FRAMES`], a RESTART holds writers off until every
    /// frame is copied and the next commit writes the WAL from its start.
    fn checkpoint(&self) -> BackendResult<()> {
        let conn = self.take()?;
        let frames = |mode: &str| {
            conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| {
                row.get::<_, i64>(1)
            })
        };
        let out = frames("PASSIVE").and_then(|log| {
            if log <= MAX_WAL_FRAMES {
                return Ok(());
            }
            // This store's writer steps aside (its writes wait for the end
            // of this checkpoint), else it could starve the RESTART, which
            // only polls for the write lock.
            self.hold_writers.store(true, Ordering::Release);
            let restarted = frames("RESTART").map(drop);
            self.hold_writers.store(false, Ordering::Release);
            restarted
        });
        self.give_back(conn);
        out.map_err(sql_error)
    }

    /// Waits (at most `limit`) for a running checkpoint to end; false if
    /// none is running.
    fn wait_for_checkpoint(&self, limit: Duration) -> bool {
        let (running, ended) = &self.checkpointing;
        let running = running.lock().unwrap();
        if !*running {
            return false;
        }
        drop(
            ended
                .wait_timeout_while(running, limit, |running| *running)
                .unwrap(),
        );
        true
    }
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

/// Runs a statement without parameters, prepared once per connection.
fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

impl RowStore for SqliteStateDb {
    fn clock(&self) -> &Clock {
        &self.clock
    }

    fn read<T>(&self, f: impl FnOnce(&mut dyn Rows) -> BackendResult<T>) -> BackendResult<T> {
        let Some(readers) = &self.readers else {
            let writer = self.writer.lock().unwrap();
            return f(&mut SqlRows {
                conn: &writer.conn,
                sql: &self.sql,
            });
        };
        let conn = readers.take()?;
        let out = f(&mut SqlRows {
            conn: &conn,
            sql: &self.sql,
        });
        readers.give_back(conn);
        out
    }

    fn try_atomic<T, F>(&self, f: F) -> Result<BackendResult<T>, F>
    where
        F: FnOnce(&mut dyn Rows) -> BackendResult<T>,
    {
        let mut writer = self.writer.lock().unwrap();
        self.try_scope(&mut writer, f)
    }

    /// Retries while another writer holds the file: right after this
    /// store's own checkpoint ends, else backing off up to 50 ms between
    /// tries; gives up as `unavailable` after `busyTimeout`. The writer
    /// connection is free for others between tries.
    fn atomic<T>(&self, f: impl FnOnce(&mut dyn Rows) -> BackendResult<T>) -> BackendResult<T> {
        let deadline = Instant::now() + self.busy_timeout;
        let mut pause = Duration::from_millis(1);
        let mut f = f;
        loop {
            let attempt = {
                let mut writer = self.writer.lock().unwrap();
                self.try_scope(&mut writer, f)
            };
            match attempt {
                Ok(out) => return out,
                Err(unrun) => f = unrun,
            }
            let now = Instant::now();
            // A checkpoint of this store's own: go on as soon as it ends.
            let waited = now < deadline
                && self
                    .readers
                    .as_ref()
                    .is_some_and(|r| r.wait_for_checkpoint(deadline - now));
            if waited {
                continue;
            }
            if now >= deadline {
                return Err(Error::Unavailable(format!(
                    "sqlite: the database stayed locked by another writer for {} ms",
                    self.busy_timeout.as_millis()
                )));
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

/// The rows of one table, read or written on one connection (inside a
/// write scope's transaction, or on a read connection).
struct SqlRows<'a> {
    conn: &'a Connection,
    sql: &'a Statements,
}

impl SqlRows<'_> {
    fn purge_expired(&mut self, now: i64) -> BackendResult<()> {
        self.conn
            .prepare_cached(&self.sql.purge)
            .and_then(|mut s| s.execute([now]))
            .map_err(sql_error)?;
        Ok(())
    }
}

impl Rows for SqlRows<'_> {
    fn load(&mut self, key: &str) -> BackendResult<Option<Record>> {
        let mut stmt = self
            .conn
            .prepare_cached(&self.sql.load)
            .map_err(sql_error)?;
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
        let mut stmt = self
            .conn
            .prepare_cached(&self.sql.store)
            .map_err(sql_error)?;
        stmt.execute(params![key, record.data, record.etag, record.expires_at])
            .map_err(sql_error)?;
        Ok(())
    }

    fn remove(&mut self, key: &str) -> BackendResult<()> {
        let mut stmt = self
            .conn
            .prepare_cached(&self.sql.remove)
            .map_err(sql_error)?;
        stmt.execute([key]).map_err(sql_error)?;
        Ok(())
    }

    fn scan(&mut self, prefix: &str) -> BackendResult<Vec<(String, Record)>> {
        let mut stmt = self
            .conn
            .prepare_cached(&self.sql.scan)
            .map_err(sql_error)?;
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
        let mut stmt = self
            .conn
            .prepare_cached(&self.sql.keys)
            .map_err(sql_error)?;
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
    if is_busy(&err) {
        Error::Unavailable(format!("sqlite: {err}"))
    } else {
        Error::Internal(format!("sqlite: {err}"))
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
        Self::with_target(
            component_name,
            KeyPrefix::from_metadata(metadata),
            &table,
            target,
            Duration::from_millis(u64::from(busy)),
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

    /// The views of apps `a` and `b` of a store at `target` (kept in `dir`,
    /// if any), with its manual clock; `readers` says whether reads get
    /// connections of their own.
    fn fixture_at(target: &str, dir: Option<tempfile::TempDir>, readers: bool) -> Fixture {
        let (clock, cell) = Clock::manual(1_000);
        let db = SqliteStateDb::with_target(
            "db",
            KeyPrefix::AppId,
            "state",
            target,
            Duration::from_secs(1),
            clock,
        )
        .unwrap();
        assert_eq!(db.readers.is_some(), readers);
        Fixture {
            a: db.for_app("a"),
            b: db.for_app("b"),
            clock: cell,
            dir,
        }
    }

    /// A store in memory: one connection does everything.
    fn fixture() -> Fixture {
        fixture_at(":memory:", None, false)
    }

    state_store_conformance!(fixture());

    /// The same checks on a file in WAL mode: reads on connections of
    /// their own, writes on the writer.
    mod on_file {
        use super::*;

        fn fixture() -> Fixture {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("state.db");
            fixture_at(path.to_str().unwrap(), Some(dir), true)
        }

        state_store_conformance!(fixture());
    }

    /// A database file, its store with `busyTimeout` (ms), and a second
    /// connection to the same file standing for another writer.
    fn shared_file(busy_ms: &str) -> (tempfile::TempDir, Arc<SqliteStateDb>, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let md = [
            ("connectionString", path.to_str().unwrap()),
            ("busyTimeout", busy_ms),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let db = SqliteStateDb::from_metadata("db", &md).unwrap();
        let other = Connection::open(&path).unwrap();
        (dir, db, other)
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_write_waits_for_another_writer_without_holding_the_async_thread() {
        let (_dir, db, other) = shared_file("5000");
        let store = db.for_app("a");
        store.save(vec![item("k", "before")]).await.unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let writer = tokio::spawn({
            let store = store.clone();
            async move { store.save(vec![item("k", "after")]).await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            !writer.is_finished(),
            "the save went past the other writer's lock"
        );
        // The only async thread is free: reads see the last commit meanwhile.
        assert_eq!(get(&*store, "k").await.unwrap().data, b"before");
        other.execute_batch("COMMIT").unwrap();
        writer.await.unwrap().unwrap();
        assert_eq!(get(&*store, "k").await.unwrap().data, b"after");
    }

    #[tokio::test]
    async fn a_write_locked_out_past_busy_timeout_is_unavailable_and_changes_nothing() {
        let (_dir, db, other) = shared_file("100");
        let store = db.for_app("a");
        store.save(vec![item("k", "v")]).await.unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let started = std::time::Instant::now();
        let err = store.save(vec![item("k", "lost")]).await.unwrap_err();
        assert!(matches!(err, Error::Unavailable(_)), "{err:?}");
        assert!(started.elapsed() >= Duration::from_millis(100));
        other.execute_batch("ROLLBACK").unwrap();
        assert_eq!(get(&*store, "k").await.unwrap().data, b"v");
    }

    #[tokio::test]
    async fn the_wal_is_checkpointed_and_starts_over_under_steady_writes() {
        let (dir, db, _other) = shared_file("5000");
        let store = db.for_app("a");
        let wal = dir.path().join("state.db-wal");
        // About two pages a commit: without checkpoints that start the WAL
        // over, it would end near 12,000 frames. With them it stays near
        // MAX_WAL_FRAMES, more while a checkpoint waits for a thread of the
        // blocking pool (on a loaded machine, 2,167 frames were seen): the
        // bound is half of what it would reach without them.
        let commits = 6_000;
        for i in 0..commits {
            store.save(vec![item(&format!("k{i}"), "v")]).await.unwrap();
        }
        let frames = std::fs::metadata(&wal).unwrap().len() / 4096;
        assert!(
            frames <= commits,
            "{frames} WAL frames after {commits} commits"
        );
        assert_eq!(get(&*store, "k0").await.unwrap().data, b"v");
    }

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
            .writer
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

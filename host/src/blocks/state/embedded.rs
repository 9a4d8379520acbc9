//! What the embedded state stores share: the write rules (etags,
//! concurrency, TTL), the row storage abstraction they implement, and the
//! per-app [`AppView`] that implements [`StateStore`] on top of it.

use std::sync::Arc;

use super::query::{Candidate, Query};
use crate::backend::embedded::clock::{Clock, rfc3339_utc};
use crate::backend::{BackendResult, Error, Metadata, metadata_value};
use crate::blocks::state::{
    Concurrency, Consistency, DeleteItem, KeyPage, Operation, QueryResponse, SaveItem, StateStore,
    Value,
};

/// Request metadata key of an item's time to live.
const TTL_KEY: &str = "ttlInSeconds";
/// Response metadata key of an item's expiry time.
const TTL_EXPIRE_KEY: &str = "ttlExpireTime";

/// One stored row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The stored bytes.
    pub data: Vec<u8>,
    /// The etag of this version.
    pub etag: String,
    /// When the row expires (unix ms), if it has a TTL.
    pub expires_at: Option<i64>,
}

impl Record {
    /// Whether the row is still visible at `now` (unix ms).
    pub fn is_live(&self, now: i64) -> bool {
        self.expires_at.is_none_or(|t| t > now)
    }
}

/// Row primitives a store offers inside one atomic scope (full keys,
/// expired rows included).
pub trait Rows {
    /// Reads one row.
    fn load(&mut self, key: &str) -> BackendResult<Option<Record>>;
    /// Inserts or replaces one row.
    fn store(&mut self, key: &str, record: &Record) -> BackendResult<()>;
    /// Deletes one row (no-op if missing).
    fn remove(&mut self, key: &str) -> BackendResult<()>;
    /// Every row whose key starts with `prefix`, in key order.
    fn scan(&mut self, prefix: &str) -> BackendResult<Vec<(String, Record)>>;

    /// The keys starting with `prefix` of the rows live at `now`, in key
    /// order, skipping `offset` and returning at most `limit`.
    fn keys(
        &mut self,
        prefix: &str,
        now: i64,
        offset: u64,
        limit: u32,
    ) -> BackendResult<Vec<String>> {
        Ok(self
            .scan(prefix)?
            .into_iter()
            .filter(|(_, record)| record.is_live(now))
            .map(|(key, _)| key)
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(limit as usize)
            .collect())
    }
}

/// The storage engine behind a state store.
///
/// Every operation runs on the calling (async) thread when it can finish
/// without waiting: reads always, writes unless another writer holds the
/// store. Only a write that would wait moves to Tokio's blocking pool.
pub trait RowStore: Send + Sync + 'static {
    /// The clock that decides expiry.
    fn clock(&self) -> &Clock;

    /// Runs `f`, which only reads, over the rows as last committed.
    fn read<T>(&self, f: impl FnOnce(&mut dyn Rows) -> BackendResult<T>) -> BackendResult<T>;

    /// Runs `f` over the rows atomically (as [`RowStore::atomic`]) if that
    /// needs no waiting for another writer; else hands `f` back unrun.
    fn try_atomic<T, F>(&self, f: F) -> Result<BackendResult<T>, F>
    where
        F: FnOnce(&mut dyn Rows) -> BackendResult<T>;

    /// Runs `f` over the rows atomically: its writes take effect only if it
    /// returns `Ok`, and no other scope interleaves with it. May block the
    /// thread while another writer holds the store.
    fn atomic<T>(&self, f: impl FnOnce(&mut dyn Rows) -> BackendResult<T>) -> BackendResult<T>;
}

/// One app's view of a state store: keys get the app's prefix.
pub struct AppView<E> {
    engine: Arc<E>,
    prefix: Arc<str>,
}

impl<E: RowStore> AppView<E> {
    /// A view that stores every key as `{prefix}{key}`.
    pub fn new(engine: Arc<E>, prefix: String) -> Self {
        AppView {
            engine,
            prefix: prefix.into(),
        }
    }

    /// Runs `f` atomically with the current time: in place, or on the
    /// blocking pool if the store is held by another writer.
    async fn write<T, F>(&self, f: F) -> BackendResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Rows, i64) -> BackendResult<T> + Send + 'static,
    {
        let now = self.engine.clock().now_ms();
        match self.engine.try_atomic(move |rows| f(rows, now)) {
            Ok(out) => out,
            Err(job) => {
                let engine = self.engine.clone();
                tokio::task::spawn_blocking(move || engine.atomic(job))
                    .await
                    .map_err(Error::internal)?
            }
        }
    }

    /// The live row of `key` (an expired one reads as missing; the store's
    /// purge removes it).
    fn load(&self, key: &str) -> BackendResult<Option<Record>> {
        let now = self.engine.clock().now_ms();
        let record = self.engine.read(|rows| rows.load(key))?;
        Ok(record.filter(|record| record.is_live(now)))
    }
}

#[async_trait::async_trait]
impl<E: RowStore> StateStore for AppView<E> {
    async fn get(&self, key: &str, _: Consistency, _: &Metadata) -> BackendResult<Option<Value>> {
        let key = scoped(&self.prefix, key)?;
        Ok(self.load(&key)?.map(to_value))
    }

    async fn save(&self, items: Vec<SaveItem>) -> BackendResult<()> {
        for item in items {
            let prefix = self.prefix.clone();
            self.write(move |rows, now| save_item(rows, &prefix, item, now))
                .await?;
        }
        Ok(())
    }

    async fn delete(&self, item: DeleteItem) -> BackendResult<()> {
        let prefix = self.prefix.clone();
        self.write(move |rows, now| delete_item(rows, &prefix, item, now))
            .await
    }

    async fn transact(&self, operations: Vec<Operation>, _: &Metadata) -> BackendResult<()> {
        let prefix = self.prefix.clone();
        self.write(move |rows, now| {
            operations.into_iter().try_for_each(|op| match op {
                Operation::Upsert(item) => save_item(rows, &prefix, item, now),
                Operation::Delete(item) => delete_item(rows, &prefix, item, now),
            })
        })
        .await
    }

    async fn query(&self, query: &str, _: &Metadata) -> BackendResult<QueryResponse> {
        let query = Query::parse(query)?;
        let rows = self.engine.read(|rows| rows.scan(&self.prefix))?;
        let now = self.engine.clock().now_ms();
        let candidates = rows
            .into_iter()
            .filter(|(_, record)| record.is_live(now))
            .filter_map(|(key, record)| {
                Some(Candidate {
                    key: key.strip_prefix(&*self.prefix)?.to_string(),
                    data: record.data,
                    etag: Some(record.etag),
                })
            })
            .collect();
        Ok(query.run(candidates))
    }

    /// Pages by position: the cursor is the number of keys before the page.
    async fn list_keys(&self, cursor: Option<&str>, limit: u32) -> BackendResult<KeyPage> {
        let offset = match cursor {
            None => 0,
            Some(text) => text.parse::<u64>().map_err(|_| {
                Error::InvalidArgument(format!("{text:?} is not a cursor this store returned"))
            })?,
        };
        let now = self.engine.clock().now_ms();
        // One key past the page says whether another page follows.
        let mut keys = self
            .engine
            .read(|rows| rows.keys(&self.prefix, now, offset, limit.saturating_add(1)))?;
        let more = keys.len() > limit as usize;
        keys.truncate(limit as usize);
        let next = offset.saturating_add(keys.len() as u64);
        Ok(KeyPage {
            keys: keys
                .into_iter()
                .filter_map(|key| key.strip_prefix(&*self.prefix).map(str::to_string))
                .collect(),
            cursor: more.then(|| next.to_string()),
        })
    }

    fn nested(&self, prefix: &str) -> Option<Arc<dyn StateStore>> {
        let prefix = format!("{}{prefix}", self.prefix);
        Some(Arc::new(AppView::new(self.engine.clone(), prefix)))
    }

    /// Atomic: the etag check and the write happen in one scope.
    async fn swap(&self, key: &str, expected: Option<&str>, data: Vec<u8>) -> BackendResult<bool> {
        let key = scoped(&self.prefix, key)?;
        let expected = expected.map(str::to_string);
        self.write(move |rows, now| {
            let current = load_live(rows, &key, now)?;
            if current.as_ref().map(|r| &r.etag) != expected.as_ref() {
                return Ok(false);
            }
            let record = Record {
                data,
                etag: new_etag(),
                expires_at: None,
            };
            rows.store(&key, &record)?;
            Ok(true)
        })
        .await
    }
}

/// The stored key of `key`; empty keys, and keys containing the prefix
/// separator `||` (as in Dapr), are `invalid-argument`.
fn scoped(prefix: &str, key: &str) -> BackendResult<String> {
    if key.is_empty() || key.contains("||") {
        return Err(Error::InvalidArgument(format!(
            "invalid key {key:?}: must be non-empty without `||`"
        )));
    }
    Ok(format!("{prefix}{key}"))
}

/// Reads a row, treating (and cleaning up) an expired one as missing.
fn load_live(rows: &mut dyn Rows, key: &str, now: i64) -> BackendResult<Option<Record>> {
    match rows.load(key)? {
        Some(record) if !record.is_live(now) => {
            rows.remove(key)?;
            Ok(None)
        }
        other => Ok(other),
    }
}

/// Checks a write against the current row: a given etag must match; without
/// one, first-write requires the key to be missing.
fn check_write(
    key: &str,
    current: Option<&Record>,
    etag: Option<&str>,
    concurrency: Concurrency,
) -> BackendResult<()> {
    match (etag.filter(|e| !e.is_empty()), current) {
        (Some(given), Some(record)) if record.etag == given => Ok(()),
        (Some(_), _) => Err(Error::EtagMismatch(format!(
            "etag mismatch for key {key:?}"
        ))),
        (None, Some(_)) if concurrency == Concurrency::FirstWrite => Err(Error::EtagMismatch(
            format!("key {key:?} already exists (first-write concurrency)"),
        )),
        (None, _) => Ok(()),
    }
}

/// Applies one save with the etag, concurrency and TTL rules.
fn save_item(rows: &mut dyn Rows, prefix: &str, item: SaveItem, now: i64) -> BackendResult<()> {
    let key = scoped(prefix, &item.key)?;
    let ttl = parse_ttl(&item.metadata)?;
    let current = load_live(rows, &key, now)?;
    check_write(
        &item.key,
        current.as_ref(),
        item.etag.as_deref(),
        item.options.concurrency,
    )?;
    let record = Record {
        data: item.data,
        etag: new_etag(),
        expires_at: ttl.map(|secs| now.saturating_add(secs.saturating_mul(1000))),
    };
    rows.store(&key, &record)
}

/// Applies one delete; a missing key is fine unless an etag is given.
fn delete_item(rows: &mut dyn Rows, prefix: &str, item: DeleteItem, now: i64) -> BackendResult<()> {
    let key = scoped(prefix, &item.key)?;
    let current = load_live(rows, &key, now)?;
    if item.etag.as_deref().is_some_and(|e| !e.is_empty()) {
        check_write(
            &item.key,
            current.as_ref(),
            item.etag.as_deref(),
            Concurrency::LastWrite,
        )?;
    }
    if current.is_some() {
        rows.remove(&key)
    } else {
        Ok(())
    }
}

/// Reads `ttlInSeconds`: `None` for no expiry (absent or -1), else the
/// positive number of seconds.
fn parse_ttl(metadata: &Metadata) -> BackendResult<Option<i64>> {
    let Some(raw) = metadata_value(metadata, TTL_KEY)
        .map(str::trim)
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    match raw.parse::<i64>() {
        Ok(-1) => Ok(None),
        Ok(secs) if secs > 0 && secs <= i64::from(i32::MAX) => Ok(Some(secs)),
        _ => Err(Error::InvalidArgument(format!(
            "invalid {TTL_KEY} {raw:?}: expected a positive integer or -1"
        ))),
    }
}

fn new_etag() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn to_value(record: Record) -> Value {
    let metadata = record
        .expires_at
        .map(|t| vec![(TTL_EXPIRE_KEY.to_string(), rfc3339_utc(t))])
        .unwrap_or_default();
    Value {
        data: record.data,
        etag: Some(record.etag),
        metadata,
    }
}

/// A conformance suite every embedded state store runs in its tests.
#[cfg(test)]
pub mod conformance {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::*;
    use crate::blocks::state::WriteOptions;

    /// Builds the views of one fresh store for two apps, plus the cell
    /// driving its manual clock.
    pub struct Fixture {
        /// The view of app `a`.
        pub a: Arc<dyn StateStore>,
        /// The view of app `b`.
        pub b: Arc<dyn StateStore>,
        /// The store's clock (unix ms).
        pub clock: Arc<AtomicI64>,
        /// Where the store keeps its files, if anywhere; removed with the
        /// fixture.
        pub dir: Option<tempfile::TempDir>,
    }

    /// Generates one `#[tokio::test]` per check for a fixture constructor.
    macro_rules! state_store_conformance {
        ($fixture:expr) => {
            $crate::blocks::state::embedded::conformance::state_store_conformance!(
                @tests $fixture;
                missing_vs_empty, etag_rules, first_write, delete_rules, ttl_expiry,
                invalid_arguments, transaction_rolls_back, save_stops_at_first_error,
                apps_are_isolated, query_sees_only_own_json, keys_are_listed_in_pages,
                swap_checks_the_version
            );
        };
        (@tests $fixture:expr; $($check:ident),*) => {
            $(
                #[tokio::test]
                async fn $check() {
                    $crate::blocks::state::embedded::conformance::$check($fixture).await;
                }
            )*
        };
    }
    pub(crate) use state_store_conformance;

    fn opts(concurrency: Concurrency) -> WriteOptions {
        WriteOptions {
            concurrency,
            consistency: Consistency::Strong,
        }
    }

    /// A last-write save item.
    pub fn item(key: &str, data: &str) -> SaveItem {
        SaveItem {
            key: key.into(),
            data: data.into(),
            etag: None,
            options: opts(Concurrency::LastWrite),
            metadata: vec![],
        }
    }

    fn del(key: &str, etag: Option<String>) -> DeleteItem {
        DeleteItem {
            key: key.into(),
            etag,
            options: opts(Concurrency::LastWrite),
            metadata: vec![],
        }
    }

    /// Reads a key's value.
    pub async fn get(store: &dyn StateStore, key: &str) -> Option<Value> {
        store.get(key, Consistency::Strong, &vec![]).await.unwrap()
    }

    async fn data(store: &dyn StateStore, key: &str) -> Option<String> {
        get(store, key)
            .await
            .map(|v| String::from_utf8(v.data).unwrap())
    }

    /// `list_keys` pages through one app's live keys in key order.
    pub async fn keys_are_listed_in_pages(f: Fixture) {
        f.clock.store(1_706_702_400_000, Ordering::SeqCst);
        for key in ["c", "a", "e", "b", "d"] {
            f.a.save(vec![item(key, "x")]).await.unwrap();
        }
        f.b.save(vec![item("z", "other app")]).await.unwrap();
        let expiring = SaveItem {
            metadata: vec![(TTL_KEY.into(), "1".into())],
            ..item("bb", "soon gone")
        };
        f.a.save(vec![expiring]).await.unwrap();
        f.clock.fetch_add(1_000, Ordering::SeqCst);
        let first = f.a.list_keys(None, 2).await.unwrap();
        assert_eq!(first.keys, ["a", "b"]);
        let second = f.a.list_keys(first.cursor.as_deref(), 2).await.unwrap();
        assert_eq!(second.keys, ["c", "d"]);
        let last = f.a.list_keys(second.cursor.as_deref(), 2).await.unwrap();
        assert_eq!((last.keys, last.cursor), (vec!["e".to_string()], None));
        let all = f.a.list_keys(None, 5).await.unwrap();
        assert_eq!((all.keys.len(), all.cursor), (5, None));
        assert!(matches!(
            f.a.list_keys(Some("not a cursor"), 2).await,
            Err(Error::InvalidArgument(_))
        ));
        assert_eq!(f.b.list_keys(None, 10).await.unwrap().keys, ["z"]);
    }

    /// `swap` writes only at the version it was given; `None` means missing.
    pub async fn swap_checks_the_version(f: Fixture) {
        assert!(f.a.swap("k", None, b"1".to_vec()).await.unwrap());
        assert!(!f.a.swap("k", None, b"2".to_vec()).await.unwrap());
        let etag = get(&*f.a, "k").await.unwrap().etag;
        assert!(!f.a.swap("k", Some("stale"), b"3".to_vec()).await.unwrap());
        assert!(f.a.swap("k", etag.as_deref(), b"4".to_vec()).await.unwrap());
        assert_eq!(data(&*f.a, "k").await.as_deref(), Some("4"));
        assert!(!f.a.swap("k", etag.as_deref(), b"5".to_vec()).await.unwrap());
        assert_eq!(get(&*f.b, "k").await, None);
    }

    /// An empty value is stored and read back as empty, not missing.
    pub async fn missing_vs_empty(f: Fixture) {
        assert_eq!(get(&*f.a, "k").await, None);
        f.a.save(vec![item("k", "")]).await.unwrap();
        assert_eq!(data(&*f.a, "k").await.as_deref(), Some(""));
        let bulk =
            f.a.get_bulk(&["k".into(), "nope".into()], &vec![])
                .await
                .unwrap();
        assert!(matches!(&bulk[0].value, Ok(Some(v)) if v.data.is_empty()));
        assert_eq!(bulk[1].value, Ok(None));
    }

    /// Etags change on every write and are always checked.
    pub async fn etag_rules(f: Fixture) {
        f.a.save(vec![item("k", "1")]).await.unwrap();
        let etag = get(&*f.a, "k").await.unwrap().etag.unwrap();
        let stale = SaveItem {
            etag: Some("stale".into()),
            ..item("k", "2")
        };
        assert!(matches!(
            f.a.save(vec![stale]).await,
            Err(Error::EtagMismatch(_))
        ));
        assert_eq!(data(&*f.a, "k").await.as_deref(), Some("1"));
        let fresh = SaveItem {
            etag: Some(etag.clone()),
            ..item("k", "3")
        };
        f.a.save(vec![fresh]).await.unwrap();
        let new_etag = get(&*f.a, "k").await.unwrap().etag.unwrap();
        assert_ne!(new_etag, etag);
        let missing = SaveItem {
            etag: Some(etag),
            ..item("other", "x")
        };
        assert!(matches!(
            f.a.save(vec![missing]).await,
            Err(Error::EtagMismatch(_))
        ));
        assert_eq!(get(&*f.a, "other").await, None);
    }

    /// First-write without etag only inserts.
    pub async fn first_write(f: Fixture) {
        let first = |data: &str| SaveItem {
            options: opts(Concurrency::FirstWrite),
            ..item("k", data)
        };
        f.a.save(vec![first("1")]).await.unwrap();
        assert!(matches!(
            f.a.save(vec![first("2")]).await,
            Err(Error::EtagMismatch(_))
        ));
        assert_eq!(data(&*f.a, "k").await.as_deref(), Some("1"));
        f.a.save(vec![item("k", "3")]).await.unwrap();
        assert_eq!(data(&*f.a, "k").await.as_deref(), Some("3"));
    }

    /// Deleting a missing key succeeds unless an etag is given.
    pub async fn delete_rules(f: Fixture) {
        f.a.delete(del("nope", None)).await.unwrap();
        let err = f.a.delete(del("nope", Some("e".into()))).await;
        assert!(matches!(err, Err(Error::EtagMismatch(_))));
        f.a.save(vec![item("k", "1")]).await.unwrap();
        assert!(matches!(
            f.a.delete(del("k", Some("e".into()))).await,
            Err(Error::EtagMismatch(_))
        ));
        let etag = get(&*f.a, "k").await.unwrap().etag;
        f.a.delete(del("k", etag)).await.unwrap();
        assert_eq!(get(&*f.a, "k").await, None);
    }

    /// Items with `ttlInSeconds` expire and report `ttlExpireTime`.
    pub async fn ttl_expiry(f: Fixture) {
        f.clock.store(1_706_702_400_000, Ordering::SeqCst);
        let ttl = SaveItem {
            metadata: vec![(TTL_KEY.into(), "2".into())],
            ..item("k", "{}")
        };
        f.a.save(vec![ttl]).await.unwrap();
        let value = get(&*f.a, "k").await.unwrap();
        assert_eq!(
            value.metadata,
            vec![(
                TTL_EXPIRE_KEY.to_string(),
                "2024-01-31T12:00:02Z".to_string()
            )]
        );
        f.clock.fetch_add(1_999, Ordering::SeqCst);
        assert!(get(&*f.a, "k").await.is_some());
        f.clock.fetch_add(1, Ordering::SeqCst);
        assert_eq!(get(&*f.a, "k").await, None);
        assert!(f.a.query("{}", &vec![]).await.unwrap().results.is_empty());
        let first = SaveItem {
            options: opts(Concurrency::FirstWrite),
            ..item("k", "new")
        };
        f.a.save(vec![first]).await.unwrap();
        let no_ttl = SaveItem {
            metadata: vec![(TTL_KEY.into(), "-1".into())],
            ..item("k", "x")
        };
        f.a.save(vec![no_ttl]).await.unwrap();
        assert!(get(&*f.a, "k").await.unwrap().metadata.is_empty());
    }

    /// Empty keys and bad TTLs are rejected.
    pub async fn invalid_arguments(f: Fixture) {
        let bad =
            |e: BackendResult<()>| assert!(matches!(e, Err(Error::InvalidArgument(_))), "{e:?}");
        bad(f.a.save(vec![item("", "x")]).await);
        bad(f.a.save(vec![item("b||k", "x")]).await);
        bad(f.a.delete(del("", None)).await);
        assert!(matches!(
            f.a.get("", Consistency::Eventual, &vec![]).await,
            Err(Error::InvalidArgument(_))
        ));
        for ttl in ["abc", "0", "-2", "1.5"] {
            bad(f
                .a
                .save(vec![SaveItem {
                    metadata: vec![(TTL_KEY.into(), ttl.into())],
                    ..item("k", "x")
                }])
                .await);
        }
        assert_eq!(get(&*f.a, "k").await, None);
        assert!(matches!(
            f.a.query("nope", &vec![]).await,
            Err(Error::InvalidArgument(_))
        ));
    }

    /// A failing operation rolls the whole transaction back.
    pub async fn transaction_rolls_back(f: Fixture) {
        f.a.save(vec![item("keep", "old"), item("gone", "old")])
            .await
            .unwrap();
        let ops = vec![
            Operation::Upsert(item("keep", "new")),
            Operation::Delete(del("gone", None)),
            Operation::Upsert(SaveItem {
                etag: Some("wrong".into()),
                ..item("x", "1")
            }),
        ];
        assert!(matches!(
            f.a.transact(ops, &vec![]).await,
            Err(Error::EtagMismatch(_))
        ));
        assert_eq!(data(&*f.a, "keep").await.as_deref(), Some("old"));
        assert_eq!(data(&*f.a, "gone").await.as_deref(), Some("old"));
        let ops = vec![
            Operation::Upsert(item("keep", "new")),
            Operation::Delete(del("gone", None)),
        ];
        f.a.transact(ops, &vec![]).await.unwrap();
        assert_eq!(data(&*f.a, "keep").await.as_deref(), Some("new"));
        assert_eq!(get(&*f.a, "gone").await, None);
    }

    /// A multi-item save keeps the items before the failing one.
    pub async fn save_stops_at_first_error(f: Fixture) {
        let bad = SaveItem {
            etag: Some("wrong".into()),
            ..item("b", "2")
        };
        let result = f.a.save(vec![item("a", "1"), bad, item("c", "3")]).await;
        assert!(matches!(result, Err(Error::EtagMismatch(_))));
        assert_eq!(data(&*f.a, "a").await.as_deref(), Some("1"));
        assert_eq!(get(&*f.a, "c").await, None);
    }

    /// Two apps using the same key do not see each other.
    pub async fn apps_are_isolated(f: Fixture) {
        f.a.save(vec![item("k", "a")]).await.unwrap();
        f.b.save(vec![item("k", "b")]).await.unwrap();
        assert_eq!(data(&*f.a, "k").await.as_deref(), Some("a"));
        assert_eq!(data(&*f.b, "k").await.as_deref(), Some("b"));
        f.b.delete(del("k", None)).await.unwrap();
        assert_eq!(data(&*f.a, "k").await.as_deref(), Some("a"));
    }

    /// Queries see only the calling app's JSON values, keys unprefixed.
    pub async fn query_sees_only_own_json(f: Fixture) {
        f.a.save(vec![
            item("x", r#"{"n":2}"#),
            item("y", r#"{"n":1}"#),
            item("z", "raw"),
        ])
        .await
        .unwrap();
        f.b.save(vec![item("w", r#"{"n":0}"#)]).await.unwrap();
        let q = r#"{"filter":{"IN":{"value.n":[0,1,2]}},"sort":[{"key":"n","order":"DESC"}],"page":{"limit":1}}"#;
        let page = f.a.query(q, &vec![]).await.unwrap();
        assert_eq!(page.results.len(), 1);
        assert_eq!(page.results[0].key, "x");
        assert!(page.results[0].etag.is_some());
        let token = page.token.expect("a second page");
        let q2 = q.replace(r#""limit":1"#, &format!(r#""limit":1,"token":"{token}""#));
        let page = f.a.query(&q2, &vec![]).await.unwrap();
        assert_eq!(
            page.results
                .iter()
                .map(|r| r.key.as_str())
                .collect::<Vec<_>>(),
            ["y"]
        );
        assert_eq!(page.token, None);
    }
}

//! `state.in-memory`: a state store kept in process memory (lost on exit),
//! with the same semantics as `state.sqlite`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::StateBlock;
use super::embedded::{AppView, Record, RowStore, Rows};
use crate::backend::BackendResult;
use crate::backend::embedded::ComponentMetadata;
use crate::backend::embedded::clock::Clock;
use crate::backend::embedded::key_prefix::KeyPrefix;
use crate::blocks::EmbeddedComponent;
use crate::blocks::state::StateStore;

/// How often (at most) expired rows are swept out, in milliseconds.
const PURGE_INTERVAL_MS: i64 = 60_000;

/// One `state.in-memory` component; hand apps a view with [`Self::for_app`].
#[derive(Debug)]
pub struct MemoryStateStore {
    component_name: String,
    key_prefix: KeyPrefix,
    clock: Clock,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    rows: BTreeMap<String, Record>,
    last_purge: i64,
}

impl MemoryStateStore {
    fn with_clock(component_name: &str, key_prefix: KeyPrefix, clock: Clock) -> Arc<Self> {
        Arc::new(MemoryStateStore {
            component_name: component_name.to_string(),
            key_prefix,
            clock,
            inner: Mutex::default(),
        })
    }
}

/// Nothing here waits for long: every scope runs in place under the map's
/// lock.
impl RowStore for MemoryStateStore {
    fn clock(&self) -> &Clock {
        &self.clock
    }

    fn read<T>(&self, f: impl FnOnce(&mut dyn Rows) -> BackendResult<T>) -> BackendResult<T> {
        self.atomic(f)
    }

    fn try_atomic<T, F>(&self, f: F) -> Result<BackendResult<T>, F>
    where
        F: FnOnce(&mut dyn Rows) -> BackendResult<T>,
    {
        Ok(self.atomic(f))
    }

    fn atomic<T>(&self, f: impl FnOnce(&mut dyn Rows) -> BackendResult<T>) -> BackendResult<T> {
        let mut inner = self.inner.lock().unwrap();
        let now = self.clock.now_ms();
        if now.saturating_sub(inner.last_purge) >= PURGE_INTERVAL_MS {
            inner.rows.retain(|_, record| record.is_live(now));
            inner.last_purge = now;
        }
        let mut staged = Staged {
            base: &mut inner.rows,
            changes: BTreeMap::new(),
        };
        let out = f(&mut staged)?;
        staged.commit();
        Ok(out)
    }
}

/// Buffers writes over a map so they apply only on commit.
struct Staged<'a> {
    base: &'a mut BTreeMap<String, Record>,
    changes: BTreeMap<String, Option<Record>>,
}

impl Staged<'_> {
    fn commit(self) {
        for (key, change) in self.changes {
            match change {
                Some(record) => self.base.insert(key, record),
                None => self.base.remove(&key),
            };
        }
    }
}

impl Rows for Staged<'_> {
    fn load(&mut self, key: &str) -> BackendResult<Option<Record>> {
        Ok(match self.changes.get(key) {
            Some(change) => change.clone(),
            None => self.base.get(key).cloned(),
        })
    }

    fn store(&mut self, key: &str, record: &Record) -> BackendResult<()> {
        self.changes.insert(key.to_string(), Some(record.clone()));
        Ok(())
    }

    fn remove(&mut self, key: &str) -> BackendResult<()> {
        self.changes.insert(key.to_string(), None);
        Ok(())
    }

    fn scan(&mut self, prefix: &str) -> BackendResult<Vec<(String, Record)>> {
        let mut merged: BTreeMap<String, Option<Record>> = self
            .base
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, r)| (k.clone(), Some(r.clone())))
            .collect();
        let changed = self
            .changes
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix));
        merged.extend(changed.map(|(k, c)| (k.clone(), c.clone())));
        Ok(merged
            .into_iter()
            .filter_map(|(k, r)| Some((k, r?)))
            .collect())
    }
}

impl EmbeddedComponent<StateBlock> for MemoryStateStore {
    const TYPE: &'static str = "state.in-memory";

    /// Creates the store from component metadata (`keyPrefix`).
    fn from_metadata(
        component_name: &str,
        metadata: &ComponentMetadata,
    ) -> anyhow::Result<Arc<Self>> {
        Ok(Self::with_clock(
            component_name,
            KeyPrefix::from_metadata(metadata),
            Clock::system(),
        ))
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
    use crate::blocks::state::embedded::conformance::{Fixture, state_store_conformance};

    fn fixture() -> Fixture {
        let (clock, cell) = Clock::manual(1_000);
        let store = MemoryStateStore::with_clock("mem", KeyPrefix::AppId, clock);
        Fixture {
            a: store.for_app("a"),
            b: store.for_app("b"),
            clock: cell,
            dir: None,
        }
    }

    state_store_conformance!(fixture());

    #[tokio::test]
    async fn key_prefix_name_shares_keys_between_apps() {
        let md = [("keyPrefix".to_string(), "name".to_string())].into();
        let store = MemoryStateStore::from_metadata("shared", &md).unwrap();
        let item = crate::blocks::state::embedded::conformance::item("k", "v");
        store.for_app("a").save(vec![item]).await.unwrap();
        let seen =
            crate::blocks::state::embedded::conformance::get(&*store.for_app("b"), "k").await;
        assert_eq!(seen.map(|v| v.data), Some(b"v".to_vec()));
        assert!(store.inner.lock().unwrap().rows.contains_key("shared||k"));
    }
}

//! `configuration.local.file`: configuration items from a local YAML or
//! JSON file. This component type exists only in the embedded backend (Dapr
//! has no equivalent).
//!
//! Metadata: `path` (required), `pollIntervalMs` (default 500). The file
//! maps each key to either a scalar value or `{value, version, metadata}`.
//! `get` re-reads the file; subscriptions poll it and deliver items whose
//! value or version changed, appeared, or disappeared (as an empty value).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use serde_yaml::Value as Yaml;
use tokio::task::AbortHandle;

use super::ConfigurationBlock;
use crate::backend::embedded::{ComponentMetadata, parse_metadata, required_metadata};
use crate::backend::{BackendResult, Error, Metadata};
use crate::blocks::EmbeddedComponent;
use crate::blocks::configuration::{ConfigurationStore, ConfigurationSubscriber, Item};

/// The items of the file, by key.
type Items = BTreeMap<String, Item>;

/// One `configuration.local.file` component. Dropping it stops its
/// subscriptions.
#[derive(Debug)]
pub struct FileConfigurationStore {
    path: PathBuf,
    poll_interval: Duration,
    subscriptions: Mutex<HashMap<String, AbortHandle>>,
}

impl Drop for FileConfigurationStore {
    fn drop(&mut self) {
        let subscriptions = self
            .subscriptions
            .get_mut()
            .unwrap_or_else(|e| e.into_inner());
        subscriptions.drain().for_each(|(_, task)| task.abort());
    }
}

/// Reads and parses the file.
async fn read_items(path: &Path) -> anyhow::Result<Items> {
    let text = tokio::fs::read_to_string(path)
        .await
        .with_context(|| format!("cannot read {path:?}"))?;
    parse_items(&text).with_context(|| format!("invalid configuration file {path:?}"))
}

/// Parses a YAML (or JSON) mapping of key -> scalar | {value, version, metadata}.
fn parse_items(text: &str) -> anyhow::Result<Items> {
    let yaml: Yaml = serde_yaml::from_str(text)?;
    let mapping = match yaml {
        Yaml::Mapping(m) => m,
        Yaml::Null => return Ok(Items::new()),
        _ => bail!("the file must map keys to values"),
    };
    mapping
        .into_iter()
        .map(|(key, entry)| {
            let key = scalar(&key).ok_or_else(|| anyhow!("keys must be scalars"))?;
            let item = parse_item(&key, entry).with_context(|| format!("key {key:?}"))?;
            Ok((key, item))
        })
        .collect()
}

fn parse_item(key: &str, entry: Yaml) -> anyhow::Result<Item> {
    let Yaml::Mapping(fields) = entry else {
        let value = scalar(&entry).ok_or_else(|| anyhow!("expected a scalar or a mapping"))?;
        return Ok(Item {
            key: key.to_string(),
            value,
            version: String::new(),
            metadata: vec![],
        });
    };
    let field = |name: &str| {
        fields
            .get(name)
            .map(|v| scalar(v).ok_or_else(|| anyhow!("`{name}` must be a scalar")))
    };
    let value = field("value").context("missing `value`")??;
    let version = field("version").transpose()?.unwrap_or_default();
    let metadata = match fields.get("metadata") {
        None | Some(Yaml::Null) => vec![],
        Some(Yaml::Mapping(md)) => md
            .iter()
            .map(|(k, v)| {
                scalar(k)
                    .zip(scalar(v))
                    .ok_or_else(|| anyhow!("`metadata` must map scalars"))
            })
            .collect::<anyhow::Result<_>>()?,
        Some(_) => bail!("`metadata` must be a mapping"),
    };
    Ok(Item {
        key: key.to_string(),
        value,
        version,
        metadata,
    })
}

fn scalar(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        Yaml::Null => Some(String::new()),
        _ => None,
    }
}

/// Keeps the items named in `keys` (all if empty).
fn select(mut items: Items, keys: &[String]) -> Items {
    if !keys.is_empty() {
        items.retain(|k, _| keys.contains(k));
    }
    items
}

/// The items that differ from `old` to `new`; removed keys come back with an
/// empty value and version.
fn changes(old: &Items, new: &Items) -> Vec<Item> {
    let changed = new.values().filter(|item| {
        old.get(&item.key)
            .is_none_or(|prev| prev.value != item.value || prev.version != item.version)
    });
    let removed = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .map(|key| Item {
            key: key.clone(),
            value: String::new(),
            version: String::new(),
            metadata: vec![],
        });
    let mut out: Vec<Item> = changed.cloned().chain(removed).collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// Polls the file and delivers changes until aborted.
async fn watch(
    path: PathBuf,
    interval: Duration,
    keys: Vec<String>,
    mut seen: Items,
    id: String,
    subscriber: Arc<dyn ConfigurationSubscriber>,
) {
    loop {
        tokio::time::sleep(interval).await;
        let current = match read_items(&path).await {
            Ok(items) => select(items, &keys),
            Err(err) => {
                tracing::warn!(subscription = %id, "configuration poll failed: {err:#}");
                continue;
            }
        };
        let changed = changes(&seen, &current);
        if !changed.is_empty() {
            subscriber.update(&id, changed).await;
        }
        seen = current;
    }
}

#[async_trait::async_trait]
impl ConfigurationStore for FileConfigurationStore {
    async fn get(&self, keys: &[String], _: &Metadata) -> BackendResult<Vec<Item>> {
        let items = read_items(&self.path)
            .await
            .map_err(|e| Error::Internal(format!("{e:#}")))?;
        if keys.is_empty() {
            return Ok(items.into_values().collect());
        }
        Ok(keys.iter().filter_map(|k| items.get(k).cloned()).collect())
    }

    async fn subscribe(
        &self,
        keys: &[String],
        _: &Metadata,
        subscriber: Arc<dyn ConfigurationSubscriber>,
    ) -> BackendResult<String> {
        let items = read_items(&self.path)
            .await
            .map_err(|e| Error::Internal(format!("{e:#}")))?;
        let id = uuid::Uuid::new_v4().to_string();
        let task = watch(
            self.path.clone(),
            self.poll_interval,
            keys.to_vec(),
            select(items, keys),
            id.clone(),
            subscriber,
        );
        let handle = tokio::spawn(task).abort_handle();
        self.subscriptions
            .lock()
            .unwrap()
            .insert(id.clone(), handle);
        Ok(id)
    }

    async fn unsubscribe(&self, id: &str) -> BackendResult<()> {
        let task = self.subscriptions.lock().unwrap().remove(id);
        let task =
            task.ok_or_else(|| Error::NotFound(format!("no configuration subscription {id:?}")))?;
        task.abort();
        Ok(())
    }
}

impl EmbeddedComponent<ConfigurationBlock> for FileConfigurationStore {
    const TYPE: &'static str = "configuration.local.file";

    /// Creates the store from component metadata; the file must exist and
    /// parse.
    fn from_metadata(
        _component_name: &str,
        metadata: &ComponentMetadata,
    ) -> anyhow::Result<Arc<Self>> {
        let path = PathBuf::from(required_metadata(metadata, "path")?);
        let poll_ms = parse_metadata(metadata, "pollIntervalMs", 500u64)?;
        if poll_ms == 0 {
            bail!("invalid metadata `pollIntervalMs`: must be positive");
        }
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {path:?}"))?;
        parse_items(&text).with_context(|| format!("invalid configuration file {path:?}"))?;
        Ok(Arc::new(FileConfigurationStore {
            path,
            poll_interval: Duration::from_millis(poll_ms),
            subscriptions: Mutex::default(),
        }))
    }

    fn for_app(self: &Arc<Self>, _app_id: &str) -> Arc<dyn ConfigurationStore> {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use tokio::sync::mpsc;

    use super::*;

    struct Channel(mpsc::UnboundedSender<(String, Vec<Item>)>);

    #[async_trait::async_trait]
    impl ConfigurationSubscriber for Channel {
        async fn update(&self, id: &str, items: Vec<Item>) {
            let _ = self.0.send((id.to_string(), items));
        }
    }

    const INITIAL: &str = "greeting: hello\nlimit: 10\nflag:\n  value: 'on'\n  version: v1\n  metadata: {owner: ops}\n";

    fn store(text: &str) -> (tempfile::TempDir, PathBuf, Arc<FileConfigurationStore>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.yaml");
        std::fs::write(&path, text).unwrap();
        let md = [("path", path.to_str().unwrap()), ("pollIntervalMs", "10")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let store = FileConfigurationStore::from_metadata("cfg", &md).unwrap();
        (dir, path, store)
    }

    /// Replaces the file atomically so a poll never sees it half written.
    fn replace(path: &Path, text: &str) {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(tmp, path).unwrap();
    }

    fn summary(items: &[Item]) -> Vec<(&str, &str, &str)> {
        items
            .iter()
            .map(|i| (i.key.as_str(), i.value.as_str(), i.version.as_str()))
            .collect()
    }

    #[tokio::test]
    async fn get_reads_scalars_and_full_items() {
        let (_dir, path, store) = store(INITIAL);
        let all = store.get(&[], &vec![]).await.unwrap();
        assert_eq!(
            summary(&all),
            [
                ("flag", "on", "v1"),
                ("greeting", "hello", ""),
                ("limit", "10", "")
            ]
        );
        assert_eq!(
            all[0].metadata,
            vec![("owner".to_string(), "ops".to_string())]
        );
        let some = store
            .get(&["limit".into(), "missing".into()], &vec![])
            .await
            .unwrap();
        assert_eq!(summary(&some), [("limit", "10", "")]);
        std::fs::write(&path, r#"{"greeting": {"value": "hi", "version": "2"}}"#).unwrap();
        let json = store.get(&[], &vec![]).await.unwrap();
        assert_eq!(summary(&json), [("greeting", "hi", "2")]);
    }

    #[tokio::test]
    async fn subscription_delivers_changes_until_unsubscribed() {
        let (_dir, path, store) = store(INITIAL);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let keys = [
            "greeting".to_string(),
            "flag".to_string(),
            "new".to_string(),
        ];
        let id = store
            .subscribe(&keys, &vec![], Arc::new(Channel(tx)))
            .await
            .unwrap();
        replace(&path, "greeting: hello\nlimit: 11\nnew: x\n");
        let (got_id, items) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got_id, id);
        assert_eq!(summary(&items), [("flag", "", ""), ("new", "x", "")]);
        store.unsubscribe(&id).await.unwrap();
        assert!(matches!(
            store.unsubscribe(&id).await,
            Err(Error::NotFound(_))
        ));
        replace(&path, "greeting: bye\n");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn dropping_the_store_stops_its_tasks() {
        let (_dir, _path, store) = store(INITIAL);
        let (tx, mut rx) = mpsc::unbounded_channel();
        store
            .subscribe(&[], &vec![], Arc::new(Channel(tx)))
            .await
            .unwrap();
        drop(store);
        // The channel closes once the aborted task drops its subscriber.
        let closed = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap();
        assert!(closed.is_none());
    }

    #[test]
    fn rejects_bad_files_and_metadata() {
        assert!(parse_items("- a\n- b\n").is_err());
        assert!(parse_items("k: {version: 1}\n").is_err());
        assert!(parse_items("k: [1]\n").is_err());
        let err =
            FileConfigurationStore::from_metadata("cfg", &ComponentMetadata::new()).unwrap_err();
        assert!(err.to_string().contains("`path`"));
    }
}

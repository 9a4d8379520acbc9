//! `secretstores.local.file`: secrets read once from a JSON file.
//!
//! Metadata: `secretsFile` (required), `nestedSeparator` (default `:`),
//! `multiValued` (default `false`). Nested objects and arrays are flattened
//! to `parent{sep}child` keys (array items by index). Single-valued: every
//! flattened key is a secret `{key: value}`. Multi-valued: every top-level
//! key is a secret whose entries are its flattened children.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{Context, bail};
use serde_json::Value as Json;

use super::SecretsBlock;
use crate::backend::embedded::{ComponentMetadata, parse_metadata, required_metadata};
use crate::backend::{BackendResult, Error, Metadata};
use crate::blocks::EmbeddedComponent;
use crate::blocks::secrets::{Secret, SecretStore};

/// One `secretstores.local.file` component.
#[derive(Debug)]
pub struct FileSecretStore {
    secrets: BTreeMap<String, Secret>,
}

/// Turns the file's JSON object into secrets.
fn secrets_of(
    json: Json,
    separator: &str,
    multi_valued: bool,
) -> anyhow::Result<BTreeMap<String, Secret>> {
    let Json::Object(top) = json else {
        bail!("the top level must be a JSON object")
    };
    let mut secrets = BTreeMap::new();
    for (key, value) in top {
        if multi_valued {
            let mut entries = Vec::new();
            match value {
                Json::Object(_) | Json::Array(_) => flatten("", value, separator, &mut entries),
                scalar => entries.push((key.clone(), scalar_string(scalar))),
            }
            secrets.insert(key, entries);
        } else {
            let mut flat = Vec::new();
            flatten(&key, value, separator, &mut flat);
            secrets.extend(flat.into_iter().map(|(k, v)| (k.clone(), vec![(k, v)])));
        }
    }
    Ok(secrets)
}

/// Appends `(path, value)` for every leaf under `value`.
fn flatten(path: &str, value: Json, separator: &str, out: &mut Vec<(String, String)>) {
    let join = |child: &str| {
        if path.is_empty() {
            child.to_string()
        } else {
            format!("{path}{separator}{child}")
        }
    };
    match value {
        Json::Object(map) => map
            .into_iter()
            .for_each(|(k, v)| flatten(&join(&k), v, separator, out)),
        Json::Array(items) => items
            .into_iter()
            .enumerate()
            .for_each(|(i, v)| flatten(&join(&i.to_string()), v, separator, out)),
        scalar => out.push((path.to_string(), scalar_string(scalar))),
    }
}

fn scalar_string(value: Json) -> String {
    match value {
        Json::String(s) => s,
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

#[async_trait::async_trait]
impl SecretStore for FileSecretStore {
    async fn get(&self, key: &str, _: &Metadata) -> BackendResult<Secret> {
        self.secrets
            .get(key)
            .cloned()
            .ok_or_else(|| Error::NotFound(format!("secret {key:?} not found")))
    }

    async fn get_bulk(&self, _: &Metadata) -> BackendResult<Vec<(String, Secret)>> {
        Ok(self
            .secrets
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}

impl EmbeddedComponent<SecretsBlock> for FileSecretStore {
    const TYPE: &'static str = "secretstores.local.file";

    /// Reads and flattens the secrets file named by component metadata.
    fn from_metadata(
        _component_name: &str,
        metadata: &ComponentMetadata,
    ) -> anyhow::Result<Arc<Self>> {
        let path = required_metadata(metadata, "secretsFile")?;
        let separator = metadata
            .get("nestedSeparator")
            .filter(|s| !s.is_empty())
            .map_or(":", |s| s.as_str());
        let multi_valued = parse_metadata(metadata, "multiValued", false)?;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read secrets file {path:?}"))?;
        let json: Json = serde_json::from_str(&text)
            .with_context(|| format!("secrets file {path:?} is not JSON"))?;
        let secrets = secrets_of(json, separator, multi_valued)
            .with_context(|| format!("secrets file {path:?}"))?;
        Ok(Arc::new(FileSecretStore { secrets }))
    }

    fn for_app(self: &Arc<Self>, _app_id: &str) -> Arc<dyn SecretStore> {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str =
        r#"{"db":{"user":"admin","pass":"pw","port":5432},"token":"t","list":["x","y"]}"#;

    fn store(extra: &[(&str, &str)]) -> (tempfile::TempDir, Arc<FileSecretStore>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.json");
        std::fs::write(&path, FILE).unwrap();
        let mut md: ComponentMetadata =
            [("secretsFile".to_string(), path.display().to_string())].into();
        md.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        (dir, FileSecretStore::from_metadata("s", &md).unwrap())
    }

    fn pairs(items: &[(&str, &str)]) -> Secret {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[tokio::test]
    async fn single_valued_flattens_nested_keys() {
        let (_dir, store) = store(&[]);
        assert_eq!(
            store.get("db:user", &vec![]).await.unwrap(),
            pairs(&[("db:user", "admin")])
        );
        assert_eq!(
            store.get("db:port", &vec![]).await.unwrap(),
            pairs(&[("db:port", "5432")])
        );
        assert_eq!(
            store.get("list:1", &vec![]).await.unwrap(),
            pairs(&[("list:1", "y")])
        );
        assert!(matches!(
            store.get("db", &vec![]).await,
            Err(Error::NotFound(_))
        ));
        let keys: Vec<_> = store
            .get_bulk(&vec![])
            .await
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            keys,
            ["db:pass", "db:port", "db:user", "list:0", "list:1", "token"]
        );
    }

    #[tokio::test]
    async fn custom_separator() {
        let (_dir, store) = store(&[("nestedSeparator", ".")]);
        assert_eq!(
            store.get("db.pass", &vec![]).await.unwrap(),
            pairs(&[("db.pass", "pw")])
        );
    }

    #[tokio::test]
    async fn multi_valued_groups_by_top_level_key() {
        let (_dir, store) = store(&[("multiValued", "true")]);
        let db = store.get("db", &vec![]).await.unwrap();
        assert_eq!(
            db,
            pairs(&[("pass", "pw"), ("port", "5432"), ("user", "admin")])
        );
        assert_eq!(
            store.get("token", &vec![]).await.unwrap(),
            pairs(&[("token", "t")])
        );
        let keys: Vec<_> = store
            .get_bulk(&vec![])
            .await
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["db", "list", "token"]);
    }

    #[test]
    fn reports_missing_file_and_metadata() {
        let err = FileSecretStore::from_metadata("s", &ComponentMetadata::new()).unwrap_err();
        assert!(err.to_string().contains("secretsFile"));
        let md = [("secretsFile".to_string(), "/nonexistent/x.json".to_string())].into();
        assert!(FileSecretStore::from_metadata("s", &md).is_err());
    }
}

//! `secretstores.local.env`: secrets from the process environment, read at
//! call time.
//!
//! Metadata: `prefix` (optional): only variables starting with it are
//! visible, under their name without the prefix. Each secret has one entry
//! `{name: value}`.

use std::sync::Arc;

use super::SecretsBlock;
use crate::backend::embedded::ComponentMetadata;
use crate::backend::{BackendResult, Error, Metadata};
use crate::blocks::EmbeddedComponent;
use crate::blocks::secrets::{Secret, SecretStore};

/// Where the variables come from (the process environment, or a fixed list
/// in tests).
type Source = Arc<dyn Fn() -> Vec<(String, String)> + Send + Sync>;

/// One `secretstores.local.env` component.
pub struct EnvSecretStore {
    prefix: String,
    source: Source,
}

impl EnvSecretStore {
    fn with_source(prefix: String, source: Source) -> Arc<Self> {
        Arc::new(EnvSecretStore { prefix, source })
    }

    /// The visible variables, names without the prefix, sorted by name.
    fn visible(&self) -> Vec<(String, String)> {
        let mut vars: Vec<_> = (self.source)()
            .into_iter()
            .filter_map(|(name, value)| Some((name.strip_prefix(&self.prefix)?.to_string(), value)))
            .filter(|(name, _)| !name.is_empty())
            .collect();
        vars.sort();
        vars
    }
}

/// The process environment, skipping variables that are not valid UTF-8.
fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

#[async_trait::async_trait]
impl SecretStore for EnvSecretStore {
    async fn get(&self, key: &str, _: &Metadata) -> BackendResult<Secret> {
        self.visible()
            .into_iter()
            .find(|(name, _)| name == key)
            .map(|entry| vec![entry])
            .ok_or_else(|| Error::NotFound(format!("secret {key:?} not found")))
    }

    async fn get_bulk(&self, _: &Metadata) -> BackendResult<Vec<(String, Secret)>> {
        Ok(self
            .visible()
            .into_iter()
            .map(|(name, value)| (name.clone(), vec![(name, value)]))
            .collect())
    }
}

impl EmbeddedComponent<SecretsBlock> for EnvSecretStore {
    const TYPE: &'static str = "secretstores.local.env";

    /// Creates the store from component metadata (`prefix`).
    fn from_metadata(
        _component_name: &str,
        metadata: &ComponentMetadata,
    ) -> anyhow::Result<Arc<Self>> {
        let prefix = metadata.get("prefix").cloned().unwrap_or_default();
        Ok(Self::with_source(prefix, Arc::new(process_env)))
    }

    fn for_app(self: &Arc<Self>, _app_id: &str) -> Arc<dyn SecretStore> {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(prefix: &str) -> Arc<EnvSecretStore> {
        let vars = || {
            [
                ("APP_DB", "pw"),
                ("APP_API", "key"),
                ("OTHER", "x"),
                ("APP_", "empty"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
        };
        EnvSecretStore::with_source(prefix.to_string(), Arc::new(vars))
    }

    #[tokio::test]
    async fn prefix_filters_and_strips_names() {
        let store = store("APP_");
        assert_eq!(
            store.get("DB", &vec![]).await.unwrap(),
            vec![("DB".to_string(), "pw".to_string())]
        );
        assert!(matches!(
            store.get("OTHER", &vec![]).await,
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            store.get("APP_DB", &vec![]).await,
            Err(Error::NotFound(_))
        ));
        let keys: Vec<_> = store
            .get_bulk(&vec![])
            .await
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["API", "DB"]);
    }

    #[tokio::test]
    async fn without_prefix_everything_is_visible() {
        assert_eq!(store("").get_bulk(&vec![]).await.unwrap().len(), 4);
    }

    #[tokio::test]
    async fn reads_the_process_environment() {
        let store = EnvSecretStore::from_metadata("env", &ComponentMetadata::new()).unwrap();
        let (name, value) = process_env()
            .into_iter()
            .next()
            .expect("some environment variable");
        assert_eq!(
            store.get(&name, &vec![]).await.unwrap(),
            vec![(name, value)]
        );
    }
}

//! `wasi:config/store` on the configuration and secrets building blocks,
//! for components written for other hosts. The three published variants
//! (`0.2.0-draft`, wasmCloud's; `0.2.0-rc.1`, wasmtime's;
//! `0.2.0-draft-2024-09-27`, Spin's) have the same shape, so one macro
//! links each onto the same two functions here.
//!
//! A key is looked up in the app's sources in order of precedence
//! ([`ConfigSources`]): the configuration stores first, then the secret
//! stores, each in the order the runtime config lists them; the first that
//! has the key answers. Without `[apps.ID.wasi-config]` the sources are
//! every configuration store in the app's scope, by name, and no secret
//! store (secrets are only exposed where named).

use std::collections::BTreeMap;

use wasmtime::component::Linker;

use super::{HasWasiDapr, WasiDapr};
use crate::blocks::DaprCtx;
use crate::blocks::configuration::ConfigurationBlock;
use crate::blocks::secrets::SecretsBlock;
use crate::config::ConfigSources;
use crate::wit::Error;

/// Declares one variant: its bindings from the WIT folder `$path` and its
/// `store::Host` on [`WasiDapr`].
macro_rules! config_variant {
    ($(#[$doc:meta])* $module:ident, $path:literal) => {
        $(#[$doc])*
        pub mod $module {
            use crate::wasi::WasiDapr;

            pub(super) mod bindings {
                wasmtime::component::bindgen!({
                    path: $path,
                    world: "wasi:config/imports",
                    imports: { default: async },
                });
            }

            use bindings::wasi::config::store;

            impl store::Host for WasiDapr<'_> {
                async fn get(&mut self, key: String) -> Result<Option<String>, store::Error> {
                    let dapr = self.dapr;
                    crate::wasi::config::observe(dapr, "get", self.config_get(&key))
                        .await
                        .map_err(store::Error::Upstream)
                }

                async fn get_all(&mut self) -> Result<Vec<(String, String)>, store::Error> {
                    let dapr = self.dapr;
                    crate::wasi::config::observe(dapr, "get-all", self.config_get_all())
                        .await
                        .map_err(store::Error::Upstream)
                }
            }

        }
    };
}

config_variant!(
    /// `wasi:config@0.2.0-draft` (wasmCloud's).
    draft,
    "../wit/deps/config-0.2.0-draft"
);
config_variant!(
    /// `wasi:config@0.2.0-rc.1` (wasmtime's).
    rc1,
    "../wit/deps/config-0.2.0-rc.1"
);
config_variant!(
    /// `wasi:config@0.2.0-draft-2024-09-27` (Spin's).
    draft_2024_09_27,
    "../wit/deps/config-0.2.0-draft-2024-09-27"
);

/// Adds every `wasi:config` variant to `linker`.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> WasiDapr<'_>,
) -> anyhow::Result<()> {
    draft::bindings::Imports::add_to_linker::<T, HasWasiDapr>(linker, get)?;
    rc1::bindings::Imports::add_to_linker::<T, HasWasiDapr>(linker, get)?;
    draft_2024_09_27::bindings::Imports::add_to_linker::<T, HasWasiDapr>(linker, get)?;
    Ok(())
}

/// An upstream failure as the variants' `upstream` message.
fn upstream(err: Error) -> String {
    err.describe()
}

/// Runs one `wasi:config` call of the app `dapr` serves, recorded as a host
/// call of block `wasi-config`.
async fn observe<T>(
    dapr: &DaprCtx,
    operation: &'static str,
    call: impl Future<Output = Result<T, String>>,
) -> Result<T, String> {
    crate::blocks::observed(&dapr.app, "wasi-config", operation, "", call).await
}

/// A `wasi:config` result: its error is the `upstream` case.
impl<T> crate::metrics::Outcome for Result<T, String> {
    fn outcome(&self) -> &'static str {
        if self.is_ok() { "ok" } else { "upstream" }
    }
}

impl WasiDapr<'_> {
    /// The app's sources: as configured, else every configuration store
    /// in its scope.
    fn config_sources(&self) -> ConfigSources {
        let app = &self.dapr.app;
        app.access
            .config_sources
            .clone()
            .unwrap_or_else(|| ConfigSources {
                configuration: app.names::<ConfigurationBlock>(),
                secrets: Vec::new(),
            })
    }

    /// `get`: the value of `key` from the first source that has it.
    async fn config_get(&mut self, key: &str) -> Result<Option<String>, String> {
        let sources = self.config_sources();
        let app = self.dapr.app.clone();
        let keys = [key.to_string()];
        for store in &sources.configuration {
            let backend = app.get::<ConfigurationBlock>(store).map_err(upstream)?;
            let items = backend.get(&keys, &Vec::new()).await.map_err(upstream)?;
            if let Some(item) = items.into_iter().find(|i| i.key == key) {
                return Ok(Some(item.value));
            }
        }
        for store in &sources.secrets {
            let backend = app.get::<SecretsBlock>(store).map_err(upstream)?;
            match backend.get(key, &Vec::new()).await {
                Ok(secret) => return Ok(secret_value(key, secret)),
                Err(Error::NotFound(_)) => continue,
                Err(other) => return Err(upstream(other)),
            }
        }
        Ok(None)
    }

    /// `get-all`: every key of every source, each from the first source
    /// that has it, sorted by key.
    async fn config_get_all(&mut self) -> Result<Vec<(String, String)>, String> {
        let sources = self.config_sources();
        let app = self.dapr.app.clone();
        let mut all = BTreeMap::new();
        for store in &sources.configuration {
            let backend = app.get::<ConfigurationBlock>(store).map_err(upstream)?;
            for item in backend.get(&[], &Vec::new()).await.map_err(upstream)? {
                all.entry(item.key).or_insert(item.value);
            }
        }
        for store in &sources.secrets {
            let backend = app.get::<SecretsBlock>(store).map_err(upstream)?;
            for (_, secret) in backend.get_bulk(&Vec::new()).await.map_err(upstream)? {
                for (name, value) in secret {
                    all.entry(name).or_insert(value);
                }
            }
        }
        Ok(all.into_iter().collect())
    }
}

/// The value a secret gives `key`: its entry of that name, else its only
/// entry.
fn secret_value(key: &str, secret: Vec<(String, String)>) -> Option<String> {
    let only = (secret.len() == 1).then(|| secret[0].1.clone());
    secret
        .into_iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value)
        .or(only)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_answers_with_its_entry_of_that_name_or_its_only_entry() {
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(secret_value("a", vec![pair("a", "1")]), Some("1".into()));
        assert_eq!(secret_value("a", vec![pair("x", "1")]), Some("1".into()));
        assert_eq!(
            secret_value("a", vec![pair("x", "1"), pair("a", "2")]),
            Some("2".into())
        );
        assert_eq!(
            secret_value("a", vec![pair("x", "1"), pair("y", "2")]),
            None
        );
    }
}

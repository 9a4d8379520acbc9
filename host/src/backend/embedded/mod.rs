//! The embedded backend: every building block served in-process, used when
//! no Dapr sidecar is configured.
//!
//! Each component type has a constructor
//! `from_metadata(component_name, metadata) -> anyhow::Result<Arc<Self>>`
//! taking the component's `metadata` map. Types whose keys are scoped per app
//! (state, lock, pub/sub) hand out per-app views with `for_app(app_id)`; the
//! others implement their backend trait directly.

use std::collections::HashMap;
use std::fmt::Display;
use std::str::FromStr;

use anyhow::{Context, anyhow};

/// `bindings.cron`: an input binding on a schedule.
pub mod bindings_cron;
/// `bindings.localstorage`: files under a root directory.
pub mod bindings_localstorage;
/// Time sources (wall clock, monotonic, manual for tests).
pub mod clock;
/// `configuration.local.file`: configuration items read from a YAML/JSON file.
pub mod configuration_file;
/// Dapr's `keyPrefix` strategies shared by the state and lock stores.
pub mod key_prefix;
/// `lock.in-memory`: leases kept in process memory.
pub mod lock_memory;
/// `pubsub.in-memory`: an in-process broker with retries and dead letters.
pub mod pubsub_memory;
/// Dapr's state query language, evaluated over JSON values.
pub mod query;
/// `secretstores.local.env`: secrets from environment variables.
pub mod secrets_env;
/// `secretstores.local.file`: secrets from a JSON file.
pub mod secrets_file;
/// Write rules and the `StateStore` view shared by the state stores.
pub mod state_core;
/// `state.in-memory`: a state store in process memory.
pub mod state_memory;
/// `state.sqlite`: a state store in one SQLite file.
pub mod state_sqlite;

/// Component metadata as configured (`spec.metadata` of a component).
pub type ComponentMetadata = HashMap<String, String>;

/// Reads an optional typed metadata value, `default` when the key is absent
/// or empty.
pub fn parse_metadata<T>(metadata: &ComponentMetadata, key: &str, default: T) -> anyhow::Result<T>
where
    T: FromStr,
    T::Err: Display,
{
    match metadata
        .get(key)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    {
        None => Ok(default),
        Some(raw) => raw
            .parse()
            .map_err(|e| anyhow!("invalid value {raw:?} for metadata `{key}`: {e}")),
    }
}

/// Reads a required, non-empty metadata value.
pub fn required_metadata<'a>(
    metadata: &'a ComponentMetadata,
    key: &str,
) -> anyhow::Result<&'a str> {
    metadata
        .get(key)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .with_context(|| format!("missing required metadata `{key}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(pairs: &[(&str, &str)]) -> ComponentMetadata {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parse_metadata_uses_default_and_names_bad_key() {
        let m = md(&[("n", "7"), ("bad", "x")]);
        assert_eq!(parse_metadata(&m, "n", 1u32).unwrap(), 7);
        assert_eq!(parse_metadata(&m, "missing", 1u32).unwrap(), 1);
        let err = parse_metadata(&m, "bad", 1u32).unwrap_err().to_string();
        assert!(err.contains("`bad`"), "{err}");
    }

    #[test]
    fn required_metadata_rejects_missing_and_empty() {
        let m = md(&[("a", "v"), ("e", " ")]);
        assert_eq!(required_metadata(&m, "a").unwrap(), "v");
        assert!(required_metadata(&m, "e").is_err());
        let err = required_metadata(&m, "zz").unwrap_err().to_string();
        assert!(err.contains("`zz`"), "{err}");
    }
}

//! Configuration: Dapr component YAML files and defaults, resolved into the
//! backend values that serve each component name for each app.

mod components;
mod registry;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};

pub use components::{ComponentSpec, load_resources};
pub use registry::{AppComponents, ComponentInfo, Registry};

use crate::blocks::invoke::Invoker;

/// The components `dapr init` would give: a persistent `statestore` and a
/// `pubsub`, with the state kept in `data_dir`.
pub fn default_components(data_dir: &Path) -> Vec<ComponentSpec> {
    let db = data_dir.join("state.db");
    vec![
        ComponentSpec::builtin(
            "statestore",
            "state.sqlite",
            &[("connectionString", &db.to_string_lossy())],
        ),
        ComponentSpec::builtin("pubsub", "pubsub.in-memory", &[]),
    ]
}

/// Where persistent embedded data lives by default:
/// `$XDG_DATA_HOME/wasmtime-dapr`, else `~/.local/share/wasmtime-dapr`.
pub fn default_data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir)
        .join("wasmtime-dapr")
}

/// Where compiled components are cached by default, as
/// [`crate::runtime::default_cache_dir`] decides, or an empty path when there
/// is no such directory, which [`crate::runtime::RuntimeConfig::cache_dir`]
/// takes as no cache. Prefer [`crate::runtime::choose_cache_dir`], which also
/// makes sure the directory is private to the current user.
pub fn default_cache_dir() -> PathBuf {
    crate::runtime::default_cache_dir().unwrap_or_else(|| {
        tracing::info!(
            "neither XDG_CACHE_HOME nor HOME is set: compiled components are not cached \
             (choose a directory with --cache-dir)"
        );
        PathBuf::new()
    })
}

/// Builds the embedded registry from `resources` (or the defaults when
/// `None`, creating `data_dir`), with `invoker` for service invocation.
pub fn embedded_registry(
    resources: Option<&Path>,
    data_dir: &Path,
    invoker: Arc<dyn Invoker>,
) -> Result<Registry> {
    let specs = match resources {
        Some(dir) => load_resources(dir)?,
        None => {
            std::fs::create_dir_all(data_dir)
                .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
            default_components(data_dir)
        }
    };
    Registry::embedded(specs, invoker)
}

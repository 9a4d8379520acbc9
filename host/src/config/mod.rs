//! Configuration: Dapr component YAML files and defaults, resolved into the
//! backend values that serve each component name for each app.

mod access;
mod components;
mod registry;
mod runtime_file;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};

pub use access::{AppAccess, ConfigSources, Grants, grants_used};
pub use components::{ComponentSpec, load_resources};
pub use registry::{AppComponents, ComponentInfo, Registry};
pub use runtime_file::{AppSettings, RuntimeFile};

use crate::blocks::invoke::Invoker;
use crate::blocks::jobs::sqlite::SqliteScheduler;

/// The components `dapr init` would give: a persistent `statestore` (which
/// also holds actor state) and a durable `pubsub`, both kept in `data_dir`
/// (`state.db`, `pubsub.db`).
pub fn default_components(data_dir: &Path) -> Vec<ComponentSpec> {
    let db = data_dir.join("state.db");
    let events = data_dir.join("pubsub.db");
    vec![
        ComponentSpec::builtin(
            "statestore",
            "state.sqlite",
            &[
                ("connectionString", &db.to_string_lossy()),
                (crate::blocks::actors::ACTOR_STATE_STORE, "true"),
            ],
        ),
        ComponentSpec::builtin(
            "pubsub",
            "pubsub.sqlite",
            &[("connectionString", &events.to_string_lossy())],
        ),
    ]
}

/// Where persistent embedded data lives by default:
/// `$XDG_DATA_HOME/wasmtime-dapr`, else `~/.local/share/wasmtime-dapr`;
/// `None` when neither variable names an absolute path (no shared
/// temporary directory is used instead).
pub fn default_data_dir() -> Option<PathBuf> {
    let absolute = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    absolute("XDG_DATA_HOME")
        .or_else(|| absolute("HOME").map(|h| h.join(".local/share")))
        .map(|base| base.join("wasmtime-dapr"))
}

/// Builds the embedded registry from `resources` (or the defaults when
/// `None`), with `invoker` for service invocation and the jobs scheduler
/// in `data_dir` (`scheduler.db`; `data_dir` is created if needed).
pub fn embedded_registry(
    resources: Option<&Path>,
    data_dir: &Path,
    invoker: Arc<dyn Invoker>,
) -> Result<Registry> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
    let specs = match resources {
        Some(dir) => load_resources(dir)?,
        None => default_components(data_dir),
    };
    let jobs = SqliteScheduler::open(&data_dir.join("scheduler.db"))?;
    Registry::embedded(specs, invoker, jobs)
}

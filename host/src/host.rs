//! A host: the components served together, the backend that serves their
//! building blocks, and the wiring of inbound traffic to them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::backend::dapr::{Sidecar, SidecarOptions};
use crate::config::{self, ConfigurationSink, Registry};
use crate::inbound::events::{
    AppBindingSubscriber, AppConfigurationSubscriber, AppTopicSubscriber,
};
use crate::inbound::invoke::LocalInvoker;
use crate::runtime::{App, Runtime, RuntimeConfig};

/// What to serve and how.
#[derive(Clone, Debug)]
pub struct HostOptions {
    /// The components, each with its app id.
    pub components: Vec<(String, PathBuf)>,
    /// Engine, limits and sandbox.
    pub runtime: RuntimeConfig,
    /// A directory of Dapr component manifests; `None` for the defaults.
    pub resources: Option<PathBuf>,
    /// Where the default components keep their data.
    pub data_dir: PathBuf,
    /// The Dapr sidecar serving the building blocks; `None` for the
    /// embedded backend.
    pub sidecar: Option<SidecarOptions>,
    /// How long to wait for the sidecar at start.
    pub sidecar_timeout: Duration,
}

/// Components loaded and wired to their backend.
pub struct Host {
    runtime: Arc<Runtime>,
    registry: Arc<Registry>,
    apps: BTreeMap<String, Arc<App>>,
}

impl Host {
    /// Loads every component and the backend: the sidecar (waiting for it
    /// for at most `sidecar_timeout`) or the embedded one.
    pub async fn load(options: &HostOptions) -> Result<Host> {
        let runtime = Arc::new(Runtime::new(options.runtime.clone())?);
        let invoker = LocalInvoker::new();
        let registry = match &options.sidecar {
            Some(sidecar) => {
                if options.components.len() > 1 {
                    bail!(
                        "with a Dapr sidecar, serve one component per process (one app per sidecar)"
                    );
                }
                if options.resources.is_some() {
                    bail!(
                        "--resources-path configures the embedded backend; with a sidecar, pass it to daprd"
                    );
                }
                let sidecar = Sidecar::new(sidecar)?;
                let metadata = sidecar.wait_ready(options.sidecar_timeout).await?;
                if let Some((id, _)) = options.components.first()
                    && !metadata.id.is_empty()
                    && metadata.id != *id
                {
                    tracing::warn!(
                        "app id `{id}` differs from the sidecar's app id `{}`",
                        metadata.id
                    );
                }
                Arc::new(config::sidecar_registry(&sidecar, &metadata))
            }
            None => Arc::new(config::embedded_registry(
                options.resources.as_deref(),
                &options.data_dir,
                invoker.clone(),
            )?),
        };
        let mut apps = BTreeMap::new();
        for (id, path) in &options.components {
            if apps.contains_key(id) {
                bail!("two components use app id `{id}`; give one another id with ID=PATH");
            }
            let (component, pre) = runtime.load(path)?;
            let handler = App::exports_handler(&pre);
            let app = Arc::new_cyclic(|weak| {
                let sink: Option<ConfigurationSink> = handler.then(|| {
                    let weak = weak.clone();
                    Arc::new(move |store: &str| {
                        AppConfigurationSubscriber::new(weak.clone(), store)
                            as Arc<dyn crate::backend::configuration::ConfigurationSubscriber>
                    }) as ConfigurationSink
                });
                let components = Arc::new(registry.for_app(id, sink));
                App::from_pre(runtime.clone(), id, component, pre, components)
            });
            apps.insert(id.clone(), app);
        }
        invoker.set_apps(&apps);
        Ok(Host {
            runtime,
            registry,
            apps,
        })
    }

    /// The apps, by id.
    pub fn apps(&self) -> &BTreeMap<String, Arc<App>> {
        &self.apps
    }

    /// The runtime.
    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    /// The component registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Whether the building blocks are served by a Dapr sidecar (which
    /// then delivers events through the app channel).
    pub fn uses_sidecar(&self) -> bool {
        self.registry.runtime() == "dapr"
    }

    /// Asks every app that exports `handler` for its subscriptions and
    /// subscribes it; returns a human-readable summary line per subscription.
    pub async fn start_subscriptions(&self) -> Result<Vec<String>> {
        let mut lines = Vec::new();
        for app in self.apps.values().filter(|a| a.exports().handler) {
            let subscriptions = app.subscriptions().await?;
            for subscription in subscriptions {
                let mut line = format!(
                    "{} <- {}/{}",
                    app.id(),
                    subscription.pubsub,
                    subscription.topic
                );
                if let Some(dlt) = &subscription.dead_letter_topic {
                    let _ = write!(line, " (dead letter: {dlt})");
                }
                let component = self
                    .registry
                    .component(&subscription.pubsub, app.id())
                    .map_err(|e| anyhow::anyhow!(e.describe()))
                    .with_context(|| {
                        format!("app `{}` subscribes to `{}`", app.id(), subscription.topic)
                    })?;
                component
                    .subscribe(app.id(), subscription, AppTopicSubscriber::new(app))
                    .with_context(|| format!("app `{}` cannot subscribe", app.id()))?;
                lines.push(line);
            }
        }
        Ok(lines)
    }
}

impl Host {
    /// Asks every app that exports `handler` for its input bindings and
    /// starts them; returns a summary line per binding.
    pub async fn start_input_bindings(&self) -> Result<Vec<String>> {
        let mut lines = Vec::new();
        for app in self.apps.values().filter(|a| a.exports().handler) {
            for name in app.input_bindings().await? {
                let component = self
                    .registry
                    .component(&name, app.id())
                    .map_err(|e| anyhow::anyhow!(e.describe()))
                    .with_context(|| format!("app `{}` reads input binding `{name}`", app.id()))?;
                component
                    .start_input(app.id(), AppBindingSubscriber::new(app))
                    .with_context(|| {
                        format!("app `{}` cannot read input binding `{name}`", app.id())
                    })?;
                lines.push(format!("{} <- {name}", app.id()));
            }
        }
        Ok(lines)
    }
}

/// The app id a component file gets when none is given: its file stem,
/// lower-cased, with `_` turned into `-` (`order_store.wasm` → `order-store`).
pub fn default_app_id(path: &std::path::Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().to_lowercase().replace('_', "-"))
        .unwrap_or_else(|| "app".to_string())
}

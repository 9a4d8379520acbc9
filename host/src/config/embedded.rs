//! Which Dapr component types the embedded backend serves, and how a
//! component manifest becomes an embedded component.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Result, bail};

use super::ComponentSpec;
use super::registry::{Bound, Component};
use crate::backend::bindings::BindingSubscriber;
use crate::backend::embedded::{
    bindings_cron::CronBinding, bindings_localstorage::LocalStorageBinding,
    configuration_file::FileConfigurationStore, lock_memory::MemoryLockStore,
    pubsub_memory::MemoryBroker, secrets_env::EnvSecretStore, secrets_file::FileSecretStore,
    state_memory::MemoryStateStore, state_sqlite::SqliteStateDb,
};
use crate::backend::pubsub::{Subscription, TopicSubscriber};

/// The Dapr component types the embedded backend serves.
pub const EMBEDDED_TYPES: &[&str] = &[
    "state.sqlite",
    "state.in-memory",
    "pubsub.in-memory",
    "bindings.localstorage",
    "bindings.cron",
    "secretstores.local.file",
    "secretstores.local.env",
    "configuration.local.file",
    "lock.in-memory",
];

/// Creates the embedded component a manifest declares, or explains that
/// its type needs a Dapr sidecar.
pub fn instantiate(spec: &ComponentSpec) -> Result<Arc<dyn Component>> {
    let name = spec.name.as_str();
    let md: HashMap<String, String> = spec.metadata.clone().into_iter().collect();
    let component: Arc<dyn Component> = match spec.component_type.as_str() {
        "state.sqlite" => Arc::new(PerApp(
            SqliteStateDb::from_metadata(name, &md)?,
            |s, app| Bound::State(s.for_app(app)),
        )),
        "state.in-memory" => Arc::new(PerApp(
            MemoryStateStore::from_metadata(name, &md)?,
            |s, app| Bound::State(s.for_app(app)),
        )),
        "lock.in-memory" => Arc::new(PerApp(
            MemoryLockStore::from_metadata(name, &md)?,
            |s, app| Bound::Lock(s.for_app(app)),
        )),
        "pubsub.in-memory" => Arc::new(Broker(MemoryBroker::from_metadata(name, &md)?)),
        "bindings.cron" => Arc::new(Cron(CronBinding::from_metadata(name, &md)?)),
        "bindings.localstorage" => Arc::new(Shared(Bound::Binding(
            LocalStorageBinding::from_metadata(name, &md)?,
        ))),
        "secretstores.local.file" => Arc::new(Shared(Bound::Secrets(
            FileSecretStore::from_metadata(name, &md)?,
        ))),
        "secretstores.local.env" => Arc::new(Shared(Bound::Secrets(
            EnvSecretStore::from_metadata(name, &md)?,
        ))),
        "configuration.local.file" => Arc::new(Shared(Bound::Configuration(
            FileConfigurationStore::from_metadata(name, &md)?,
        ))),
        other => bail!(
            "component `{name}` ({}) has type `{other}`, which the embedded backend does not serve; \
             run with a Dapr sidecar (--dapr-grpc-endpoint), or use one of: {}",
            spec.source.display(),
            EMBEDDED_TYPES.join(", ")
        ),
    };
    Ok(component)
}

/// A component with one shared value for every app.
struct Shared(Bound);

impl Component for Shared {
    fn bind(&self, _app_id: &str) -> Bound {
        self.0.clone()
    }
}

/// A component with a per-app view (key prefixes).
struct PerApp<T>(Arc<T>, fn(&Arc<T>, &str) -> Bound);

impl<T: Send + Sync> Component for PerApp<T> {
    fn bind(&self, app_id: &str) -> Bound {
        (self.1)(&self.0, app_id)
    }
}

/// The in-process broker, which also delivers events.
struct Broker(Arc<MemoryBroker>);

impl Component for Broker {
    fn bind(&self, app_id: &str) -> Bound {
        Bound::PubSub(self.0.for_app(app_id))
    }

    fn subscribe(
        &self,
        app_id: &str,
        subscription: Subscription,
        subscriber: Arc<dyn TopicSubscriber>,
    ) -> Result<()> {
        self.0.subscribe(app_id, subscription, subscriber)
    }
}

/// The cron input binding: no output side, events on its schedule.
struct Cron(Arc<CronBinding>);

impl Component for Cron {
    fn bind(&self, _app_id: &str) -> Bound {
        Bound::Input
    }

    fn start_input(&self, app_id: &str, subscriber: Arc<dyn BindingSubscriber>) -> Result<()> {
        self.0.start(app_id, subscriber)
    }
}

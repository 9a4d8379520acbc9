//! The components of a runtime and the per-app view the `blocks` layer uses.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Result;

use super::ComponentSpec;
use crate::backend::bindings::{BindingSubscriber, OutputBinding};
use crate::backend::configuration::{ConfigurationStore, ConfigurationSubscriber};
use crate::backend::invoke::Invoker;
use crate::backend::lock::LockStore;
use crate::backend::pubsub::{PubSub, Subscription, TopicSubscriber};
use crate::backend::secrets::SecretStore;
use crate::backend::state::StateStore;
use crate::wit::Error;

/// Makes the subscriber that delivers one configuration store's updates to
/// an app's `handler` export.
pub type ConfigurationSink = Arc<dyn Fn(&str) -> Arc<dyn ConfigurationSubscriber> + Send + Sync>;

/// A component bound to one app: the backend value of its building block.
#[derive(Clone)]
pub enum Bound {
    /// A state store.
    State(Arc<dyn StateStore>),
    /// A pub/sub component.
    PubSub(Arc<dyn PubSub>),
    /// An output binding.
    Binding(Arc<dyn OutputBinding>),
    /// A secret store.
    Secrets(Arc<dyn SecretStore>),
    /// A configuration store.
    Configuration(Arc<dyn ConfigurationStore>),
    /// A lock store.
    Lock(Arc<dyn LockStore>),
    /// An input binding: nothing to call, it delivers events.
    Input,
}

/// A configured component instance, shared by every app of the runtime.
pub trait Component: Send + Sync {
    /// The view of this component for `app_id` (keys and identity scoped).
    fn bind(&self, app_id: &str) -> Bound;

    /// Delivers the events of `subscription` to `subscriber`; only in-process
    /// brokers can (with a sidecar, events arrive through the app channel).
    fn subscribe(
        &self,
        _app_id: &str,
        _subscription: Subscription,
        _subscriber: Arc<dyn TopicSubscriber>,
    ) -> Result<()> {
        anyhow::bail!("this component does not deliver events in-process")
    }

    /// Starts delivering this input binding's events to `subscriber`; only
    /// in-process bindings can (with a sidecar, events arrive through the
    /// app channel).
    fn start_input(&self, _app_id: &str, _subscriber: Arc<dyn BindingSubscriber>) -> Result<()> {
        anyhow::bail!("this component is not an input binding")
    }
}

/// Public facts about a component, as `metadata.get` reports them.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentInfo {
    /// The component name.
    pub name: String,
    /// Its Dapr type.
    pub component_type: String,
    /// Its version.
    pub version: String,
}

/// Every component of a runtime, with its scopes.
pub struct Registry {
    runtime: &'static str,
    components: Vec<(ComponentSpec, Arc<dyn Component>)>,
    invoker: Arc<dyn Invoker>,
}

impl Registry {
    /// A registry of instantiated components served by `runtime`
    /// (`embedded` or `dapr`), with `invoker` for service invocation.
    pub fn new(
        runtime: &'static str,
        components: Vec<(ComponentSpec, Arc<dyn Component>)>,
        invoker: Arc<dyn Invoker>,
    ) -> Self {
        Registry {
            runtime,
            components,
            invoker,
        }
    }

    /// Which runtime serves the building blocks.
    pub fn runtime(&self) -> &'static str {
        self.runtime
    }

    /// The declared components, in declaration order.
    pub fn specs(&self) -> impl Iterator<Item = &ComponentSpec> {
        self.components.iter().map(|(spec, _)| spec)
    }

    /// The component named `name`, if declared and visible to `app_id`.
    pub fn component(&self, name: &str, app_id: &str) -> Result<&Arc<dyn Component>, Error> {
        match self.components.iter().find(|(spec, _)| spec.name == name) {
            None => Err(Error::NotFound(format!("no component named `{name}`"))),
            Some((spec, _)) if !spec.allows(app_id) => Err(Error::Denied(format!(
                "component `{name}` is not scoped to app `{app_id}`"
            ))),
            Some((_, component)) => Ok(component),
        }
    }

    /// The view of every component for one app.
    pub fn for_app(
        &self,
        app_id: &str,
        config_updates: Option<ConfigurationSink>,
    ) -> AppComponents {
        let mut app = AppComponents {
            app_id: app_id.to_string(),
            runtime: self.runtime,
            state: Named::default(),
            pubsub: Named::default(),
            bindings: Named::default(),
            secrets: Named::default(),
            configuration: Named::default(),
            lock: Named::default(),
            invoker: self.invoker.clone(),
            config_updates,
        };
        for (spec, component) in &self.components {
            let info = ComponentInfo {
                name: spec.name.clone(),
                component_type: spec.component_type.clone(),
                version: spec.version.clone(),
            };
            if !spec.allows(app_id) {
                app.deny(component.bind(app_id), &spec.name);
                continue;
            }
            match component.bind(app_id) {
                Bound::State(b) => app.state.grant(info, b),
                Bound::PubSub(b) => app.pubsub.grant(info, b),
                Bound::Binding(b) => app.bindings.grant(info, b),
                Bound::Secrets(b) => app.secrets.grant(info, b),
                Bound::Configuration(b) => app.configuration.grant(info, b),
                Bound::Lock(b) => app.lock.grant(info, b),
                Bound::Input => {}
            }
        }
        app
    }
}

/// Whether an app may use a named component.
pub enum Granted<T: ?Sized> {
    /// Usable, served by this backend value.
    Yes(ComponentInfo, Arc<T>),
    /// Declared, but scoped to other apps.
    No,
}

/// The components of one building block, by name.
pub struct Named<T: ?Sized> {
    entries: BTreeMap<String, Granted<T>>,
}

impl<T: ?Sized> Default for Named<T> {
    fn default() -> Self {
        Named {
            entries: BTreeMap::new(),
        }
    }
}

impl<T: ?Sized> Named<T> {
    fn grant(&mut self, info: ComponentInfo, backend: Arc<T>) {
        self.entries
            .insert(info.name.clone(), Granted::Yes(info, backend));
    }

    fn deny(&mut self, name: String) {
        self.entries.insert(name, Granted::No);
    }

    /// The backend serving `name`: `not-found` if undeclared, `denied` if out of scope.
    pub fn get(&self, block: &str, name: &str) -> Result<&Arc<T>, Error> {
        match self.entries.get(name) {
            Some(Granted::Yes(_, backend)) => Ok(backend),
            Some(Granted::No) => Err(Error::Denied(format!(
                "{block} component `{name}` is not scoped to this app"
            ))),
            None => Err(Error::NotFound(format!(
                "no {block} component named `{name}`"
            ))),
        }
    }

    /// The usable components' public facts.
    pub fn infos(&self) -> impl Iterator<Item = &ComponentInfo> {
        self.entries.values().filter_map(|g| match g {
            Granted::Yes(info, _) => Some(info),
            Granted::No => None,
        })
    }
}

/// Everything one app can reach, by building block and name.
pub struct AppComponents {
    /// The app id.
    pub app_id: String,
    /// Which runtime serves the building blocks (`embedded` or `dapr`).
    pub runtime: &'static str,
    /// State stores.
    pub state: Named<dyn StateStore>,
    /// Pub/sub components.
    pub pubsub: Named<dyn PubSub>,
    /// Output bindings.
    pub bindings: Named<dyn OutputBinding>,
    /// Secret stores.
    pub secrets: Named<dyn SecretStore>,
    /// Configuration stores.
    pub configuration: Named<dyn ConfigurationStore>,
    /// Lock stores.
    pub lock: Named<dyn LockStore>,
    /// Service invocation.
    pub invoker: Arc<dyn Invoker>,
    /// Where configuration updates for this app go; `None` if the app does
    /// not export `handler`.
    pub config_updates: Option<ConfigurationSink>,
}

impl AppComponents {
    fn deny(&mut self, bound: Bound, name: &str) {
        let name = name.to_string();
        match bound {
            Bound::State(_) => self.state.deny(name),
            Bound::PubSub(_) => self.pubsub.deny(name),
            Bound::Binding(_) => self.bindings.deny(name),
            Bound::Secrets(_) => self.secrets.deny(name),
            Bound::Configuration(_) => self.configuration.deny(name),
            Bound::Lock(_) => self.lock.deny(name),
            Bound::Input => {}
        }
    }

    /// Every component this app may use, sorted by name.
    pub fn infos(&self) -> Vec<ComponentInfo> {
        let mut all: Vec<ComponentInfo> = self
            .state
            .infos()
            .chain(self.pubsub.infos())
            .chain(self.bindings.infos())
            .chain(self.secrets.infos())
            .chain(self.configuration.infos())
            .chain(self.lock.infos())
            .cloned()
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }
}

//! The components of a host and the per-app view the `blocks` layer uses.
//! Which block a component belongs to, and how it is made, comes from the
//! block units (`crate::blocks::BLOCKS`); nothing here names a block.

use std::collections::BTreeMap;
use std::sync::Arc;

use ::dapr::dapr::proto::runtime::v1::GetMetadataResponse;
use anyhow::{Context, Result, bail};

use super::{AppAccess, ComponentSpec};
use crate::backend::BackendKind;
use crate::backend::sidecar::Sidecar;
use crate::blocks::actors::embedded::LocalActors;
use crate::blocks::actors::sidecar::SidecarActors;
use crate::blocks::actors::{ACTOR_STATE_STORE, ActorClient, Actors};
use crate::blocks::configuration::ConfigurationSink;
use crate::blocks::invoke::{Invoker, SidecarInvoker};
use crate::blocks::jobs::sidecar::SidecarJobs;
use crate::blocks::jobs::{Jobs, Scheduler};
use crate::blocks::state::{StateBlock, StateStore};
use crate::blocks::{self, Block, BlockUnit, Bound, Component};
use crate::wit::Error;

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

/// A declared component: its manifest, its block and the instance.
struct Declared {
    spec: ComponentSpec,
    block: &'static BlockUnit,
    component: Arc<dyn Component>,
}

/// Every component of a host, with its scopes.
pub struct Registry {
    backend: BackendKind,
    components: Vec<Declared>,
    invoker: Arc<dyn Invoker>,
    jobs: Arc<dyn Jobs>,
    actors: Arc<dyn Actors>,
    /// The same actors as daprd's, with a sidecar.
    sidecar_actors: Option<Arc<SidecarActors>>,
    /// The state store marked `actorStateStore: true`, if any.
    actor_state_store: Option<String>,
}

impl Registry {
    /// The embedded components `specs` declare, with `invoker` for service
    /// invocation and `jobs` for the apps' jobs and actor reminders. A type
    /// no block serves in-process is an error that lists the types that are
    /// served; so is more than one state store marked `actorStateStore`.
    pub fn embedded(
        specs: Vec<ComponentSpec>,
        invoker: Arc<dyn Invoker>,
        jobs: Arc<dyn Jobs>,
    ) -> Result<Self> {
        let mut components = Vec::with_capacity(specs.len());
        for spec in specs {
            let Some((block, embedded)) = blocks::embedded_type(&spec.component_type) else {
                bail!(
                    "component `{}` ({}) has type `{}`, which the embedded backend does not serve; \
                     run with a Dapr sidecar (--dapr-grpc-endpoint), or use one of: {}",
                    spec.name,
                    spec.source.display(),
                    spec.component_type,
                    blocks::embedded_type_names().collect::<Vec<_>>().join(", ")
                );
            };
            if components
                .iter()
                .any(|d: &Declared| d.spec.name == spec.name)
            {
                bail!(
                    "two components are named `{}` ({}); component names must be unique",
                    spec.name,
                    spec.source.display()
                );
            }
            let component = (embedded.make)(&spec).with_context(|| {
                format!(
                    "cannot start component `{}` ({})",
                    spec.name, spec.component_type
                )
            })?;
            components.push(Declared {
                spec,
                block,
                component,
            });
        }
        let actor_state_store = actor_state_store(&components)?;
        Ok(Registry {
            backend: BackendKind::Embedded,
            components,
            invoker,
            actors: LocalActors::new(jobs.clone()),
            sidecar_actors: None,
            jobs,
            actor_state_store,
        })
    }

    /// Every component `sidecar` reports in its metadata that a block
    /// serves (daprd applies scopes itself); other types (middleware, name
    /// resolution, ...) are not reachable from guests.
    pub fn sidecar(sidecar: &Sidecar, metadata: &GetMetadataResponse) -> Self {
        let mut components = Vec::new();
        for registered in &metadata.registered_components {
            let Some(block) = blocks::block_of_type(&registered.r#type) else {
                continue;
            };
            let Some(connect) = block.sidecar else {
                continue;
            };
            let mut spec = ComponentSpec::builtin(&registered.name, &registered.r#type, &[]);
            spec.version = registered.version.clone();
            spec.source = format!("daprd at {}", sidecar.endpoint()).into();
            components.push(Declared {
                component: connect(sidecar, &registered.name),
                spec,
                block,
            });
        }
        let sidecar_actors = SidecarActors::new(sidecar);
        Registry {
            backend: BackendKind::Sidecar,
            components,
            invoker: Arc::new(SidecarInvoker::new(sidecar.clone())),
            jobs: SidecarJobs::new(sidecar),
            actors: sidecar_actors.clone(),
            sidecar_actors: Some(sidecar_actors),
            actor_state_store: None,
        }
    }

    /// Which backend serves the building blocks.
    pub fn backend(&self) -> BackendKind {
        self.backend
    }

    /// The actors of this host's apps.
    pub fn actors(&self) -> &Arc<dyn Actors> {
        &self.actors
    }

    /// The actors served through daprd (with a sidecar), for the actor
    /// stream that serves the hosted types.
    pub fn sidecar_actors(&self) -> Option<&Arc<SidecarActors>> {
        self.sidecar_actors.as_ref()
    }

    /// The declared components, in declaration order.
    pub fn specs(&self) -> impl Iterator<Item = &ComponentSpec> {
        self.components.iter().map(|d| &d.spec)
    }

    /// The view of every component for one app; `config_updates` delivers
    /// its configuration updates (`None` if it does not export `handler`).
    /// `access` is what the runtime config grants it (on top of `scopes`).
    pub fn for_app(
        &self,
        app_id: &str,
        config_updates: Option<Arc<dyn ConfigurationSink>>,
        access: AppAccess,
    ) -> AppComponents {
        let entries = self
            .components
            .iter()
            .map(|d| {
                let entry = if d.spec.allows(app_id) {
                    let info = ComponentInfo {
                        name: d.spec.name.clone(),
                        component_type: d.spec.component_type.clone(),
                        version: d.spec.version.clone(),
                    };
                    Entry::Granted(d.block, info, d.component.bind(app_id))
                } else {
                    Entry::OutOfScope(d.block)
                };
                (d.spec.name.clone(), entry)
            })
            .collect();
        let actor_state = self.actor_state_of(app_id, &entries);
        AppComponents {
            metrics: crate::metrics::AppMetrics::new(app_id),
            actors: self.actors.clone().for_app(app_id, actor_state),
            app_id: app_id.to_string(),
            backend: self.backend,
            entries,
            invoker: self.invoker.clone(),
            jobs: self.jobs.clone().for_app(app_id),
            config_updates,
            access,
        }
    }
}

impl Registry {
    /// The actor state store as app `app_id` (with `entries`) reaches it,
    /// or why it cannot.
    fn actor_state_of(
        &self,
        app_id: &str,
        entries: &BTreeMap<String, Entry>,
    ) -> Result<Arc<dyn StateStore>, Error> {
        let Some(name) = &self.actor_state_store else {
            return Err(Error::NotFound(format!(
                "no state store holds actor state; mark one with the metadata `{ACTOR_STATE_STORE}: \"true\"` in its component manifest"
            )));
        };
        match entries.get(name) {
            Some(Entry::Granted(_, _, bound)) => {
                bound.get::<StateBlock>().cloned().ok_or_else(|| {
                    Error::Internal(format!("actor state store `{name}` is not a state store"))
                })
            }
            _ => Err(Error::Denied(format!(
                "actor state store `{name}` is not scoped to app `{app_id}`"
            ))),
        }
    }
}

/// The name of the one state store `components` mark `actorStateStore:
/// true`, if any; more than one is an error.
fn actor_state_store(components: &[Declared]) -> Result<Option<String>> {
    let marked: Vec<&str> = components
        .iter()
        .filter(|d| d.block.name == StateBlock::unit().name)
        .filter(|d| {
            d.spec
                .metadata
                .get(ACTOR_STATE_STORE)
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        })
        .map(|d| d.spec.name.as_str())
        .collect();
    match marked.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.to_string())),
        many => bail!(
            "state stores {} are all marked `{ACTOR_STATE_STORE}: true`; mark only one",
            many.join(", ")
        ),
    }
}

/// What one component name means to one app.
enum Entry {
    /// In scope, through this backend value (the runtime config's grants
    /// may still deny it).
    Granted(&'static BlockUnit, ComponentInfo, Bound),
    /// Declared, but scoped to other apps.
    OutOfScope(&'static BlockUnit),
}

/// Everything one app can reach: its components by name, service
/// invocation, and where its configuration updates go.
pub struct AppComponents {
    /// The app id.
    pub app_id: String,
    /// Which backend serves the building blocks.
    pub backend: BackendKind,
    entries: BTreeMap<String, Entry>,
    /// Service invocation.
    pub invoker: Arc<dyn Invoker>,
    /// This app's jobs.
    pub jobs: Arc<dyn Scheduler>,
    /// The actors this app calls (and its actor state and reminders).
    pub actors: Arc<dyn ActorClient>,
    /// Where configuration updates for this app go; `None` if the app does
    /// not export `handler`.
    pub config_updates: Option<Arc<dyn ConfigurationSink>>,
    /// The runtime config's grants, `wasi:keyvalue` labels and
    /// `wasi:config` sources for this app.
    pub access: AppAccess,
    /// This app's inbound-call, host-call and instantiation metrics.
    pub metrics: crate::metrics::AppMetrics,
}

impl AppComponents {
    /// The backend of block `B` serving component `name`: `denied` if the
    /// runtime config does not grant it (checked first, so a denied name
    /// reveals nothing), `not-found` if no component of that block has the
    /// name, `denied` if it is out of scope.
    pub fn get<B: Block>(&self, name: &str) -> Result<&Arc<B::Backend>, Error> {
        let unit = B::unit();
        self.access
            .check(&self.app_id, unit.name, unit.label, name)?;
        match self.entries.get(name) {
            Some(Entry::Granted(_, _, bound)) => bound.get::<B>(),
            Some(Entry::OutOfScope(block)) if block.name == unit.name => {
                return Err(Error::Denied(format!(
                    "{} `{name}` is not scoped to app `{}`",
                    unit.label, self.app_id
                )));
            }
            _ => None,
        }
        .ok_or_else(|| Error::NotFound(format!("no {} named `{name}`", unit.label)))
    }

    /// Every component this app may use, sorted by name.
    pub fn infos(&self) -> Vec<ComponentInfo> {
        self.entries
            .values()
            .filter_map(|e| match e {
                Entry::Granted(block, info, _) => self
                    .access
                    .check(&self.app_id, block.name, block.label, &info.name)
                    .is_ok()
                    .then(|| info.clone()),
                Entry::OutOfScope(_) => None,
            })
            .collect()
    }

    /// The names of this app's usable components of block `B`, sorted.
    pub fn names<B: Block>(&self) -> Vec<String> {
        let unit = B::unit();
        self.entries
            .iter()
            .filter(|(_, e)| matches!(e, Entry::Granted(block, ..) if block.name == unit.name))
            .filter(|(name, _)| {
                self.access
                    .check(&self.app_id, unit.name, unit.label, name)
                    .is_ok()
            })
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// `denied` unless this app may publish or subscribe to `topic` of `pubsub`.
    pub fn check_topic(&self, pubsub: &str, topic: &str) -> Result<(), Error> {
        self.access.check_topic(&self.app_id, pubsub, topic)
    }

    /// `denied` unless this app may invoke app `app_id`.
    pub fn check_invoke(&self, app_id: &str) -> Result<(), Error> {
        let unit = &crate::blocks::invoke::UNIT;
        self.access
            .check(&self.app_id, unit.name, unit.label, app_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::bindings::BindingsBlock;
    use crate::blocks::jobs::sqlite::SqliteScheduler;
    use crate::blocks::lock::LockBlock;
    use crate::blocks::state::StateBlock;
    use crate::inbound::AppDirectory;

    fn spec(name: &str, ty: &str, metadata: &[(&str, &str)], scopes: &[&str]) -> ComponentSpec {
        let mut spec = ComponentSpec::builtin(name, ty, metadata);
        spec.scopes = scopes.iter().map(|s| s.to_string()).collect();
        spec
    }

    fn registry(specs: Vec<ComponentSpec>) -> Result<Registry> {
        Registry::embedded(
            specs,
            AppDirectory::new().invoker(),
            SqliteScheduler::in_memory().unwrap(),
        )
    }

    #[tokio::test]
    async fn scopes_decide_between_granted_and_denied() {
        let registry = registry(vec![
            spec("shared", "state.in-memory", &[], &[]),
            spec("private", "state.in-memory", &[], &["a"]),
            spec("locks", "lock.in-memory", &[], &["b"]),
        ])
        .unwrap();
        let a = registry.for_app("a", None, AppAccess::default());
        let b = registry.for_app("b", None, AppAccess::default());
        assert!(a.get::<StateBlock>("shared").is_ok());
        assert!(a.get::<StateBlock>("private").is_ok());
        assert!(matches!(
            b.get::<StateBlock>("private"),
            Err(Error::Denied(m)) if m.contains("`private`") && m.contains("`b`")
        ));
        assert!(matches!(a.get::<LockBlock>("locks"), Err(Error::Denied(_))));
        assert!(b.get::<LockBlock>("locks").is_ok());
        let names = |app: &AppComponents| -> Vec<String> {
            app.infos().into_iter().map(|i| i.name).collect()
        };
        assert_eq!(names(&a), ["private", "shared"]);
        assert_eq!(names(&b), ["locks", "shared"]);
    }

    #[tokio::test]
    async fn grants_deny_first_and_hide_what_they_do_not_grant() {
        let registry = registry(vec![
            spec("statestore", "state.in-memory", &[], &[]),
            spec("cache", "state.in-memory", &[], &[]),
            spec("locks", "lock.in-memory", &[], &[]),
        ])
        .unwrap();
        let grants = crate::config::Grants::new(
            [
                ("state".to_string(), vec!["statestore".to_string()]),
                ("invoke".to_string(), vec!["billing".to_string()]),
            ]
            .into(),
        )
        .unwrap();
        let access = AppAccess {
            grants: Some(grants),
            ..AppAccess::default()
        };
        let app = registry.for_app("a", None, access);
        assert!(app.get::<StateBlock>("statestore").is_ok());
        for denied in [
            app.get::<StateBlock>("cache").map(drop),
            app.get::<StateBlock>("missing").map(drop),
            app.get::<LockBlock>("locks").map(drop),
            app.check_invoke("shipping"),
            app.check_topic("pubsub", "orders"),
        ] {
            assert!(matches!(denied, Err(Error::Denied(_))), "{denied:?}");
        }
        assert!(app.check_invoke("billing").is_ok());
        let names: Vec<String> = app.infos().into_iter().map(|i| i.name).collect();
        assert_eq!(names, ["statestore"]);
        assert_eq!(app.names::<StateBlock>(), ["statestore"]);
        let open = registry.for_app("b", None, AppAccess::default());
        assert_eq!(open.names::<StateBlock>(), ["cache", "statestore"]);
    }

    #[tokio::test]
    async fn a_name_of_another_block_or_no_component_is_not_found() {
        let registry = registry(vec![
            spec("store", "state.in-memory", &[], &[]),
            spec("scoped", "state.in-memory", &[], &["other"]),
        ])
        .unwrap();
        let app = registry.for_app("a", None, AppAccess::default());
        assert!(matches!(
            app.get::<LockBlock>("store"),
            Err(Error::NotFound(m)) if m == "no lock store named `store`"
        ));
        // Out of scope for a state store, and not a lock store at all.
        assert!(matches!(
            app.get::<LockBlock>("scoped"),
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            app.get::<StateBlock>("missing"),
            Err(Error::NotFound(m)) if m == "no state store named `missing`"
        ));
    }

    #[tokio::test]
    async fn input_bindings_are_listed_like_every_component() {
        let registry = registry(vec![spec(
            "tick",
            "bindings.cron",
            &[("schedule", "@every 1h")],
            &[],
        )])
        .unwrap();
        let app = registry.for_app("a", None, AppAccess::default());
        assert_eq!(app.infos()[0].component_type, "bindings.cron");
        assert!(app.get::<BindingsBlock>("tick").is_ok());
    }

    #[test]
    fn an_unknown_type_names_the_served_types() {
        let err = registry(vec![spec("cache", "state.redis", &[], &[])])
            .err()
            .expect("state.redis is not embedded")
            .to_string();
        assert!(err.contains("`state.redis`"), "{err}");
        assert!(err.contains("Dapr sidecar"), "{err}");
        for name in crate::blocks::embedded_type_names() {
            assert!(err.contains(name), "{name} missing from: {err}");
        }
    }

    #[tokio::test]
    async fn the_one_marked_state_store_holds_actor_state_for_the_apps_in_its_scope() {
        let marked = [(ACTOR_STATE_STORE, "True ")];
        let scoped = registry(vec![
            spec("cache", "state.in-memory", &[], &[]),
            spec("actors", "state.in-memory", &marked, &["a"]),
        ])
        .unwrap();
        let actor_state = |app: &str| {
            scoped.actor_state_of(
                app,
                &scoped.for_app(app, None, AppAccess::default()).entries,
            )
        };
        assert!(actor_state("a").is_ok());
        assert!(matches!(
            actor_state("b"),
            Err(Error::Denied(m)) if m.contains("`actors`") && m.contains("`b`")
        ));
        let unmarked = registry(vec![spec("cache", "state.in-memory", &[], &[])]).unwrap();
        assert!(matches!(
            unmarked.actor_state_of("a", &unmarked.for_app("a", None, AppAccess::default()).entries),
            Err(Error::NotFound(m)) if m.contains(ACTOR_STATE_STORE)
        ));
        let err = registry(vec![
            spec("one", "state.in-memory", &marked, &[]),
            spec("two", "state.in-memory", &marked, &[]),
        ])
        .err()
        .expect("two marked stores")
        .to_string();
        assert!(
            err.contains("one, two") && err.contains("mark only one"),
            "{err}"
        );
    }

    #[test]
    fn component_names_are_unique() {
        let err = registry(vec![
            spec("s", "state.in-memory", &[], &[]),
            spec("s", "lock.in-memory", &[], &[]),
        ])
        .err()
        .expect("a duplicate name")
        .to_string();
        assert!(err.contains("two components are named `s`"), "{err}");
    }
}

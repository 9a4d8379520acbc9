//! What a building block is to the host: a [`BlockUnit`] that names its WIT
//! interface and the Dapr component types it serves, and says how each
//! backend makes those components.

use std::any::Any;
use std::sync::Arc;

use anyhow::Result;

use crate::backend::embedded::ComponentMetadata;
use crate::backend::sidecar::Sidecar;
use crate::config::ComponentSpec;

/// One building block, described once and registered in [`super::BLOCKS`].
pub struct BlockUnit {
    /// The block's name, which is also its WIT interface (`state`).
    pub name: &'static str,
    /// What one of its components is called in messages (`state store`).
    pub label: &'static str,
    /// The Dapr component-type prefix it serves (`state` for `state.redis`);
    /// `None` for blocks that have no components (invocation, metadata).
    pub type_prefix: Option<&'static str>,
    /// The component types the embedded backend serves, with their makers.
    pub embedded: &'static [EmbeddedType],
    /// Makes the client of a component daprd serves, by component name;
    /// `None` for blocks that have no components.
    pub sidecar: Option<SidecarMaker>,
}

/// Makes the client of component `name` that `sidecar` serves.
pub type SidecarMaker = fn(&Sidecar, &str) -> Arc<dyn Component>;

/// A Dapr component type the embedded backend serves in-process.
pub struct EmbeddedType {
    /// The Dapr type name (`state.sqlite`).
    pub name: &'static str,
    /// Makes the component a manifest of this type declares.
    pub make: fn(&ComponentSpec) -> Result<Arc<dyn Component>>,
}

impl EmbeddedType {
    /// The registration of `T`, an embedded component type of block `B`.
    pub const fn of<B: Block, T: EmbeddedComponent<B>>() -> Self {
        EmbeddedType {
            name: T::TYPE,
            make: make_embedded::<B, T>,
        }
    }
}

fn make_embedded<B: Block, T: EmbeddedComponent<B>>(
    spec: &ComponentSpec,
) -> Result<Arc<dyn Component>> {
    let component = T::from_metadata(&spec.name, &spec.metadata)?;
    Ok(Arc::new(PerApp::<B, T> {
        store: component,
        view: T::for_app,
    }))
}

/// An in-process implementation of block `B`, registered by its Dapr type.
pub trait EmbeddedComponent<B: Block>: Send + Sync + Sized + 'static {
    /// Its Dapr component type (`state.sqlite`).
    const TYPE: &'static str;

    /// Makes the component from a manifest's name and `spec.metadata`.
    fn from_metadata(name: &str, metadata: &ComponentMetadata) -> Result<Arc<Self>>;

    /// The component as app `app_id` sees it (keys and identity scoped).
    fn for_app(self: &Arc<Self>, app_id: &str) -> Arc<B::Backend>;
}

/// The client of block `B`'s components that daprd serves.
pub trait SidecarComponent<B: Block> {
    /// The client of component `name` of `sidecar` (every app shares it:
    /// daprd scopes by its own app id).
    fn connect(sidecar: &Sidecar, name: &str) -> Arc<B::Backend>;
}

/// The sidecar maker of `T`, block `B`'s sidecar client.
pub fn sidecar_maker<B: Block, T: SidecarComponent<B>>(
    sidecar: &Sidecar,
    name: &str,
) -> Arc<dyn Component> {
    Arc::new(Shared::<B>(T::connect(sidecar, name)))
}

/// The typed side of a block: the backend trait its components bind to.
pub trait Block: 'static {
    /// The backend trait object one app's view of a component implements.
    type Backend: ?Sized + Send + Sync + 'static;

    /// The block's description.
    fn unit() -> &'static BlockUnit;
}

/// A configured component, shared by every app of the host.
pub trait Component: Send + Sync {
    /// This component as `app_id` sees it (keys and identity scoped).
    fn bind(&self, app_id: &str) -> Bound;
}

/// One app's view of a component: the backend value of its block.
pub struct Bound {
    block: &'static str,
    backend: Box<dyn Any + Send + Sync>,
}

impl Bound {
    /// Wraps the backend value of block `B`.
    pub fn new<B: Block>(backend: Arc<B::Backend>) -> Self {
        Bound {
            block: B::unit().name,
            backend: Box::new(backend),
        }
    }

    /// The backend value, if it belongs to block `B`.
    pub fn get<B: Block>(&self) -> Option<&Arc<B::Backend>> {
        (self.block == B::unit().name)
            .then(|| self.backend.downcast_ref())
            .flatten()
    }
}

struct Shared<B: Block>(Arc<B::Backend>);

impl<B: Block> Component for Shared<B> {
    fn bind(&self, _app_id: &str) -> Bound {
        Bound::new::<B>(self.0.clone())
    }
}

struct PerApp<B: Block, T> {
    store: Arc<T>,
    view: fn(&Arc<T>, &str) -> Arc<B::Backend>,
}

impl<B: Block, T: Send + Sync + 'static> Component for PerApp<B, T> {
    fn bind(&self, app_id: &str) -> Bound {
        Bound::new::<B>((self.view)(&self.store, app_id))
    }
}

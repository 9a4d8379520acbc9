//! The building blocks, one unit each. A block's folder holds everything
//! about it: the host side of its WIT interface (argument checks, then a
//! call to the backend trait), the backend trait, its embedded
//! implementations and its sidecar client. Its [`BlockUnit`] describes it
//! once; its `mod` line and its line in [`BLOCKS`] below register it.

mod unit;

use std::sync::{Arc, Mutex};

use wasmtime::component::{HasSelf, Linker, ResourceTable};

pub use unit::{
    Block, BlockUnit, Bound, Component, EmbeddedComponent, EmbeddedType, SidecarComponent,
    SidecarMaker, sidecar_maker,
};

use crate::config::AppComponents;
use crate::wit::{DaprHost, Error};

/// Declares a block that has components: its marker type, implementing
/// [`Block`] with the backend trait its components bind to, and its `UNIT`
/// (name, message label, Dapr type prefix, embedded types, sidecar client).
macro_rules! component_block {
    (
        $(#[$doc:meta])*
        $block:ident: dyn $backend:path = ($name:literal, $label:literal, $prefix:literal),
        embedded [$($embedded:ty),* $(,)?], sidecar $sidecar:ty $(,)?
    ) => {
        $(#[$doc])*
        pub struct $block;

        impl $crate::blocks::Block for $block {
            type Backend = dyn $backend;

            fn unit() -> &'static $crate::blocks::BlockUnit {
                &UNIT
            }
        }

        #[doc = concat!("The description of the `", $name, "` block.")]
        pub static UNIT: $crate::blocks::BlockUnit = $crate::blocks::BlockUnit {
            name: $name,
            label: $label,
            type_prefix: Some($prefix),
            embedded: &[$($crate::blocks::EmbeddedType::of::<$block, $embedded>()),*],
            sidecar: Some($crate::blocks::sidecar_maker::<$block, $sidecar>),
        };
    };
}

pub mod actors;
pub mod bindings;
pub mod configuration;
pub mod conversation;
pub mod crypto;
pub mod invoke;
pub mod jobs;
pub mod lock;
pub mod metadata;
pub mod pubsub;
pub mod secrets;
pub mod state;

/// Every building block this host serves: the one list of blocks.
pub static BLOCKS: &[&BlockUnit] = &[
    &state::UNIT,
    &pubsub::UNIT,
    &invoke::UNIT,
    &bindings::UNIT,
    &secrets::UNIT,
    &configuration::UNIT,
    &lock::UNIT,
    &metadata::UNIT,
    &jobs::UNIT,
    &conversation::UNIT,
    &crypto::UNIT,
    &actors::UNIT,
];

/// The block serving the Dapr component type `component_type`
/// (`state.redis` → state), by its type prefix.
pub fn block_of_type(component_type: &str) -> Option<&'static BlockUnit> {
    let prefix = component_type.split('.').next()?;
    BLOCKS
        .iter()
        .copied()
        .find(|b| b.type_prefix == Some(prefix))
}

/// The embedded maker of the Dapr component type `component_type`.
pub fn embedded_type(component_type: &str) -> Option<(&'static BlockUnit, &'static EmbeddedType)> {
    BLOCKS.iter().find_map(|block| {
        block
            .embedded
            .iter()
            .find(|t| t.name == component_type)
            .map(|t| (*block, t))
    })
}

/// Every component type the embedded backend serves.
pub fn embedded_type_names() -> impl Iterator<Item = &'static str> {
    BLOCKS
        .iter()
        .flat_map(|b| b.embedded.iter().map(|t| t.name))
}

/// The per-store context the building-block imports run in.
pub struct DaprCtx {
    /// What this app can reach.
    pub app: Arc<AppComponents>,
    /// The largest payload (state value, message, invocation body) a call
    /// may carry, in bytes.
    pub max_body_bytes: usize,
    /// The `dapr:runtime` resources the guest holds (crypto streams); in a
    /// mutex only so that the context is `Sync` (it is reached through
    /// `&mut self`, never locked).
    pub resources: Mutex<ResourceTable>,
    /// The actor turns this store's calls are part of (empty unless the
    /// store is an actor's instance in a turn).
    pub actor_chain: actors::CallChain,
}

impl DaprCtx {
    /// The table of the guest's `dapr:runtime` resources.
    pub(crate) fn resources(&mut self) -> &mut ResourceTable {
        self.resources
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Rejects a payload larger than the app's body limit with
    /// `invalid-argument` naming the limit and the flag that raises it.
    pub(crate) fn within_body_limit(&self, what: &str, len: usize) -> Result<(), Error> {
        crate::runtime::check_body(what, Some(len), self.max_body_bytes)
            .map_err(Error::InvalidArgument)
    }
}

impl crate::wit::dapr::runtime::types::Host for DaprCtx {}

/// Adds every `dapr:runtime` import to `linker`, reaching the context with `get`.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut DaprCtx,
) -> anyhow::Result<()> {
    DaprHost::add_to_linker::<T, HasSelf<DaprCtx>>(linker, get)?;
    Ok(())
}

/// Runs one host call of `app` to `operation` of `block` about `target`
/// (its store, topic or app id; may be empty) in a debug span (closed by a
/// debug event with its outcome and duration) and a trace span, and records
/// it in the metrics (outcome: `ok` or the error case).
pub(crate) async fn observed<R: crate::metrics::Outcome>(
    app: &AppComponents,
    block: &'static str,
    operation: &'static str,
    target: &str,
    call: impl Future<Output = R>,
) -> R {
    use tracing::Instrument;
    let traced = crate::telemetry::host_call(&app.app_id, block, operation, target);
    let span = tracing::debug_span!("host call", app = %app.app_id, block, operation, target, trace_id = tracing::field::Empty);
    traced.record_trace_id(&span);
    let started = std::time::Instant::now();
    let result = traced.run(call.instrument(span.clone())).await;
    let (outcome, took) = (result.outcome(), started.elapsed());
    span.in_scope(|| tracing::debug!(outcome, micros = took.as_micros() as u64, "host call"));
    app.metrics.host_call(block, operation, outcome, took);
    traced.end(outcome);
    result
}

/// Rejects an empty name or key with `invalid-argument`.
fn non_empty(what: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        Err(Error::InvalidArgument(format!("{what} must not be empty")))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_block_has_a_unique_name_and_type_prefix() {
        for (i, a) in BLOCKS.iter().enumerate() {
            for b in &BLOCKS[i + 1..] {
                assert_ne!(a.name, b.name);
                if a.type_prefix.is_some() {
                    assert_ne!(a.type_prefix, b.type_prefix);
                }
            }
        }
    }

    #[test]
    fn embedded_types_belong_to_their_block_prefix() {
        for block in BLOCKS {
            for t in block.embedded {
                assert_eq!(block_of_type(t.name).map(|b| b.name), Some(block.name));
                assert_eq!(embedded_type(t.name).map(|(b, _)| b.name), Some(block.name));
            }
        }
        assert!(embedded_type("state.redis").is_none());
        assert_eq!(block_of_type("state.redis").map(|b| b.name), Some("state"));
        assert!(block_of_type("middleware.http.uppercase").is_none());
    }
}

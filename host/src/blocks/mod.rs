//! The host side of each `dapr:runtime` interface: argument checks, name
//! resolution (with scopes), then a call to the backend trait. No backend
//! details live here.

mod bindings;
mod configuration;
mod invoke;
mod lock;
mod metadata;
mod pubsub;
mod secrets;
mod state;

use std::sync::Arc;

use wasmtime::component::{HasSelf, Linker};

use crate::config::AppComponents;
use crate::wit::{App, Error};

/// The per-store context the building-block imports run in.
pub struct DaprCtx {
    /// What this app can reach.
    pub app: Arc<AppComponents>,
}

impl crate::wit::dapr::runtime::types::Host for DaprCtx {}

/// Adds every `dapr:runtime` import to `linker`, reaching the context with `get`.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut DaprCtx,
) -> anyhow::Result<()> {
    App::add_to_linker::<T, HasSelf<DaprCtx>>(linker, get)?;
    Ok(())
}

/// Rejects an empty name or key with `invalid-argument`.
fn non_empty(what: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        Err(Error::InvalidArgument(format!("{what} must not be empty")))
    } else {
        Ok(())
    }
}

//! The standard WASI proposals that components written for other hosts
//! import, linked onto the building blocks: `wasi:keyvalue` onto state,
//! `wasi:config` onto configuration and secret stores. Every published
//! variant is linked (each is its own package version, so none satisfies
//! another's imports), and every variant shares one implementation.

pub mod config;
pub mod keyvalue;

use wasmtime::component::{HasData, Linker, ResourceTable};

use crate::blocks::DaprCtx;

/// What the WASI imports reach: the app's building blocks and the store's
/// resource table (for `bucket` and `cas` handles).
pub struct WasiDapr<'a> {
    /// The app's building blocks and access settings.
    pub dapr: &'a DaprCtx,
    /// The store's resource table.
    pub table: &'a mut ResourceTable,
}

/// The `HasData` marker of [`WasiDapr`].
pub struct HasWasiDapr;

impl HasData for HasWasiDapr {
    type Data<'a> = WasiDapr<'a>;
}

/// Adds every linked WASI variant to `linker`, reaching the app with `get`.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> WasiDapr<'_>,
) -> anyhow::Result<()> {
    keyvalue::add_to_linker(linker, get)?;
    config::add_to_linker(linker, get)?;
    Ok(())
}

/// The packages and versions linked here, as `(package prefix, version)`
/// pairs for the load-time import check.
pub const PROVIDED: &[(&str, &str)] = &[
    ("wasi:keyvalue/", "0.2.0-draft"),
    ("wasi:keyvalue/", "0.2.0-draft2"),
    ("wasi:config/", "0.2.0-draft"),
    ("wasi:config/", "0.2.0-rc.1"),
    ("wasi:config/", "0.2.0-draft-2024-09-27"),
];

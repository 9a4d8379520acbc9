//! Guest-side SDK for [wasmtime-dapr]: Dapr building blocks for WebAssembly
//! components written in Rust.
//!
//! The host serves the WIT package `dapr:runtime@0.1.0`. This crate contains
//! its bindings ([`wit`]) and a thin, idiomatic layer on top, one module per
//! building block: [`state`], [`pubsub`], [`invoke`], [`bindings`],
//! [`secrets`], [`configuration`], [`lock`], [`metadata`], [`jobs`],
//! [`conversation`], [`crypto`] and [`actors`]. Every function
//! returns [`Result`], whose error is [`Error`].
//!
//! ```no_run
//! use dapr_guest::state;
//!
//! fn remember_visit() -> dapr_guest::Result<u64> {
//!     let visits = state::get_json::<u64>("statestore", "visits")?.unwrap_or(0) + 1;
//!     state::save_json("statestore", "visits", &visits)?;
//!     Ok(visits)
//! }
//! ```
//!
//! # Features
//!
//! - `handler`: bindings for world `dapr:runtime/app`, the `Handler` trait
//!   and `export_handler!`, for apps that receive events and invocations.
//!   Without it the bindings are for world `dapr:runtime/client` (imports
//!   only), as a component must implement every export of its world.
//! - `actors`: bindings for world `dapr:runtime/actor-app`, the
//!   `actors::Actor` trait and `export_actors!`, for components hosting
//!   actor types; with `handler` as well, one world exporting both, and
//!   `export_app!`.
//! - `http`: the `http` module and `export_http!` for components
//!   serving `wasi:http/incoming-handler`.
//!
//! [wasmtime-dapr]: https://github.com/wasmtime-dapr/wasmtime-dapr
#![warn(missing_docs)]

pub mod actors;
pub mod bindings;
pub mod configuration;
pub mod conversation;
pub mod crypto;
mod error;
#[cfg(feature = "handler")]
mod handler;
#[cfg(feature = "http")]
pub mod http;
pub mod invoke;
pub mod jobs;
pub mod lock;
pub mod metadata;
pub mod pubsub;
pub mod secrets;
pub mod state;

pub use error::{Error, Result, RuntimeError};
#[cfg(feature = "handler")]
pub use handler::{BindingEvent, BulkSubscribe, CloudEvent, EventStatus, Handler, Subscription};

/// Free-form key/value pairs passed along with a call (Dapr's "metadata").
pub type Metadata = Vec<(String, String)>;

/// The raw bindings generated from the WIT package `dapr:runtime@0.1.0`.
///
/// Imports are under `wit::dapr::runtime::<interface>` whichever world is
/// generated; with the `handler` feature the `handler` export is under
/// `wit::exports::dapr::runtime::handler`, with `actors` the `actor` export
/// under `wit::exports::dapr::runtime::actor`.
#[allow(missing_docs, clippy::all)]
pub mod wit {
    #[cfg(not(any(feature = "handler", feature = "actors")))]
    wit_bindgen::generate!({
        world: "dapr:runtime/client",
        path: "../wit",
    });

    #[cfg(all(feature = "handler", not(feature = "actors")))]
    wit_bindgen::generate!({
        world: "dapr:runtime/app",
        path: "../wit",
        pub_export_macro: true,
        export_macro_name: "__export_app_world",
        default_bindings_module: "dapr_guest::wit",
    });

    #[cfg(all(feature = "actors", not(feature = "handler")))]
    wit_bindgen::generate!({
        world: "dapr:runtime/actor-app",
        path: "../wit",
        pub_export_macro: true,
        export_macro_name: "__export_actor_world",
        default_bindings_module: "dapr_guest::wit",
    });

    #[cfg(all(feature = "handler", feature = "actors"))]
    wit_bindgen::generate!({
        inline: "
            package dapr-guest:worlds;
            world app-actors {
                include dapr:runtime/app@0.1.0;
                include dapr:runtime/actor-app@0.1.0;
            }
        ",
        path: "../wit",
        world: "dapr-guest:worlds/app-actors",
        generate_all,
        pub_export_macro: true,
        export_macro_name: "__export_app_actor_world",
        default_bindings_module: "dapr_guest::wit",
    });
}

/// Converts a slice of string-like values to the owned strings WIT lists take.
fn owned_strings<S: AsRef<str>>(items: &[S]) -> Vec<String> {
    items.iter().map(|s| s.as_ref().to_owned()).collect()
}

//! wasmtime-dapr: a WebAssembly Component Model host that serves Dapr's
//! building blocks to components as typed `dapr:runtime` WIT imports, and
//! delivers Dapr's inbound traffic to their exports.
//!
//! The layers, bottom up: [`wit`] (the generated bindings), [`backend`]
//! (the sidecar connection and what embedded components share), [`blocks`]
//! (one unit per building block), [`config`] (component manifests and the
//! per-app view of them), [`runtime`] (engine, stores, loaded apps),
//! [`inbound`] (how traffic reaches apps) and [`server`] (all of it
//! together, as `wasmtime-dapr serve` runs it). [`wasi`] links the
//! standard WASI proposals other hosts' components import onto the blocks;
//! [`metrics`] counts what all of them do and [`telemetry`] traces it.
//! [`scaffold`] writes new guest projects (`wasmtime-dapr new`).
//!
//! No input panics the host: command-line flags, component manifests, the
//! values guests pass to host calls and daprd's answers are checked and
//! turn into errors. The `unwrap`s and `expect`s left outside tests are
//! ones input cannot reach: `Mutex::lock().unwrap()`, since a poisoned lock
//! means an earlier panic, a bug of the host rather than anything input can
//! cause, and a few on constants.

#![warn(missing_docs)]

pub mod backend;
pub mod blocks;
pub mod config;
pub mod inbound;
pub mod metrics;
pub mod runtime;
pub mod scaffold;
pub mod server;
pub mod telemetry;
pub mod wasi;
pub mod wit;
pub mod wit_files;

pub use server::{Listen, Server, ServerOptions, default_app_id, serve, shutdown_signal};

//! wasmtime-dapr: a WebAssembly Component Model host that serves Dapr's
//! building blocks to components as typed `dapr:runtime` WIT imports, and
//! delivers Dapr's inbound traffic to their exports.

pub mod backend;
pub mod blocks;
pub mod config;
mod host;
pub mod inbound;
pub mod runtime;
pub mod wit;
pub mod wit_files;

pub use host::{Host, HostOptions, default_app_id};

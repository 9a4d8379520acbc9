//! wasmtime-dapr: a WebAssembly Component Model host that serves Dapr's
//! building blocks to components as typed `dapr:runtime` WIT imports, and
//! delivers Dapr's inbound traffic to their exports.

pub mod backend;
pub mod wit;

//! How inbound traffic reaches guests: the app directory and its handles
//! (topic events, input bindings, configuration updates, invocations),
//! HTTP requests (`wasi:http`), daprd's app channel, and the operations
//! listener (metrics and health probes).

pub mod app_channel;
pub mod directory;
pub mod http;
mod invoke;
pub mod ops;

pub use directory::{AppDirectory, AppHandle};

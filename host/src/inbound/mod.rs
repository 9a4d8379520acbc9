//! How inbound traffic reaches guests: the app directory and its handles
//! (topic events, input bindings, configuration updates, invocations),
//! HTTP requests (`wasi:http`) and daprd's app channel.

pub mod app_channel;
pub mod directory;
pub mod http;
mod invoke;

pub use directory::{AppDirectory, AppHandle};

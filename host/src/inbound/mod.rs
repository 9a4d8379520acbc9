//! How inbound traffic reaches guests: HTTP requests (`wasi:http`), topic
//! events, service invocations and configuration updates (`handler`).

pub mod app_channel;
pub mod events;
pub mod http;
pub mod invoke;

//! The wasmtime side: engine, linker, component loading, per-request stores
//! and their limits.

mod actor;
mod app;
mod cache;
mod engine;
mod limits;
mod load;
mod store;

pub(crate) use app::outcome_of;
pub use app::{App, Exports, failure_message};
pub use cache::{choose_cache_dir, default_cache_dir};
pub use engine::{EPOCH_TICK, Runtime, RuntimeConfig};
pub use limits::{ByteSize, DEFAULT_MAX_BODY_BYTES, Limits, Overloaded, Queueing, check_body};
pub use load::{LoadError, interfaces, unknown_imports};
pub use store::{HostState, Sandbox};

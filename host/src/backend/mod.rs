//! Building-block backends: one trait per building block, implemented by the
//! embedded backend (in-process) and by the Dapr sidecar backend.
//!
//! A backend value is bound to one component (one configured name) *and* to
//! one app: it already applies that app's key prefix and identity, so the
//! `blocks` layer only picks the right value by name and forwards the call.

pub mod bindings;
pub mod configuration;
pub mod dapr;
pub mod embedded;
pub mod invoke;
pub mod lock;
pub mod pubsub;
pub mod secrets;
pub mod state;

pub use crate::wit::{Error, Metadata};

/// The result type of every backend call.
pub type BackendResult<T> = Result<T, Error>;

/// Looks a metadata key up (first occurrence wins).
pub fn metadata_value<'a>(metadata: &'a Metadata, key: &str) -> Option<&'a str> {
    metadata
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

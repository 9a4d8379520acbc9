//! The two backends, as far as they are shared by every block: the Dapr
//! sidecar connection (`sidecar`) and the embedded backend's common parts
//! (`embedded`). Each block's backend trait and its implementations live in
//! that block's unit under `blocks/`.
//!
//! A backend value is bound to one component (one configured name) *and* to
//! one app: it already applies that app's key prefix and identity, so the
//! `blocks` layer only picks the right value by name and forwards the call.

pub mod embedded;
pub mod schedule;
pub mod sidecar;

pub use crate::wit::{Error, Metadata};

/// Which backend serves an app's building blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    /// In-process components (no sidecar).
    Embedded,
    /// A Dapr sidecar (daprd) over gRPC.
    Sidecar,
}

impl BackendKind {
    /// The name `metadata.get` reports and `serve` prints: `embedded` or `dapr`.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Embedded => "embedded",
            BackendKind::Sidecar => "dapr",
        }
    }
}

impl std::fmt::Display for BackendKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The result type of every backend call.
pub type BackendResult<T> = Result<T, Error>;

/// Looks a metadata key up (first occurrence wins).
pub fn metadata_value<'a>(metadata: &'a Metadata, key: &str) -> Option<&'a str> {
    metadata
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

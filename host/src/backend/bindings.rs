//! The output-binding trait.

use super::{BackendResult, Metadata};
pub use crate::wit::dapr::runtime::bindings::Response;

/// One output binding component.
#[async_trait::async_trait]
pub trait OutputBinding: Send + Sync {
    /// Runs `operation` with `data`; unknown operations are `unsupported`.
    async fn invoke(&self, operation: &str, data: Vec<u8>, metadata: &Metadata) -> BackendResult<Response>;
}

//! The service-invocation trait.

use crate::backend::BackendResult;
pub use crate::wit::dapr::runtime::invoke::{HttpVerb, Request, Response};

/// Calls methods of apps by app id.
#[async_trait::async_trait]
pub trait Invoker: Send + Sync {
    /// Calls `request.method` on `app_id`; unknown apps are `not-found`.
    async fn invoke(&self, app_id: &str, request: Request) -> BackendResult<Response>;
}

//! The output-binding trait.

use super::{BackendResult, Metadata};
pub use crate::wit::dapr::runtime::bindings::Response;

/// One output binding component.
#[async_trait::async_trait]
pub trait OutputBinding: Send + Sync {
    /// Runs `operation` with `data`; unknown operations are `unsupported`.
    async fn invoke(
        &self,
        operation: &str,
        data: Vec<u8>,
        metadata: &Metadata,
    ) -> BackendResult<Response>;
}

pub use crate::wit::exports::dapr::runtime::handler::BindingEvent;

/// Where an in-process input binding delivers its events: one app's
/// `on-binding-event`.
#[async_trait::async_trait]
pub trait BindingSubscriber: Send + Sync {
    /// Delivers one event; `Ok(Err(..))` is the app's own failure answer,
    /// `Err` a trap or deadline.
    async fn deliver(&self, event: BindingEvent) -> anyhow::Result<Result<Vec<u8>, String>>;
}

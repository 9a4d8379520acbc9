//! The binding trait: output (the app calls it) and input (it delivers
//! events to the app).

use std::sync::Arc;

use crate::backend::{BackendResult, Error, Metadata};
pub use crate::wit::dapr::runtime::bindings::Response;
pub use crate::wit::exports::dapr::runtime::handler::BindingEvent;

/// One binding component as one app sees it.
#[async_trait::async_trait]
pub trait Binding: Send + Sync {
    /// Runs `operation` with `data`; unknown operations are `unsupported`,
    /// and so is every operation of an input-only binding.
    async fn invoke(
        &self,
        operation: &str,
        data: Vec<u8>,
        metadata: &Metadata,
    ) -> BackendResult<Response> {
        let _ = (data, metadata);
        Err(Error::Unsupported(format!(
            "this binding is input-only; it has no `{operation}` operation"
        )))
    }

    /// Starts delivering this input binding's events to `subscriber`. Only
    /// in-process bindings can; with a sidecar, daprd delivers them through
    /// the app channel.
    fn start_input(&self, subscriber: Arc<dyn BindingSubscriber>) -> anyhow::Result<()> {
        let _ = subscriber;
        anyhow::bail!("this component is not an in-process input binding")
    }
}

/// Where an in-process input binding delivers its events: one app's
/// `on-binding-event`.
#[async_trait::async_trait]
pub trait BindingSubscriber: Send + Sync {
    /// Delivers one event; `Ok(Err(..))` is the app's own failure answer,
    /// `Err` a trap or deadline.
    async fn deliver(&self, event: BindingEvent) -> anyhow::Result<Result<Vec<u8>, String>>;
}

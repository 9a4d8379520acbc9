//! The conversation trait.

use crate::backend::BackendResult;
pub use crate::wit::dapr::runtime::conversation::{
    AssistantMessage, Choice, Input, Message, Output, Request, Response, TextMessage, ToolCall,
    ToolFunction, ToolMessage, Usage,
};

/// One conversation component (a language model behind Dapr's API).
#[async_trait::async_trait]
pub trait Conversation: Send + Sync {
    /// Sends `request`, already checked (see [`super::check`]), to the model.
    async fn converse(&self, request: Request) -> BackendResult<Response>;
}

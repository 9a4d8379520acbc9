//! The conversation block (`dapr:runtime/conversation`): large language
//! models behind Dapr's Conversation API (alpha2): messages with roles,
//! tools and tool calls, temperature, PII scrubbing and token usage.

mod backend;
pub mod echo;
mod pii;
mod sidecar;

pub use backend::*;
pub use sidecar::SidecarConversation;

use super::{DaprCtx, observed};
use crate::wit::Error;
use crate::wit::dapr::runtime::conversation::Host;

impl Host for DaprCtx {
    async fn converse(&mut self, component: String, request: Request) -> Result<Response, Error> {
        observed(&self.app, "conversation", "converse", &component, async {
            check(&request)?;
            let backend = self.app.get::<ConversationBlock>(&component)?;
            backend.converse(request).await
        })
        .await
    }
}

component_block! {
    /// The conversation block: `get::<ConversationBlock>(name)` finds one of an app's conversation components.
    ConversationBlock: dyn Conversation = ("conversation", "conversation component", "conversation"),
    embedded [echo::EchoConversation], sidecar SidecarConversation
}

/// Refuses what Dapr refuses, the same way on both backends: no inputs, a
/// tool choice that names no tool (or `required` without tools), and JSON
/// text that is not a JSON object.
pub fn check(request: &Request) -> Result<(), Error> {
    let invalid = |what: String| Err(Error::InvalidArgument(what));
    if request.inputs.is_empty() {
        return invalid("a conversation request needs at least one input".into());
    }
    match request.tool_choice.as_deref() {
        None | Some("" | "auto" | "none") => {}
        Some("required") if request.tools.is_empty() => {
            return invalid("tool choice `required` needs tools".into());
        }
        Some("required") => {}
        Some(name) if request.tools.iter().any(|t| t.name == name) => {}
        Some(name) => {
            return invalid(format!(
                "tool choice `{name}` is not `auto`, `none`, `required` or the name of a tool"
            ));
        }
    }
    for tool in &request.tools {
        if let Some(parameters) = &tool.parameters {
            json_object(parameters).map_err(|e| {
                Error::InvalidArgument(format!("the parameters of tool `{}`: {e}", tool.name))
            })?;
        }
    }
    if let Some(format) = &request.response_format {
        json_object(format)
            .map_err(|e| Error::InvalidArgument(format!("the response format: {e}")))?;
    }
    Ok(())
}

/// `text` parsed as a JSON object.
pub fn json_object(text: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err("must be a JSON object".into()),
        Err(e) => Err(format!("is not JSON: {e}")),
    }
}

//! `conversation.echo`: answers with the conversation it was given, as
//! Dapr's component of that type does. It is for tests and for developing
//! an app before a real model is configured: the answer is the text of every
//! message joined by newlines (a tool's message as `Tool Response for tool
//! ID '<id>' with name '<name>': <text>`), with a tool call for each tool
//! offered (its id the tool's position, its arguments the names of its
//! parameters, sorted and joined by commas) and each call an assistant
//! message carried, and a usage that counts words as tokens.

use std::sync::Arc;

use anyhow::Result;

use super::backend::*;
use super::{ConversationBlock, json_object, pii};
use crate::backend::BackendResult;
use crate::backend::embedded::ComponentMetadata;
use crate::blocks::EmbeddedComponent;

/// One `conversation.echo` component.
pub struct EchoConversation;

impl EmbeddedComponent<ConversationBlock> for EchoConversation {
    const TYPE: &'static str = "conversation.echo";

    /// The component; it has no metadata.
    fn from_metadata(_name: &str, _metadata: &ComponentMetadata) -> Result<Arc<Self>> {
        Ok(Arc::new(EchoConversation))
    }

    /// Every app shares it.
    fn for_app(self: &Arc<Self>, _app_id: &str) -> Arc<dyn Conversation> {
        self.clone()
    }
}

#[async_trait::async_trait]
impl Conversation for EchoConversation {
    async fn converse(&self, request: Request) -> BackendResult<Response> {
        let mut tool_calls: Vec<ToolCall> = request
            .tools
            .iter()
            .enumerate()
            .map(|(i, tool)| ToolCall {
                id: Some(i.to_string()),
                name: tool.name.clone(),
                arguments: parameter_names(tool.parameters.as_deref()),
            })
            .collect();
        let mut texts = Vec::new();
        for input in &request.inputs {
            let scrubbed = |text: &str| {
                if input.scrub_pii {
                    pii::scrub(text)
                } else {
                    text.to_string()
                }
            };
            for message in &input.messages {
                match message {
                    Message::Developer(m) | Message::System(m) | Message::User(m) => {
                        texts.extend(m.content.iter().map(|t| scrubbed(t)));
                    }
                    Message::Assistant(m) => {
                        texts.extend(m.content.iter().map(|t| scrubbed(t)));
                        tool_calls.extend(m.tool_calls.iter().map(|call| ToolCall {
                            id: call.id.clone().filter(|id| !id.is_empty()),
                            ..call.clone()
                        }));
                    }
                    Message::Tool(m) => {
                        let id = m.tool_id.as_deref().unwrap_or_default();
                        texts.extend(m.content.iter().map(|t| {
                            format!(
                                "Tool Response for tool ID '{id}' with name '{}': {}",
                                m.name,
                                scrubbed(t)
                            )
                        }));
                    }
                }
            }
        }
        let mut content = texts.join("\n");
        if request.scrub_pii {
            content = pii::scrub(&content);
        }
        let tokens = content.split_whitespace().count() as u64;
        let finish_reason = if tool_calls.is_empty() {
            "stop"
        } else {
            "tool_calls"
        };
        Ok(Response {
            context_id: request.context_id.filter(|id| !id.is_empty()),
            outputs: vec![Output {
                choices: vec![Choice {
                    finish_reason: finish_reason.to_string(),
                    index: 0,
                    content,
                    tool_calls,
                }],
                model: None,
                usage: Some(Usage {
                    completion_tokens: tokens,
                    prompt_tokens: tokens,
                    total_tokens: 2 * tokens,
                }),
            }],
        })
    }
}

/// The names of a tool's parameters (its schema's `properties`), sorted
/// and joined by commas.
fn parameter_names(schema: Option<&str>) -> String {
    let mut names: Vec<String> = schema
        .and_then(|s| json_object(s).ok())
        .and_then(|schema| match schema.get("properties") {
            Some(serde_json::Value::Object(properties)) => {
                Some(properties.keys().cloned().collect())
            }
            _ => None,
        })
        .unwrap_or_default();
    names.sort();
    names.join(",")
}

//! Conversations through daprd (`ConverseAlpha2`), which also masks
//! personal data when asked.

use std::sync::Arc;

use ::dapr::dapr::proto::runtime::v1 as proto;
use proto::conversation_message::MessageTypes;
use proto::conversation_tool_calls::ToolTypes as CallTypes;
use proto::conversation_tools::ToolTypes;

use super::backend::*;
use super::{ConversationBlock, json_object};
use crate::backend::BackendResult;
use crate::backend::sidecar::{Sidecar, error_from_status, json};
use crate::blocks::SidecarComponent;
use crate::wit::Error;

/// One conversation component of the sidecar.
pub struct SidecarConversation {
    sidecar: Sidecar,
    name: String,
}

impl SidecarComponent<ConversationBlock> for SidecarConversation {
    fn connect(sidecar: &Sidecar, name: &str) -> Arc<dyn Conversation> {
        Arc::new(SidecarConversation {
            sidecar: sidecar.clone(),
            name: name.to_string(),
        })
    }
}

#[async_trait::async_trait]
impl Conversation for SidecarConversation {
    async fn converse(&self, request: Request) -> BackendResult<Response> {
        let request = proto::ConversationRequestAlpha2 {
            name: self.name.clone(),
            context_id: request.context_id,
            inputs: request.inputs.into_iter().map(input).collect(),
            parameters: Default::default(),
            metadata: request.metadata.into_iter().collect(),
            scrub_pii: Some(request.scrub_pii),
            temperature: request.temperature,
            tools: request
                .tools
                .into_iter()
                .map(tool)
                .collect::<Result<_, _>>()?,
            tool_choice: request.tool_choice,
            response_format: request
                .response_format
                .as_deref()
                .map(structure)
                .transpose()?,
            prompt_cache_retention: None,
        };
        let response = self
            .sidecar
            .client()
            .converse_alpha2(request)
            .await
            .map_err(error_from_status)?
            .into_inner();
        Ok(Response {
            context_id: response.context_id,
            outputs: response.outputs.into_iter().map(output).collect(),
        })
    }
}

fn content(texts: Vec<String>) -> Vec<proto::ConversationMessageContent> {
    texts
        .into_iter()
        .map(|text| proto::ConversationMessageContent { text })
        .collect()
}

fn input(input: Input) -> proto::ConversationInputAlpha2 {
    let messages = input
        .messages
        .into_iter()
        .map(|message| proto::ConversationMessage {
            message_types: Some(match message {
                Message::Developer(m) => {
                    MessageTypes::OfDeveloper(proto::ConversationMessageOfDeveloper {
                        name: m.name,
                        content: content(m.content),
                    })
                }
                Message::System(m) => MessageTypes::OfSystem(proto::ConversationMessageOfSystem {
                    name: m.name,
                    content: content(m.content),
                }),
                Message::User(m) => MessageTypes::OfUser(proto::ConversationMessageOfUser {
                    name: m.name,
                    content: content(m.content),
                }),
                Message::Assistant(m) => {
                    MessageTypes::OfAssistant(proto::ConversationMessageOfAssistant {
                        name: m.name,
                        content: content(m.content),
                        tool_calls: m.tool_calls.into_iter().map(call_to_proto).collect(),
                    })
                }
                Message::Tool(m) => MessageTypes::OfTool(proto::ConversationMessageOfTool {
                    tool_id: m.tool_id,
                    name: m.name,
                    content: content(m.content),
                }),
            }),
        })
        .collect();
    proto::ConversationInputAlpha2 {
        messages,
        scrub_pii: Some(input.scrub_pii),
    }
}

fn call_to_proto(call: ToolCall) -> proto::ConversationToolCalls {
    proto::ConversationToolCalls {
        id: call.id,
        tool_types: Some(CallTypes::Function(
            proto::ConversationToolCallsOfFunction {
                name: call.name,
                arguments: call.arguments,
            },
        )),
    }
}

fn call_from_proto(call: proto::ConversationToolCalls) -> Option<ToolCall> {
    match call.tool_types? {
        CallTypes::Function(f) => Some(ToolCall {
            id: call.id,
            name: f.name,
            arguments: f.arguments,
        }),
    }
}

fn tool(tool: ToolFunction) -> Result<proto::ConversationTools, Error> {
    Ok(proto::ConversationTools {
        tool_types: Some(ToolTypes::Function(proto::ConversationToolsFunction {
            name: tool.name,
            description: tool.description,
            parameters: tool.parameters.as_deref().map(structure).transpose()?,
        })),
    })
}

/// JSON object text as a protobuf `Struct` (checked by [`super::check`]).
fn structure(text: &str) -> Result<prost_types::Struct, Error> {
    Ok(json::to_struct(
        json_object(text).map_err(Error::InvalidArgument)?,
    ))
}

fn output(output: proto::ConversationResultAlpha2) -> Output {
    Output {
        choices: output
            .choices
            .into_iter()
            .map(|choice| {
                let message = choice.message.unwrap_or_default();
                Choice {
                    finish_reason: choice.finish_reason,
                    index: u32::try_from(choice.index).unwrap_or(u32::MAX),
                    content: message.content,
                    tool_calls: message
                        .tool_calls
                        .into_iter()
                        .filter_map(call_from_proto)
                        .collect(),
                }
            })
            .collect(),
        model: output.model,
        usage: output.usage.map(|u| Usage {
            completion_tokens: u.completion_tokens,
            prompt_tokens: u.prompt_tokens,
            total_tokens: u.total_tokens,
        }),
    }
}

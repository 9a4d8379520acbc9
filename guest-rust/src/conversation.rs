//! Conversations with a large language model through a conversation
//! component (Dapr's Conversation API): messages with roles, tools the
//! model may call, and the calls it asks for.
//!
//! ```no_run
//! use dapr_guest::conversation::{self, Message, Request};
//!
//! fn ask(question: &str) -> dapr_guest::Result<String> {
//!     let request = Request::new(vec![
//!         Message::system("Answer in one sentence."),
//!         Message::user(question),
//!     ]);
//!     let response = conversation::converse("llm", &request)?;
//!     Ok(response.text().unwrap_or_default().to_owned())
//! }
//! ```

use crate::Result;
use crate::wit::dapr::runtime::conversation as raw;

pub use raw::{
    AssistantMessage, Choice, Input, Message, Output, Request, Response, TextMessage, ToolCall,
    ToolFunction, ToolMessage, Usage,
};

/// Sends `request` to the conversation component `component`.
pub fn converse(component: &str, request: &Request) -> Result<Response> {
    Ok(raw::converse(component, request)?)
}

impl Request {
    /// A request of one input holding `messages`, with no tools and the
    /// component's defaults.
    pub fn new(messages: Vec<Message>) -> Self {
        Request {
            inputs: vec![Input {
                messages,
                scrub_pii: false,
            }],
            context_id: None,
            temperature: None,
            tools: Vec::new(),
            tool_choice: None,
            response_format: None,
            scrub_pii: false,
            metadata: Vec::new(),
        }
    }

    /// Sets the sampling temperature.
    pub fn temperature(mut self, temperature: f64) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Offers the model a tool.
    pub fn tool(mut self, tool: ToolFunction) -> Self {
        self.tools.push(tool);
        self
    }

    /// Masks personal data in the inputs and in the answers.
    pub fn scrub_pii(mut self) -> Self {
        self.scrub_pii = true;
        for input in &mut self.inputs {
            input.scrub_pii = true;
        }
        self
    }
}

impl Message {
    /// A user's message of one text part.
    pub fn user(text: impl Into<String>) -> Self {
        Message::User(TextMessage::of(text))
    }

    /// A system message of one text part.
    pub fn system(text: impl Into<String>) -> Self {
        Message::System(TextMessage::of(text))
    }

    /// A developer's message of one text part.
    pub fn developer(text: impl Into<String>) -> Self {
        Message::Developer(TextMessage::of(text))
    }

    /// A tool's answer to the call `tool_id` of `name`.
    pub fn tool(
        tool_id: impl Into<String>,
        name: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Message::Tool(ToolMessage {
            tool_id: Some(tool_id.into()),
            name: name.into(),
            content: vec![text.into()],
        })
    }
}

impl TextMessage {
    fn of(text: impl Into<String>) -> Self {
        TextMessage {
            name: None,
            content: vec![text.into()],
        }
    }
}

impl Response {
    /// The text of the first choice of the first output.
    pub fn text(&self) -> Option<&str> {
        Some(self.outputs.first()?.choices.first()?.content.as_str())
    }

    /// The tool calls of the first choice of the first output.
    pub fn tool_calls(&self) -> &[ToolCall] {
        self.outputs
            .first()
            .and_then(|o| o.choices.first())
            .map_or(&[], |c| c.tool_calls.as_slice())
    }
}

"""Conversations with a large language model through a conversation component
(Dapr's Conversation API): messages with roles, tools the model may call, and
the calls it asks for.

>>> answer = conversation.converse("llm", [conversation.system("Be brief."),
...                                        conversation.user("What is Dapr?")])
>>> answer.text()
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import _wit
from ._wit import MetadataLike, call, pairs

__all__ = [
    "Message",
    "Input",
    "ToolCall",
    "Tool",
    "Choice",
    "Usage",
    "Output",
    "Response",
    "user",
    "system",
    "developer",
    "assistant",
    "tool",
    "converse",
]


@dataclass
class ToolCall:
    """A call of a tool the model asks for: ``arguments`` is JSON text."""

    name: str
    arguments: str = ""
    id: str | None = None

    def json(self) -> Any:
        """The arguments parsed as JSON."""
        return json.loads(self.arguments)


@dataclass
class Message:
    """One message: ``role`` is ``developer``, ``system``, ``user``,
    ``assistant`` or ``tool``."""

    role: str
    content: list[str]
    name: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    """The calls an ``assistant`` message asked for."""
    tool_id: str | None = None
    """The call a ``tool`` message answers."""

    def _to_wit(self) -> Any:
        c = _wit.conversation
        if self.role in ("developer", "system", "user"):
            case = {"developer": c.Message_Developer, "system": c.Message_System, "user": c.Message_User}
            return case[self.role](c.TextMessage(self.name, list(self.content)))
        if self.role == "assistant":
            calls = [c.ToolCall(t.id, t.name, t.arguments) for t in self.tool_calls]
            return c.Message_Assistant(c.AssistantMessage(self.name, list(self.content), calls))
        if self.role == "tool":
            return c.Message_Tool(c.ToolMessage(self.tool_id, self.name or "", list(self.content)))
        raise ValueError(f"unknown message role {self.role!r}")


def user(text: str, name: str | None = None) -> Message:
    """A user's message."""
    return Message("user", [text], name)


def system(text: str) -> Message:
    """A system message."""
    return Message("system", [text])


def developer(text: str) -> Message:
    """A developer's message."""
    return Message("developer", [text])


def assistant(text: str = "", tool_calls: list[ToolCall] | None = None) -> Message:
    """What the model said earlier, with the tool calls it asked for."""
    return Message("assistant", [text] if text else [], tool_calls=tool_calls or [])


def tool(tool_id: str | None, name: str, text: str) -> Message:
    """A tool's answer to the call ``tool_id``."""
    return Message("tool", [text], name, tool_id=tool_id)


@dataclass
class Input:
    """A group of messages; ``scrub_pii`` masks personal data in them."""

    messages: list[Message]
    scrub_pii: bool = False


@dataclass
class Tool:
    """A function the model may ask to call; ``parameters`` is a JSON Schema
    object (a ``dict``, sent as JSON)."""

    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None


@dataclass
class Usage:
    """Tokens a request used."""

    completion_tokens: int
    prompt_tokens: int
    total_tokens: int


@dataclass
class Choice:
    """One answer."""

    finish_reason: str
    index: int
    content: str
    tool_calls: list[ToolCall]


@dataclass
class Output:
    """The model's answer to the request."""

    choices: list[Choice]
    model: str | None
    usage: Usage | None


@dataclass
class Response:
    """What :func:`converse` returns."""

    context_id: str | None
    outputs: list[Output]

    def text(self) -> str | None:
        """The text of the first choice of the first output."""
        if self.outputs and self.outputs[0].choices:
            return self.outputs[0].choices[0].content
        return None


def converse(
    component: str,
    messages: list[Message] | list[Input],
    *,
    tools: list[Tool] | None = None,
    tool_choice: str | None = None,
    temperature: float | None = None,
    context_id: str | None = None,
    response_format: dict[str, Any] | None = None,
    scrub_pii: bool = False,
    scrub_input_pii: bool | None = None,
    metadata: MetadataLike = None,
) -> Response:
    """Sends ``messages`` (the messages of one input, or :class:`Input` groups)
    to the conversation component ``component``. ``scrub_pii`` masks personal
    data in the answers, ``scrub_input_pii`` (default: ``scrub_pii``) in the
    messages of one input."""
    c = _wit.conversation
    if all(isinstance(m, Input) for m in messages):
        inputs = list(messages)
    else:
        scrub_inputs = scrub_pii if scrub_input_pii is None else scrub_input_pii
        inputs = [Input(list(messages), scrub_inputs)]
    request = c.Request(
        [c.Input([m._to_wit() for m in i.messages], i.scrub_pii) for i in inputs],
        context_id,
        temperature,
        [
            c.ToolFunction(
                t.name,
                t.description,
                None if t.parameters is None else json.dumps(t.parameters),
            )
            for t in tools or []
        ],
        tool_choice,
        None if response_format is None else json.dumps(response_format),
        scrub_pii,
        pairs(metadata),
    )
    return _response(call(c.converse, component, request))


def _response(response: Any) -> Response:
    def calls(items: list[Any]) -> list[ToolCall]:
        return [ToolCall(t.name, t.arguments, t.id) for t in items]

    return Response(
        response.context_id,
        [
            Output(
                [Choice(c.finish_reason, c.index, c.content, calls(c.tool_calls)) for c in o.choices],
                o.model,
                None
                if o.usage is None
                else Usage(o.usage.completion_tokens, o.usage.prompt_tokens, o.usage.total_tokens),
            )
            for o in response.outputs
        ],
    )

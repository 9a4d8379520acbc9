/**
 * Conversations with a large language model through a conversation
 * component (Dapr's Conversation API): messages with roles, tools the model
 * may call, and the calls it asks for.
 *
 * ```ts
 * const answer = conversation.converse("llm", [
 *   conversation.system("Answer in one sentence."),
 *   conversation.user("What is a sidecar?"),
 * ]);
 * console.log(answer.text());
 * ```
 * @module
 */

import * as wit from "./wit.js";
import { call, type MetadataLike, pairs } from "./wit.js";

/** A call of a tool the model asks for; `arguments` is JSON text. */
export interface ToolCall {
  /** The call's id, to answer it with a {@link tool} message. */
  id?: string;
  /** The function to call. */
  name: string;
  /** Its arguments, as JSON text the model wrote. */
  arguments: string;
}

/** One message of a conversation, by its role. */
export type Message =
  | { role: "developer" | "system" | "user"; content: string[]; name?: string }
  | { role: "assistant"; content: string[]; name?: string; toolCalls?: ToolCall[] }
  | { role: "tool"; content: string[]; name: string; toolId?: string };

/** A group of messages; `scrubPii` masks personal data in them. */
export interface Input {
  /** The messages, in order. */
  messages: Message[];
  /** Mask personal data in these messages before they reach the model. */
  scrubPii?: boolean;
}

/** A function the model may ask to call. */
export interface Tool {
  /** The function's name. */
  name: string;
  /** What it does. */
  description?: string;
  /** Its parameters as a JSON Schema object. */
  parameters?: Record<string, unknown>;
}

/** Options of {@link converse}. */
export interface ConverseOptions {
  /** The tools the model may ask to call. */
  tools?: Tool[];
  /** `none`, `auto`, `required`, or the name of one of `tools`. */
  toolChoice?: string;
  /** Sampling temperature. */
  temperature?: number;
  /** The id of an earlier conversation to continue. */
  contextId?: string;
  /** A JSON Schema object the answer must follow. */
  responseFormat?: Record<string, unknown>;
  /** Mask personal data in the answers (and, for plain messages, in them). */
  scrubPii?: boolean;
  /** Passed to the component. */
  metadata?: MetadataLike;
}

/** One answer. */
export interface Choice {
  /** Why the model stopped: `stop`, `length`, `tool_calls` or `content_filter`. */
  finishReason: string;
  /** Its position among the choices. */
  index: number;
  /** The answer's text. */
  content: string;
  /** The tool calls the model asks for. */
  toolCalls: ToolCall[];
}

/** Tokens a request used. */
export interface Usage {
  /** Tokens of the answer. */
  completionTokens: number;
  /** Tokens of the request. */
  promptTokens: number;
  /** Both together. */
  totalTokens: number;
}

/** The model's answer to the request. */
export interface Output {
  /** The answers, usually one. */
  choices: Choice[];
  /** The model that answered, if known. */
  model?: string;
  /** The tokens used, if known. */
  usage?: Usage;
}

/** What {@link converse} returns. */
export class Response {
  /** @internal */
  constructor(
    /** The conversation's id, to continue it. */
    readonly contextId: string | undefined,
    /** The outputs. */
    readonly outputs: Output[],
  ) {}

  /** The text of the first choice of the first output. */
  text(): string | undefined {
    return this.outputs[0]?.choices[0]?.content;
  }
}

/** A user's message. */
export function user(text: string, name?: string): Message {
  return { role: "user", content: [text], name };
}

/** A system message. */
export function system(text: string): Message {
  return { role: "system", content: [text] };
}

/** A developer's message. */
export function developer(text: string): Message {
  return { role: "developer", content: [text] };
}

/** A tool's answer to the call `toolId` of `name`. */
export function tool(toolId: string | undefined, name: string, text: string): Message {
  return { role: "tool", content: [text], name, toolId };
}

function witMessage(message: Message): unknown {
  const content = [...message.content];
  switch (message.role) {
    case "developer":
    case "system":
    case "user":
      return { tag: message.role, val: { name: message.name, content } };
    case "assistant":
      return {
        tag: "assistant",
        val: {
          name: message.name,
          content,
          toolCalls: (message.toolCalls ?? []).map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })),
        },
      };
    case "tool":
      return { tag: "tool", val: { toolId: message.toolId, name: message.name, content } };
    default:
      throw new TypeError(`unknown message role ${wit.describe((message as { role: unknown }).role)}`);
  }
}

interface WitToolCall {
  id?: string;
  name: string;
  arguments: string;
}

interface WitResponse {
  contextId?: string;
  outputs: Array<{
    choices: Array<{ finishReason: string; index: number; content: string; toolCalls: WitToolCall[] }>;
    model?: string;
    usage?: { completionTokens: bigint; promptTokens: bigint; totalTokens: bigint };
  }>;
}

/**
 * Sends `messages` (the messages of one input, or {@link Input} groups) to
 * the conversation component `component`.
 */
export function converse(component: string, messages: Message[] | Input[], options: ConverseOptions = {}): Response {
  const inputs: Input[] = messages.every((m) => "messages" in m)
    ? (messages as Input[])
    : [{ messages: messages as Message[], scrubPii: options.scrubPii }];
  const request = {
    inputs: inputs.map((i) => ({ messages: i.messages.map(witMessage), scrubPii: i.scrubPii ?? false })),
    contextId: options.contextId,
    temperature: options.temperature,
    tools: (options.tools ?? []).map((t) => ({
      name: t.name,
      description: t.description,
      parameters: t.parameters === undefined ? undefined : JSON.stringify(t.parameters),
    })),
    toolChoice: options.toolChoice,
    responseFormat: options.responseFormat === undefined ? undefined : JSON.stringify(options.responseFormat),
    scrubPii: options.scrubPii ?? false,
    metadata: pairs(options.metadata),
  };
  const response = call(wit.conversation.converse, component, request as never) as WitResponse;
  const calls = (items: WitToolCall[]): ToolCall[] =>
    items.map((c) => ({ id: c.id ?? undefined, name: c.name, arguments: c.arguments }));
  return new Response(
    response.contextId ?? undefined,
    response.outputs.map((o) => ({
      choices: o.choices.map((c) => ({
        finishReason: c.finishReason,
        index: c.index,
        content: c.content,
        toolCalls: calls(c.toolCalls),
      })),
      model: o.model ?? undefined,
      usage:
        o.usage === undefined || o.usage === null
          ? undefined
          : {
              completionTokens: Number(o.usage.completionTokens),
              promptTokens: Number(o.usage.promptTokens),
              totalTokens: Number(o.usage.totalTokens),
            },
    })),
  );
}

// Renders a conversation into one prompt for models without a chat template of their own (such as
// the shipped default model), and the stop strings that end the assistant's turn.
import type { ChatMessage } from "./spec.ts";

const LABEL: Record<ChatMessage["role"], string> = {
  system: "System",
  developer: "System",
  user: "User",
  assistant: "Assistant",
  tool: "Tool",
};

export function renderChatPrompt(messages: ChatMessage[]): string {
  const turns = messages.map((m) => {
    const calls = m.tool_calls?.length ? `\n${m.tool_calls.map((c) => `[call ${c.function.name}(${c.function.arguments})]`).join("\n")}` : "";
    return `${LABEL[m.role]}: ${m.content}${calls}`;
  });
  return `${turns.join("\n\n")}\n\nAssistant:`;
}

/** A new turn label ends the assistant's answer. */
export const CHAT_STOPS = ["\n\nUser:", "\n\nSystem:", "\n\nTool:"];

export function withChatStops(stop: string[] | undefined): string[] {
  // llama.cpp accepts any number; the request's own (≤ 4) come first.
  return [...(stop ?? []), ...CHAT_STOPS];
}

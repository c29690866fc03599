import { ChatMember, ChatMessage, type ChatState } from "../../schema/ChatState.ts";
import { accepted, ErrorCode, type RuleResult, refused } from "../../shared/errors.ts";
import { HISTORY_LIMIT, TEXT_MAX_LENGTH } from "./shapes.ts";

export function addMember(state: ChatState, sessionId: string, name: string, now: number): void {
  state.members.set(sessionId, new ChatMember().assign({ name, joinedAt: now }));
}

export function removeMember(state: ChatState, sessionId: string): void {
  state.members.delete(sessionId);
}

/** Characters as people count them (code points), so an emoji is one, not two. */
function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Check a `say` text: trimmed length must be 1..TEXT_MAX_LENGTH characters. */
export function checkText(text: string): RuleResult {
  const trimmed = text.trim();
  if (trimmed.length === 0) return refused(ErrorCode.TEXT_EMPTY, "message text is empty");
  // UTF-16 length bounds the code point count from above: skip the count for short text.
  if (trimmed.length > TEXT_MAX_LENGTH && characterCount(trimmed) > TEXT_MAX_LENGTH) {
    return refused(ErrorCode.TEXT_TOO_LONG, `message text is longer than ${TEXT_MAX_LENGTH} characters`);
  }
  return accepted;
}

/** Append a message from a member, keeping only the last HISTORY_LIMIT. */
export function say(state: ChatState, sessionId: string, text: string, now: number): RuleResult {
  const member = state.members.get(sessionId);
  const check = checkText(text);
  if (!check.ok || member === undefined) return check;

  state.messages.push(
    new ChatMessage().assign({
      // Derived from the history rather than synced as a counter: ids only grow.
      id: (state.messages.at(-1)?.id ?? 0) + 1,
      sessionId,
      name: member.name,
      text: text.trim(),
      at: now,
    }),
  );
  // A splice of the overflow, not a loop of shifts: one patch operation per message.
  const overflow = state.messages.length - HISTORY_LIMIT;
  if (overflow > 0) state.messages.splice(0, overflow);
  return accepted;
}

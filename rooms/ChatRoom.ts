import type { AuthContext, Client } from "@colyseus/core";
import { ChatState } from "../schema/ChatState.ts";
import { ErrorCode } from "./base/errors.ts";
import { identityOf } from "./base/identity.ts";
import { normalizeJoinOptions, parseJoinOptions, TickroomRoom } from "./base/TickroomRoom.ts";
import { TokenBuckets } from "./base/tokenBuckets.ts";
import { addMember, guestName, removeMember, say } from "./chat/rules.ts";
import { chatJoinOptions, sayMessage } from "./chat/shapes.ts";

/** The classic WebSocket chat: one room per `channel`, shared history of the last 100 messages. */
export class ChatRoom extends TickroomRoom<{ state: ChatState }> {
  protected readonly maxPlayers = 200;
  /** Chat is typed by humans; ten frames a second is already a bot. */
  override maxMessagesPerSecond = 10;
  override state = new ChatState();
  /**
   * Each line is stored, broadcast to everyone and kept in history: the costly action.
   * A burst of 5, then 1 a second, per member; faster typing gets RATE_LIMITED.
   */
  private readonly lines = new TokenBuckets<string>(1, 5);

  static override async onAuth(_token: string, options: unknown, _context: AuthContext): Promise<true> {
    normalizeJoinOptions(chatJoinOptions, options);
    return true;
  }

  // Message and join times are wall-clock stamps for people to read (epoch ms), not
  // timers: Date.now() is the right source; scheduling would go through this.clock.
  override messages = {
    say: this.accept(sayMessage, (client, message) => {
      if (!this.lines.take(client.sessionId, this.clock.currentTime)) {
        this.refuse(client, { code: ErrorCode.RATE_LIMITED, message: `too many lines: wait ${this.lines.retryAfter(client.sessionId)} s` });
        return;
      }
      const result = say(this.state, client.sessionId, message.text, Date.now());
      if (!result.ok) this.refuse(client, result.error);
    }),
  };

  override async onCreate(options: unknown): Promise<void> {
    this.state.channel = parseJoinOptions(chatJoinOptions, options).channel;
    await this.configure(options);
  }

  protected onPlayerJoin(client: Client, options: unknown): void {
    const { name } = parseJoinOptions(chatJoinOptions, options);
    // A verified name wins over any asked for: identity comes from the token.
    addMember(this.state, client.sessionId, identityOf(client.auth)?.name ?? name ?? guestName(client.sessionId), Date.now());
  }

  protected onPlayerLeave(client: Client): void {
    this.lines.forget(client.sessionId);
    removeMember(this.state, client.sessionId);
  }
}

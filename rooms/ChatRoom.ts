import type { Client } from "@colyseus/core";
import { ChatState } from "../schema/ChatState.ts";
import { ErrorCode, refused } from "../shared/errors.ts";
import type { CreateOptions, JoinOptions } from "./base/joinOptions.ts";
import { roomType } from "./base/TickroomRoom.ts";
import { TokenBuckets } from "./base/tokenBuckets.ts";
import { addMember, removeMember, say } from "./chat/rules.ts";
import { chatJoinOptions, sayMessage } from "./chat/shapes.ts";

/** The classic WebSocket chat: one room per `channel`, shared history of the last 100 messages. */
export class ChatRoom extends roomType({ state: ChatState, joinOptions: chatJoinOptions, maxPlayers: 200, entities: "members", movable: true }) {
  /**
   * Each line is stored, broadcast to everyone and kept in history: the costly action.
   * A burst of 5, then 1 a second, per member; faster typing gets RATE_LIMITED.
   */
  private readonly lines = new TokenBuckets<string>(1, 5);

  // Message and join times are wall-clock stamps for people to read (epoch ms), not
  // timers: Date.now() is the right source; scheduling would go through this.clock.
  override messages = {
    say: this.accept(sayMessage, (client, message) =>
      this.lines.take(client.sessionId, this.clock.currentTime)
        ? say(this.state, client.sessionId, message.text, Date.now())
        : refused(ErrorCode.RATE_LIMITED, `too many lines: wait ${this.lines.retryAfter(client.sessionId)} s`),
    ),
  };

  override onCreate(options: CreateOptions<typeof chatJoinOptions>): void {
    this.state.channel = options.channel;
  }

  protected onPlayerJoin(client: Client, options: JoinOptions<typeof chatJoinOptions>): void {
    addMember(this.state, client.sessionId, options.name, Date.now());
  }

  protected onPlayerLeave(client: Client): void {
    this.lines.forget(client.sessionId);
    removeMember(this.state, client.sessionId);
  }
}

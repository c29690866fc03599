import { ArraySchema, MapSchema, Schema, type } from "@colyseus/schema";

export class ChatMember extends Schema {
  @type("string") name = "";
  /** Epoch milliseconds. */
  @type("float64") joinedAt = 0;
  /** False while the member's seat is held for reconnection (the base keeps it: `entities: "members"`). */
  @type("boolean") connected = true;
}

export class ChatMessage extends Schema {
  /** Increasing per room; lets clients key and de-duplicate messages. */
  @type("uint32") id = 0;
  @type("string") sessionId = "";
  @type("string") name = "";
  @type("string") text = "";
  /** Epoch milliseconds. */
  @type("float64") at = 0;
}

export class ChatState extends Schema {
  @type("string") channel = "";
  @type({ map: ChatMember }) members = new MapSchema<ChatMember>();
  /** The last `HISTORY_LIMIT` messages, oldest first. */
  @type([ChatMessage]) messages = new ArraySchema<ChatMessage>();
}

import { ArraySchema, MapSchema, Schema, type } from "@colyseus/schema";

/** 0 empty, 1 X, 2 O. */
export type Cell = 0 | 1 | 2;
export type Mark = 1 | 2;
export type GameStatus = "waiting" | "playing" | "finished";

export class TicTacToeState extends Schema {
  /** Row-major 3x3 board: 0 empty, 1 X, 2 O. */
  @type(["uint8"]) board = new ArraySchema<number>(0, 0, 0, 0, 0, 0, 0, 0, 0);
  /** sessionId -> mark (1 X, 2 O). */
  @type({ map: "uint8" }) players = new MapSchema<number>();
  /** sessionId of the player to move; "" when nobody may move. */
  @type("string") currentTurn = "";
  @type("string") status: GameStatus = "waiting";
  /** sessionId of the winner; "" for none (yet) or a draw. */
  @type("string") winner = "";
  @type("boolean") draw = false;
  /** sessionIds of the players who asked for a rematch of the finished game. */
  @type({ map: "boolean" }) rematch = new MapSchema<boolean>();
  /** sessionId -> display name of each seated player ("Ada vs Bob"). */
  @type({ map: "string" }) names = new MapSchema<string>();
}

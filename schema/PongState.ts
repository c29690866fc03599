import { MapSchema, Schema, type } from "@colyseus/schema";

/** One player's paddle. Positions are float32 on the wire; the rules keep them float32-exact. */
export class PongPaddle extends Schema {
  @type("string") name = "";
  /** 1: the left paddle, 2: the right one. */
  @type("uint8") side = 1;
  /** Centre of the paddle; `x` is fixed by the side. */
  @type("float32") x = 0;
  @type("float32") y = 0;
  @type("uint8") score = 0;
  /** False while the player's socket is down and its seat is held (the base keeps it). */
  @type("boolean") connected = true;
}

/** The ball: position and velocity (units per second), so a client can draw it between patches. @public */
export class PongBall extends Schema {
  @type("float32") x = 0;
  @type("float32") y = 0;
  @type("float32") vx = 0;
  @type("float32") vy = 0;
}

export class PongState extends Schema {
  /** sessionId -> paddle. */
  @type({ map: PongPaddle }) players = new MapSchema<PongPaddle>();
  @type(PongBall) ball = new PongBall();
  @type("string") status: "waiting" | "playing" | "finished" = "waiting";
  /** Points that win the match. */
  @type("uint8") scoreLimit = 5;
  /** Ticks until the served ball starts moving (a countdown to show). */
  @type("uint16") serveIn = 0;
  /** sessionId of the winner; "" until there is one. */
  @type("string") winner = "";
  /** Simulation tick. */
  @type("uint32") tick = 0;
}

/** One input frame per tick, through Colyseus's input channel. */
export class PongInput extends Schema {
  /** -1 moves the paddle up at full speed, 1 down, 0 holds it. */
  @type("float32") move = 0;
}

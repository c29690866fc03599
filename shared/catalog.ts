/**
 * What `GET /room-types` answers: every room type the server hosts, as much as a client
 * needs to list it, join it, and talk to it without code of its own (the web client's
 * generic view, the generic load-test bot). Pure types; the server builds it from each room
 * type's declaration (rooms/base/catalog.ts).
 */

/** A JSON Schema (draft 2020-12), as zod's `toJSONSchema` writes it. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
}

/** One field of a real-time room type's input frame (a `@colyseus/schema` primitive). */
export interface InputField {
  readonly name: string;
  /** The schema type: "float32", "int8", "boolean"... */
  readonly type: string;
}

export interface RoomTypeInfo {
  /** The name it is registered under: what `joinOrCreate(name)` takes. */
  readonly name: string;
  /** How people call it ("Tic-tac-toe"). */
  readonly title: string;
  readonly maxPlayers: number;
  readonly maxSpectators: number;
  /** `create(name, { private: true })` makes a room joined by code. */
  readonly privateRooms: boolean;
  /** Its public rooms appear in the lobby (Colyseus realtime listing). */
  readonly listed: boolean;
  /** The state field holding each player's entity, if declared. */
  readonly entities?: string;
  /** The state field holding the match's phase, if declared. */
  readonly phase?: string;
  /** Join options as JSON Schema: the room type's own, plus `name`, `private`, `spectator`. */
  readonly joinOptions: JsonSchema;
  /** Each message type it takes and its payload's schema (`{}`: any payload). */
  readonly messages: Readonly<Record<string, JsonSchema>>;
  /** Real-time room types: the fixed step's rate and the input frame's fields. */
  readonly realtime?: { readonly tickRate: number; readonly input: readonly InputField[] };
}

export interface RoomCatalog {
  readonly roomTypes: readonly RoomTypeInfo[];
}

/** The title a room type without a declared one gets: its name, capitalized. */
export function defaultTitle(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

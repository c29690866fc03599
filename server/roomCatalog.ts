import type { RegisteredHandler } from "@colyseus/core";
import type { Request, Response } from "express";
import { z } from "zod";
import { inputFields } from "../rooms/base/inputFrames.ts";
import { acceptedShapeOf, type DeclaredRoomType } from "../rooms/base/TickroomRoom.ts";
import { defaultTitle, type JsonSchema, type RoomCatalog, type RoomTypeInfo } from "../shared/catalog.ts";

/** Real-time declarations carry these besides what every declaration does. */
interface RealtimeParts {
  readonly tickRate?: number;
  readonly input?: abstract new () => object;
}

function toJsonSchema(shape: z.ZodType): JsonSchema {
  // Input side: what a client sends. Transforms and refinements cannot be written in JSON
  // Schema; they show as "any" there and still run on the server.
  const { $schema: _dialect, ...schema } = z.toJSONSchema(shape, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return schema as JsonSchema;
}

/**
 * The messages a room type takes, read from one instance's `messages` (a room type's
 * constructor only builds its fields; nothing runs until Colyseus calls `onCreate`, which
 * this never does). A handler made with `accept(shape, ...)` is described by its shape;
 * any other by `{}` (any payload). Handlers registered in `onCreate` are not seen.
 */
function messagesOf(klass: new () => object): Record<string, JsonSchema> {
  const { messages } = new klass() as { messages?: Record<string, unknown> };
  const described: Record<string, JsonSchema> = {};
  for (const [type, handler] of Object.entries(messages ?? {})) {
    // "_" is Colyseus's catch-all slot, not a message type.
    if (type === "_") continue;
    const shape = acceptedShapeOf(handler);
    described[type] = shape === undefined ? {} : toJsonSchema(shape);
  }
  return described;
}

function isDeclared(klass: unknown): klass is DeclaredRoomType & (new () => object) {
  return typeof klass === "function" && "declaration" in klass && "joinSchema" in klass;
}

/** Describe one registered room type; undefined for a room class that is not a declared tickroom type (the lobby). */
function describe(name: string, handler: RegisteredHandler): RoomTypeInfo | undefined {
  const klass: unknown = handler.klass;
  if (!isDeclared(klass)) return undefined;
  const { declaration } = klass;
  const realtime = declaration as RealtimeParts;
  return {
    name,
    title: declaration.title ?? defaultTitle(name),
    maxPlayers: declaration.maxPlayers,
    maxSpectators: declaration.maxSpectators ?? 0,
    privateRooms: declaration.privateRooms ?? true,
    listed: handler.realtimeListingEnabled,
    ...(declaration.entities !== undefined ? { entities: declaration.entities } : {}),
    ...(declaration.phase !== undefined ? { phase: declaration.phase } : {}),
    joinOptions: toJsonSchema(klass.joinSchema),
    messages: messagesOf(klass),
    ...(realtime.tickRate !== undefined && realtime.input !== undefined
      ? { realtime: { tickRate: realtime.tickRate, input: inputFields(realtime.input) } }
      : {}),
  };
}

/** Every declared room type of a server, described once at start (the answer never changes while it runs). */
export function roomCatalog(rooms: Readonly<Record<string, RegisteredHandler>>): RoomCatalog {
  const roomTypes: RoomTypeInfo[] = [];
  for (const [name, handler] of Object.entries(rooms)) {
    const info = describe(name, handler);
    if (info !== undefined) roomTypes.push(info);
  }
  return { roomTypes };
}

/** `GET /room-types`: the catalog, cacheable for a minute (it changes only with a deploy). */
export function roomCatalogRoute(catalog: RoomCatalog) {
  const body = JSON.stringify(catalog);
  return (_request: Request, response: Response): void => {
    response.setHeader("cache-control", "public, max-age=60");
    response.type("application/json").send(body);
  };
}

import { type AuthContext, defineRoom, type RegisteredHandler, type Room, ServerError } from "@colyseus/core";
import type { RoomServices } from "../rooms/base/services.ts";
import type { DeclaredRoomType, TickroomRoom } from "../rooms/base/TickroomRoom.ts";
import { normalizeJoinOptions } from "../rooms/base/TickroomRoom.ts";
import { HttpStatus } from "../shared/errors.ts";
import type { GuestAuth } from "./auth.ts";

type RoomClass = new () => Room;
type OnAuth = (token: string, options: unknown, context: AuthContext) => unknown;

/** Registers one room type with a server: `define(ArenaRoom).filterBy([...])`. */
export type DefineRoom = <T extends RoomClass>(roomClass: T) => RegisteredHandler<InstanceType<T>>;

function isDeclared(roomClass: RoomClass): roomClass is RoomClass & DeclaredRoomType {
  return "declaration" in roomClass && "joinSchema" in roomClass;
}

/**
 * The `define()` of one server. Each room type becomes a subclass made for this server
 * (Colyseus calls the static `onAuth` unbound, with only the client's data, so what it
 * needs is closed over):
 * - matchmaking, before any room exists or seat is held, refuses a body that is not an
 *   object (400), verifies a presented token (401 when bad, even where tokens are optional:
 *   a tampered token is an attack, not a guest; with AUTH_REQUIRED a missing one too), and
 *   validates the declared join options, rewriting them to their parsed form (400);
 * - each room gets the server's services, and the base sets it up around its own `onCreate`
 *   (and flushes pending changes before every full state: TickroomRoom `#flushBeforeFullState`).
 * Rooms that are not declared tickroom types (the lobby) get the token check in front of
 * their own static `onAuth`.
 */
export function roomDefiner(services: RoomServices, auth: GuestAuth): DefineRoom {
  return <T extends RoomClass>(roomClass: T): RegisteredHandler<InstanceType<T>> => {
    const ownOnAuth = (roomClass as unknown as { onAuth?: OnAuth }).onAuth;
    const validate: OnAuth = isDeclared(roomClass)
      ? (_token, options) => {
          // colyseus-internal: auth-options-identity
          normalizeJoinOptions(roomClass.joinSchema, options);
          return true;
        }
      : (token, options, context) => (ownOnAuth === undefined ? true : ownOnAuth(token, options, context));

    // colyseus-internal: onauth-call-contract
    const verifyThenValidate = async (token: string, options: unknown, context: AuthContext): Promise<unknown> => {
      // Colyseus's matchmaker reads options as an object after this (a `null` body made it throw).
      if (typeof options !== "object" || options === null || Array.isArray(options)) {
        throw new ServerError(HttpStatus.INVALID_REQUEST, "join options must be a JSON object");
      }
      const identity = token ? await auth.verify(token) : undefined;
      if (identity === undefined && auth.settings.required) {
        throw new ServerError(HttpStatus.UNAUTHENTICATED, "authentication required: send a token from POST /auth/guest");
      }
      const result = await validate(token, options, context);
      if (identity === undefined) return result;
      return { ...(typeof result === "object" && result !== null ? result : {}), identity };
    };

    const registered = isDeclared(roomClass)
      ? forServer(roomClass as unknown as TickroomClass, services, verifyThenValidate)
      : withAuth(roomClass, verifyThenValidate);
    const handler = defineRoom(registered as unknown as T);
    return handler;
  };
}

type TickroomClass = abstract new () => TickroomRoom<{ state: object }, undefined>;

/** A declared room type for one server: its services, and the base's set-up around `onCreate`. */
function forServer(roomClass: TickroomClass, services: RoomServices, onAuth: OnAuth): RoomClass {
  // Abstract in type only: the room type it extends implements every hook.
  abstract class Registered extends roomClass {
    static async onAuth(token: string, options: unknown, context: AuthContext): Promise<unknown> {
      return onAuth(token, options, context);
    }
    constructor() {
      super();
      this.services = services;
    }
    override async onCreate(options: unknown): Promise<void> {
      await this.createWith(options, (typed) => super.onCreate(typed as never));
    }
  }
  return Registered as unknown as RoomClass;
}

/** Any other room class for one server: the token check in front of its own `onAuth`. */
function withAuth(roomClass: RoomClass, onAuth: OnAuth): RoomClass {
  return class extends roomClass {
    static async onAuth(token: string, options: unknown, context: AuthContext): Promise<unknown> {
      return onAuth(token, options, context);
    }
  };
}

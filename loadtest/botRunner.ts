/**
 * Runs bots with `@colyseus/loadtest`'s `cli`, and makes them leave when the run stops.
 *
 * `cli` ends a run (Ctrl-C in its screen, q, SIGINT, SIGTERM) with `process.exit` at once:
 * the sockets just close, the server takes that for a dropped connection and holds every
 * seat for the reconnection window (20 s by default), so the next run starts against
 * ghosts. Here every room a bot joined (through `botClient`) is left consented first, and
 * the process exits once the server has closed them (at most `LEAVE_TIMEOUT_MS`).
 */
import { cli, type Options } from "@colyseus/loadtest";
import { Client, type Room } from "@colyseus/sdk";
import type { TickroomServer } from "../server/app.config.ts";

/** How long a stopping run waits for the server to confirm its bots' leaves. */
const LEAVE_TIMEOUT_MS = 2000;

const joined = new Set<Room>();

/** A client for one bot, whose rooms leave when the run stops (every join goes through `consumeSeatReservation`). */
export function botClient(endpoint: string): Client<TickroomServer> {
  const client = new Client<TickroomServer>(endpoint);
  const consume = client.consumeSeatReservation.bind(client);
  client.consumeSeatReservation = (async (...args: Parameters<typeof consume>) => {
    const room = await consume(...args);
    joined.add(room);
    room.onLeave(() => joined.delete(room));
    return room;
  }) as typeof consume;
  return client;
}

/** Leave every room still joined, consented; resolves once all have closed or the timeout passed. */
function leaveAll(): Promise<unknown> {
  const leaving = [...joined].map((room) => room.leave(true).catch(() => undefined));
  return Promise.race([Promise.all(leaving), new Promise((resolve) => setTimeout(resolve, LEAVE_TIMEOUT_MS))]);
}

/** `cli(main)`, with the bots leaving before the process exits. */
export function runBots(main: (options: Options) => Promise<void>): void {
  const exit = process.exit.bind(process);
  let exiting = false;
  process.exit = ((code?: number) => {
    if (exiting) return undefined as never;
    exiting = true;
    void leaveAll().then(() => exit(code));
    return undefined as never;
  }) as typeof process.exit;
  // colyseus-internal: loadtest-sdk-override
  cli(main);
}

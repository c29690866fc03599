import type { Client, Room } from "@colyseus/sdk";

/**
 * Join a private room by the code a friend shared (case, spaces and dashes do not
 * matter). Rejects with the server's message: not a code (400), no such room (404),
 * room full (409).
 */
export async function joinByCode(client: Client, code: string, options: Record<string, unknown> = {}): Promise<Room> {
  const response = await client.http.post(`/join-code/${encodeURIComponent(code)}`, { body: options });
  return client.consumeSeatReservation(response.data as never);
}

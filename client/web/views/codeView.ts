import { joinByCode } from "../../joinCode.ts";
import { JoinedRoom } from "../joinedRoom.ts";
import type { Route } from "../routes.ts";
import type { View } from "./context.ts";

type CodeRoute = Extract<Route, { view: "code" }>;

/** A shared link `#/code/ABC123`: join the private room behind it and go to its view. */
export const codeView: View<CodeRoute> = async (container, route, context) => {
  container.replaceChildren(`Joining ${route.code}…`);
  const room = await context.link.join((client) => joinByCode(client, route.code));
  const joined = new JoinedRoom(room, false, context.seats);
  switch (room.name) {
    case "arena":
      context.navigate({ view: "arena", roomId: room.roomId, mode: "ffa", spectate: false }, joined);
      break;
    case "tictactoe":
      context.navigate({ view: "tictactoe", roomId: room.roomId, spectate: false }, joined);
      break;
    default:
      context.navigate({ view: "chat", channel: ((await joined.ready) as { channel: string }).channel }, joined);
  }
  return () => undefined;
};

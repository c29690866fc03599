import { joinByCode } from "../../joinByCode.ts";
import { JoinedRoom } from "../joinedRoom.ts";
import type { Route } from "../routes.ts";
import type { View } from "./context.ts";
import { routeFor } from "./registry.ts";

type CodeRoute = Extract<Route, { view: "code" }>;

/** A shared link `#/code/ABC123`: join the private room behind it and go to its view. */
export const codeView: View<CodeRoute> = async (container, route, context) => {
  container.replaceChildren(`Joining ${route.code}…`);
  const room = await context.link.join((client) => joinByCode(client, route.code));
  const joined = new JoinedRoom(room, false, context.seats);
  context.navigate(await routeFor(joined, false), joined);
  return () => undefined;
};

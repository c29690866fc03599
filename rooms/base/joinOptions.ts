import { z } from "zod";
import { MAX_SPECTATOR_DELAY_SECONDS, NAME_MAX_LENGTH } from "../../shared/limits.ts";

/**
 * Join options: what a room type declares (one zod object) and what every room type
 * accepts besides. Pure (zod only), so shapes, rooms and clients share it.
 */

/** A zod object of a room type's own join options, as declared (`joinOptions`). */
// biome-ignore lint/suspicious/noExplicitAny: any zod object shape, whatever its fields
export type JoinOptionsSchema = z.ZodObject<any>;

/** A display name, in a guest token or asked for in join options (a verified token's name wins). */
export const displayName = z
  .string()
  .trim()
  .min(1)
  .max(NAME_MAX_LENGTH)
  .regex(/^[^\p{C}]+$/u, "no control characters");

/** Keys every room type's options may carry; a room type's own options may not reuse them. */
const baseKeys = ["name", "private", "spectator", "delaySeconds", "open"] as const;

/** Options the base reads at create time besides the room type's own. */
interface BaseCreateOptions {
  /** A private room: no listing, no joinOrCreate; friends join with its code. */
  readonly private: boolean;
}

/** Options every player's join carries besides the room type's own, after the base's policy. */
export interface BaseJoinOptions extends BaseCreateOptions {
  /** Who the player is on screen: the verified token's name, else the name asked for, else `guest-xxxx`. */
  readonly name: string;
  /** Watching: receives state, acts on nothing, takes no player slot. */
  readonly spectator: boolean;
  /** Watching late: a spectator (whatever `spectator` says) who sees the state this many seconds after it happened. */
  readonly delaySeconds?: number;
}

/** `onCreate`'s options: the room type's own, validated and with defaults filled, plus `private`. */
export type CreateOptions<S extends JoinOptionsSchema | undefined = undefined> = (S extends JoinOptionsSchema ? z.output<S> : unknown) & BaseCreateOptions;

/** `onPlayerJoin`'s options: the room type's own, plus `name`, `private` and `spectator`. */
export type JoinOptions<S extends JoinOptionsSchema | undefined = undefined> = (S extends JoinOptionsSchema ? z.output<S> : unknown) & BaseJoinOptions;

/** What the composed schema parses to, before the name policy applies. */
export interface ParsedJoinOptions {
  readonly name?: string;
  readonly private: boolean;
  readonly spectator: boolean;
  readonly delaySeconds?: number;
  /** Matchmaking's filter key (`filterBy(["open"])`): a player asks for a free player slot, a spectator for a running game. */
  readonly open: boolean;
  readonly [own: string]: unknown;
}

/** What shapes the composed schema. */
export interface JoinOptionsPolicy {
  readonly own: JoinOptionsSchema | undefined;
  /** The room type seats spectators: `spectator` is an option. */
  readonly spectators: boolean;
  /** The room type may be created private: `private` is an option. */
  readonly privateRooms: boolean;
}

/**
 * The schema a room type's join options are validated with: its own options plus
 * `name`, `private` (unless private rooms are off), `spectator` and `delaySeconds` (when it
 * has spectator slots), unknown keys dropped, and `open` derived for matchmaking filters. A room type
 * that names a base key itself is a bug: it throws at once.
 */
export function composeJoinSchema(policy: JoinOptionsPolicy): z.ZodType<ParsedJoinOptions> {
  const ownShape = policy.own?.shape ?? {};
  const clash = baseKeys.find((key) => key in ownShape);
  if (clash !== undefined) throw new Error(`join option "${clash}" belongs to every room type: declare another name`);
  const schema = z.object({
    ...ownShape,
    name: displayName.optional(),
    ...(policy.privateRooms ? { private: z.boolean().default(false) } : {}),
    ...(policy.spectators
      ? {
          spectator: z.boolean().default(false),
          delaySeconds: z.number().min(0).max(MAX_SPECTATOR_DELAY_SECONDS).optional(),
        }
      : {}),
  });
  return schema.transform((options) => {
    // Asking to watch late is asking to watch.
    const spectator = (options as { spectator?: boolean }).spectator === true || (options as { delaySeconds?: number }).delaySeconds !== undefined;
    return { ...options, private: (options as { private?: boolean }).private === true, spectator, open: !spectator };
  });
}

import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

/**
 * Password hashes: scrypt (node:crypto), a random 16-byte salt per password, its cost
 * stored with it as `scrypt$N$r$p$salt$hash` (base64url), so a later raise of the cost
 * still verifies every older hash. Hashing runs on libuv's thread pool (the async
 * `crypto.scrypt`), never on the event loop; at most two at once, so a burst of sign-ins
 * neither takes every pool thread (file and DNS work share them) nor 16 MiB per request;
 * and at most 32 waiting, so a flood of sign-ins is refused at once (`HashQueueFull`)
 * instead of making every later one, legitimate or not, wait behind it for minutes.
 */

/**
 * N = 2^14, r = 8, p = 1 (Node's and Django's scrypt defaults): 16 MiB and about 50 ms of
 * one core per hash on the reference machine. Each hash records its own cost, so raising
 * this later leaves every stored hash valid.
 */
const COST = { N: 2 ** 14, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** The salt of the hash computed for a username that does not exist. */
const DECOY_SALT = randomBytes(SALT_BYTES);

/** More hashes are waiting than the hasher queues: retry shortly (about a second's worth of hashes is queued). */
export class HashQueueFull extends Error {
  constructor() {
    super("too many sign-ins at once: retry shortly");
    this.name = "HashQueueFull";
  }
}

/** Passwords are compared in their NFKC form: the same characters typed on another keyboard match. */
function normalized(password: string): string {
  return password.normalize("NFKC");
}

/**
 * Hashes and checks passwords, at most `parallel` at once and `maxWaiting` queued behind
 * them; one more is refused with `HashQueueFull` without waiting. The server has one
 * (`passwords`), so the bounds hold for the whole process.
 */
export class PasswordHasher {
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(
    readonly parallel = 2,
    readonly maxWaiting = 32,
  ) {}

  /** A stored hash of `password` with a fresh salt at the current cost. */
  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await this.#derive(password, salt, COST, KEY_BYTES);
    return ["scrypt", COST.N, COST.r, COST.p, salt.toString("base64url"), key.toString("base64url")].join("$");
  }

  /**
   * Whether `password` matches `stored`; compared in constant time. Without a stored hash
   * (no such user) a hash of the same cost is still computed and compared, so the answer
   * takes as long either way and says nothing about which usernames exist.
   */
  async verify(password: string, stored: string | null | undefined): Promise<boolean> {
    const parsed = stored === null || stored === undefined ? undefined : parse(stored);
    if (parsed === undefined) {
      const key = await this.#derive(password, DECOY_SALT, COST, KEY_BYTES);
      timingSafeEqual(key, Buffer.alloc(KEY_BYTES));
      return false;
    }
    const key = await this.#derive(password, parsed.salt, parsed.cost, parsed.key.length);
    return timingSafeEqual(key, parsed.key);
  }

  #derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }, length: number): Promise<Buffer> {
    // scrypt needs about 128 * N * r bytes; Node refuses past `maxmem` (32 MiB unless raised).
    const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r };
    return this.#limited(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          scrypt(normalized(password), salt, length, options, (error, key) => (error === null ? resolve(key) : reject(error)));
        }),
    );
  }

  /** Run `task` once fewer than `parallel` hashes are in flight; `HashQueueFull` when `maxWaiting` already wait. */
  async #limited<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot to the next waiter, so no newcomer slips in between.
    if (this.#running >= this.parallel) {
      if (this.#waiting.length >= this.maxWaiting) throw new HashQueueFull();
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else this.#running++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#running--;
    }
  }
}

/** The process's hasher: two hashes at once, 32 waiting. */
export const passwords = new PasswordHasher();

function parse(stored: string): { cost: { N: number; r: number; p: number }; salt: Buffer; key: Buffer } | undefined {
  const [scheme, n, r, p, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || salt === undefined || key === undefined) return undefined;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (!Object.values(cost).every((value) => Number.isSafeInteger(value) && value > 0)) return undefined;
  const keyBytes = Buffer.from(key, "base64url");
  return keyBytes.length < 16 ? undefined : { cost, salt: Buffer.from(salt, "base64url"), key: keyBytes };
}

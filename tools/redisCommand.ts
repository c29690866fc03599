import { createConnection } from "node:net";

/**
 * Send raw RESP commands to a Redis server and resolve with the reply text: just enough
 * to ask "is Redis there?" and to flush a test database, without a client library.
 * Rejects when nothing answers within `timeoutMs`.
 */
export function redisCommand(url: string, commands: string[][], timeoutMs = 1000): Promise<string> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = createConnection(Number(target.port || 6379), target.hostname);
    let reply = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from Redis at ${target.host}`));
    }, timeoutMs);
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.split("\r\n").length > commands.length) {
        clearTimeout(timer);
        socket.end();
        resolve(reply);
      }
    });
    socket.write(commands.map((args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`).join(""));
  });
}

export async function redisAnswers(url: string): Promise<boolean> {
  try {
    return (await redisCommand(url, [["PING"]])).startsWith("+PONG");
  } catch {
    return false;
  }
}

/** Empty one database index, so a run never sees another's rooms. */
export async function flushRedisDatabase(url: string, database: number): Promise<void> {
  await redisCommand(url, [["SELECT", String(database)], ["FLUSHDB"]]);
}

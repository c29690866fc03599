import assert from "node:assert/strict";
import { once } from "node:events";
import { type AddressInfo, createConnection, createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { ImpairmentProxy } from "../../loadtest/impairment/ImpairmentProxy.ts";
import { allowQuickReconnect, reconnected, startTestServer, type TestServer, untilState } from "../support/harness.ts";

/** A TCP echo server: whatever arrives goes straight back. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.pipe(socket));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, port: (server.address() as AddressInfo).port };
}

async function connect(port: number): Promise<Socket> {
  const socket = createConnection(port, "127.0.0.1");
  await once(socket, "connect");
  return socket;
}

/** Resolve once `bytes` bytes have come back; returns them and the elapsed ms since `since`. */
function receive(socket: Socket, bytes: number, since: number): Promise<{ data: Buffer; elapsedMs: number }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= bytes) {
        socket.off("data", onData);
        resolve({ data: Buffer.concat(chunks), elapsedMs: performance.now() - since });
      }
    };
    socket.on("data", onData);
  });
}

describe("network impairment proxy", () => {
  let echo: Awaited<ReturnType<typeof echoServer>>;
  before(async () => {
    echo = await echoServer();
  });
  after(() => {
    echo.server.close();
  });

  async function through(options: ConstructorParameters<typeof ImpairmentProxy>[0]["up"] & object, down: object = {}) {
    const proxy = new ImpairmentProxy({ target: { host: "127.0.0.1", port: echo.port }, up: options, down });
    const socket = await connect(await proxy.listen());
    return { proxy, socket };
  }

  it("adds the configured one-way latency in each direction", async () => {
    const { proxy, socket } = await through({ latencyMs: 40 }, { latencyMs: 60 });
    const start = performance.now();
    const back = receive(socket, 5, start);
    socket.write("hello");
    const { data, elapsedMs } = await back;
    assert.equal(data.toString(), "hello");
    assert.ok(elapsedMs >= 100 - 1, `round trip ${elapsedMs.toFixed(1)} ms`);
    socket.destroy();
    await proxy.close();
  });

  it("varies the delay under jitter", async () => {
    const { proxy, socket } = await through({ latencyMs: 5, jitterMs: 40 }, { latencyMs: 5, jitterMs: 40 });
    const trips: number[] = [];
    for (let i = 0; i < 20; i++) {
      const back = receive(socket, 1, performance.now());
      socket.write("j");
      trips.push((await back).elapsedMs);
    }
    // Two directions of up to 40 ms each: round trips spread over tens of ms (a clean
    // loopback spreads by about one).
    const spread = Math.max(...trips) - Math.min(...trips);
    assert.ok(spread >= 15, `round trips spread over ${spread.toFixed(1)} ms`);
    assert.ok(Math.min(...trips) >= 10 - 1, "never below the fixed latency");
    socket.destroy();
    await proxy.close();
  });

  it("keeps the byte stream in order under jitter", async () => {
    const { proxy, socket } = await through({ latencyMs: 5, jitterMs: 40 }, { jitterMs: 40 });
    const sent = Buffer.concat(Array.from({ length: 200 }, (_, i) => Buffer.from(`<${i}>`)));
    const back = receive(socket, sent.length, performance.now());
    for (let i = 0; i < 200; i++) {
      socket.write(`<${i}>`);
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal((await back).data.toString(), sent.toString());
    socket.destroy();
    await proxy.close();
  });

  it("caps bandwidth: 40 kB through a 40 kB/s link takes about a second", async () => {
    const { proxy, socket } = await through({}, { bandwidthBytesPerSecond: 40_000 });
    const payload = Buffer.alloc(40_000, 7);
    const start = performance.now();
    const back = receive(socket, payload.length, start);
    socket.write(payload);
    const { elapsedMs } = await back;
    assert.ok(elapsedMs >= 900, `delivered in ${elapsedMs.toFixed(0)} ms`);
    socket.destroy();
    await proxy.close();
  });

  it("holds traffic during a stall and releases it after", async () => {
    const { proxy, socket } = await through({});
    // Timed from before the stall starts: a pause between the two (a GC) must not shorten it.
    const start = performance.now();
    proxy.stall("down", 300);
    const back = receive(socket, 4, start);
    socket.write("ping");
    const { elapsedMs } = await back;
    assert.ok(elapsedMs >= 299, `released after ${elapsedMs.toFixed(0)} ms`);
    assert.equal(proxy.stats.down.stalls, 1);
    socket.destroy();
    await proxy.close();
  });

  it("stalls at random at the configured rate (seeded)", async () => {
    const { proxy, socket } = await through({ stallsPerSecond: 20, stallMs: 40 });
    let longest = 0;
    // Stalls are a rate in time: spread 30 round trips over ~0.6 s (about 12 expected).
    for (let i = 0; i < 30; i++) {
      const back = receive(socket, 1, performance.now());
      socket.write("x");
      longest = Math.max(longest, (await back).elapsedMs);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(proxy.stats.up.stalls > 0, "no stall in ~30 round trips at 20 stalls/s");
    assert.ok(longest >= 39, `a stall must hold traffic: longest round trip ${longest.toFixed(1)} ms`);
    socket.destroy();
    await proxy.close();
  });

  it("closes every proxied connection on close()", async () => {
    const { proxy, socket } = await through({});
    assert.equal(proxy.connections, 1);
    const closed = once(socket, "close");
    await proxy.close();
    await closed;
    assert.equal(proxy.connections, 0);
  });
});

describe("SDK clients through the impairment proxy", () => {
  let server: TestServer;
  let proxy: ImpairmentProxy;
  before(async () => {
    server = await startTestServer();
    proxy = new ImpairmentProxy({
      target: { host: "127.0.0.1", port: server.port },
      up: { latencyMs: 50, jitterMs: 10 },
      down: { latencyMs: 50, jitterMs: 10 },
    });
    await proxy.listen();
  });
  after(async () => {
    await proxy.close();
    await server.close();
  });

  it("matchmakes, joins and plays over the impaired link, and reconnects after the link is cut", async () => {
    const { Client } = await import("@colyseus/sdk");
    const client = new Client(`ws://127.0.0.1:${proxy.port}`);
    const room = await client.joinOrCreate("chat", { name: "far", channel: "impaired" });
    allowQuickReconnect(room);
    room.send("say", { text: "over a slow link" });
    await untilState(room, (s: { messages: { length: number } }) => s.messages.length === 1);
    assert.ok(proxy.stats.up.bytes > 0 && proxy.stats.down.bytes > 0);

    const back = reconnected(room, 8000);
    proxy.severAll();
    await back;
    room.send("say", { text: "back again" });
    await untilState(room, (s: { messages: { length: number } }) => s.messages.length === 2);
    await room.leave();
  });
});

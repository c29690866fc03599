import { Protocol, type Room } from "@colyseus/sdk";
import { protocolCodeOf } from "../../shared/protocol.ts";

export interface TrafficRates {
  readonly patchesPerSecond: number;
  readonly bytesInPerSecond: number;
  readonly bytesOutPerSecond: number;
}

/**
 * Counts one room's frames as they cross the socket, below the SDK's decoding: bytes in
 * and out, and state patches. The SDK keeps the same connection object across automatic
 * reconnections, so the counters survive them.
 */
export class TrafficMeter {
  #bytesIn = 0;
  #bytesOut = 0;
  #patches = 0;
  #mark = { at: performance.now(), bytesIn: 0, bytesOut: 0, patches: 0 };
  #rates: TrafficRates = { patchesPerSecond: 0, bytesInPerSecond: 0, bytesOutPerSecond: 0 };

  constructor(room: Room) {
    const connection = room.connection;
    // colyseus-internal: sdk-connection-events
    const deliver = connection.events.onmessage;
    connection.events.onmessage = (event: MessageEvent) => {
      const data = event.data as ArrayBuffer;
      this.#bytesIn += data.byteLength;
      // colyseus-internal: protocol-framing
      if (data.byteLength > 0 && protocolCodeOf(new Uint8Array(data, 0, 1)) === Protocol.ROOM_STATE_PATCH) this.#patches++;
      deliver?.(event);
    };
    const send = connection.send.bind(connection);
    connection.send = (data: Uint8Array) => {
      this.#bytesOut += data.byteLength;
      send(data);
    };
  }

  get totalBytesIn(): number {
    return this.#bytesIn;
  }

  get totalBytesOut(): number {
    return this.#bytesOut;
  }

  get totalPatches(): number {
    return this.#patches;
  }

  /** Rates over the last second or so; call as often as you like. */
  rates(now = performance.now()): TrafficRates {
    const elapsed = now - this.#mark.at;
    if (elapsed >= 1000) {
      const seconds = elapsed / 1000;
      this.#rates = {
        patchesPerSecond: (this.#patches - this.#mark.patches) / seconds,
        bytesInPerSecond: (this.#bytesIn - this.#mark.bytesIn) / seconds,
        bytesOutPerSecond: (this.#bytesOut - this.#mark.bytesOut) / seconds,
      };
      this.#mark = { at: now, bytesIn: this.#bytesIn, bytesOut: this.#bytesOut, patches: this.#patches };
    }
    return this.#rates;
  }
}

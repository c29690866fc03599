/**
 * What a room reports about itself for operators (the server turns it into Prometheus
 * metrics). An interface with a silent default, like Colyseus's `LocalPresence`: rooms
 * never import the metrics library, and a room created bare in a test reports nowhere.
 */
export interface RoomObserver {
  /** One fixed-timestep step of a real-time room took `seconds`; its budget is `budgetSeconds`. */
  tick(roomType: string, seconds: number, budgetSeconds: number): void;
  /**
   * A client message was refused. `reason` is a closed set: a close reason
   * (`invalid_payload`, `unknown_type`, `flood`) or an `ErrorCode` of an illegal action.
   */
  rejected(roomType: string, reason: string): void;
  /** A dropped client's seat is being held for reconnection. */
  dropped(roomType: string): void;
  /** A dropped client came back within the window. */
  reconnected(roomType: string): void;
  /** A match recording was kept (`bytes` compressed) or could not be: the match went on either way. */
  recording(roomType: string, outcome: "saved" | "failed", bytes: number): void;
}

export const silentObserver: RoomObserver = Object.freeze({
  tick: () => undefined,
  rejected: () => undefined,
  dropped: () => undefined,
  reconnected: () => undefined,
  recording: () => undefined,
});

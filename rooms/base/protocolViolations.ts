/**
 * Sockets the transport closed for breaking the wire protocol (a frame over the size
 * limit, an unknown protocol code, a text frame, an undecodable message). The transport
 * records them; rooms read this to give such clients no reconnection window, as for any
 * other malformed input. A WeakSet: nothing to clean up.
 */
export const socketsClosedForProtocolViolations = new WeakSet<object>();

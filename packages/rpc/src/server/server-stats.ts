/** Counters a server keeps (see `server.stats()`). */
export interface ServerStats {
  /** Connections open now. */
  connections: number;
  /** Requests being handled now. */
  inFlight: number;
  /** Connections accepted since start. */
  accepted: number;
  /** Connections refused because of maxConnections. */
  rejectedConnections: number;
  /** Requests answered with an overload error. */
  overloaded: number;
  /** Requests for methods the server does not have. */
  unknownMethod: number;
  /** Requests whose arguments could not be decoded. */
  badRequests: number;
  /** Connections closed because their input was not Thrift (or not an accepted transport/protocol). */
  protocolErrors: number;
  /** Times a connection's requests were paused because its caller was not reading the replies. */
  throttled: number;
}

/** Every counter of ServerStats at zero: a new server's counters, and the start of a sum over workers. */
export function zeroServerStats(): ServerStats {
  return { connections: 0, inFlight: 0, accepted: 0, rejectedConnections: 0, overloaded: 0, unknownMethod: 0, badRequests: 0, protocolErrors: 0, throttled: 0 };
}

import type { Endpoint } from '../net/address';

/** What the pools need from a connection (the runtime's `ClientConnection` implements it). */
export interface PoolConnection {
  /** False once the peer hung up or the connection was closed: such a connection is never handed out. */
  isActive(): boolean;
  /** Calls waiting for a reply on this connection. */
  readonly inFlight: number;
  close(): void;
}

/**
 * Opens a connection to an endpoint, honouring the client's connect timeout. Rejects with a `RpcError`
 * (ECONNREFUSED, ECONNTIMEOUT, EDIAL).
 */
export type Connector<C extends PoolConnection> = (endpoint: Endpoint) => Promise<C>;

/** Counters for diagnostics and tests. */
export interface PoolStats {
  /** Connections open or being dialed. */
  open: number;
  /** Open connections not lent to any call (long pool only). */
  idle: number;
  /** Dials under way. */
  dialing: number;
  /** Calls waiting for a connection (long pool with maxActivePerAddress). */
  waiting: number;
  /** Connections closed by the pool because they were dead, idle too long, or over an idle limit. */
  evicted: number;
}

/**
 * Where calls get their connections. `acquire` resolves with a connection the call may use; the call gives it
 * back with `release` once its reply arrived (or it failed), saying whether the connection is still fit for
 * reuse. A caller that no longer needs a connection it is handed (its call timed out meanwhile) must release it.
 *
 * Modes: `LongPool` (one call per connection at a time, idle connections kept for reuse), `MuxPool` (a fixed set
 * of connections shared by all calls, many in flight each) and `ShortPool` (a new connection per call).
 */
export interface ConnectionPool<C extends PoolConnection> {
  readonly mode: 'long' | 'mux' | 'short';
  acquire(endpoint: Endpoint): Promise<C>;
  release(endpoint: Endpoint, connection: C, reusable: boolean): void;
  /** Told by a connection that it closed on its own (peer hang-up, reset), so the pool forgets it at once. */
  evict(endpoint: Endpoint, connection: C): void;
  /** Closes every connection and rejects waiting acquirers with ECLOSED; later acquires reject too. */
  close(): void;
  stats(): PoolStats;
}

import { RpcError } from '../errors';

/**
 * What a thriftpoll server's shutdown proves about the calls on one connection.
 *
 * Once shutting down, the server runs nothing it reads: every request read after the shutdown began is refused
 * ("overloaded (shuttingDown)") or, after its FIN, dropped unread. A connection delivers requests in the order
 * they were written, so when the server refused call #n as shutting down, it read every later call (if at all)
 * after the shutdown began: calls written after #n never ran, whatever happens to the connection next.
 *
 *   written:  … #n-2  #n-1  [#n refused: shuttingDown]  #n+1  #n+2 …
 *             may have run ─┘                           └─ never ran: retry-safe if the connection then fails
 */
export class ShutdownFence {
  /** Output position of the first call refused as shutting down; Infinity until one is. */
  private fence = Infinity;

  /** The server refused the call written at `order` because it is shutting down. */
  refused(order: number): void {
    if (order < this.fence) this.fence = order;
  }

  /** True when the call written at `order` was certainly not run by the server. */
  neverRan(order: number): boolean {
    return order > this.fence;
  }

  /** The retry-safe error for calls behind the fence when the connection fails. */
  error(address: string, count: number, cause: unknown): RpcError {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return new RpcError(
      'ECONNRESET',
      `the connection to ${address} closed with ${count} ${count === 1 ? 'call' : 'calls'} in flight${detail}; the server was shutting down and had refused an earlier call on this connection, so it never ran this one`,
      { address, cause, retrySafe: true },
    );
  }
}

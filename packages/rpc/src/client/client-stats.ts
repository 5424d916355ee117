import type { CircuitStatus } from '../governance/circuit-breakers';
import type { PoolStats } from './pool';

/** Diagnostics of a client. */
export interface ClientStats {
  pool: PoolStats;
  /** Addresses being skipped after failures. */
  unhealthy: { address: string; retryAt: number; failures: number }[];
  /** Replies that arrived after their call had timed out or been aborted, and were dropped. */
  discardedReplies: number;
  /** Calls waiting for a reply on the client's connections. */
  inFlight: number;
  /** Circuit breakers that are open or half-open (with `circuitBreaker`). */
  circuits: CircuitStatus[];
}

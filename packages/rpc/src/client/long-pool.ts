import type { Endpoint } from '../net/address';
import { RpcOverloadError, RpcError } from '../errors';
import type { ConnectionPool, Connector, PoolConnection, PoolStats } from './pool';
import { intOption, msOption } from '../validate';

/** Options of the long-connection pool. */
export interface LongPoolOptions {
  /** Idle connections kept per address; more are closed when released. Default 64. */
  maxIdlePerAddress?: number;
  /** Idle connections kept across all addresses. Default 1024. */
  maxIdleGlobal?: number;
  /** An idle connection unused for longer than this is closed (ms). Default 60000. */
  idleTimeout?: number;
  /**
   * Connections open at once per address (idle, lent and being dialed). Calls beyond wait, first come first
   * served, for a connection to be released. Default Infinity (every concurrent call gets its own connection).
   */
  maxActivePerAddress?: number;
  /** Calls allowed to wait per address when maxActivePerAddress is reached; more fail with EOVERLOAD. Default 10000. */
  maxWaitingPerAddress?: number;
}

interface IdleEntry<C> {
  connection: C;
  /** When it was released, from `now()`. */
  since: number;
}

interface Waiter<C> {
  resolve(connection: C): void;
  reject(error: unknown): void;
}

class AddressPool<C> {
  /** A stack: the most recently released connection is reused first, so surplus ones age out. */
  readonly idle: IdleEntry<C>[] = [];
  readonly waiters: Waiter<C>[] = [];
  /** Idle + lent + dialing. */
  open = 0;
  dialing = 0;
}

/**
 * Kitex-style long-connection pool: a connection serves one call at a time and goes back to its address's idle
 * stack afterwards.
 *
 *   acquire ─► idle stack non-empty? ─► pop; isActive() && not idle too long? ─► lend
 *                  │ empty                         │ no: close, try the next
 *                  ▼
 *              open < maxActivePerAddress? ─► dial (connect timeout) ─► lend
 *                  │ no
 *                  ▼
 *              wait (FIFO, at most maxWaitingPerAddress) for a release
 *
 *   release(reusable) ─► a waiter? hand over ─► else idle stack (if under maxIdlePerAddress and maxIdleGlobal)
 *                                              ─► else close
 *
 * A sweeper timer (unref'd, running only while connections are idle) closes connections idle longer than
 * idleTimeout and those whose peer hung up.
 */
export class LongPool<C extends PoolConnection> implements ConnectionPool<C> {
  readonly mode = 'long' as const;
  private readonly maxIdlePerAddress: number;
  private readonly maxIdleGlobal: number;
  private readonly idleTimeout: number;
  private readonly maxActivePerAddress: number;
  private readonly maxWaitingPerAddress: number;
  private readonly pools = new Map<string, AddressPool<C>>();
  private idleTotal = 0;
  private evicted = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly connector: Connector<C>,
    options: LongPoolOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.maxIdlePerAddress = intOption('pool.maxIdlePerAddress', options.maxIdlePerAddress, 64, 0);
    this.maxIdleGlobal = intOption('pool.maxIdleGlobal', options.maxIdleGlobal, 1024, 0);
    this.idleTimeout = msOption('pool.idleTimeout', options.idleTimeout, 60000, 1) as number;
    this.maxActivePerAddress = intOption('pool.maxActivePerAddress', options.maxActivePerAddress, Infinity, 1, Number.MAX_SAFE_INTEGER, true);
    this.maxWaitingPerAddress = intOption('pool.maxWaitingPerAddress', options.maxWaitingPerAddress, 10000, 0);
  }

  acquire(endpoint: Endpoint): Promise<C> {
    if (this.closed) return Promise.reject(closedError(endpoint));
    const pool = this.poolFor(endpoint.key);
    const now = this.now();
    while (pool.idle.length > 0) {
      const entry = pool.idle.pop() as IdleEntry<C>;
      this.idleTotal--;
      if (entry.connection.isActive() && now - entry.since < this.idleTimeout) return Promise.resolve(entry.connection);
      this.discard(pool, entry.connection);
    }
    if (pool.open < this.maxActivePerAddress) return this.dial(endpoint, pool);
    if (pool.waiters.length >= this.maxWaitingPerAddress) {
      return Promise.reject(
        new RpcOverloadError(
          'client',
          'maxWaitingPerAddress',
          `${pool.waiters.length} calls already wait for a connection to ${endpoint.key} ` +
            `(maxActivePerAddress ${this.maxActivePerAddress}, maxWaitingPerAddress ${this.maxWaitingPerAddress})`,
          { address: endpoint.key },
        ),
      );
    }
    return new Promise<C>((resolve, reject) => pool.waiters.push({ resolve, reject }));
  }

  release(endpoint: Endpoint, connection: C, reusable: boolean): void {
    const pool = this.pools.get(endpoint.key);
    if (pool === undefined) {
      // The pool was closed (or never lent this connection): nothing keeps it.
      connection.close();
      return;
    }
    if (reusable && !this.closed && connection.isActive()) {
      const waiter = pool.waiters.shift();
      if (waiter !== undefined) {
        waiter.resolve(connection);
        return;
      }
      if (pool.idle.length < this.maxIdlePerAddress && this.idleTotal < this.maxIdleGlobal) {
        pool.idle.push({ connection, since: this.now() });
        this.idleTotal++;
        this.startSweeper();
        return;
      }
    }
    this.discard(pool, connection);
    this.serveWaiter(endpoint, pool);
  }

  evict(endpoint: Endpoint, connection: C): void {
    const pool = this.pools.get(endpoint.key);
    if (pool === undefined) return;
    const index = pool.idle.findIndex((entry) => entry.connection === connection);
    if (index < 0) return; // lent: its call releases it
    pool.idle.splice(index, 1);
    this.idleTotal--;
    this.discard(pool, connection);
    this.dropIfUnused(endpoint.key, pool);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopSweeper();
    const pools = [...this.pools];
    this.pools.clear();
    this.idleTotal = 0;
    // State first, then side effects: a connection's close callback may call back into the pool.
    for (const [key, pool] of pools) {
      const idle = pool.idle.splice(0);
      const waiters = pool.waiters.splice(0);
      for (const entry of idle) entry.connection.close();
      for (const waiter of waiters) waiter.reject(closedError({ key }));
    }
  }

  stats(): PoolStats {
    let open = 0;
    let dialing = 0;
    let waiting = 0;
    for (const pool of this.pools.values()) {
      open += pool.open;
      dialing += pool.dialing;
      waiting += pool.waiters.length;
    }
    return { open, idle: this.idleTotal, dialing, waiting, evicted: this.evicted };
  }

  private poolFor(key: string): AddressPool<C> {
    let pool = this.pools.get(key);
    if (pool === undefined) {
      pool = new AddressPool<C>();
      this.pools.set(key, pool);
    }
    return pool;
  }

  private dial(endpoint: Endpoint, pool: AddressPool<C>): Promise<C> {
    pool.open++;
    pool.dialing++;
    return this.connector(endpoint).then(
      (connection) => {
        pool.dialing--;
        if (this.closed) {
          connection.close();
          throw closedError(endpoint);
        }
        return connection;
      },
      (error: unknown) => {
        pool.dialing--;
        pool.open--;
        this.dropIfUnused(endpoint.key, pool);
        throw error;
      },
    );
  }

  /** After a connection left the pool, a waiting call may dial a replacement. */
  private serveWaiter(endpoint: Endpoint, pool: AddressPool<C>): void {
    if (this.closed || pool.waiters.length === 0 || pool.open >= this.maxActivePerAddress) {
      this.dropIfUnused(endpoint.key, pool);
      return;
    }
    const waiter = pool.waiters.shift() as Waiter<C>;
    this.dial(endpoint, pool).then(waiter.resolve, (error: unknown) => {
      waiter.reject(error);
      // A failed dial frees its slot: let the next waiter try (and fail fast if the address is down).
      this.serveWaiter(endpoint, pool);
    });
  }

  private discard(pool: AddressPool<C>, connection: C): void {
    pool.open--;
    this.evicted++;
    connection.close();
  }

  private dropIfUnused(key: string, pool: AddressPool<C>): void {
    if (pool.open === 0 && pool.waiters.length === 0 && this.pools.get(key) === pool) this.pools.delete(key);
  }

  private startSweeper(): void {
    if (this.sweeper !== undefined) return;
    const interval = Math.max(10, Math.min(this.idleTimeout / 2, 5000));
    this.sweeper = setInterval(() => this.sweep(), interval);
    this.sweeper.unref();
  }

  private stopSweeper(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Closes idle connections that aged out or whose peer hung up. */
  sweep(): void {
    const now = this.now();
    const expired: [string, AddressPool<C>, C][] = [];
    for (const [key, pool] of this.pools) {
      let kept = 0;
      for (const entry of pool.idle) {
        if (entry.connection.isActive() && now - entry.since < this.idleTimeout) pool.idle[kept++] = entry;
        else expired.push([key, pool, entry.connection]);
      }
      this.idleTotal -= pool.idle.length - kept;
      pool.idle.length = kept;
    }
    // Closed after the bookkeeping: a close callback may call evict(), which must no longer find them.
    for (const [key, pool, connection] of expired) {
      this.discard(pool, connection);
      this.dropIfUnused(key, pool);
    }
    if (this.idleTotal === 0) this.stopSweeper();
  }
}

function closedError(endpoint: { key: string }): RpcError {
  return new RpcError('ECLOSED', `the client's connection pool is closed; no call to ${endpoint.key} was made`, {
    address: endpoint.key,
  });
}

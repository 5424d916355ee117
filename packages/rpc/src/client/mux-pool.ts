import type { Endpoint } from '../net/address';
import { RpcOverloadError, RpcError } from '../errors';
import type { ConnectionPool, Connector, PoolConnection, PoolStats } from './pool';
import { intOption } from '../validate';

/** Options of the multiplexed pool. */
export interface MuxPoolOptions {
  /** Connections per address, shared by all calls. Default 1. */
  connectionsPerAddress?: number;
  /** Calls in flight per connection; a call finding every connection full fails with EOVERLOAD. Default 10000. */
  maxPendingPerConnection?: number;
}

interface Slot<C> {
  connection: C | undefined;
  /** The dial under way for this slot; every call arriving meanwhile joins it. */
  dialing: Promise<C> | undefined;
}

/**
 * Multiplexed connections: each address gets `connectionsPerAddress` connections, dialed on first use and
 * redialed when they die, and every call shares them — many calls in flight per connection, replies matched by
 * seqid (so the transport must carry whole messages: Framed, THeader or TTHeader).
 *
 * A call takes the next live connection in rotation that has room (under maxPendingPerConnection); a dead or
 * missing connection in its way is redialed and the call waits for that dial.
 */
export class MuxPool<C extends PoolConnection> implements ConnectionPool<C> {
  readonly mode = 'mux' as const;
  private readonly size: number;
  private readonly maxPending: number;
  private readonly slots = new Map<string, Slot<C>[]>();
  private cursor = 0;
  private evicted = 0;
  private closed = false;

  constructor(private readonly connector: Connector<C>, options: MuxPoolOptions = {}) {
    this.size = intOption('mux.connectionsPerAddress', options.connectionsPerAddress, 1, 1, 1024);
    this.maxPending = intOption('mux.maxPendingPerConnection', options.maxPendingPerConnection, 10000, 1);
  }

  acquire(endpoint: Endpoint): Promise<C> {
    if (this.closed) return Promise.reject(closedError(endpoint));
    const slots = this.slotsFor(endpoint.key);
    const start = this.cursor++ % this.size;
    if (this.cursor >= 0x3fffffff) this.cursor = 0;
    let full = 0;
    let firstEmpty: Slot<C> | undefined;
    let firstDialing: Slot<C> | undefined;
    for (let i = 0; i < this.size; i++) {
      const slot = slots[(start + i) % this.size];
      const connection = slot.connection;
      if (connection !== undefined) {
        if (!connection.isActive()) {
          this.forget(slot);
        } else if (connection.inFlight < this.maxPending) {
          return Promise.resolve(connection);
        } else {
          full++;
          continue;
        }
      }
      if (slot.dialing !== undefined) firstDialing ??= slot;
      else firstEmpty ??= slot;
    }
    if (firstEmpty !== undefined) return this.dial(endpoint, firstEmpty);
    if (firstDialing !== undefined) return firstDialing.dialing as Promise<C>;
    return Promise.reject(
      new RpcOverloadError(
        'client',
        'maxPendingPerConnection',
        `all ${full} connections to ${endpoint.key} have ${this.maxPending} calls in flight (mux.maxPendingPerConnection)`,
        { address: endpoint.key },
      ),
    );
  }

  release(_endpoint: Endpoint, connection: C, reusable: boolean): void {
    // Connections stay in their slot; one that is unfit is closed, and its slot redials on next use.
    if (!reusable) connection.close();
  }

  evict(endpoint: Endpoint, connection: C): void {
    const slots = this.slots.get(endpoint.key);
    if (slots === undefined) return;
    for (const slot of slots) if (slot.connection === connection) this.forget(slot);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.slots.values()];
    this.slots.clear();
    for (const slots of all) {
      for (const slot of slots) {
        const connection = slot.connection;
        slot.connection = undefined;
        connection?.close();
      }
    }
  }

  stats(): PoolStats {
    let open = 0;
    let dialing = 0;
    for (const slots of this.slots.values()) {
      for (const slot of slots) {
        if (slot.connection !== undefined) open++;
        else if (slot.dialing !== undefined) {
          open++;
          dialing++;
        }
      }
    }
    return { open, idle: 0, dialing, waiting: 0, evicted: this.evicted };
  }

  private slotsFor(key: string): Slot<C>[] {
    let slots = this.slots.get(key);
    if (slots === undefined) {
      slots = Array.from({ length: this.size }, () => ({ connection: undefined, dialing: undefined }));
      this.slots.set(key, slots);
    }
    return slots;
  }

  private forget(slot: Slot<C>): void {
    const connection = slot.connection;
    if (connection === undefined) return;
    // Cleared before close(): its close callback calls evict(), which must find nothing left to do.
    slot.connection = undefined;
    this.evicted++;
    connection.close();
  }

  private dial(endpoint: Endpoint, slot: Slot<C>): Promise<C> {
    const dialing = this.connector(endpoint).then(
      (connection) => {
        slot.dialing = undefined;
        if (this.closed) {
          connection.close();
          throw closedError(endpoint);
        }
        slot.connection = connection;
        return connection;
      },
      (error: unknown) => {
        slot.dialing = undefined;
        throw error;
      },
    );
    slot.dialing = dialing;
    return dialing;
  }
}

function closedError(endpoint: Endpoint): RpcError {
  return new RpcError('ECLOSED', `the client's connection pool is closed; no call to ${endpoint.key} was made`, {
    address: endpoint.key,
  });
}

import type { Endpoint } from '../net/address';
import { RpcError } from '../errors';
import type { ConnectionPool, Connector, PoolConnection, PoolStats } from './pool';

/**
 * Short connections: every call dials its own connection, which is closed when the call ends. For peers that
 * close after each reply, or when connections must not outlive a call.
 */
export class ShortPool<C extends PoolConnection> implements ConnectionPool<C> {
  readonly mode = 'short' as const;
  private readonly open = new Set<C>();
  private dialing = 0;
  private closed = false;

  constructor(private readonly connector: Connector<C>) {}

  acquire(endpoint: Endpoint): Promise<C> {
    if (this.closed) return Promise.reject(closedError(endpoint));
    this.dialing++;
    return this.connector(endpoint).then(
      (connection) => {
        this.dialing--;
        if (this.closed) {
          connection.close();
          throw closedError(endpoint);
        }
        this.open.add(connection);
        return connection;
      },
      (error: unknown) => {
        this.dialing--;
        throw error;
      },
    );
  }

  release(_endpoint: Endpoint, connection: C): void {
    this.open.delete(connection);
    connection.close();
  }

  evict(_endpoint: Endpoint, connection: C): void {
    this.open.delete(connection);
  }

  close(): void {
    this.closed = true;
    const open = [...this.open];
    this.open.clear();
    for (const connection of open) connection.close();
  }

  stats(): PoolStats {
    return { open: this.open.size + this.dialing, idle: 0, dialing: this.dialing, waiting: 0, evicted: 0 };
  }
}

function closedError(endpoint: Endpoint): RpcError {
  return new RpcError('ECLOSED', `the client is closed; no call to ${endpoint.key} was made`, { address: endpoint.key });
}

import { isRecoverableError } from 'etcd3';
import type { Lease } from 'etcd3';
import { type Registry, type RegistryInfo } from '@thriftpoll/rpc';
import { EtcdConnection, type EtcdConnectionOptions } from './connection';
import { EtcdRegistryError } from './errors';
import { encodeInstance, serviceKey } from './layout';
import { integerOption } from './options';

export interface EtcdRegistryOptions extends EtcdConnectionOptions {
  /**
   * Seconds the registration outlives its process: a killed server's key disappears this long after its last
   * keep-alive (kept alive every ttl/3). Integer >= 1. Default 60, kitex-contrib's default.
   */
  ttl?: number;
  /** Told when a lease was lost and is being re-granted (etcd was away longer than the TTL). Default: a process warning. */
  onLeaseLost?: (key: string, error: Error) => void;
}

/** One key kept under a lease: re-granted and re-written when the lease is lost, until stopped. */
class LeasedKey {
  private lease: Lease | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: EtcdConnection,
    readonly key: string,
    private readonly value: string,
    private readonly ttl: number,
    private readonly onLost: (key: string, error: Error) => void,
  ) {}

  async write(): Promise<void> {
    const lease = this.connection.client.lease(this.ttl, { autoKeepAlive: true });
    this.lease = lease;
    try {
      await lease.put(this.key).value(this.value).options(this.connection.callOptions()).exec();
    } catch (error) {
      lease.release();
      throw error;
    }
    // Watched only once written: a registration that failed is not retried behind the caller's back.
    lease.on('lost', (error) => {
      if (this.stopped || this.lease !== lease) return;
      this.onLost(this.key, error);
      this.rewrite(0);
    });
  }

  /** Removes the key and revokes the lease; resolves even when etcd is unreachable (the lease then expires). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    const lease = this.lease;
    this.lease = undefined;
    await this.connection.client.delete().key(this.key).options(this.connection.callOptions()).exec().catch(() => undefined);
    if (lease !== undefined) await lease.revoke(this.connection.callOptions()).catch(() => lease.release());
  }

  private rewrite(delay: number): void {
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stopped) return;
      this.write().catch(() => this.rewrite(Math.min(Math.max(1000, delay * 2), this.ttl * 1000)));
    }, delay);
    this.retryTimer.unref();
  }
}

/**
 * Registers servers in etcd under kitex-contrib/registry-etcd's keys, each under its own lease (TTL + keep-alive),
 * so Go Kitex clients find thriftpoll servers and the other way round.
 *
 *   const registry = new EtcdRegistry({ endpoints: '127.0.0.1:2379' });
 *   const server = createServer({ service: Echo, handler, registry, registryInfo: { serviceName: 'echo' } });
 *   await server.listen('0.0.0.0:9090');   // resolves once the key is written
 *   await server.close();                  // key deleted and lease revoked before draining
 *   registry.close();
 */
/** Registration attempts, each with a fresh lease, when etcd answers with a recoverable error. */
const REGISTER_ATTEMPTS = 4;

export class EtcdRegistry implements Registry {
  private readonly connection: EtcdConnection;
  private readonly ttl: number;
  private readonly onLeaseLost: (key: string, error: Error) => void;
  private readonly keys = new Map<string, LeasedKey>();

  constructor(options: EtcdRegistryOptions) {
    this.connection = new EtcdConnection(options, 'EtcdRegistry');
    this.ttl = integerOption('EtcdRegistry: ttl (seconds)', options.ttl, 60, 1, 2 ** 31 - 1);
    this.onLeaseLost =
      options.onLeaseLost ??
      ((key, error) => process.emitWarning(`thriftpoll: the etcd lease of ${key} was lost (${error.message}); registering again`, { code: 'THRIFTPOLL_ETCD_LEASE_LOST' }));
  }

  async register(info: RegistryInfo): Promise<void> {
    const key = serviceKey(info.serviceName, info.instance.address);
    if (this.keys.has(key)) throw new EtcdRegistryError(key, `${key} is already registered by this registry`);
    // A fresh lease per attempt: right after a member died, a lease granted through its broken channel can fail
    // its put with UNAVAILABLE after etcd3's own retries; a new lease goes through a surviving member.
    for (let attempt = 0; ; attempt++) {
      const leased = new LeasedKey(this.connection, key, encodeInstance(info.instance), this.ttl, this.onLeaseLost);
      try {
        await leased.write();
        this.keys.set(key, leased);
        return;
      } catch (error) {
        if (attempt >= REGISTER_ATTEMPTS - 1 || !isRecoverableError(error as Error)) {
          throw new EtcdRegistryError(key, `could not register ${key} in etcd: ${(error as Error).message}`, error);
        }
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
      }
    }
  }

  async deregister(info: RegistryInfo): Promise<void> {
    const key = serviceKey(info.serviceName, info.instance.address);
    const leased = this.keys.get(key);
    if (leased === undefined) return;
    this.keys.delete(key);
    await leased.stop();
  }

  /** Deregisters everything still registered, then closes the etcd client if this registry made it. */
  async close(): Promise<void> {
    const all = [...this.keys.values()];
    this.keys.clear();
    await Promise.all(all.map((leased) => leased.stop()));
    this.connection.close();
  }
}

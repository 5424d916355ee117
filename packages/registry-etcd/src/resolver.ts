import type { IKeyValue, Watcher } from 'etcd3';
import { RpcOptionError, type Instance, type Resolver, type ResolverListener, type ResolverWatch } from '@thriftpoll/rpc';
import { EtcdConnection, type EtcdConnectionOptions } from './connection';
import { decodeInstance, serviceKeyPrefix } from './layout';

export interface EtcdResolverOptions extends EtcdConnectionOptions {
  /**
   * Told about a value under a service's prefix that is not an instance (it is skipped). Default: a process
   * warning (code THRIFTPOLL_ETCD_BAD_INSTANCE) naming the key. Each bad value is reported once.
   */
  onWarning?: (message: string, key: string) => void;
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2000;

/** One watched service: the instances by key, kept in step with etcd and re-read after every reconnection. */
class ServiceWatch implements ResolverWatch {
  private readonly prefix: string;
  private readonly instances = new Map<string, Instance>();
  private readonly reported = new Set<string>();
  private watcher: Watcher | undefined;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = FIRST_RETRY_MS;
  private updateQueued = false;

  constructor(
    private readonly connection: EtcdConnection,
    serviceName: string,
    private readonly listener: ResolverListener,
    private readonly warn: (message: string, key: string) => void,
  ) {
    this.prefix = serviceKeyPrefix(serviceName);
    this.sync();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    const watcher = this.watcher;
    this.watcher = undefined;
    if (watcher !== undefined) await watcher.cancel().catch(() => undefined);
  }

  /** Reads the whole prefix, publishes it, then watches from the revision after the read. Retries until it works. */
  private sync(): void {
    if (this.closed) return;
    const client = this.connection.client;
    client
      .getAll()
      .prefix(this.prefix)
      .options(this.connection.callOptions())
      .exec()
      .then(async (response) => {
        if (this.closed) return;
        this.instances.clear();
        for (const kv of response.kvs) this.apply(kv);
        this.publish();
        const watcher = await client.watch().prefix(this.prefix).startRevision(String(Number(response.header.revision) + 1)).create();
        if (this.closed) {
          await watcher.cancel();
          return;
        }
        this.retryDelay = FIRST_RETRY_MS;
        this.watcher = watcher;
        let lost = false;
        watcher
          .on('put', (kv) => {
            this.apply(kv);
            this.queuePublish();
          })
          .on('delete', (kv) => {
            this.instances.delete(kv.key.toString());
            this.queuePublish();
          })
          .on('disconnected', (error) => {
            // etcd3 reconnects the watch on its own; what changed meanwhile is read again on 'connected'.
            lost = true;
            this.listener.error(error);
          })
          .on('connected', () => {
            if (!lost) return;
            lost = false;
            this.restart(watcher);
          })
          .on('error', (error) => {
            this.listener.error(error);
            this.restart(watcher);
          });
      })
      .catch((error: Error) => {
        if (this.closed) return;
        this.listener.error(error);
        this.retryTimer = setTimeout(() => this.sync(), this.retryDelay);
        this.retryDelay = Math.min(MAX_RETRY_MS, this.retryDelay * 2);
      });
  }

  /** Drops `watcher` and starts over with a full read (the events missed while disconnected are not replayed reliably). */
  private restart(watcher: Watcher): void {
    if (this.watcher !== watcher || this.closed) return;
    this.watcher = undefined;
    watcher.removeAllListeners();
    void watcher.cancel().catch(() => undefined);
    this.sync();
  }

  private apply(kv: IKeyValue): void {
    const key = kv.key.toString();
    const decoded = decodeInstance(kv.value.toString());
    if (typeof decoded === 'string') {
      this.instances.delete(key);
      const report = `${key}@${kv.mod_revision}`;
      if (!this.reported.has(report)) {
        this.reported.add(report);
        this.warn(`thriftpoll: skipping etcd key ${key}: ${decoded}`, key);
      }
      return;
    }
    this.instances.set(key, decoded);
  }

  private queuePublish(): void {
    if (this.updateQueued) return;
    this.updateQueued = true;
    // One update for all the events of one watch response.
    queueMicrotask(() => {
      this.updateQueued = false;
      if (!this.closed) this.publish();
    });
  }

  private publish(): void {
    this.listener.update([...this.instances.values()]);
  }
}

/**
 * Resolves service names to the instances registered under kitex-contrib/registry-etcd's keys (by thriftpoll or
 * Go Kitex servers) and follows changes with an etcd watch. When etcd is unreachable the listener is told and
 * the watch is retried; clients keep their last instances.
 *
 *   const resolver = new EtcdResolver({ endpoints: 'etcd://127.0.0.1:2379' });
 *   const echo = createClient(Echo, { resolver, destService: 'echo', timeout: 1000 });
 */
export class EtcdResolver implements Resolver {
  readonly name = 'etcd';
  private readonly connection: EtcdConnection;
  private readonly warn: (message: string, key: string) => void;
  private readonly watches = new Set<ServiceWatch>();

  constructor(options: EtcdResolverOptions) {
    this.connection = new EtcdConnection(options, 'EtcdResolver');
    if (options.onWarning !== undefined && typeof options.onWarning !== 'function') throw new RpcOptionError('EtcdResolver: onWarning must be a function');
    this.warn = options.onWarning ?? ((message) => process.emitWarning(message, { code: 'THRIFTPOLL_ETCD_BAD_INSTANCE' }));
  }

  async resolve(serviceName: string): Promise<Instance[]> {
    checkServiceName(serviceName);
    const response = await this.connection.client.getAll().prefix(serviceKeyPrefix(serviceName)).options(this.connection.callOptions()).exec();
    const instances: Instance[] = [];
    for (const kv of response.kvs) {
      const decoded = decodeInstance(kv.value.toString());
      if (typeof decoded === 'string') this.warn(`thriftpoll: skipping etcd key ${kv.key.toString()}: ${decoded}`, kv.key.toString());
      else instances.push(decoded);
    }
    return instances;
  }

  watch(serviceName: string, listener: ResolverListener): ResolverWatch {
    checkServiceName(serviceName);
    const watch = new ServiceWatch(this.connection, serviceName, listener, this.warn);
    this.watches.add(watch);
    return {
      close: () => {
        this.watches.delete(watch);
        return watch.close();
      },
    };
  }

  /** Stops every watch, then closes the etcd client if this resolver made it. */
  async close(): Promise<void> {
    await Promise.all([...this.watches].map((watch) => watch.close()));
    this.watches.clear();
    this.connection.close();
  }
}

function checkServiceName(serviceName: unknown): void {
  if (typeof serviceName !== 'string' || serviceName.length === 0 || serviceName.includes('/')) {
    throw new RpcOptionError(`a service name must be a non-empty string without '/', got ${JSON.stringify(serviceName)}`);
  }
}

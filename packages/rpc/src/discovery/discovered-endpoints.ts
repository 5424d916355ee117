import { RpcNoInstanceError } from '../errors';
import { instanceEndpoint, type DiscoveredEndpoint, type Instance } from './instance';
import type { Resolver, ResolverWatch } from './resolver';

/**
 * A client's view of one discovered service: the watch (started by the first call), the latest instance list
 * as endpoints, and the calls waiting for the first list. When the registry becomes unreachable the last list
 * stays in use; the resolver keeps retrying its watch.
 */
export class DiscoveredEndpoints {
  /** The current endpoints; replaced (never mutated) on every update. */
  endpoints: readonly DiscoveredEndpoint[] = [];
  /** True once the first list arrived. */
  ready = false;
  private watch: ResolverWatch | undefined;
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private closed = false;

  constructor(
    private readonly resolver: Resolver,
    readonly serviceName: string,
    private readonly onChange: (endpoints: readonly DiscoveredEndpoint[]) => void,
  ) {}

  /**
   * Resolves once the first instance list arrived; starts the watch on first use. Rejects with ENOINSTANCE when
   * the registry reports an error before any list, or when `timeout` ms pass first (the watch goes on).
   */
  whenReady(timeout: number | undefined): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.closed) return Promise.reject(this.noInstance('the client is closed'));
    this.start();
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = {
        resolve: () => {
          if (timer !== undefined) clearTimeout(timer);
          resolve();
        },
        reject: (error: unknown) => {
          if (timer !== undefined) clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.push(waiter);
      if (timeout !== undefined) {
        timer = setTimeout(() => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(this.noInstance(`the ${this.resolver.name} registry gave no instance list within ${timeout} ms`));
        }, timeout);
      }
    });
  }

  /** The error for a call finding no instance. */
  noInstance(why: string, cause?: unknown): RpcNoInstanceError {
    return new RpcNoInstanceError(this.serviceName, `no instance of service '${this.serviceName}' to call: ${why}`, { cause });
  }

  close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.noInstance('the client was closed while resolving'));
    const watch = this.watch;
    this.watch = undefined;
    return watch === undefined ? Promise.resolve() : watch.close();
  }

  private start(): void {
    if (this.watch !== undefined) return;
    this.watch = this.resolver.watch(this.serviceName, {
      update: (instances) => this.update(instances),
      error: (error) => {
        // Calls waiting for a first list fail now; later calls wait for the retried watch again.
        if (this.ready) return;
        for (const waiter of this.waiters.splice(0)) waiter.reject(this.noInstance(`the ${this.resolver.name} registry could not be read (${error.message})`, error));
      },
    });
  }

  private update(instances: readonly Instance[]): void {
    if (this.closed) return;
    const seen = new Set<string>();
    const endpoints: DiscoveredEndpoint[] = [];
    for (const instance of instances) {
      let endpoint: DiscoveredEndpoint;
      try {
        endpoint = instanceEndpoint(instance);
      } catch (error) {
        // A resolver should have filtered it; one bad entry must not hide the others.
        process.emitWarning(`thriftpoll: skipping an instance of '${this.serviceName}' from ${this.resolver.name}: ${(error as Error).message}`, { code: 'THRIFTPOLL_BAD_INSTANCE' });
        continue;
      }
      if (seen.has(endpoint.key)) continue;
      seen.add(endpoint.key);
      endpoints.push(endpoint);
    }
    this.endpoints = endpoints;
    this.ready = true;
    this.onChange(endpoints);
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }
}

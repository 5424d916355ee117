import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { Etcd3, isRecoverableError } from 'etcd3';
import { RpcOptionError } from '@thriftpoll/rpc';
import { msOption } from './options';

/** Where etcd is: give `endpoints` (the client is made and closed here) or your own etcd3 `client`. */
export interface EtcdConnectionOptions {
  /** `host:port` of each cluster member (or `etcd://host:port,host:port`, or `http://host:port` entries). */
  endpoints?: string | readonly string[];
  /** An etcd3 client to use instead; it is left open on close(). */
  client?: Etcd3;
  /**
   * Milliseconds an etcd read, delete or revoke may take, its retries on other members included. Default 3000.
   * (Writes under a lease are retried for about 3.5 s: etcd3 sends them without call options.)
   */
  requestTimeout?: number;
}

/**
 * Splits `etcd://h1:p1,h2:p2` (or a plain `h1:p1,h2:p2`) into `host:port` entries. Throws RpcOptionError naming
 * what was seen.
 */
export function parseEtcdEndpoints(value: string | readonly string[], name = 'endpoints'): string[] {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
  if (list === undefined || list.length === 0) throw new RpcOptionError(`${name} must be 'host:port', 'etcd://host:port[,host:port...]' or a non-empty array of them, got ${JSON.stringify(value)}`);
  const endpoints: string[] = [];
  for (const entry of list) {
    if (typeof entry !== 'string') throw new RpcOptionError(`${name} entries must be strings, got ${JSON.stringify(entry)}`);
    const body = entry.replace(/^(etcd|http):\/\//, '').replace(/\/$/, '');
    for (const part of body.split(',')) {
      if (!/^(\[[0-9a-fA-F:]+\]|[^\s:/[\]]+):\d{1,5}$/.test(part)) {
        throw new RpcOptionError(`${name}: ${JSON.stringify(part)} in ${JSON.stringify(entry)} is not 'host:port' (expected e.g. etcd://127.0.0.1:2379)`);
      }
      endpoints.push(part);
    }
  }
  return endpoints;
}

/** An etcd3 client and whether this package owns it. */
export class EtcdConnection {
  readonly client: Etcd3;
  readonly requestTimeout: number;
  private readonly owned: boolean;

  constructor(options: EtcdConnectionOptions, what: string) {
    if (typeof options !== 'object' || options === null) throw new RpcOptionError(`${what} needs options { endpoints } or { client }, got ${String(options)}`);
    if ((options.endpoints === undefined) === (options.client === undefined)) {
      throw new RpcOptionError(`${what}: give exactly one of endpoints (e.g. '127.0.0.1:2379') or client (an etcd3 Etcd3)`);
    }
    this.requestTimeout = msOption(`${what}: requestTimeout`, options.requestTimeout, 3000, 1) as number;
    if (options.client !== undefined) {
      if (!(options.client instanceof Etcd3)) throw new RpcOptionError(`${what}: client must be an etcd3 Etcd3 instance`);
      this.client = options.client;
      this.owned = false;
    } else {
      this.client = new Etcd3({
        hosts: parseEtcdEndpoints(options.endpoints as string | readonly string[], `${what}.endpoints`).map((endpoint) => `http://${endpoint}`),
        dialTimeout: this.requestTimeout,
        faultHandling: {
          // Retried across members for ~3.5 s: long enough to ride out a leader election after a member died
          // (~1-2 s in which the survivors refuse requests too); etcd3's default gives up after 3 quick attempts.
          global: retry(handleWhen(isRecoverableError), { maxAttempts: 8, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1000 }) }),
          // Re-establish a broken watch within 2 s of etcd coming back (etcd3's default backs off to 30 s).
          watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }).next(),
        },
      });
      this.owned = true;
    }
  }

  /** gRPC call options bounding one request. */
  callOptions(): { deadline: number } {
    return { deadline: Date.now() + this.requestTimeout };
  }

  close(): void {
    if (this.owned) this.client.close();
  }
}

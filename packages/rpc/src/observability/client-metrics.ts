import { performance } from 'node:perf_hooks';
import type { Counter, Gauge } from 'prom-client';
import type { ClientStats } from '../client/client-stats';
import type { ClientContext } from '../client/client-context';
import type { Middleware } from '../middleware';
import { CallStats } from './call-stats';
import { clientOutcome } from './outcome';
import { perRegistry } from './per-registry';
import { DURATION_BUCKETS, promClient, type Registry } from './prom';

/** What the metrics read from a client when scraped. */
export interface MeteredClient {
  /** Every address the client calls (`host:port` or a socket path). */
  readonly endpoints: readonly { readonly key: string }[];
  /** Open connections by address. */
  connectionsByAddress(): ReadonlyMap<string, number>;
  /** In flight, unhealthy addresses, circuit breakers not closed. */
  stats(): Pick<ClientStats, 'inFlight' | 'unhealthy' | 'circuits'>;
}

/**
 * The client metrics of one registry, shared by the clients that use it (counts add up; gauges sum over the
 * clients open at scrape time). Per call: a few additions (see CallStats), plus a retry count when the call
 * was retried.
 */
export class ClientMetrics {
  private readonly clients = new Set<MeteredClient>();
  private readonly calls = new CallStats(DURATION_BUCKETS);
  /** The registered requests counter, to tell whether the registry still holds these metrics. */
  private readonly requests: object;
  private readonly retries: Counter<'service' | 'method'>;

  /** The metrics of `registry`, registered there the first time. */
  static readonly of = perRegistry('thriftpoll_client_requests_total', (registry) => new ClientMetrics(registry), (metrics) => metrics.requests);

  private constructor(registry: Registry) {
    const prom = promClient();
    const registers = [registry];
    this.requests = this.calls.register(
      registry,
      {
        name: 'thriftpoll_client_requests_total',
        help: 'Calls made, by service, method and outcome code (OK, a declared exception, a TApplicationException type, an RpcError code).',
      },
      { name: 'thriftpoll_client_request_duration_seconds', help: 'Time of a call, retries included, in seconds.' },
    );
    this.retries = new prom.Counter({
      name: 'thriftpoll_client_retries_total',
      help: 'Attempts made beyond the first (retries), by service and method.',
      labelNames: ['service', 'method'],
      registers,
    });
    const clients = this.clients;
    new prom.Gauge({
      name: 'thriftpoll_client_connections',
      help: 'Open connections, by address.',
      labelNames: ['address'],
      registers,
      collect(this: Gauge<'address'>) {
        this.reset();
        for (const client of clients) {
          for (const [address, count] of client.connectionsByAddress()) this.inc({ address }, count);
        }
      },
    });
    new prom.Gauge({
      name: 'thriftpoll_client_address_unhealthy',
      help: 'Addresses skipped after connection failures (1) or in use (0).',
      labelNames: ['address'],
      registers,
      collect(this: Gauge<'address'>) {
        this.reset();
        for (const client of clients) {
          for (const endpoint of client.endpoints) this.set({ address: endpoint.key }, 0);
        }
        for (const client of clients) {
          for (const { address } of client.stats().unhealthy) this.set({ address }, 1);
        }
      },
    });
    new prom.Gauge({
      name: 'thriftpoll_client_circuit_breakers',
      help: 'Circuit breakers not closed (option circuitBreaker), 1 each, by target (address or Service.method), kind and state.',
      labelNames: ['target', 'kind', 'state'],
      registers,
      collect(this: Gauge<'target' | 'kind' | 'state'>) {
        this.reset();
        for (const client of clients) {
          for (const { target, kind, state } of client.stats().circuits) this.inc({ target, kind, state });
        }
      },
    });
    new prom.Gauge({
      name: 'thriftpoll_client_in_flight_requests',
      help: 'Calls waiting for a reply.',
      registers,
      collect(this: Gauge) {
        let sum = 0;
        for (const client of clients) sum += client.stats().inFlight;
        this.set(sum);
      },
    });
  }

  attach(client: MeteredClient): void {
    this.clients.add(client);
  }

  detach(client: MeteredClient): void {
    this.clients.delete(client);
  }

  /** The client middleware that counts and times every call. */
  middleware(): Middleware<ClientContext> {
    return (ctx, next) => {
      const start = performance.now();
      return next().then(
        () => this.record(ctx, undefined, start),
        (error: unknown) => {
          this.record(ctx, error, start);
          throw error;
        },
      );
    };
  }

  private record(ctx: ClientContext, error: unknown, start: number): void {
    this.calls.record(this.calls.cell(ctx.service, ctx.method, clientOutcome(error).code), (performance.now() - start) / 1000);
    if (ctx.attempts > 1) this.retries.inc({ service: ctx.service, method: ctx.method }, ctx.attempts - 1);
  }
}

import { TransportError } from '@thriftpoll/transport';
import { parseAddress, type Address, type AddressLike } from '../net/address';
import { RpcOptionError, type OverloadLimit } from '../errors';
import type { Middleware } from '../middleware';
import type { NetConnection } from '../net/net-connection';
import type { ServerContext } from '../server/server-context';
import { boolOption, checkKnownKeys, describeValue } from '../validate';
import { callScopeMiddleware } from './call-scope';
import { registerEngineMetrics } from './engine-metrics';
import { HttpEndpoints } from './http-endpoints';
import { registryOption, type Registry } from './prom';
import { ServerMetrics, type MeteredServer } from './server-metrics';
import { serverTracingMiddleware, tracerOption, type TracingOption } from './tracing';

/** The object form of a server's `metrics` option. */
export interface ServerMetricsOptions {
  /** Where the metrics are registered and read from by `/metrics`. Default: prom-client's default registry. */
  registry?: Registry;
  /**
   * Also serve `/metrics` and `/healthz` on this separate address (Node's HTTP server), e.g. '127.0.0.1:9464'.
   * Its `/healthz` answers 503 from the moment `close()` begins until the server has closed.
   */
  admin?: AddressLike;
}

/**
 * A server's `metrics` option: `true` (prom-client's default registry), a prom-client `Registry`, or
 * {@link ServerMetricsOptions}. Off by default.
 */
export type ServerMetricsOption = boolean | Registry | ServerMetricsOptions;

/** What the observer needs from its server. */
export interface ObservedServer extends MeteredServer {
  readonly address: Address | undefined;
  readonly shuttingDown: boolean;
}

/** The observability options of createServer. */
export interface ServerObservabilityOptions {
  metrics?: ServerMetricsOption;
  tracing?: TracingOption;
  propagateContext?: boolean;
}

function metricsOption(value: unknown): { registry: Registry; admin: Address | undefined } | undefined {
  if (typeof value === 'object' && value !== null && typeof (value as { registerMetric?: unknown }).registerMetric !== 'function') {
    const record = value as Record<string, unknown>;
    if (Array.isArray(value)) throw new RpcOptionError(`metrics must be true, false, a prom-client Registry or { registry?, admin? }, got ${describeValue(value)}`);
    checkKnownKeys('metrics', record, ['registry', 'admin']);
    const registry = registryOption('metrics.registry', record.registry ?? true) as Registry;
    return { registry, admin: record.admin === undefined ? undefined : parseAddress(record.admin, 'metrics.admin') };
  }
  const registry = registryOption('metrics', value);
  return registry === undefined ? undefined : { registry, admin: undefined };
}

/**
 * Everything a server shows of itself: metrics, `/metrics` and `/healthz`, traces and the call scope. Made only
 * when one of them is on; the server and its sessions then call it at a few points (settled calls, bytes,
 * refusals, HTTP connections, listen, close) and run its middleware (tracing, call scope) outermost.
 */
export class ServerObserver {
  /** Outermost first: tracing, then the call scope (metrics need none: the session reports settled calls). */
  readonly middleware: readonly Middleware<ServerContext>[];
  private readonly metrics: ServerMetrics | undefined;
  private readonly http: HttpEndpoints | undefined;
  private readonly admin: Address | undefined;

  private constructor(
    private readonly server: ObservedServer,
    metrics: { registry: Registry; admin: Address | undefined } | undefined,
    tracing: ReturnType<typeof tracerOption>,
    propagateContext: boolean,
  ) {
    const middleware: Middleware<ServerContext>[] = [];
    if (metrics !== undefined) {
      this.metrics = ServerMetrics.of(metrics.registry);
      this.metrics.attach(server);
      this.http = new HttpEndpoints(metrics.registry, () => !server.shuttingDown);
      this.admin = metrics.admin;
    }
    if (tracing !== undefined) middleware.push(serverTracingMiddleware(tracing.api, tracing.tracer, () => server.address));
    if (propagateContext) middleware.push(callScopeMiddleware());
    this.middleware = middleware;
  }

  /** The observer of a server, or undefined when nothing is observed (then nothing costs anything). */
  static create(options: ServerObservabilityOptions, server: ObservedServer, engine: 'netpoll' | 'net'): ServerObserver | undefined {
    const metrics = metricsOption(options.metrics);
    const tracing = tracerOption('tracing', options.tracing);
    const propagateContext = boolOption('propagateContext', options.propagateContext, false);
    if (metrics === undefined && tracing === undefined && !propagateContext) return undefined;
    if (metrics !== undefined && engine === 'netpoll') registerEngineMetrics(metrics.registry);
    return new ServerObserver(server, metrics, tracing, propagateContext);
  }

  /** The admin port's address once listening (metrics.admin). */
  get adminAddress(): Address | undefined {
    return this.http?.adminAddress;
  }

  /** A call settled (its outcome is on the context), before its reply is written. */
  settled(context: ServerContext): void {
    this.metrics?.record(context);
  }

  received(bytes: number): void {
    if (this.metrics !== undefined) this.metrics.receivedBytes += bytes;
  }

  sent(bytes: number): void {
    if (this.metrics !== undefined) this.metrics.sentBytes += bytes;
  }

  refused(limit: OverloadLimit): void {
    this.metrics?.refused(limit);
  }

  /**
   * A connection's input failed to decode with `error`: if it is an HTTP request and metrics are on, the
   * connection is taken over to answer /metrics or /healthz (true; `refused` runs if the request turns out to
   * be for something else, which gets the usual refusal); otherwise the session handles it as usual.
   */
  takeHttp(error: unknown, connection: NetConnection, refused: () => void): boolean {
    if (this.http === undefined || !(error instanceof TransportError) || error.code !== 'HTTP_REQUEST') return false;
    this.http.serveConnection(connection, refused);
    return true;
  }

  /** The server is listening: start the admin port if one was asked for. */
  async listening(): Promise<void> {
    if (this.http !== undefined && this.admin !== undefined) await this.http.listen(this.admin);
  }

  /** The server closed: its gauges leave the registry's sums, the admin port closes. */
  async closed(): Promise<void> {
    this.metrics?.detach(this.server);
    await this.http?.close();
  }
}

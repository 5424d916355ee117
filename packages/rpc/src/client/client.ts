import {
  ProtocolId,
  type CallOptions,
  type Invoker,
  type MethodDescriptor,
  type ReaderOptions,
  type ServiceDescriptor,
} from '@thriftpoll/protocol';
import { formatAddress, parseAddress, parseEndpoints, type AddressLike, type Endpoint, type WeightedAddress } from '../net/address';
import type { LoadBalancer } from './balancer';
import { BALANCER_NAMES, createBalancer, type BalancerName } from '../governance/create-balancer';
import { ClientConnection, type ClientWireOptions } from './client-connection';
import { ClientContext } from './client-context';
import { decoderOptions, TRANSPORT_NAMES, transportAlias, type TransportOption } from '../codec';
import { DiscoveredEndpoints } from '../discovery/discovered-endpoints';
import type { Resolver } from '../discovery/resolver';
import { isCodeFirstService, serviceDescriptor, type CodeFirstClient, type StructClass } from '../code-first';
import { RequestHeaders } from '../metadata/request-headers';
import { resolveEngine, resolveTlsEngine, type EngineName } from '../net/engines';
import { resolveClientTls, type ClientTlsOptions, type ResolvedClientTls } from '../net/tls';
import { RpcError, RpcOptionError } from '../errors';
import { EndpointPicker } from './endpoint-picker';
import { ResolvingCall, type CallRoute } from './resolving-call';
import { HealthTracker, type HealthOptions } from './health';
import { LongPool, type LongPoolOptions } from './long-pool';
import { compose, type Chain, type Middleware } from '../middleware';
import { MuxPool, type MuxPoolOptions } from './mux-pool';
import type { DialOptions, NetEngine } from '../net/net-connection';
import { callWithin, currentServerCall } from '../observability/call-scope';
import { ClientObserver, type ClientMetricsOption } from '../observability/client-observer';
import type { TracingOption } from '../observability/tracing';
import type { ConnectionPool } from './pool';
import type { ClientStats } from './client-stats';
import { RetryPolicy, type RetryOptions } from './retry';
import { BackupPolicy, type BackupOptions } from '../governance/backup';
import { CircuitBreakers, type CircuitBreakersOptions } from '../governance/circuit-breakers';
import { ShortPool } from './short-pool';
import { LogLimiter } from '../log-limiter';
import { consoleLogger, loggerOption, type Logger } from '../logger';
import { boolOption, checkKnownKeys, describeValue, keepAliveOption, enumOption, headersOption, intOption, msOption, objectOption } from '../validate';

export interface ClientOptions {
  /** The server to call. Give `address`, `addresses` or `resolver`. */
  address?: AddressLike;
  /** Several servers, balanced by `loadBalancer`; entries may carry a `weight`. */
  addresses?: readonly (AddressLike | WeightedAddress)[];
  /**
   * Finds the instances of `destService` in a registry (e.g. an EtcdResolver) and follows changes; the first
   * call waits for the first list. See docs/discovery.md.
   */
  resolver?: Resolver;
  /** The service name looked up with `resolver` (as registered, e.g. Kitex's service name). */
  destService?: string;
  /**
   * Default 'framed'. THeader/TTHeader carry headers (metadata) and deadlines; Buffered/Framed do not. 'header'
   * is accepted for 'theader'.
   */
  transport?: TransportOption;
  /** Default 'binary'. */
  protocol?: 'binary' | 'compact';
  /**
   * How calls get connections. 'pool' (default): Kitex-style long connections, one call per connection at a time,
   * kept idle for reuse. 'mux': `mux.connectionsPerAddress` connections shared by all calls, replies matched by
   * seqid (Framed, THeader, TTHeader). 'short': a connection per call.
   */
  mode?: 'pool' | 'mux' | 'short';
  pool?: LongPoolOptions;
  mux?: MuxPoolOptions;
  /**
   * Default timeout of every call, in ms (all attempts included). Default 10000 (a call never waits forever for
   * a server that does not answer); `Infinity` for none.
   */
  timeout?: number;
  /** Milliseconds to establish a connection. Default 1000. */
  connectTimeout?: number;
  /**
   * 'weighted-random' (default), 'round-robin', 'weighted-round-robin' (smooth, Kitex's default),
   * 'consistent-hash' (on the call option `hashKey`), or your own (e.g. a configured ConsistentHashBalancer).
   */
  loadBalancer?: BalancerName | LoadBalancer;
  /** When to skip an address after connection failures, and when to try it again. */
  health?: HealthOptions;
  /** Retries; off unless given. See RetryOptions. */
  retry?: RetryOptions;
  /** Circuit breakers per instance and per method; off unless given (`{}` for the defaults). See docs/discovery.md. */
  circuitBreaker?: CircuitBreakersOptions;
  /** Backup requests for idempotent methods: a second attempt elsewhere after `delay` ms; off unless given. */
  backup?: BackupOptions;
  /** Onion middleware around every call, outermost first. */
  middleware?: readonly Middleware<ClientContext>[];
  /** Headers sent with every call (THeader/TTHeader). */
  headers?: Readonly<Record<string, string>>;
  /** This caller's service name, sent as TTHeader FromService. */
  serviceName?: string;
  /** Prefix method names with "<service>:" (Apache's TMultiplexedProtocol); a string overrides the service name. */
  multiplexed?: boolean | string;
  /** Largest reply frame accepted, bytes. Default 16,384,000. */
  maxFrameSize?: number;
  /** Largest unframed or inflated reply accepted, bytes. Default 100 MiB. */
  maxMessageSize?: number;
  /** Reader limits for decoding replies. */
  readerOptions?: ReaderOptions;
  /** What to do with call headers on Buffered/Framed, which cannot carry them. Default 'warn' (once per process). */
  droppedHeaders?: 'warn' | 'error' | 'ignore';
  /** The network engine: 'netpoll' or 'net'. Default: THRIFTPOLL_ENGINE, else 'netpoll' where the addon loads, else 'net' (warned once). */
  engine?: EngineName | NetEngine;
  /** TLS to the servers (Node's tls option names: ca, cert, key, servername, ...; see ClientTlsOptions). Runs on the 'net' engine. */
  tls?: ClientTlsOptions;
  /**
   * Sends a call once more, on a fresh connection, when it provably never ran on the server: its connection
   * failed before its bytes left, or after the server had refused an earlier call on it as shutting down, or the
   * server refused the call itself as shutting down. Independent of `retry` (which, when given, decides instead).
   * Default true.
   */
  resendUnsent?: boolean;
  /** Closes a connection whose server has not taken the calls flushed to it for this many ms. Default 0: no limit. */
  writeTimeout?: number;
  /** TCP keepalive probes after this many ms of silence (detects a dead server on an idle connection). Default 0: off; else >= 1000. */
  keepAlive?: number;
  /**
   * Where the client logs failures no call sees (a connection's input handler failing), rate-limited like the
   * server's (see ServerOptions.logger). Default: consoleLogger('info').
   */
  logger?: Logger;
  /**
   * Prometheus metrics (prom-client, loaded only when on): `true` for prom-client's default registry, or a
   * `Registry`. Default off: no cost. See docs/observability.md.
   */
  metrics?: ClientMetricsOption;
  /**
   * OpenTelemetry CLIENT spans for every call (needs `@opentelemetry/api` and an SDK): `true` or
   * `{ tracerProvider }`. On THeader/TTHeader the span's context goes with the call as W3C `traceparent`.
   */
  tracing?: TracingOption;
}

const KNOWN_OPTIONS = [
  'address',
  'addresses',
  'resolver',
  'destService',
  'transport',
  'protocol',
  'mode',
  'pool',
  'mux',
  'timeout',
  'connectTimeout',
  'loadBalancer',
  'health',
  'retry',
  'circuitBreaker',
  'backup',
  'middleware',
  'headers',
  'serviceName',
  'multiplexed',
  'maxFrameSize',
  'maxMessageSize',
  'readerOptions',
  'droppedHeaders',
  'engine',
  'tls',
  'resendUnsent',
  'writeTimeout',
  'keepAlive',
  'logger',
  'metrics',
  'tracing',
];

/** The default `timeout` of a call, ms. */
export const DEFAULT_CALL_TIMEOUT = 10_000;

/**
 * The invoker behind typed clients. One RpcClient can serve several services' clients (`client.use(Service)`),
 * sharing connections. It validates the options, owns the pools, connections, stats and middleware, and builds
 * once the route its call layers share; each call then runs through them (diagram in resolving-call.ts):
 * ResolvingCall (closed, abort, deadline, discovery) → RetryingCall (endpoints, retries, backups, resends) →
 * Attempt (breaker admission, headers, timer, abort, connection).
 */
export class RpcClient implements Invoker {
  /** What the call layers use (resolving-call.ts, retrying-call.ts, attempt.ts); `closed` is set by close(). */
  private readonly route: CallRoute & { closed: boolean };
  private readonly pool: ConnectionPool<ClientConnection>;
  private readonly mode: 'pool' | 'mux' | 'short';
  private readonly health: HealthTracker;
  private readonly breakers: CircuitBreakers | undefined;
  private readonly chain: Chain<ClientContext> | undefined;
  private readonly observer: ClientObserver | undefined;
  private readonly engine: NetEngine;
  private readonly tls: ResolvedClientTls | undefined;
  private readonly wire: ClientWireOptions;
  private readonly defaultTimeout: number | undefined;
  private readonly connectTimeout: number;
  private readonly defaultHeaders: Readonly<Record<string, string>> | undefined;
  private readonly connections = new Set<ClientConnection>();
  private readonly dialOptions: DialOptions;
  private discardedFromClosed = 0;

  constructor(options: ClientOptions) {
    const record = objectOption('client options', options);
    if (record === undefined) throw new RpcOptionError('a client needs options with address, addresses or resolver');
    checkKnownKeys('client options', record, KNOWN_OPTIONS);
    if ([options.address, options.addresses, options.resolver].filter((given) => given !== undefined).length !== 1) {
      throw new RpcOptionError('give exactly one of address or addresses, or a resolver with destService');
    }
    const discovery = options.resolver === undefined ? undefined : discoveredEndpoints(options.resolver, options.destService, (endpoints) => this.route.picker.endpointsChanged(endpoints));
    if (discovery === undefined && options.destService !== undefined) throw new RpcOptionError('destService needs resolver');
    const staticEndpoints = options.address !== undefined ? [singleEndpoint(options.address)] : options.addresses !== undefined ? parseEndpoints(options.addresses) : [];
    if (discovery === undefined && staticEndpoints.length === 0) throw new RpcOptionError('addresses is empty: give at least one address');
    const transport = enumOption('transport', transportAlias(options.transport), 'framed', TRANSPORT_NAMES);
    const protocol = enumOption('protocol', options.protocol, 'binary', ['binary', 'compact']);
    this.mode = enumOption('mode', options.mode, 'pool', ['pool', 'mux', 'short']);
    if (this.mode === 'mux' && transport === 'buffered') {
      throw new RpcOptionError("mode 'mux' needs a transport that frames whole messages: 'framed', 'theader', 'ttheader', 'ttheader-framed' or 'framed-theader', not 'buffered'");
    }
    if (this.mode !== 'pool' && options.pool !== undefined) throw new RpcOptionError(`pool options apply to mode 'pool', not '${this.mode}'`);
    if (this.mode !== 'mux' && options.mux !== undefined) throw new RpcOptionError(`mux options apply to mode 'mux' (set mode: 'mux'), not '${this.mode}'`);
    this.defaultTimeout = options.timeout === Infinity ? undefined : msOption('timeout', options.timeout, DEFAULT_CALL_TIMEOUT, 0);
    this.connectTimeout = msOption('connectTimeout', options.connectTimeout, 1000, 1) as number;
    this.defaultHeaders = headersOption('headers', options.headers);
    if (options.serviceName !== undefined && typeof options.serviceName !== 'string') {
      throw new RpcOptionError(`serviceName must be a string, got ${describeValue(options.serviceName)}`);
    }
    if (options.multiplexed !== undefined && typeof options.multiplexed !== 'boolean' && typeof options.multiplexed !== 'string') {
      throw new RpcOptionError(`multiplexed must be true, false or a service name, got ${describeValue(options.multiplexed)}`);
    }
    const multiplexed = options.multiplexed ?? false;
    const lb = options.loadBalancer ?? 'weighted-random';
    let balancer: LoadBalancer;
    if (typeof lb === 'string') balancer = createBalancer(enumOption('loadBalancer', lb, 'weighted-random', BALANCER_NAMES));
    else if (typeof lb === 'object' && lb !== null && typeof lb.pick === 'function') balancer = lb;
    else throw new RpcOptionError(`loadBalancer must be one of ${BALANCER_NAMES.map((name) => `'${name}'`).join(', ')} or an object with pick(), got ${describeValue(lb)}`);
    this.health = new HealthTracker(objectOption('health', options.health) ?? {});
    const retry = options.retry === undefined ? undefined : new RetryPolicy(options.retry);
    const resendUnsent = retry === undefined && boolOption('resendUnsent', options.resendUnsent, true);
    this.breakers = options.circuitBreaker === undefined ? undefined : new CircuitBreakers(options.circuitBreaker);
    const backup = options.backup === undefined ? undefined : new BackupPolicy(options.backup);
    const userMiddleware = options.middleware ?? [];
    if (!Array.isArray(userMiddleware)) throw new RpcOptionError('middleware must be an array of (ctx, next) => Promise<void>');
    this.observer = ClientObserver.create(options, this, transport !== 'framed' && transport !== 'buffered');
    const middleware = this.observer === undefined ? userMiddleware : [...this.observer.middleware, ...userMiddleware];
    this.chain = middleware.length === 0 ? undefined : compose(middleware, (ctx) => this.execute(ctx).then((result) => void (ctx.result = result)));
    this.tls = resolveClientTls(options.tls);
    this.engine = this.tls === undefined ? resolveEngine(options.engine, 'engine') : resolveTlsEngine(options.engine, 'engine');
    const logger = loggerOption('logger', options.logger) ?? consoleLogger();
    const limiter = new LogLimiter(logger);
    this.dialOptions = {
      ...(this.tls === undefined ? {} : { tls: this.tls }),
      writeTimeout: msOption('writeTimeout', options.writeTimeout, 0),
      keepAlive: keepAliveOption('keepAlive', options.keepAlive),
      onError: (error) => {
        const code = (error as { code?: unknown }).code;
        const fields = { what: 'connection failed', code: typeof code === 'string' ? code : error.name };
        limiter.log('error', `connection failed|${fields.code}`, fields, `a client connection failed: ${error.message}`);
        logger.debug({ ...fields, err: error }, error.message);
      },
    };
    const maxFrameSize = intOption('maxFrameSize', options.maxFrameSize, 16_384_000, 16, 0x7fffffff);
    const maxMessageSize = intOption('maxMessageSize', options.maxMessageSize, 100 * 1024 * 1024, 16, 0x7fffffff);
    const droppedHeaders = enumOption('droppedHeaders', options.droppedHeaders, 'warn', ['warn', 'error', 'ignore']);
    const readerOptions: ReaderOptions = { ...(objectOption('readerOptions', options.readerOptions) ?? {}) };
    this.wire = {
      transport,
      protocol: protocol === 'binary' ? ProtocolId.BINARY : ProtocolId.COMPACT,
      decoder: decoderOptions(maxFrameSize, maxMessageSize, readerOptions),
      encoder: { maxFrameSize, droppedMetadata: droppedHeaders, droppedMetadataOption: 'droppedHeaders' },
      reader: readerOptions,
    };
    const connector = (endpoint: Endpoint): Promise<ClientConnection> => this.connect(endpoint);
    this.pool =
      this.mode === 'pool'
        ? new LongPool(connector, options.pool)
        : this.mode === 'mux'
          ? new MuxPool(connector, options.mux)
          : new ShortPool(connector);
    this.route = {
      closed: false,
      discovery,
      picker: new EndpointPicker(staticEndpoints, discovery, this.health, this.breakers, balancer),
      retry,
      // Backups without retries still draw from a budget: one made for it alone.
      budget: retry ?? (backup === undefined ? undefined : new RetryPolicy({ maxAttempts: 1 })),
      backup,
      resendUnsent,
      attempt: {
        pool: this.pool,
        health: this.health,
        breakers: this.breakers,
        headers: new RequestHeaders(transport, options.serviceName, this.connectTimeout),
        multiplexed,
        reuseAfterAbandon: this.mode !== 'pool',
      },
    };
  }

  /** The endpoints calls are balanced over: the static list, or the latest discovered one. */
  get endpoints(): readonly Endpoint[] {
    return this.route.picker.endpoints;
  }

  /** The typed client of `service` over this invoker (generated descriptor or code-first class). */
  use<C>(service: ServiceDescriptor<C>): C;
  use<C extends object>(service: StructClass<C>): CodeFirstClient<C>;
  use(service: ServiceDescriptor | StructClass): unknown {
    const descriptor = isCodeFirstService(service) ? serviceDescriptor(service) : (service as ServiceDescriptor);
    if (typeof descriptor !== 'object' || descriptor === null || typeof descriptor.createClient !== 'function') {
      throw new RpcOptionError(`expected a generated service descriptor or a @Service class, got ${describeValue(service)}`);
    }
    const serviceName = descriptor.name;
    // Calls through this client name the service it was made for (inherited methods included).
    const bound: Invoker = {
      invoke: <A extends readonly unknown[], R>(method: MethodDescriptor<A, R>, args: A, options?: CallOptions): Promise<R> =>
        this.call(serviceName, method, args, options),
    };
    return descriptor.createClient(bound);
  }

  invoke<A extends readonly unknown[], R>(method: MethodDescriptor<A, R>, args: A, options?: CallOptions): Promise<R> {
    return this.call(method.serviceName, method, args, options);
  }

  private call<A extends readonly unknown[], R>(serviceName: string, method: MethodDescriptor<A, R>, args: A, options: CallOptions | undefined): Promise<R> {
    if (options !== undefined) {
      const problem = checkCallOptions(options);
      if (problem !== undefined) return Promise.reject(new RpcOptionError(problem));
    }
    const context = new ClientContext(serviceName, method as MethodDescriptor, args, options, this.defaultTimeout, this.defaultHeaders);
    // Made while a server call is handled (propagateContext): inherits its deadline and metadata.
    const upstream = currentServerCall();
    if (upstream !== undefined) return callWithin(upstream, context, () => this.through<R>(context));
    return this.through<R>(context);
  }

  /** The call through the middleware chain (when there is one), then execute(). */
  private through<R>(context: ClientContext): Promise<R> {
    if (this.chain === undefined) return this.execute(context) as Promise<R>;
    return this.chain(context).then(() => context.result as R);
  }

  /** Closes every connection; calls in flight and later calls fail with ECLOSED. */
  close(): Promise<void> {
    this.route.closed = true;
    this.observer?.closed();
    const reason = new RpcError('ECLOSED', 'the client was closed while the call was in flight', { retrySafe: false });
    for (const connection of this.connections) connection.close(reason);
    this.pool.close();
    const discovery = this.route.discovery;
    return discovery === undefined ? Promise.resolve() : discovery.close();
  }

  stats(): ClientStats {
    let discarded = this.discardedFromClosed;
    let inFlight = 0;
    for (const connection of this.connections) {
      discarded += connection.discardedReplies;
      inFlight += connection.inFlight;
    }
    return {
      inFlight,
      pool: this.pool.stats(),
      unhealthy: this.health.unhealthy().map(({ address, retryAt, failures }) => ({ address, retryAt, failures })),
      discardedReplies: discarded,
      circuits: this.breakers?.notClosed() ?? [],
    };
  }

  /** Open connections by address (`host:port` or socket path). */
  connectionsByAddress(): ReadonlyMap<string, number> {
    const counts = new Map<string, number>();
    for (const connection of this.connections) counts.set(connection.endpoint.key, (counts.get(connection.endpoint.key) ?? 0) + 1);
    return counts;
  }

  /** One call through its layers (resolving → retrying → attempt: see resolving-call.ts). */
  private execute(context: ClientContext): Promise<unknown> {
    return new ResolvingCall(this.route, context).start();
  }

  private connect(endpoint: Endpoint): Promise<ClientConnection> {
    return this.engine.dial(endpoint.address, this.connectTimeout, this.dialOptions).then((net) => {
      const connection = new ClientConnection(endpoint, net, this.wire, (closed) => {
        this.connections.delete(closed);
        this.discardedFromClosed += closed.discardedReplies;
        this.pool.evict(endpoint, closed);
      });
      this.connections.add(connection);
      return connection;
    });
  }
}

function discoveredEndpoints(resolver: Resolver, destService: unknown, onChange: (endpoints: readonly Endpoint[]) => void): DiscoveredEndpoints {
  if (typeof resolver !== 'object' || resolver === null || typeof resolver.watch !== 'function') {
    throw new RpcOptionError(`resolver must be an object with watch() and resolve() (e.g. an EtcdResolver), got ${describeValue(resolver)}`);
  }
  if (typeof destService !== 'string' || destService.length === 0) {
    throw new RpcOptionError(`resolver needs destService, the service name to look up, got ${describeValue(destService)}`);
  }
  return new DiscoveredEndpoints(resolver, destService, onChange);
}

function singleEndpoint(value: AddressLike): Endpoint {
  const address = parseAddress(value, 'address');
  if ('port' in address && address.port === 0) throw new RpcOptionError(`address: port 0 cannot be dialed (${formatAddress(address)})`);
  return { address, key: formatAddress(address), weight: 1 };
}

function checkCallOptions(options: CallOptions): string | undefined {
  if (typeof options !== 'object' || options === null) return `call options must be an object, got ${describeValue(options)}`;
  const { timeout, signal, headers, hashKey } = options;
  if (hashKey !== undefined && typeof hashKey !== 'string') return `call option hashKey must be a string, got ${describeValue(hashKey)}`;
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0 && (Number.isFinite(timeout) || timeout === Infinity))) {
    return `call option timeout must be a number of milliseconds >= 0 (Infinity for none), got ${describeValue(timeout)}`;
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) return `call option signal must be an AbortSignal, got ${describeValue(signal)}`;
  if (headers !== undefined) {
    if (typeof headers !== 'object' || headers === null) return `call option headers must be an object of strings, got ${describeValue(headers)}`;
    for (const key of Object.keys(headers)) {
      if (typeof headers[key] !== 'string') return `call option headers['${key}'] must be a string, got ${describeValue(headers[key])}`;
    }
  }
  return undefined;
}

/** What `createClient` adds to the typed client, under `$` names that no IDL method can have. */
export interface ClientHandle {
  /** The invoker (pools, stats, `use()` for more services on the same connections). */
  readonly $client: RpcClient;
  /** Closes the client's connections. */
  $close(): Promise<void>;
}

/**
 * Creates the typed client of a service.
 *
 *   const echo = createClient(EchoServer, { address: '127.0.0.1:9090', timeout: 1000 });
 *   const reply = await echo.echo({ action: 'say', msg: 'hi' }, { headers: { 'trace-id': 't1' } });
 *   await echo.$close();
 */
export function createClient<C>(service: ServiceDescriptor<C>, options: ClientOptions): C & ClientHandle;
export function createClient<C extends object>(service: StructClass<C>, options: ClientOptions): CodeFirstClient<C> & ClientHandle;
export function createClient(service: ServiceDescriptor | StructClass, options: ClientOptions): unknown {
  const invoker = new RpcClient(options);
  const client = invoker.use(service as ServiceDescriptor) as object;
  Object.defineProperty(client, '$client', { value: invoker, enumerable: false });
  Object.defineProperty(client, '$close', { value: () => invoker.close(), enumerable: false });
  return client;
}

import type { ReaderOptions, ServiceDescriptor } from '@thriftpoll/protocol';
import { resolveDecoderOptions, resolveEncoderOptions } from '@thriftpoll/transport';
import { parseAddress, type Address, type AddressLike } from '../net/address';
import { decoderOptions, TRANSPORT_NAMES, transportAlias, type TransportOption } from '../codec';
import { isCodeFirstService, serviceDescriptor, type StructClass } from '../code-first';
import { resolveEngine, resolveTlsEngine, type EngineName } from '../net/engines';
import { resolveServerTls, type ResolvedServerTls, type ServerTlsOptions } from '../net/tls';
import { RpcError, RpcOptionError } from '../errors';
import { compose, type Middleware } from '../middleware';
import type { NetConnection, NetEngine, NetListener } from '../net/net-connection';
import { ServiceRegistry, type ServiceBinding } from './registry';
import { ServerContext } from './server-context';
import type { ServerStats } from './server-stats';
import { SessionRuntime } from './session-runtime';
import { ServerSession } from './server-session';
import { NET_REUSE_PORT } from '../net/socket-engine';
import { IN_THREAD_WORKERS, workerCount } from '../workers/worker-count';
import { invokeHandler } from './invoke-handler';
import type { Registry } from '../discovery/registry';
import { ServerRegistration, type RegistryInfoOptions } from '../discovery/server-registration';
import { LogLimiter } from '../log-limiter';
import { consoleLogger, loggerOption, type Logger } from '../logger';
import { reportFields } from './report-fields';
import { ServerObserver, type ServerMetricsOption } from '../observability/server-observer';
import type { TracingOption } from '../observability/tracing';
import { boolOption, checkKnownKeys, enumOption, functionOption, intOption, keepAliveOption, msOption, objectOption } from '../validate';

/**
 * A service to serve: a generated descriptor (whose handler interface types `handler`), or a class decorated
 * with @Service (code-first: `handler` is typed as an instance of it).
 */
export type ServiceLike<Handler = unknown> = ServiceDescriptor<unknown, Handler> | StructClass<Handler & object>;

/** Where a reported error came from. */
export interface ServerErrorInfo {
  /** What failed, e.g. 'handler failed', 'oneway handler failed', or a transport error code. */
  readonly what: string;
  /** The call, when the error belongs to one. */
  readonly context: ServerContext | undefined;
}

export interface ServerOptions<Handler = unknown> {
  /** The service (generated descriptor or code-first class) — with `handler` — for a one-service server. */
  service?: ServiceLike<Handler>;
  /** The object implementing `service`'s methods (each receives the arguments, then the call context). */
  handler?: Handler;
  /** Several services on one port (multiplexed `Service:method` names, TTHeader ToService, or unique names). */
  services?: readonly { service: ServiceLike; handler: unknown; name?: string }[];
  /**
   * Transport accepted: 'auto' (default) detects Buffered, Framed, THeader or TTHeader per connection. 'header' is
   * accepted for 'theader'.
   */
  transport?: TransportOption | 'auto';
  /** Protocol accepted: 'auto' (default) accepts Binary and Compact. */
  protocol?: 'auto' | 'binary' | 'compact';
  /** Onion middleware around every handler call, outermost first. */
  middleware?: readonly Middleware<ServerContext>[];
  /** Open connections allowed; a connection beyond gets an overload reply to its first request, then is closed. Default 10000. */
  maxConnections?: number;
  /** Requests handled at once by the server; more get an overload reply. Default 100000. */
  maxConcurrentRequests?: number;
  /** Requests handled at once per connection; more get an overload reply. Default 10000. */
  maxConcurrentRequestsPerConnection?: number;
  /** Largest frame accepted (Framed, THeader, TTHeader), in bytes. Default 16,384,000. */
  maxFrameSize?: number;
  /** Largest unframed (Buffered) or inflated (THeader zlib) message, in bytes. Default 100 MiB. */
  maxMessageSize?: number;
  /**
   * 'auto' (default): replies leave as soon as they are ready on Framed, THeader and TTHeader (callers match them
   * by seqid) and in request order on Buffered. 'in-order': always in request order.
   */
  replyOrder?: 'auto' | 'in-order';
  /** The network engine: 'netpoll' or 'net' (Node sockets). Default: THRIFTPOLL_ENGINE, else 'netpoll' where the addon loads, else 'net' (warned once). */
  engine?: EngineName | NetEngine;
  /**
   * TLS on the port (Node's tls option names: key, cert, ca, requestCert, ...; see ServerTlsOptions). With `ca` and
   * `requestCert`, client certificates are required and verified. Runs on the 'net' engine.
   */
  tls?: ServerTlsOptions;
  /** Reader limits for decoding arguments (string/container lengths, recursion). */
  readerOptions?: ReaderOptions;
  /**
   * Receives errors no caller sees or that operators should: handler failures (also sent to the caller as
   * INTERNAL_ERROR), oneway failures, peers sending non-Thrift bytes, failed sends. When given, these go to it
   * instead of `logger`, unthrottled.
   */
  onError?: (error: unknown, info: ServerErrorInfo) => void;
  /**
   * Where the server logs (a pino logger fits as is; see Logger). Each of the errors listed under `onError` is one
   * line with fields `what`, `peer`, `method`, `seqid`, `code` — at most 10 lines of one kind per 10 s, then one
   * "N more like this" summary; the error's stack and cause go to `debug`. Default: consoleLogger('info').
   */
  logger?: Logger;
  /** Milliseconds a connection over maxConnections may stay open waiting for its first request. Default 1000. */
  rejectTimeout?: number;
  /** Listen backlog. Default 1024. */
  backlog?: number;
  /** Report undeclared handler errors to onError. Default true. */
  reportHandlerErrors?: boolean;
  /**
   * Closes connections that carried no traffic for this many ms (application-level, not TCP keepalive).
   * Default 0: never. Pooled clients notice and redial.
   */
  idleTimeout?: number;
  /**
   * Replies left unsent to a caller that reads slowly, in bytes, above which the server stops reading that
   * caller's requests until it catches up. Default 4 MiB. (Requests already running still answer: the output
   * is bounded by this plus their replies, at most maxConcurrentRequestsPerConnection of them.)
   */
  writeBufferCap?: number;
  /**
   * A request whose bytes started arriving must be complete within this many ms (from its first byte), or the
   * connection is closed: a peer trickling bytes cannot hold a connection and its buffer forever. Idle connections
   * (keep-alive, mux) are not affected: the clock runs only while a request is partly received. Default 10000;
   * 0: no limit.
   */
  readTimeout?: number;
  /**
   * Where to announce this server (e.g. an EtcdRegistry): `listen()` resolves once the registration is written,
   * `close()` removes it before draining. See docs/discovery.md.
   */
  registry?: Registry;
  /** How the server registers (service name, advertised address, weight, tags). Needs `registry`. */
  registryInfo?: RegistryInfoOptions;
  /**
   * Closes a connection whose caller has not taken the replies flushed to it for this many ms (it stopped
   * reading). Default 0: no limit (writeBufferCap still bounds what is buffered for it).
   */
  writeTimeout?: number;
  /** TCP keepalive probes after this many ms of silence on accepted connections (detects dead callers). Default 0: off; else >= 1000. */
  keepAlive?: number;
  /**
   * SO_REUSEPORT on the listener, so that several processes (Node `cluster`, one process per container) can
   * listen on the same port and the kernel spreads connections over them. 'netpoll' engine only. Default false.
   */
  reusePort?: boolean;
  /**
   * 1 (the default): handlers run on this thread. More worker threads need the handler as a module:
   * `createServer({ handlerModule, workers })` (see WorkerServerOptions).
   */
  workers?: 1;
  /**
   * Prometheus metrics (prom-client, loaded only when on): `true` registers them in prom-client's default
   * registry, or give a prom-client `Registry` (not a discovery `registry`), or `{ registry?, admin? }` to also serve them on a separate admin address.
   * With metrics on, `GET /metrics` and `GET /healthz` are answered on the RPC port itself. Default off: no cost.
   * See docs/observability.md.
   */
  metrics?: ServerMetricsOption;
  /**
   * OpenTelemetry SERVER spans for every call (needs the `@opentelemetry/api` package and an SDK registered):
   * `true`, or `{ tracerProvider }`. Parents come from W3C `traceparent` headers (THeader/TTHeader). Default off.
   */
  tracing?: TracingOption;
  /**
   * Makes each call current while its handler runs (AsyncLocalStorage), so that client calls the handler makes
   * inherit its remaining deadline and its RPC_PERSIST_ headers, and pass RPC_BACKWARD_ reply headers back.
   * Default false.
   */
  propagateContext?: boolean;
}

const KNOWN_OPTIONS = [
  'service',
  'handler',
  'services',
  'transport',
  'protocol',
  'middleware',
  'maxConnections',
  'maxConcurrentRequests',
  'maxConcurrentRequestsPerConnection',
  'maxFrameSize',
  'maxMessageSize',
  'replyOrder',
  'engine',
  'tls',
  'readerOptions',
  'onError',
  'rejectTimeout',
  'backlog',
  'reportHandlerErrors',
  'idleTimeout',
  'writeBufferCap',
  'readTimeout',
  'registry',
  'registryInfo',
  'logger',
  'writeTimeout',
  'keepAlive',
  'reusePort',
  'workers',
  'metrics',
  'tracing',
  'propagateContext',
];

export interface CloseOptions {
  /**
   * Milliseconds to let calls in flight finish. After that their `ctx.signal` is aborted and the remaining
   * connections are closed. Default 10000.
   */
  timeout?: number;
}

/** Default readTimeout: a request partly received must complete within 10 s. */
const DEFAULT_READ_TIMEOUT = 10_000;

function toBinding(entry: { service: ServiceLike; handler: unknown; name?: string }): ServiceBinding {
  const service = isCodeFirstService(entry.service) ? serviceDescriptor(entry.service) : (entry.service as ServiceDescriptor);
  return { service, handler: entry.handler, name: entry.name };
}

/**
 * A Thrift server: one or more services on one listening address.
 *
 *   const server = createServer({ service: EchoServer, handler: new EchoHandler() });
 *   const address = await server.listen('127.0.0.1:9090');
 *   ...
 *   await server.close({ timeout: 5000 });   // graceful
 */
export class ThriftServer {
  /** What the sessions share (configuration, counters, codecs); they see only its ServerRuntime side. */
  private readonly runtime: SessionRuntime;
  private readonly registry: ServiceRegistry;
  /** Metrics, traces and the call scope; undefined when all are off. */
  private readonly observer: ServerObserver | undefined;
  private readonly maxConnections: number;
  private readonly writeBufferCap: number;
  private readonly engine: NetEngine;
  private readonly onError: ((error: unknown, info: ServerErrorInfo) => void) | undefined;
  private readonly logger: Logger;
  private readonly logLimiter: LogLimiter;
  private readonly rejectTimeout: number;
  private readonly backlog: number;
  private readonly reportHandlerErrors: boolean;
  private readonly idleTimeout: number;
  private readonly readTimeout: number;
  private readonly tls: ResolvedServerTls | undefined;
  private readonly writeTimeout: number;
  private readonly keepAlive: number;
  private readonly reusePort: boolean;
  private readonly sessions = new Set<ServerSession>();
  private listener: NetListener | undefined;
  private listening: Promise<Address> | undefined;
  private closing: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];
  private readonly registration: ServerRegistration | undefined;

  constructor(options: ServerOptions) {
    const record = objectOption('createServer options', options);
    if (record === undefined) throw new RpcOptionError('createServer needs options: { service, handler } or { services }');
    checkKnownKeys('createServer options', record, KNOWN_OPTIONS);
    let bindings: ServiceBinding[];
    if (options.services !== undefined) {
      if (options.service !== undefined || options.handler !== undefined) {
        throw new RpcOptionError('give either service + handler, or services: [...], not both');
      }
      if (!Array.isArray(options.services)) throw new RpcOptionError('services must be an array of { service, handler, name? }');
      bindings = options.services.map(toBinding);
    } else {
      if (options.service === undefined) throw new RpcOptionError('createServer needs a service (with its handler), or services: [...]');
      bindings = [toBinding({ service: options.service, handler: options.handler })];
    }
    this.registry = new ServiceRegistry(bindings);
    const middleware = options.middleware ?? [];
    if (!Array.isArray(middleware)) throw new RpcOptionError('middleware must be an array of (ctx, next) => Promise<void>');
    this.tls = resolveServerTls(options.tls);
    this.engine = this.tls === undefined ? resolveEngine(options.engine, 'engine') : resolveTlsEngine(options.engine, 'engine');
    this.observer = ServerObserver.create(options, this, this.engine.name);
    const observed = this.observer === undefined ? middleware : [...this.observer.middleware, ...middleware];
    const transport = enumOption('transport', transportAlias(options.transport), 'auto', ['auto', ...TRANSPORT_NAMES]);
    const protocol = enumOption('protocol', options.protocol, 'auto', ['auto', 'binary', 'compact']);
    const protocols = new Set(protocol === 'auto' ? [0, 2] : protocol === 'binary' ? [0] : [2]);
    this.maxConnections = intOption('maxConnections', options.maxConnections, 10000, 1, Number.MAX_SAFE_INTEGER, true);
    const maxConcurrentRequests = intOption('maxConcurrentRequests', options.maxConcurrentRequests, 100000, 1, Number.MAX_SAFE_INTEGER, true);
    const maxConcurrentRequestsPerConnection = intOption(
      'maxConcurrentRequestsPerConnection',
      options.maxConcurrentRequestsPerConnection,
      10000,
      1,
      Number.MAX_SAFE_INTEGER,
      true,
    );
    const maxFrameSize = intOption('maxFrameSize', options.maxFrameSize, 16_384_000, 16, 0x7fffffff);
    const maxMessageSize = intOption('maxMessageSize', options.maxMessageSize, 100 * 1024 * 1024, 16, 0x7fffffff);
    // Replies carry only what the handler set; a Buffered/Framed caller cannot receive headers, silently.
    // Resolved once: every connection's encoder and decoder then shares these objects (see resolveDecoderOptions).
    const encoderOptions = resolveEncoderOptions({ maxFrameSize, droppedMetadata: 'ignore' }, 'createServer');
    const replyOrder = enumOption('replyOrder', options.replyOrder, 'auto', ['auto', 'in-order']);
    const readerOptions = { ...(objectOption('readerOptions', options.readerOptions) ?? {}), stringLengthLimit: Math.min(maxMessageSize, (options.readerOptions?.stringLengthLimit ?? maxMessageSize)) };
    const resolvedDecoderOptions = resolveDecoderOptions(decoderOptions(maxFrameSize, maxMessageSize, readerOptions), 'createServer');
    this.onError = functionOption<(error: unknown, info: ServerErrorInfo) => void>('onError', options.onError);
    this.logger = loggerOption('logger', options.logger) ?? consoleLogger();
    this.logLimiter = new LogLimiter(this.logger);
    this.rejectTimeout = msOption('rejectTimeout', options.rejectTimeout, 1000, 1) as number;
    this.backlog = intOption('backlog', options.backlog, 1024, 1, 65535);
    this.reportHandlerErrors = boolOption('reportHandlerErrors', options.reportHandlerErrors, true);
    this.idleTimeout = msOption('idleTimeout', options.idleTimeout, 0) as number;
    this.readTimeout = msOption('readTimeout', options.readTimeout, DEFAULT_READ_TIMEOUT) as number;
    this.writeTimeout = msOption('writeTimeout', options.writeTimeout, 0) as number;
    this.keepAlive = keepAliveOption('keepAlive', options.keepAlive);
    this.writeBufferCap = intOption('writeBufferCap', options.writeBufferCap, 4 * 1024 * 1024, 0);
    if (options.registry === undefined && options.registryInfo !== undefined) throw new RpcOptionError('registryInfo needs registry');
    this.registration = options.registry === undefined ? undefined : new ServerRegistration(options.registry, options.registryInfo, this.registry.names);
    this.reusePort = boolOption('reusePort', options.reusePort, false);
    if (workerCount(options.workers) !== 1) throw new RpcOptionError(IN_THREAD_WORKERS);
    if (this.reusePort && this.engine.name === 'net') throw new RpcOptionError(NET_REUSE_PORT);
    this.runtime = new SessionRuntime({
      registry: this.registry,
      chain: compose(observed, invokeHandler),
      direct: observed.length === 0,
      readerOptions,
      encoderOptions,
      decoderOptions: resolvedDecoderOptions,
      transport,
      replyOrder,
      maxConcurrentRequests,
      maxConcurrentRequestsPerConnection,
      writeBufferCap: this.writeBufferCap,
      protocols,
      observer: this.observer,
      report: (error, context, what) => this.report(error, context, what),
    });
  }

  /** True once close() was called: new requests are refused, /healthz answers 503. */
  get shuttingDown(): boolean {
    return this.runtime.shuttingDown;
  }

  /** The bound address once listening (the real port when 0 was asked for). */
  get address(): Address | undefined {
    return this.listener?.address;
  }

  /** The admin address serving /metrics and /healthz, once listening (`metrics: { admin }`). */
  get adminAddress(): Address | undefined {
    return this.observer?.adminAddress;
  }

  /** Services served, by registered name. */
  get services(): readonly string[] {
    return this.registry.names;
  }

  /** Starts listening. Resolves with the bound address. A server listens once. */
  listen(address: AddressLike = { host: '127.0.0.1', port: 0 }): Promise<Address> {
    if (this.listening !== undefined) return Promise.reject(new RpcError('ECLOSED', 'listen() was already called on this server'));
    if (this.closing !== undefined) return Promise.reject(new RpcError('ECLOSED', 'the server is closed'));
    const parsed = parseAddress(address, 'listen address');
    this.listening = this.engine.listen(parsed, (connection) => this.accept(connection), {
      backlog: this.backlog,
      idleTimeout: this.idleTimeout,
      writeBufferCap: this.writeBufferCap,
      readTimeout: this.readTimeout,
      ...(this.tls === undefined ? {} : { tls: this.tls }),
      writeTimeout: this.writeTimeout,
      keepAlive: this.keepAlive,
      reusePort: this.reusePort,
      onError: (error) => this.report(error, undefined, 'connection failed'),
    }).then(async (listener) => {
      this.listener = listener;
      if (this.closing !== undefined) void listener.stopAccepting();
      else if (this.observer !== undefined) {
        try {
          await this.observer.listening();
        } catch (error) {
          // The admin port could not listen: the server does not half-start.
          await listener.stopAccepting();
          throw error;
        }
      }
      return listener.address;
    });
    const registration = this.registration;
    if (registration !== undefined) this.listening = this.listening.then((bound) => this.register(registration, bound));
    return this.listening;
  }

  /** Registers the bound address; a server that cannot register stops accepting and `listen()` rejects. */
  private async register(registration: ServerRegistration, bound: Address): Promise<Address> {
    if (this.closing !== undefined) return bound;
    try {
      await registration.register(bound);
    } catch (error) {
      await this.listener?.stopAccepting();
      throw error;
    }
    return bound;
  }

  /**
   * Graceful shutdown: stops accepting, closes idle connections, answers new requests on busy connections with
   * an overload error (retrySafe, so clients retry elsewhere), lets calls in flight finish and their replies
   * leave, then closes. After `timeout` ms, calls still running are aborted (their ctx.signal fires) and every
   * connection is closed. Resolves when all connections are closed. Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const timeout = msOption('close timeout', options.timeout, 10000) as number;
    this.runtime.beginShutdown();
    this.closing = (async () => {
      if (this.listening !== undefined) {
        try {
          await this.listening;
        } catch {
          // Never listened: nothing to stop.
        }
      }
      // Clients stop picking this server before it stops answering.
      if (this.registration !== undefined) await this.registration.deregister().catch((error: unknown) => this.report(error, undefined, 'deregistration failed'));
      if (this.listener !== undefined) await this.listener.stopAccepting();
      for (const session of this.sessions) session.closeGracefully();
      if (this.sessions.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          new Promise<false>((resolve) => this.idleWaiters.push(() => resolve(false))),
          new Promise<true>((resolve) => {
            timer = setTimeout(() => resolve(true), timeout);
          }),
        ]);
        if (timer !== undefined) clearTimeout(timer);
        if (timedOut) {
          const reason = new RpcError('ECLOSED', `the server shut down before the call finished (close timeout ${timeout} ms)`);
          for (const session of this.sessions) session.abort(reason);
          if (this.sessions.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
        }
      }
      this.logLimiter.flush();
      await this.observer?.closed();
    })();
    return this.closing;
  }

  /** A snapshot of the server's counters. */
  getStats(): ServerStats {
    return this.runtime.stats(this.sessions.size);
  }

  /** Open connections by transport ('detecting' until a connection's first message). */
  connectionTransports(): ReadonlyMap<string, number> {
    const counts = new Map<string, number>();
    for (const session of this.sessions) counts.set(session.transport, (counts.get(session.transport) ?? 0) + 1);
    return counts;
  }

  /** Reports a failure that the caller cannot see (or that operators should): onError, else the logger. */
  private report(error: unknown, context: ServerContext | undefined, what: string): void {
    if (!this.reportHandlerErrors && context !== undefined && what === 'handler failed') return;
    if (this.onError === undefined) {
      this.log(error, context, what);
      return;
    }
    try {
      this.onError(error, { what, context });
    } catch (reportError) {
      this.log(reportError, context, 'onError threw');
    }
  }

  /** One rate-limited line per error (a refused connection: warn; anything else: error); the stack at debug. */
  private log(error: unknown, context: ServerContext | undefined, what: string): void {
    const { fields, kind, message, refusal } = reportFields(error, context, what);
    this.logLimiter.log(refusal ? 'warn' : 'error', kind, fields, message);
    this.logger.debug({ ...fields, err: error }, message);
  }

  private readonly sessionClosed = (session: ServerSession): void => {
    this.sessions.delete(session);
    if (this.sessions.size === 0 && this.idleWaiters.length > 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  };

  private accept(connection: NetConnection): void {
    const runtime = this.runtime;
    runtime.connectionAccepted();
    if (runtime.shuttingDown) {
      connection.close();
      return;
    }
    const over = this.sessions.size >= this.maxConnections;
    const session = new ServerSession(runtime, connection, this.sessionClosed, over ? this.maxConnections : undefined);
    this.sessions.add(session);
    if (over) {
      runtime.connectionRejected();
      // A rejected connection is answered once, or dropped if it says nothing for a while.
      const timer = setTimeout(() => connection.close(), this.rejectTimeout);
      timer.unref();
      connection.addCloseCallback(() => clearTimeout(timer));
    }
  }
}

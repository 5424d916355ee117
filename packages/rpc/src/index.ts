/**
 * @thriftpoll/rpc — Thrift servers and typed clients on the thriftpoll engine.
 *
 *   const server = createServer({ service: EchoServer, handler });  await server.listen('127.0.0.1:9090');
 *   const echo = createClient(EchoServer, { address: '127.0.0.1:9090' });  await echo.echo(req, { timeout: 500 });
 *
 * See docs/rpc.md for every option.
 */

// Servers
export { createServer } from './server/create-server';
export { ThriftServer } from './server/server';
export type { CloseOptions, ServerErrorInfo, ServerOptions, ServiceLike } from './server/server';
export type { ServerStats } from './server/server-stats';
export { ServerContext } from './server/server-context';
export { WorkerServer } from './workers/worker-server';
export type { WorkerServerStats, WorkerStatus } from './workers/worker-server';
export type { WorkerErrorInfo, WorkerServerOptions } from './workers/options';
export type { WorkerHandlerContext, WorkerHandlerFactory, WorkerHandlerSetup } from './workers/handler-module';
export type { WorkerMetricsOption, WorkerMetricsOptions } from './workers/process-metrics';
export { RpcWorkerError } from './workers/worker-error';
export type { WorkerFailure } from './workers/worker-error';
export { shutdownOnSignals } from './signals';
export type { Closable, ShutdownOnSignalsOptions } from './signals';
export { ServiceRegistry, plainMethodName } from './server/registry';
export type { RegisteredMethod, ServiceBinding, UnresolvedMethod } from './server/registry';

// Clients
export { createClient, DEFAULT_CALL_TIMEOUT, RpcClient } from './client/client';
export type { ClientHandle, ClientOptions } from './client/client';
export type { ClientStats } from './client/client-stats';
export { ClientContext } from './client/client-context';
export { RoundRobinBalancer, WeightedRandomBalancer } from './client/balancer';
export type { LoadBalancer, PickInfo } from './client/balancer';
export { BALANCER_NAMES, createBalancer } from './governance/create-balancer';
export type { BalancerName } from './governance/create-balancer';
export { SmoothWeightedRoundRobinBalancer } from './governance/smooth-weighted-round-robin';
export { ConsistentHashBalancer } from './governance/consistent-hash';
export type { ConsistentHashOptions } from './governance/consistent-hash';
export { CircuitBreaker, CircuitBreakerSettings } from './governance/circuit-breaker';
export type { BreakerState, CircuitBreakerOptions } from './governance/circuit-breaker';
export { CircuitBreakers, countsAgainstBreaker } from './governance/circuit-breakers';
export type { CircuitBreakersOptions, CircuitStatus } from './governance/circuit-breakers';
export { BackupPolicy, raceWithBackup } from './governance/backup';
export type { BackupOptions, StartAttempt } from './governance/backup';
export { HealthTracker } from './client/health';
export type { HealthOptions } from './client/health';
export { RetryPolicy } from './client/retry';
export type { RetryOptions } from './client/retry';
export type { ConnectionPool, Connector, PoolConnection, PoolStats } from './client/pool';
export { LongPool } from './client/long-pool';
export type { LongPoolOptions } from './client/long-pool';
export { MuxPool } from './client/mux-pool';
export type { MuxPoolOptions } from './client/mux-pool';
export { ShortPool } from './client/short-pool';

// Service discovery (registries and resolvers plug in; @thriftpoll/registry-etcd ships one)
export * from './discovery';

// Both sides
export * from './errors';
export { compose } from './middleware';
export type { Chain, Middleware, Next } from './middleware';
export { formatAddress, parseAddress, parseEndpoints } from './net/address';
export type { Address, AddressLike, Endpoint, WeightedAddress } from './net/address';
export type { TransportName, TransportOption } from './codec';
export { THEADER_TIMEOUT_HEADER, deadlineFromHeaders } from './metadata/deadline';
export { overloadMessage } from './overload';
export { consoleLogger } from './logger';
export type { Logger, LogLevel } from './logger';

// Observability (docs/observability.md)
export { currentServerCall } from './observability/call-scope';
export type { ClientMetricsOption } from './observability/client-observer';
export type { ServerMetricsOption, ServerMetricsOptions } from './observability/server-observer';
export type { TracingOption, TracingOptions } from './observability/tracing';

// Code-first services (decorators)
export {
  Arg,
  CodeFirstError,
  Exception,
  Field,
  Method,
  Service,
  Struct,
  Union,
  isCodeFirstService,
  serviceDescriptor,
  structCodec,
} from './code-first';
export type {
  ArgDeclaration,
  ArgsWithoutContext,
  CodeFirstClient,
  FieldOptions,
  MethodOptions,
  ServiceOptions,
  StructClass,
  ThriftType,
  ThrowsDeclaration,
} from './code-first';

// Engines
export type { EngineName } from './net/engines';
export { netpollAvailable } from './net/engines';
export { netpollEngine } from './net/netpoll-engine';
export { socketEngine } from './net/socket-engine';
export type { CloseCallback, ListenOptions, NetConnection, NetEngine, NetListener, NetWriter, RequestHandler } from './net/net-connection';
export type { ClientTlsOptions, ServerTlsOptions, TlsConnectionInfo } from './net/tls';

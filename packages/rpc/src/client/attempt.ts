import type { MethodDescriptor } from '@thriftpoll/protocol';
import type { Metadata } from '@thriftpoll/transport';
import type { CircuitBreakers } from '../governance/circuit-breakers';
import type { Endpoint } from '../net/address';
import { RpcAbortError, RpcError, RpcTimeoutError } from '../errors';
import type { ClientConnection, PendingCall } from './client-connection';
import type { ClientContext } from './client-context';
import { abortError } from './first-contact';
import type { RequestHeaders } from '../metadata/request-headers';
import type { HealthTracker } from './health';
import type { ConnectionPool } from './pool';

/**
 * What an attempt uses of its client: where its connection comes from, what it sends besides the arguments, and
 * where its outcome is recorded. Built once per client.
 */
export interface AttemptRoute {
  readonly pool: ConnectionPool<ClientConnection>;
  readonly health: HealthTracker;
  /** Admits each attempt (startAttempt) and records its outcome (settle): both ends of one admission here. */
  readonly breakers: CircuitBreakers | undefined;
  readonly headers: RequestHeaders;
  /** ClientOptions.multiplexed: prefix method names with "<service>:" (a string overrides the service name). */
  readonly multiplexed: boolean | string;
  /** False in the long pool: a connection with an abandoned call is not reused (its late reply would be next in line). */
  readonly reuseAfterAbandon: boolean;
}

/**
 * The attempt layer's entry (below the retrying layer, retrying-call.ts): one attempt of `context` on the chosen
 * `endpoint`, admitted by the circuit breakers first (a refusal fails it unsent, with ECIRCUITOPEN), then counted
 * in `context.attempts` and started. Exactly one of `fulfil` and `fail` is called, once — possibly before this
 * returns (a refusal, a deadline already past).
 */
export function startAttempt(
  route: AttemptRoute,
  context: ClientContext,
  endpoint: Endpoint,
  deadline: number | undefined,
  cancel: AbortSignal | undefined,
  fulfil: (value: unknown) => void,
  fail: (error: unknown) => void,
): void {
  const refused = route.breakers?.admit(context, endpoint);
  if (refused !== undefined) return fail(refused);
  context.attempts++;
  context.address = endpoint.key;
  const headers = route.headers.forAttempt(context, deadline);
  new Attempt(route, context, endpoint, headers, wireName(route.multiplexed, context), fulfil, fail).start(deadline, cancel);
}

/** The name a call goes by on the wire: `Service:method` when multiplexed (Apache's TMultiplexedProtocol). */
function wireName(multiplexed: boolean | string, context: ClientContext): string {
  if (multiplexed === false) return context.method;
  return `${typeof multiplexed === 'string' ? multiplexed : context.service}:${context.method}`;
}

function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof RpcError)) return false;
  const code = error.code;
  return code === 'ECONNREFUSED' || code === 'ECONNTIMEOUT' || code === 'EDIAL' || code === 'ECONNRESET';
}

/**
 * One attempt of a call on one endpoint: a PendingCall for the connection, with its own timer and abort listener.
 * Settles exactly once, and then records its outcome (health, breakers) and gives its connection back.
 */
export class Attempt implements PendingCall {
  readonly descriptor: MethodDescriptor;
  readonly args: readonly unknown[];
  order = 0;
  private seqid = 0;
  private connection: ClientConnection | undefined = undefined;
  private settled = false;
  private timer: NodeJS.Timeout | undefined = undefined;
  private onAbort: (() => void) | undefined = undefined;
  /** The failure came from this attempt's own timer (the connection may still deliver a late reply). */
  private timedOut = false;
  /** The call's abort signal, combined with a backup request's cancellation when there is one. */
  private signal: AbortSignal | undefined = undefined;

  constructor(
    private readonly route: AttemptRoute,
    readonly context: ClientContext,
    readonly endpoint: Endpoint,
    readonly headers: Metadata | undefined,
    readonly wireName: string,
    private readonly fulfil: (value: unknown) => void,
    private readonly fail: (error: unknown) => void,
  ) {
    this.descriptor = context.descriptor;
    this.args = context.args;
  }

  /** Connection, send, reply — bounded by the deadline, the call's abort signal and (for a backup request) `cancel`. */
  start(deadline: number | undefined, cancel: AbortSignal | undefined): void {
    const { context, endpoint } = this;
    if (deadline !== undefined) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.timedOut = true;
        this.reject(timeoutError(context, endpoint, undefined));
        return;
      }
      this.timer = setTimeout(() => {
        this.timedOut = true;
        this.reject(timeoutError(context, endpoint, this.connection));
      }, left);
    }
    const signal = cancel === undefined ? context.signal : context.signal === undefined ? cancel : AbortSignal.any([context.signal, cancel]);
    this.signal = signal;
    if (signal !== undefined) {
      this.onAbort = () => this.reject(abortError(context, endpoint.key, signal.reason));
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
    const pool = this.route.pool;
    pool.acquire(endpoint).then(
      (connection) => {
        if (this.settled) {
          // The call ended (timeout, abort) while the connection was being made: it goes back unused.
          pool.release(endpoint, connection, true);
          return;
        }
        this.connection = connection;
        try {
          this.seqid = connection.send(this);
        } catch (error) {
          this.reject(error);
        }
      },
      (error: unknown) => this.reject(error),
    );
  }

  resolve(value: unknown, headers: Metadata): void {
    if (this.settled) return;
    if (!headers.isEmpty()) this.context.setResponseHeaders(headers.toRecord());
    this.settle(false, undefined);
    this.fulfil(value);
  }

  reject(error: unknown): void {
    if (this.settled) return;
    this.settle(true, error);
    this.fail(error);
  }

  /** Once, when the attempt settles: timers, listeners, health, the connection's return. */
  private settle(failed: boolean, error: unknown): void {
    this.settled = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.onAbort !== undefined) this.signal?.removeEventListener('abort', this.onAbort);
    const { endpoint, route } = this;
    const aborted = failed && error instanceof RpcAbortError;
    // A cancelled or aborted attempt says nothing about the instance.
    if (route.breakers !== undefined && !aborted) route.breakers.record(this.context, endpoint.key, failed ? error : undefined);
    if (!failed) {
      route.health.recordSuccess(endpoint.key);
    } else if (isConnectionFailure(error)) {
      route.health.recordFailure(endpoint.key, error);
    }
    const connection = this.connection;
    if (connection === undefined) return;
    this.connection = undefined;
    const abandoned = this.timedOut || aborted;
    if (abandoned) connection.abandon(this.seqid);
    const reusable = connection.isActive() && (!abandoned || route.reuseAfterAbandon);
    route.pool.release(endpoint, connection, reusable);
  }
}

function timeoutError(context: ClientContext, endpoint: Endpoint, connection: ClientConnection | undefined): RpcTimeoutError {
  const timeout = context.timeout ?? 0;
  const attempts = context.attempts > 1 ? ` (${context.attempts} attempts)` : '';
  const hint = connection?.silenceHint();
  const why = hint === undefined ? '' : ` (${hint})`;
  return new RpcTimeoutError('ETIMEDOUT', timeout, `${context.service}.${context.method} to ${endpoint.key} timed out after ${timeout} ms${attempts}${why}`, {
    address: endpoint.key,
  });
}

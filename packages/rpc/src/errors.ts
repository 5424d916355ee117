/**
 * Errors the RPC runtime raises itself. Errors the peer defines travel unchanged: IDL-declared exceptions are
 * thrown as their generated classes and `TApplicationException` as itself (both extend `ThriftError` from
 * `@thriftpoll/protocol`). Everything else a call can fail with is an `RpcError` with a `code`:
 *
 *   code          class             meaning                                                    retrySafe
 *   ECONNREFUSED  RpcError          the address refused the connection                         yes
 *   ECONNTIMEOUT  RpcTimeoutError   no connection within connectTimeout                        yes
 *   EDIAL         RpcError          any other dial failure (ENOENT socket path, EHOSTUNREACH)  yes
 *   ETLS          RpcError          the TLS handshake failed (certificate not trusted or       yes
 *                                   expired, client certificate refused, no TLS on the port)
 *   ECONNRESET    RpcError          the connection died while the call was pending             no (yes if
 *                                   the call had not been sent yet)
 *   ECLOSED       RpcError          the client was closed before the call ran                  yes (no if
 *                                   the call was in flight)
 *   ETIMEDOUT     RpcTimeoutError   the call ran past its timeout or deadline                  no
 *   ECANCELED     RpcAbortError     the call's AbortSignal fired (`reason` is the signal's)    no
 *   EOVERLOAD     RpcOverloadError  a server or client limit refused the call                  yes
 *   EPROTO        RpcError          the reply was not valid Thrift, or not in the transport    no
 *                                   expected (the transport layer's error is the `cause`)
 *   EMSGSIZE      RpcError          a message over a size limit (either direction)             no
 *   ENOINSTANCE   RpcNoInstanceError  discovery found no instance of the service               yes
 *   ECIRCUITOPEN  RpcCircuitOpenError a circuit breaker refused the call (too many failures)    yes
 *
 * `retrySafe` is true when the server certainly did not execute the call, so retrying cannot run it twice.
 */

/** Codes of {@link RpcError}. */
export type RpcErrorCode =
  | 'ECONNREFUSED'
  | 'ECONNTIMEOUT'
  | 'EDIAL'
  | 'ETLS'
  | 'ECONNRESET'
  | 'ECLOSED'
  | 'ETIMEDOUT'
  | 'ECANCELED'
  | 'EOVERLOAD'
  | 'EPROTO'
  | 'EMSGSIZE'
  | 'ENOINSTANCE'
  | 'ECIRCUITOPEN';

const RETRY_SAFE: ReadonlySet<RpcErrorCode> = new Set<RpcErrorCode>([
  'ECONNREFUSED',
  'ECONNTIMEOUT',
  'EDIAL',
  'ETLS',
  'ECLOSED',
  'EOVERLOAD',
  'ENOINSTANCE',
  'ECIRCUITOPEN',
]);

export interface RpcErrorOptions {
  /** The peer address involved, e.g. `127.0.0.1:9090` or a socket path. */
  address?: string;
  /** Overrides the code's default (see the table above). */
  retrySafe?: boolean;
  cause?: unknown;
}

/** A call or connection failed outside the Thrift layer. `code` says how; the message says what was seen. */
export class RpcError extends Error {
  readonly code: RpcErrorCode;
  /** The peer address involved, when known. */
  readonly address: string | undefined;
  /** True when the server certainly did not execute the call (safe to retry even for non-idempotent methods). */
  readonly retrySafe: boolean;

  constructor(code: RpcErrorCode, message: string, options: RpcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.address = options.address;
    this.retrySafe = options.retrySafe ?? RETRY_SAFE.has(code);
  }
}

/** A call ran past its timeout (`ETIMEDOUT`), or a connection could not be made in time (`ECONNTIMEOUT`). */
export class RpcTimeoutError extends RpcError {
  /** The limit that passed, in milliseconds. */
  readonly timeout: number;

  constructor(code: 'ETIMEDOUT' | 'ECONNTIMEOUT', timeout: number, message: string, options: RpcErrorOptions = {}) {
    super(code, message, options);
    this.timeout = timeout;
  }
}

/** A call's AbortSignal fired (`ECANCELED`); the message names the call and address, `reason` is the signal's. */
export class RpcAbortError extends RpcError {
  /** The signal's reason, as given to `controller.abort(reason)` (a DOMException AbortError by default). */
  readonly reason: unknown;

  constructor(message: string, reason: unknown, address: string | undefined) {
    super('ECANCELED', message, { cause: reason, ...(address === undefined ? {} : { address }) });
    this.reason = reason;
  }
}

/** Which limit refused a call. */
export type OverloadLimit =
  | 'maxConnections'
  | 'maxConcurrentRequests'
  | 'maxConcurrentRequestsPerConnection'
  | 'maxPendingPerConnection'
  | 'maxWaitingPerAddress'
  | 'maxFrameSize'
  | 'maxMessageSize'
  | 'writeBufferCap'
  | 'shuttingDown';

/**
 * A limit refused the call before it ran (`EOVERLOAD`, always retrySafe). `side` says whose limit: the server's
 * (it answered with an overload reply) or this client's.
 */
export class RpcOverloadError extends RpcError {
  readonly side: 'server' | 'client';
  /** The limit, when known (a server reply names it). */
  readonly limit: OverloadLimit | undefined;

  constructor(side: 'server' | 'client', limit: OverloadLimit | undefined, message: string, options: RpcErrorOptions = {}) {
    super('EOVERLOAD', message, options);
    this.side = side;
    this.limit = limit;
  }
}

/** Service discovery has no instance of `service` to call (none registered, or the registry was never read). */
export class RpcNoInstanceError extends RpcError {
  /** The service name looked up in the registry. */
  readonly service: string;

  constructor(service: string, message: string, options: RpcErrorOptions = {}) {
    super('ENOINSTANCE', message, options);
    this.service = service;
  }
}

/** A circuit breaker is open (`ECIRCUITOPEN`): recent calls to `target` failed too often, so this one was not sent. */
export class RpcCircuitOpenError extends RpcError {
  /** What the breaker guards: an instance address, or `Service.method`. */
  readonly target: string;
  /** Epoch ms at which the breaker lets a probe through. */
  readonly retryAt: number;

  constructor(target: string, retryAt: number, message: string, options: RpcErrorOptions = {}) {
    super('ECIRCUITOPEN', message, options);
    this.target = target;
    this.retryAt = retryAt;
  }
}

/** An invalid option or argument given to the runtime's factories; thrown synchronously where it enters. */
export class RpcOptionError extends TypeError {
  readonly code = 'ERR_RPC_OPTION';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RpcOptionError';
  }
}

import type { CallOptions, MethodDescriptor } from '@thriftpoll/protocol';

/**
 * The context of one client call, as client middleware sees it:
 *
 *   const logging: Middleware<ClientContext> = async (ctx, next) => {
 *     ctx.requestHeaders['trace-id'] ??= newTraceId();
 *     try { await next(); } finally { log(ctx.service, ctx.method, ctx.address, ctx.attempts); }
 *   };
 *
 * `next()` performs the call (with its retries) and rejects with the call's error; a middleware may catch it and
 * set `result` instead, or set `result` without calling `next()` at all (a cache).
 */
export class ClientContext {
  /** The service called (the descriptor's IDL name). */
  readonly service: string;
  /** The method's wire name. */
  readonly method: string;
  readonly descriptor: MethodDescriptor;
  readonly oneway: boolean;
  /** Arguments in IDL order; middleware may replace them before `next()`. */
  args: readonly unknown[];
  /** Milliseconds the whole call (all attempts) may take; undefined for no limit. Middleware may change it before `next()`. */
  timeout: number | undefined;
  readonly signal: AbortSignal | undefined;
  /** The call's `hashKey` option: what a consistent-hash balancer routes on. */
  readonly hashKey: string | undefined;
  /** The result, once the call succeeded (or a middleware set it). */
  result: unknown = undefined;
  /** Attempts made (more than 1 when retried). */
  attempts = 0;
  /** The address of the last attempt. */
  address: string | undefined = undefined;

  private requestRecord: Record<string, string> | undefined;
  private responseRecord: Readonly<Record<string, string>> | undefined;

  constructor(service: string, descriptor: MethodDescriptor, args: readonly unknown[], options: CallOptions | undefined, defaultTimeout: number | undefined, private readonly defaultHeaders: Readonly<Record<string, string>> | undefined) {
    this.service = service;
    this.method = descriptor.name;
    this.descriptor = descriptor;
    this.oneway = descriptor.oneway;
    this.args = args;
    const timeout = options?.timeout ?? defaultTimeout;
    // Infinity: this call has no timeout, whatever the client's default.
    this.timeout = timeout === Infinity ? undefined : timeout;
    this.signal = options?.signal;
    this.hashKey = options?.hashKey;
    const headers = options?.headers;
    if (headers !== undefined) {
      this.requestRecord = defaultHeaders === undefined ? { ...headers } : { ...defaultHeaders, ...headers };
    }
  }

  /** Headers sent with the call (THeader/TTHeader): the client's default headers, then the call's. Mutable. */
  get requestHeaders(): Record<string, string> {
    return (this.requestRecord ??= { ...(this.defaultHeaders ?? {}) });
  }

  /** @internal Headers to send, without materialising an empty record. */
  headersToSend(): Readonly<Record<string, string>> | undefined {
    return this.requestRecord ?? this.defaultHeaders;
  }

  /** Headers the server sent back with the reply (THeader/TTHeader); empty before the reply or without headers. */
  get responseHeaders(): Readonly<Record<string, string>> {
    return this.responseRecord ?? EMPTY;
  }

  /** @internal */
  setResponseHeaders(headers: Readonly<Record<string, string>>): void {
    this.responseRecord = headers;
  }
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

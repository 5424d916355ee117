import type { MethodDescriptor, ServerCallContext } from '@thriftpoll/protocol';
import type { Metadata, TransportKind } from '@thriftpoll/transport';
import type { TlsConnectionInfo } from '../net/tls';

/**
 * The call context of one request: what handlers receive as their last argument and what server middleware
 * sees. Implements the `ServerCallContext` contract of generated handlers, plus what middleware needs.
 *
 * Lifecycle: built after the arguments decode; `result` or `error` is set when the handler (or a middleware)
 * settles; the reply is encoded from them after the outermost middleware returns. Middleware may replace
 * `args` before `next()` and `result`/`error` after it.
 *
 * Cost: `requestHeaders`, `responseHeaders` and `signal` are created on first access, so a handler that never
 * touches them costs no extra allocation.
 */
export class ServerContext implements ServerCallContext {
  readonly service: string;
  readonly method: string;
  readonly seqid: number;
  readonly deadline: number | undefined;
  readonly peer: string;
  /** The generated (or code-first) method descriptor being served. */
  readonly descriptor: MethodDescriptor;
  /** True for oneway methods: no reply is sent, whatever the outcome. */
  readonly oneway: boolean;
  /** The transport the request came in (and the reply goes out) on. */
  readonly transport: TransportKind;
  readonly protocol: 'binary' | 'compact';
  /** All metadata the caller sent, including TTHeader int keys (see `KitexIntKey`). */
  readonly requestMetadata: Metadata;
  /** The decoded arguments in IDL order; middleware may replace them before `next()`. */
  args: unknown[];
  /** The handler's return value, once it resolved. */
  result: unknown = undefined;
  /** What the handler (or a middleware) threw; `undefined` when the call succeeded. */
  error: unknown = undefined;
  /** When the request was read, in `performance.now()` milliseconds (requests read together share it). */
  readonly startTime: number;
  /** @internal The object implementing the service. */
  readonly handlerObject: Record<string, unknown>;
  /** The connection's TLS: protocol, whether the client certificate verified, `peerCertificate()`. Undefined on plaintext. */
  tls: TlsConnectionInfo | undefined = undefined;

  private requestRecord: Record<string, string> | undefined;
  private responseRecord: Record<string, string> | undefined;
  private controller: AbortController | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private abortReason: unknown = undefined;
  private finished = false;

  /** @internal Built by the server for each request (positional: one allocation per request, not two). */
  constructor(
    service: string,
    descriptor: MethodDescriptor,
    seqid: number,
    args: unknown[],
    oneway: boolean,
    headers: Metadata,
    deadline: number | undefined,
    peer: string,
    transport: TransportKind,
    protocol: 'binary' | 'compact',
    handler: Record<string, unknown>,
    startTime: number,
  ) {
    this.service = service;
    this.method = descriptor.name;
    this.seqid = seqid;
    this.descriptor = descriptor;
    this.args = args;
    this.oneway = oneway;
    this.requestMetadata = headers;
    this.deadline = deadline;
    this.peer = peer;
    this.transport = transport;
    this.protocol = protocol;
    this.startTime = startTime;
    this.handlerObject = handler;
  }

  /** The caller's string headers (THeader/TTHeader). Empty on Buffered and Framed. */
  get requestHeaders(): Readonly<Record<string, string>> {
    return (this.requestRecord ??= this.requestMetadata.toRecord());
  }

  /** Headers to send back with the reply (THeader/TTHeader only; other transports drop them). */
  get responseHeaders(): Record<string, string> {
    return (this.responseRecord ??= Object.create(null) as Record<string, string>);
  }

  /** True once a handler or middleware touched `responseHeaders` (the reply then carries them). */
  get hasResponseHeaders(): boolean {
    return this.responseRecord !== undefined;
  }

  /**
   * Aborted when the deadline passes (reason: a DOMException `TimeoutError`), the caller disconnects, or the server
   * shuts down and runs out of time. Handlers pass it on to their own I/O.
   */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
      else if (!this.finished) this.armDeadline();
    }
    return this.controller.signal;
  }

  /** Milliseconds left before the deadline (negative once passed); Infinity without a deadline. */
  remaining(): number {
    return this.deadline === undefined ? Infinity : this.deadline - Date.now();
  }

  /** @internal Aborts the call's signal (disconnect, shutdown). Idempotent. */
  abort(reason: unknown): void {
    if (this.abortReason !== undefined || this.finished) return;
    this.abortReason = reason;
    this.clearDeadline();
    this.controller?.abort(reason);
  }

  /** @internal The call has settled: stop the deadline timer. */
  finish(): void {
    this.finished = true;
    this.clearDeadline();
  }

  private armDeadline(): void {
    if (this.deadline === undefined) return;
    const left = this.deadline - Date.now();
    const reason = (): DOMException => new DOMException(`the caller's deadline passed (${this.service}.${this.method})`, 'TimeoutError');
    if (left <= 0) {
      this.abort(reason());
      return;
    }
    this.deadlineTimer = setTimeout(() => this.abort(reason()), left);
    this.deadlineTimer.unref();
  }

  private clearDeadline(): void {
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
  }
}

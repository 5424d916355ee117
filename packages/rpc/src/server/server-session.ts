import {
  MessageType,
  TApplicationException,
  TApplicationExceptionType,
  ProtocolId,
  type MethodDescriptor,
  type ProtocolWriter,
} from '@thriftpoll/protocol';
import type { Reader } from '@thriftpoll/buffer';
import { Metadata, TransportError, describeRefusedMessage, isTHeaderKind, type DecodedMessage, type MessageDecoder, type MessageEncoder } from '@thriftpoll/transport';
import { connectionEncoder, errorCode } from '../codec';
import { deadlineFromHeaders } from '../metadata/deadline';
import { markConnectionReadyToReset, requestedService } from '../metadata/kitex-headers';
import { RpcError, type OverloadLimit } from '../errors';
import { FLUSHED, type NetConnection, type NetWriter } from '../net/net-connection';
import type { TlsConnectionInfo } from '../net/tls';
import { overloadMessage } from '../overload';
import { plainMethodName, type RegisteredMethod, type UnresolvedMethod } from './registry';
import type { ServerRuntime } from './server-runtime';
import { ServerContext } from './server-context';
import { callHandler, isThenable, thrownBy } from './invoke-handler';
import { closeGracefully, SHUTDOWN_QUIET_MS } from './graceful-close';
import { stackless } from '../stackless';

/** How a reply is routed back: what the request's message and transport said. */
interface ReplyRoute {
  /** The method name the reply carries (without a multiplexing prefix). */
  readonly name: string;
  readonly seqid: number;
  readonly protocol: ProtocolId;
  /** THeader/TTHeader header seqid and flags, echoed back. */
  readonly headerSeqid: number | undefined;
  readonly flags: number;
  /** THeader transforms the request used (a zlib request gets a zlib reply). */
  readonly transforms: readonly number[];
  /** Request ordinal on the connection, for in-order replies. */
  readonly index: number;
}

/** What a reply's body is. */
const enum Body {
  RESULT,
  /** A declared exception: REPLY with the exception's result field. */
  DECLARED,
  /** A TApplicationException: EXCEPTION message. */
  APPLICATION,
}

/** A reply ready to be written (in-order mode parks them until their turn). */
type Outcome =
  | { readonly kind: 'context'; readonly route: ReplyRoute; readonly context: ServerContext }
  | { readonly kind: 'failure'; readonly route: ReplyRoute; readonly error: TApplicationException }
  | { readonly kind: 'none'; readonly route: ReplyRoute };

// Hot-path constants read once: a package's re-exports are getters, too slow to call per request.
const EMPTY_METADATA: Metadata = Metadata.EMPTY;
const CALL = MessageType.CALL;
const ONEWAY = MessageType.ONEWAY;
const REPLY = MessageType.REPLY;
const EXCEPTION = MessageType.EXCEPTION;
const COMPACT = ProtocolId.COMPACT;

/** The envelope of the reply being encoded: one for all sessions, since encoders read it synchronously in begin(). */
const ENVELOPE: { protocol: ProtocolId; seqid: number; flags: number; headers: Metadata; transforms: readonly number[] } = {
  protocol: ProtocolId.BINARY,
  seqid: 0,
  flags: 0,
  headers: EMPTY_METADATA,
  transforms: [],
};

/**
 * The server side of one connection: takes requests off the input, runs them concurrently through the
 * middleware chain and the handler, and writes replies in the request's transport and protocol.
 *
 *   input ──decode frame──► message header ──resolve method──► limits ──decode args──► chain(ctx) ──► handler
 *                                 │ bad type / unknown method / over a limit / bad args         │
 *                                 └──────────────► TApplicationException reply ◄──── reply ◄────┘
 *
 * Replies leave as soon as they are ready when the transport lets the caller match them (Framed, THeader,
 * TTHeader: seqid-matched), and in request order on Buffered (or always, with `replyOrder: 'in-order'`).
 * Replies written in the same tick share one flush.
 */
export class ServerSession {
  /** Requests decoded and not yet answered. */
  inFlight = 0;
  /** The connection closed: nothing more is written. */
  private closed = false;
  /** The input can never form a message again (or the connection was refused): nothing more is read. */
  private failed = false;
  private decoder: MessageDecoder;
  /** Whether `decoder` is still the detecting one. */
  private detecting = true;
  private encoder: MessageEncoder | undefined;
  private inOrder = false;
  /** Calls still running asynchronously (to abort on disconnect or shutdown); created on first use. */
  private contexts: Set<ServerContext> | undefined;
  /** Calls whose caller disconnected: aborted and no longer counted; their outcome is dropped when they settle. */
  private released: Set<ServerContext> | undefined;
  // In-order bookkeeping: request ordinals and the outcomes waiting for their predecessors.
  private nextIndex = 0;
  private nextToSend = 0;
  private parked: Map<number, Outcome> | undefined;
  private flushScheduled = false;
  /** Flushes whose bytes are not all sent yet. */
  private flushing = 0;
  /** What was last told to the engine through setBusy(). */
  private busy = false;
  private closeWhenIdle = false;
  /** When the last flush of replies completed (with readTime: the connection's last activity). */
  private lastFlushed = 0;
  private quietTimer: NodeJS.Timeout | undefined;
  private readonly flushTask = (): void => this.flush();
  /** The last method name seen, its plain form and its resolution (without a service hint). */
  private lastName = '';
  private lastPlainName = '';
  private lastResolved: RegisteredMethod | UnresolvedMethod | undefined;
  /** True while onInput() runs (replies written meanwhile are flushed at its end). */
  private reading = false;
  /** A flush microtask is queued. */
  private flushQueued = false;
  /** When the current batch of input was read (ServerContext.startTime). */
  private readTime = 0;
  /** Why the last encode() failed. */
  private encodeError: unknown = undefined;
  private encodeFailure = '';
  // The connection's reader and writer, and its peer's address once asked for, held here: every request needs
  // them, and reading them through the connection object touches one more object per request (a cache miss
  // per request with many connections).
  private readonly input: Reader;
  private readonly output: NetWriter;
  private remote: string | undefined = undefined;
  /** The connection's TLS, fixed when it was accepted (engines without TLS have no such property at all). */
  private readonly tls: TlsConnectionInfo | undefined;

  /**
   * @param rejectLimit set when the connection is over maxConnections: its first request is answered with an
   *   overload error and the connection closed.
   */
  constructor(
    private readonly runtime: ServerRuntime,
    readonly connection: NetConnection,
    /** Told once, when the connection has closed (the server forgets the session). */
    private readonly sessionClosed: (session: ServerSession) => void,
    private readonly rejectLimit: number | undefined = undefined,
  ) {
    this.decoder = runtime.createDecoder();
    this.input = connection.reader;
    this.output = connection.writer;
    this.tls = connection.tls;
    connection.setOnRequest(this.onRequest);
    connection.setOnPeerClosed(this.onPeerClosed);
    connection.addCloseCallback((error) => this.onClosed(error));
  }

  /** The connection's transport, 'detecting' until its first message. */
  get transport(): string {
    return this.detecting ? 'detecting' : (this.decoder.transport ?? 'detecting');
  }

  /** No request running and no reply waiting to be sent: the connection may be closed without losing work. */
  isIdle(): boolean {
    return this.inFlight === 0 && !this.flushScheduled && this.flushing === 0;
  }

  /**
   * Tells the engine whether the connection has work (so that its graceful shutdown closes it only when idle), and
   * closes it when a graceful close was asked and the work is done. Waits for the end of a batch of input while
   * one is read (onInput calls it then): the engine knows its handler is running, so a call answered within the
   * batch never marks the connection busy at all.
   */
  private updateBusy(): void {
    if (this.reading) return;
    const busy = !this.isIdle();
    if (busy !== this.busy) {
      this.busy = busy;
      this.connection.setBusy(busy);
    }
    if (!busy && this.closeWhenIdle) this.closeIfQuiet();
  }

  /**
   * Graceful close of an idle connection. After a refusal (failed) at once; in a shutdown only once the caller
   * has been quiet for SHUTDOWN_QUIET_MS: a caller still sending learns from the refusal of its next call that the
   * server is going away (and never gets a FIN while its call is on the way), and a request partly received is
   * awaited (and refused) rather than cut off.
   */
  private closeIfQuiet(): void {
    if (this.failed) {
      this.closeNow();
      return;
    }
    if (this.input.len() !== 0 || this.quietTimer !== undefined) return;
    const quietFor = this.runtime.clock.now() - Math.max(this.readTime, this.lastFlushed);
    if (quietFor >= SHUTDOWN_QUIET_MS) {
      this.closeNow();
      return;
    }
    this.quietTimer = setTimeout(() => {
      this.quietTimer = undefined;
      if (!this.closed && this.isIdle()) this.closeIfQuiet();
    }, SHUTDOWN_QUIET_MS - quietFor);
    this.quietTimer.unref();
  }

  /** FIN after the replies already sent, nothing more is read or written (see graceful-close.ts). */
  private closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    this.failed = true;
    closeGracefully(this.connection);
  }

  /** The caller hung up: its calls can no longer be answered. */
  private readonly onPeerClosed = (): void => {
    this.connection.close();
  };

  /** Graceful shutdown: close now if idle, else once the calls in flight are answered and the replies sent. */
  closeGracefully(): void {
    this.closeWhenIdle = true;
    this.updateBusy();
  }

  /** Shutdown ran out of time: abort the calls still running and close (replies already sent still arrive). */
  abort(reason: unknown): void {
    this.releaseCalls(reason);
    if (this.flushScheduled) this.flush();
    this.closeNow();
  }

  /**
   * Aborts the calls still running and stops counting them (in-flight limits, busy marks); whatever they return
   * later is dropped. Oneway calls run on: no caller waits for them.
   */
  private releaseCalls(reason: unknown): void {
    const contexts = this.contexts;
    if (contexts === undefined || contexts.size === 0) return;
    for (const context of [...contexts]) {
      if (context.oneway) continue;
      contexts.delete(context);
      (this.released ??= new Set()).add(context);
      this.runtime.callEnded();
      this.inFlight--;
      context.abort(reason);
    }
  }

  private onInput(): void {
    if (this.failed) return;
    this.readTime = this.runtime.clock.now();
    const reader = this.input;
    const output = this.output;
    // Replies of synchronous handlers are flushed once, at the end of this batch, without a microtask hop.
    this.reading = true;
    try {
      for (;;) {
        // A caller that does not read its replies is not served more requests until it does: the output it
        // leaves unsent stays under the write buffer cap, plus the replies of requests already in flight
        // (the input waits in the engine, whose read buffer is capped too).
        if (output.mallocLen() > this.runtime.writeBufferCap || output.needsDrain()) {
          this.runtime.connectionThrottled();
          return;
        }
        let message: DecodedMessage | undefined;
        try {
          message = this.decoder.decode(reader);
        } catch (error) {
          this.fail(error);
          return;
        }
        if (message === undefined) {
          this.connection.wakeAt(this.decoder.wanted);
          return;
        }
        if (this.detecting) {
          // Detected, and at a message boundary: continue with that transport's own decoder (one layer less).
          this.detecting = false;
          this.decoder = this.runtime.createDecoder(message.transport);
        }
        this.runtime.observer?.received(message.wireLength);
        this.handle(message);
        if (this.failed) return;
      }
    } finally {
      this.reading = false;
      // Either way, ends with updateBusy(): the busy mark and a graceful close waited for the batch's end.
      if (this.flushScheduled && !this.flushQueued) this.flush();
      else this.updateBusy();
    }
  }

  /**
   * The engine's input handler. While the caller leaves too much output unsent, it returns a promise that reads
   * on once the output drained (the engine calls no handler for this connection meanwhile).
   */
  private readonly onRequest = (): void | Promise<void> => {
    if (!this.failed && this.output.needsDrain()) {
      this.runtime.connectionThrottled();
      return this.output.drained().then(
        () => this.onInput(),
        () => undefined,
      );
    }
    this.onInput();
  };

  private handle(message: DecodedMessage): void {
    const protocol = message.protocol;
    const reader = this.runtime.reader(protocol, message.payload);
    if (this.encoder === undefined) {
      const transport = message.transport;
      this.encoder = connectionEncoder(transport, this.output, this.runtime.encoderOptions);
      this.inOrder = this.runtime.replyOrder === 'in-order' || transport === 'buffered';
    }
    let name: string;
    let type: MessageType;
    let seqid: number;
    try {
      const header = reader.readMessageBegin();
      name = header.name;
      type = header.type;
      seqid = header.seqid;
    } catch (error) {
      // Without a message header there is no seqid to answer: the peer is not speaking Thrift.
      this.fail(error);
      return;
    }
    // Connections mostly call one or two methods: remember the last name's resolution.
    if (name !== this.lastName) {
      this.lastName = name;
      this.lastPlainName = plainMethodName(name);
      this.lastResolved = undefined;
    }
    const route: ReplyRoute = {
      name: this.lastPlainName,
      seqid,
      protocol,
      headerSeqid: message.seqid,
      flags: message.flags,
      transforms: isTHeaderKind(message.transport) ? message.transforms : NO_TRANSFORMS,
      index: this.nextIndex++,
    };
    if (!this.runtime.protocols.has(protocol)) {
      this.finishFailure(
        route,
        TApplicationExceptionType.INVALID_PROTOCOL,
        `this server accepts only the ${this.runtime.protocols.has(0) ? 'binary' : 'compact'} protocol, the request used ${protocol === 2 ? 'compact' : 'binary'}`,
      );
      this.closeAfterReply();
      return;
    }
    if (type !== CALL && type !== ONEWAY) {
      this.finishFailure(
        route,
        TApplicationExceptionType.INVALID_MESSAGE_TYPE,
        `message type ${type} (${MessageType[type] ?? 'unknown'}) received for '${name}', CALL (1) or ONEWAY (4) expected`,
      );
      return;
    }
    const headers = message.headers;
    const hint = headers === EMPTY_METADATA ? undefined : requestedService(headers);
    let resolved: RegisteredMethod | UnresolvedMethod;
    if (hint === undefined) resolved = this.lastResolved ??= this.runtime.registry.resolve(name);
    else resolved = this.runtime.registry.resolve(name, hint);
    if ('unresolved' in resolved) {
      this.runtime.requestRefused('unknownMethod');
      if (type === ONEWAY) this.finishNone(route);
      else this.finishFailure(route, TApplicationExceptionType.UNKNOWN_METHOD, resolved.unresolved);
      return;
    }
    const oneway = type === ONEWAY || resolved.descriptor.oneway;
    const refusal = this.admit();
    if (refusal !== undefined) {
      this.runtime.requestRefused('overloaded');
      this.runtime.observer?.refused(refusal);
      if (oneway) this.finishNone(route);
      else this.finishFailure(route, TApplicationExceptionType.INTERNAL_ERROR, overloadMessage(refusal, this.describeLimit(refusal)));
      if (refusal === 'maxConnections') this.closeAfterReply();
      return;
    }
    let args: unknown[];
    try {
      args = resolved.descriptor.readArgs(reader) as unknown[];
      reader.readMessageEnd();
    } catch (error) {
      this.runtime.requestRefused('badRequests');
      const why = error instanceof Error ? error.message : String(error);
      if (oneway) this.finishNone(route);
      else {
        this.finishFailure(
          route,
          TApplicationExceptionType.PROTOCOL_ERROR,
          `cannot decode the arguments of ${resolved.serviceName}.${resolved.descriptor.name}: ${why}`,
        );
      }
      return;
    }
    this.dispatch(route, resolved, args, oneway, message);
  }

  /** Checks the concurrency limits; returns the limit that refuses the request, if any. */
  private admit(): OverloadLimit | undefined {
    const runtime = this.runtime;
    if (this.rejectLimit !== undefined) return 'maxConnections';
    if (runtime.shuttingDown) return 'shuttingDown';
    if (runtime.inFlight >= runtime.maxConcurrentRequests) return 'maxConcurrentRequests';
    if (this.inFlight >= runtime.maxConcurrentRequestsPerConnection) return 'maxConcurrentRequestsPerConnection';
    return undefined;
  }

  private describeLimit(limit: OverloadLimit): string {
    const runtime = this.runtime;
    switch (limit) {
      case 'maxConnections':
        return `the server has ${this.rejectLimit ?? 0} connections open, maxConnections ${this.rejectLimit ?? 0}`;
      case 'shuttingDown':
        return 'the server is shutting down';
      case 'maxConcurrentRequests':
        return `${runtime.inFlight} requests in flight on the server, maxConcurrentRequests ${runtime.maxConcurrentRequests}`;
      case 'maxConcurrentRequestsPerConnection':
        return `${this.inFlight} requests in flight on this connection, maxConcurrentRequestsPerConnection ${runtime.maxConcurrentRequestsPerConnection}`;
      default:
        return limit;
    }
  }

  private dispatch(route: ReplyRoute, method: RegisteredMethod, args: unknown[], oneway: boolean, message: DecodedMessage): void {
    const headers = message.headers;
    const context = new ServerContext(
      method.serviceName,
      method.descriptor,
      route.seqid,
      args,
      oneway,
      headers,
      headers === EMPTY_METADATA ? undefined : deadlineFromHeaders(headers),
      (this.remote ??= this.connection.remoteAddress),
      message.transport,
      route.protocol === COMPACT ? 'compact' : 'binary',
      method.handler,
      this.readTime,
    );
    if (this.tls !== undefined) context.tls = this.tls;
    this.inFlight++;
    this.runtime.callStarted();
    if (!this.busy) this.updateBusy();
    if (this.runtime.direct) {
      // No middleware: call the handler here; a synchronous one is answered without any promise.
      let outcome: unknown;
      try {
        outcome = callHandler(context);
      } catch (error) {
        context.error = thrownBy(context, error);
        this.settled(route, context);
        return;
      }
      if (!isThenable(outcome)) {
        context.result = outcome;
        this.settled(route, context);
        return;
      }
      (this.contexts ??= new Set()).add(context);
      outcome.then(
        (result) => {
          context.result = result;
          this.settled(route, context);
        },
        (error: unknown) => {
          context.error = thrownBy(context, error);
          this.settled(route, context);
        },
      );
      return;
    }
    (this.contexts ??= new Set()).add(context);
    const done = (): void => this.settled(route, context);
    this.runtime.chain(context).then(done, (error: unknown) => {
      // A middleware threw (or rejected): that is the call's outcome, whatever the handler did.
      context.error = error === undefined ? new Error('a middleware rejected with undefined') : error;
      done();
    });
  }

  private settled(route: ReplyRoute, context: ServerContext): void {
    context.finish();
    this.runtime.observer?.settled(context);
    if (this.released !== undefined && this.released.delete(context)) return;
    this.contexts?.delete(context);
    this.runtime.callEnded();
    this.inFlight--;
    if (context.oneway) {
      if (context.error !== undefined) this.runtime.report(context.error, context, 'oneway handler failed');
      this.finishNone(route);
    } else {
      this.finishContext(route, context);
    }
    this.updateBusy();
  }

  private finishFailure(route: ReplyRoute, type: TApplicationExceptionType, message: string): void {
    if (this.closed) return;
    // Sent on the wire, never thrown here: no stack to capture (see stackless.ts).
    const error = stackless(() => new TApplicationException(type, message));
    if (this.inOrder) this.finishInOrder({ kind: 'failure', route, error });
    else this.encode(route, EXCEPTION, undefined, Body.APPLICATION, error, undefined);
  }

  private finishContext(route: ReplyRoute, context: ServerContext): void {
    if (this.closed) return;
    if (this.inOrder) this.finishInOrder({ kind: 'context', route, context });
    else this.writeContext(route, context);
  }

  private finishNone(route: ReplyRoute): void {
    if (this.closed || !this.inOrder) return;
    this.finishInOrder({ kind: 'none', route });
  }

  /** In-order mode: writes an outcome when its turn comes, parking it until the replies before it are written. */
  private finishInOrder(outcome: Outcome): void {
    if (outcome.route.index !== this.nextToSend) {
      (this.parked ??= new Map()).set(outcome.route.index, outcome);
      return;
    }
    this.writeOutcome(outcome);
    this.nextToSend++;
    const parked = this.parked;
    if (parked === undefined) return;
    for (let next = parked.get(this.nextToSend); next !== undefined; next = parked.get(this.nextToSend)) {
      parked.delete(this.nextToSend);
      this.writeOutcome(next);
      this.nextToSend++;
    }
  }

  private writeOutcome(outcome: Outcome): void {
    if (outcome.kind === 'context') this.writeContext(outcome.route, outcome.context);
    else if (outcome.kind === 'failure') this.encode(outcome.route, EXCEPTION, undefined, Body.APPLICATION, outcome.error, undefined);
  }

  private writeContext(route: ReplyRoute, context: ServerContext): void {
    const descriptor = context.descriptor;
    const headers = this.responseMetadata(context);
    const error = context.error;
    if (error === undefined) {
      if (!this.encode(route, REPLY, headers, Body.RESULT, context.result, descriptor)) {
        // The handler's result could not be encoded (a required field unset, a wrong type): tell the caller why.
        this.encodeApplicationError(route, headers, `${context.service}.${context.method} returned a result that cannot be encoded: ${this.encodeFailure}`);
      }
      return;
    }
    if (error instanceof TApplicationException) {
      this.encode(route, EXCEPTION, headers, Body.APPLICATION, error, undefined);
      return;
    }
    if (this.encode(route, REPLY, headers, Body.DECLARED, error, descriptor)) return;
    if (this.encodeError !== NOT_DECLARED) {
      this.encodeApplicationError(route, headers, `${context.service}.${context.method} threw a declared exception that cannot be encoded: ${this.encodeFailure}`);
      return;
    }
    // Not an exception the IDL declares: the caller gets INTERNAL_ERROR, and the operators a report.
    this.runtime.report(error, context, 'handler failed');
    const message = error instanceof Error ? error.message : String(error);
    this.encodeApplicationError(route, headers, `${context.service}.${context.method} failed: ${message}`);
  }

  private encodeApplicationError(route: ReplyRoute, headers: Metadata | undefined, message: string): void {
    const error = new TApplicationException(TApplicationExceptionType.INTERNAL_ERROR, message);
    this.encode(route, EXCEPTION, headers, Body.APPLICATION, error, undefined);
  }

  /**
   * Frames and encodes one reply straight into the connection's output. If encoding throws half-way, the bytes
   * written since the reply began are rolled back (mallocAck), so the output never holds a partial message;
   * returns false then, with the error in `encodeError` / `encodeFailure`.
   */
  private encode(route: ReplyRoute, type: MessageType, headers: Metadata | undefined, body: Body, value: unknown, descriptor: MethodDescriptor | undefined): boolean {
    const encoder = this.encoder as MessageEncoder;
    const output = this.output;
    const mark = output.mallocLen();
    const protocol = route.protocol;
    let writer: ProtocolWriter | undefined;
    const envelope = ENVELOPE;
    envelope.protocol = protocol;
    envelope.seqid = route.headerSeqid ?? route.seqid;
    envelope.flags = route.flags;
    envelope.headers = headers ?? EMPTY_METADATA;
    envelope.transforms = route.transforms;
    try {
      encoder.begin(envelope);
      writer = this.runtime.writer(protocol, encoder.sink);
      writer.writeMessageBegin(route.name, type, route.seqid);
      if (body === Body.RESULT) (descriptor as MethodDescriptor).writeResult(writer, value);
      else if (body === Body.APPLICATION) (value as TApplicationException).write(writer);
      else if (!(descriptor as MethodDescriptor).writeException(writer, value)) throw NOT_DECLARED;
      writer.writeMessageEnd();
      encoder.end();
    } catch (error) {
      // Forget the partial message: the writer's uncommitted bytes, the encoder's frame, the output's bytes.
      if (writer !== undefined) this.runtime.discardWriter(protocol);
      encoder.abort();
      output.mallocAck(mark);
      this.encodeError = error;
      this.encodeFailure = error instanceof Error ? error.message : String(error);
      return false;
    }
    if (!this.flushScheduled) this.scheduleFlush();
    return true;
  }

  private responseMetadata(context: ServerContext): Metadata | undefined {
    const shuttingDown = this.runtime.shuttingDown && (context.transport === 'ttheader' || context.transport === 'ttheader-framed');
    if (!context.hasResponseHeaders && !shuttingDown) return undefined;
    const metadata = context.hasResponseHeaders ? Metadata.from(context.responseHeaders) : new Metadata();
    // Kitex's "connection ready to reset": the caller should not reuse this connection.
    if (shuttingDown) markConnectionReadyToReset(metadata);
    return metadata;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (!this.busy) this.updateBusy();
    // While reading, onInput flushes when its batch is done; otherwise (async handlers) at the end of the tick.
    if (!this.reading) {
      this.flushQueued = true;
      queueMicrotask(this.flushTask);
    }
  }

  private flush(): void {
    this.flushQueued = false;
    if (!this.flushScheduled) return;
    this.flushScheduled = false;
    if (this.closed) return;
    this.runtime.observer?.sent(this.output.mallocLen());
    const sending = this.output.flush();
    if (sending === FLUSHED) {
      // The kernel took every byte: nothing to wait for, so no promise reaction either.
      this.afterFlush();
      return;
    }
    this.flushing++;
    sending.then(this.flushed, this.flushFailed);
    // A write that failed at once may have closed the connection already.
    if (!this.closed) this.updateBusy();
  }

  private readonly flushed = (): void => {
    this.flushing--;
    this.afterFlush();
  };

  /** A flush's bytes are all sent: the connection may now be idle. */
  private afterFlush(): void {
    this.lastFlushed = this.runtime.clock.now();
    if (!this.closed) this.updateBusy();
  }

  private readonly flushFailed = (error: unknown): void => {
    this.flushing--;
    if (!this.closed) this.runtime.report(error, undefined, `cannot send replies to ${this.connection.remoteAddress}`);
    this.connection.close();
  };

  /**
   * A request the transport refused before reading it — over a size limit, or in a transport this server does not
   * accept — is answered, in the transport and protocol it came in, before the connection closes: over a size limit
   * with an overload reply (a typed RpcOverloadError on thriftpoll clients), a refused transport with
   * TApplicationException UNSUPPORTED_CLIENT_TYPE naming what was seen and what is accepted. False when the
   * request's header cannot be found in its first bytes.
   */
  private answerRefused(error: TransportError): boolean {
    const reader = this.input;
    const head = error.messageHead ?? (reader.len() > 0 ? reader.peek(Math.min(reader.len(), 64 * 1024)) : undefined);
    const request = head === undefined ? undefined : describeRefusedMessage(head, this.encoder?.transport ?? this.decoder.transport);
    if (request === undefined) return false;
    if (this.encoder === undefined) {
      this.encoder = connectionEncoder(request.transport, this.output, this.runtime.encoderOptions);
      this.inOrder = this.runtime.replyOrder === 'in-order' || request.transport === 'buffered';
    }
    const route: ReplyRoute = {
      name: plainMethodName(request.name),
      seqid: request.seqid,
      protocol: request.protocol,
      headerSeqid: request.headerSeqid,
      flags: request.flags,
      transforms: NO_TRANSFORMS,
      index: this.nextIndex++,
    };
    if (error.code === 'TRANSPORT_NOT_ALLOWED') {
      this.finishFailure(route, TApplicationExceptionType.UNSUPPORTED_CLIENT_TYPE, error.message);
    } else {
      const limit = error.code === 'FRAME_TOO_LARGE' ? 'maxFrameSize' : 'maxMessageSize';
      this.runtime.observer?.refused(limit);
      this.finishFailure(route, TApplicationExceptionType.INTERNAL_ERROR, overloadMessage(limit, error.message));
    }
    this.closeAfterReply();
    return true;
  }

  /** Stops reading; the connection closes once the replies already due have been sent. */
  private closeAfterReply(): void {
    this.failed = true;
    this.closeWhenIdle = true;
    this.updateBusy();
  }

  /** The input can never form a message: answer what can be answered, then close. */
  private fail(error: unknown): void {
    this.failed = true;
    // With metrics on, an HTTP request may be for /metrics or /healthz; one for anything else is refused as below.
    if (this.runtime.observer?.takeHttp(error, this.connection, () => this.countRefused(error)) === true) return;
    this.runtime.protocolError();
    if (error instanceof TransportError && ANSWERABLE.has(error.code) && this.answerRefused(error)) {
      this.report(error);
      return;
    }
    const reply = (error as { reply?: unknown }).reply;
    if (reply instanceof Uint8Array && reply.length > 0) {
      // E.g. the HTTP explanation: sent as is, then the connection closes.
      const region = this.output.malloc(reply.length);
      region.set(reply);
      this.output.flush().then(
        () => this.connection.close(),
        () => this.connection.close(),
      );
    } else {
      this.connection.close();
    }
    this.report(error);
  }

  /** An HTTP request the observer refused: a protocol error, as if it had never looked. */
  private countRefused(error: unknown): void {
    this.runtime.protocolError();
    this.report(error);
  }

  private report(error: unknown): void {
    this.runtime.report(
      new RpcError('EPROTO', `closing the connection from ${this.connection.remoteAddress}: ${error instanceof Error ? error.message : String(error)}`, {
        address: this.connection.remoteAddress,
        cause: error,
      }),
      undefined,
      errorCode(error),
    );
  }

  private onClosed(error: Error | undefined): void {
    this.closed = true;
    if (this.quietTimer !== undefined) clearTimeout(this.quietTimer);
    if (this.contexts !== undefined && this.contexts.size > 0) {
      this.releaseCalls(
        new RpcError('ECONNRESET', `the caller ${this.connection.remoteAddress} disconnected`, {
          address: this.connection.remoteAddress,
          cause: error,
        }),
      );
    }
    this.parked = undefined;
    this.sessionClosed(this);
  }
}

const NO_TRANSFORMS: readonly number[] = Object.freeze([]);

/** Transport refusals whose request can still be answered from its first bytes (see answerRefused). */
const ANSWERABLE: ReadonlySet<string> = new Set(['FRAME_TOO_LARGE', 'MESSAGE_TOO_LARGE', 'TRANSPORT_NOT_ALLOWED']);



/** Sentinel: writeException() said the error is not one the method declares. */
const NOT_DECLARED = new Error('not a declared exception');

import {
  MessageType,
  TApplicationException,
  TApplicationExceptionType,
  protocolById,
  type MethodDescriptor,
  type ProtocolId,
  type ProtocolReader,
  type ProtocolWriter,
  type ReaderOptions,
} from '@thriftpoll/protocol';
import { Metadata, TransportError, type DecodedMessage, type DecoderOptions, type EncoderOptions, type MessageDecoder, type MessageEncoder } from '@thriftpoll/transport';
import type { Endpoint } from '../net/address';
import { connectionDecoder, connectionEncoder, type TransportName } from '../codec';
import { RpcError, RpcOverloadError } from '../errors';
import { looksLikeTls, silentPeerHint, TLS_ANSWER } from './first-contact';
import { ShutdownFence } from './shutdown-fence';
import { stackless } from '../stackless';
import type { NetConnection } from '../net/net-connection';
import { overloadFromReply } from '../overload';
import { isConnectionReadyToReset } from '../metadata/kitex-headers';
import type { PoolConnection } from './pool';

/** One call waiting on a connection. Implemented by Attempt (attempt.ts). */
export interface PendingCall {
  readonly descriptor: MethodDescriptor;
  /** The name on the wire (with a `Service:` prefix for multiplexed servers). */
  readonly wireName: string;
  readonly args: readonly unknown[];
  /** Metadata to send (THeader/TTHeader); undefined for none. */
  readonly headers: Metadata | undefined;
  /** Set by the connection: the call's position in its output, to tell sent calls from calls still unsent. */
  order: number;
  /** The reply arrived: `value` is the method's result. */
  resolve(value: unknown, headers: Metadata): void;
  /** The call failed on this connection (declared exception, TApplicationException, transport error). */
  reject(error: unknown): void;
}

/** What a client connection needs to know about the wire. */
export interface ClientWireOptions {
  readonly transport: TransportName;
  readonly protocol: ProtocolId;
  readonly decoder: DecoderOptions;
  readonly encoder: EncoderOptions;
  readonly reader: ReaderOptions;
}

const MAX_SEQID = 0x7fffffff;

// Hot-path constants read once: a package's re-exports are getters, too slow to call per call.
const EMPTY_METADATA: Metadata = Metadata.EMPTY;
const CALL = MessageType.CALL;
const ONEWAY = MessageType.ONEWAY;
const REPLY = MessageType.REPLY;
const EXCEPTION = MessageType.EXCEPTION;

/**
 * The client side of one connection: writes calls, matches replies to them by seqid, and fails every pending call
 * at once if the connection dies (a call never hangs on a dead connection).
 *
 *   send(call) ─► seqid = next ─► encode into the connection's output ─► flush (coalesced per tick)
 *   input ─► decode frame ─► message header ─► pending[seqid] ─► readResult ─► resolve / reject
 *                                                └─ unknown seqid (a reply to a call that timed out) ─► discarded
 *   close/reset ─► reject all pending with ECONNRESET
 *
 * The same class serves the long pool (one call at a time), the mux pool (many) and short connections.
 */
export class ClientConnection implements PoolConnection {
  /** Replies that matched no pending call (late replies to abandoned calls). */
  discardedReplies = 0;
  private readonly pending = new Map<number, PendingCall>();
  private readonly decoder: MessageDecoder;
  private readonly encoder: MessageEncoder;
  private readonly writer: ProtocolWriter;
  private readonly readers: (ProtocolReader | undefined)[] = [];
  private seqid = 0;
  /** Calls written so far, and how many of them had been handed to the engine's flush. */
  private written = 0;
  private flushedCount = 0;
  private closed = false;
  /**
   * The server asked us not to reuse this connection (Kitex's "connection ready to reset", or a shutting-down
   * refusal): no new call is sent, the calls in flight are awaited, and close() waits for them.
   */
  private retiring = false;
  private closeWhenDrained = false;
  /** Which calls the server provably never ran, once it refused one as shutting down. */
  private readonly fence = new ShutdownFence();
  private flushScheduled = false;
  /** The peer sent at least one byte on this connection (else a failure probably means a transport mismatch). */
  private heardFrom = false;
  private readonly flushTask = (): void => this.flush();

  constructor(
    readonly endpoint: Endpoint,
    private readonly connection: NetConnection,
    private readonly wire: ClientWireOptions,
    onClosed: (connection: ClientConnection) => void,
  ) {
    this.decoder = connectionDecoder(wire.transport, wire.decoder);
    this.encoder = connectionEncoder(wire.transport, connection.writer, wire.encoder);
    this.writer = protocolById(wire.protocol).createWriter(this.encoder.sink);
    connection.setOnRequest(() => this.onInput());
    connection.addCloseCallback((error) => {
      this.closed = true;
      this.failAll(error);
      onClosed(this);
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  isActive(): boolean {
    return !this.closed && !this.retiring && this.connection.isActive();
  }

  /** Why a call on this connection probably failed, when the peer never sent a byte: else undefined. */
  silenceHint(): string | undefined {
    return this.heardFrom || this.written === 0 ? undefined : silentPeerHint(this.wire.transport, this.connection.tls !== undefined);
  }

  /**
   * Closes the connection; calls still pending fail with `reason` (default: ECONNRESET, as for a lost peer). A
   * retiring connection closed without a reason (a pool dropping it) first lets its calls in flight finish.
   */
  close(reason?: RpcError): void {
    if (reason === undefined && this.retiring && !this.closed && this.pending.size > 0) {
      this.closeWhenDrained = true;
      return;
    }
    if (reason !== undefined && !this.closed) this.failAll(reason);
    this.connection.close();
  }

  /**
   * Writes `call` and registers it for its reply (oneway calls: resolved once the bytes are handed to the
   * socket). Returns the seqid. Throws RpcError ECLOSED if the connection is closed, or what encoding threw (the
   * output is rolled back, the connection stays usable).
   */
  send(call: PendingCall): number {
    if (this.closed) {
      throw new RpcError('ECLOSED', `the connection to ${this.endpoint.key} is closed`, { address: this.endpoint.key });
    }
    const output = this.connection.writer;
    if (output.needsDrain()) {
      // The server is not reading what we send: refuse more rather than let the output grow.
      throw new RpcOverloadError('client', 'writeBufferCap', `the connection to ${this.endpoint.key} has too much unsent output: the server does not read its requests`, {
        address: this.endpoint.key,
      });
    }
    const seqid = this.nextSeqid();
    const mark = output.mallocLen();
    const oneway = call.descriptor.oneway;
    try {
      this.encoder.begin({ protocol: this.wire.protocol, seqid, headers: call.headers });
      const writer = this.writer;
      writer.writeMessageBegin(call.wireName, oneway ? ONEWAY : CALL, seqid);
      call.descriptor.writeArgs(writer, call.args);
      writer.writeMessageEnd();
      this.encoder.end();
    } catch (error) {
      (this.writer as { reset?: () => void }).reset?.();
      this.encoder.abort();
      output.mallocAck(mark);
      if (error instanceof TransportError && error.code === 'FRAME_TOO_LARGE') {
        throw new RpcError('EMSGSIZE', `${call.wireName} to ${this.endpoint.key} not sent: ${error.message}`, { address: this.endpoint.key, cause: error, retrySafe: true });
      }
      throw error;
    }
    if (oneway) {
      // No reply will come: the call is done once its bytes are on their way.
      this.flushScheduled = false;
      this.connection.writer.flush().then(
        () => call.resolve(undefined, EMPTY_METADATA),
        (error: unknown) => call.reject(this.transportError(error, 'cannot send the oneway call')),
      );
      return seqid;
    }
    call.order = ++this.written;
    this.pending.set(seqid, call);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushTask);
    }
    return seqid;
  }

  /** Forgets a call that timed out or was aborted: its reply, if it comes, is discarded. */
  abandon(seqid: number): void {
    this.pending.delete(seqid);
    this.closeIfDrained();
  }

  private closeIfDrained(): void {
    if (this.closeWhenDrained && this.pending.size === 0) this.connection.close();
  }

  private nextSeqid(): number {
    // Seqids wrap within the positive i32 range, skipping any still pending (a very long call).
    do {
      this.seqid = this.seqid >= MAX_SEQID ? 1 : this.seqid + 1;
    } while (this.pending.has(this.seqid));
    return this.seqid;
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed) return;
    if (!this.connection.isActive()) {
      // The peer hung up before these bytes left: the calls were certainly not received (retry-safe, see failAll).
      this.connection.close();
      return;
    }
    this.flushedCount = this.written;
    this.connection.writer.flush().then(undefined, (error: unknown) => {
      // A reset: replies that arrived before it are still delivered, the engine reads on to the end of the input
      // and then closes (failing what is left). Any other failure closes now.
      const code = (error as { code?: unknown }).code;
      if (code === 'EPIPE' || code === 'ECONNRESET') this.retiring = true;
      else {
        this.failAll(error);
        this.connection.close();
      }
    });
  }

  private onInput(): void {
    const reader = this.connection.reader;
    if (!this.heardFrom) {
      if (reader.len() < 2) {
        this.connection.wakeAt(2);
        return;
      }
      this.heardFrom = true;
      if (this.connection.tls === undefined && looksLikeTls(reader.peek(2))) {
        this.fatal(new RpcError('EPROTO', `${this.endpoint.key}: ${TLS_ANSWER}`, { address: this.endpoint.key }), 'answered with TLS');
        return;
      }
    }
    for (;;) {
      let message: DecodedMessage | undefined;
      try {
        message = this.decoder.decode(reader);
      } catch (error) {
        this.fatal(error, 'received bytes that are not a reply in the expected transport');
        return;
      }
      if (message === undefined) {
        this.connection.wakeAt(this.decoder.wanted);
        return;
      }
      if (!this.onReply(message)) return;
    }
  }

  /** Handles one reply; false when the connection had to be closed. */
  private onReply(message: DecodedMessage): boolean {
    const protocol = message.protocol;
    let reader = this.readers[protocol];
    if (reader === undefined) {
      reader = protocolById(protocol).createReader(message.payload, this.wire.reader);
      this.readers[protocol] = reader;
    } else {
      reader.reset(message.payload);
    }
    let seqid: number;
    let type: MessageType;
    let name: string;
    try {
      const header = reader.readMessageBegin();
      seqid = header.seqid;
      type = header.type;
      name = header.name;
    } catch (error) {
      this.fatal(error, 'received a reply without a valid message header');
      return false;
    }
    const headers = message.headers;
    if (isConnectionReadyToReset(headers)) this.retiring = true;
    const call = this.pending.get(seqid);
    if (call === undefined) {
      this.discardedReplies++;
      return true;
    }
    this.pending.delete(seqid);
    if (this.closeWhenDrained && this.pending.size === 0) queueMicrotask(() => this.closeIfDrained());
    // As Apache's clients: a reply must name the method called (multiplexed servers answer with or without the
    // `Service:` prefix) and be a REPLY or an EXCEPTION. Either failure is this call's; the stream stays in step.
    if (name !== call.wireName && name !== call.descriptor.name) {
      // An exception the server sent under another name is kept as the cause: it says what went wrong there.
      let cause: TApplicationException | undefined;
      if (type === EXCEPTION) {
        try {
          cause = TApplicationException.decode(reader);
        } catch {
          cause = undefined;
        }
      }
      const what = cause === undefined ? 'a reply' : `an exception (${cause.code}: ${cause.message})`;
      call.reject(
        new TApplicationException(TApplicationExceptionType.WRONG_METHOD_NAME, `${this.endpoint.key} answered ${call.wireName} (seqid ${seqid}) with ${what} for ${JSON.stringify(name)}`, { cause }),
      );
      return true;
    }
    if (type === REPLY) {
      let value: unknown;
      try {
        value = call.descriptor.readResult(reader);
      } catch (error) {
        // A declared exception, TApplicationException(MISSING_RESULT), or an undecodable result.
        call.reject(error);
        return true;
      }
      call.resolve(value, headers);
      return true;
    }
    if (type === EXCEPTION) {
      let error: unknown;
      try {
        // The stack would only show the engine's dispatch (see stackless.ts).
        const exception = stackless(() => TApplicationException.decode(reader));
        const overload = stackless(() => overloadFromReply(exception, this.endpoint.key));
        if (overload?.limit === 'shuttingDown') {
          this.retiring = true;
          this.fence.refused(call.order);
        }
        error = overload ?? exception;
      } catch (decodeError) {
        error = decodeError;
      }
      call.reject(error);
      return true;
    }
    call.reject(
      new TApplicationException(
        TApplicationExceptionType.INVALID_MESSAGE_TYPE,
        `${this.endpoint.key} answered ${call.wireName} with message type ${MessageType[type] ?? type} (${type}), REPLY (2) or EXCEPTION (3) expected`,
      ),
    );
    return true;
  }

  private fatal(error: unknown, what: string): void {
    const tooLarge = error instanceof TransportError && (error.code === 'FRAME_TOO_LARGE' || error.code === 'MESSAGE_TOO_LARGE');
    this.failAll(
      tooLarge
        ? new RpcError('EMSGSIZE', `${this.endpoint.key} sent a reply over the client's size limit: ${(error as Error).message}`, { address: this.endpoint.key, cause: error })
        : this.transportError(error, what, 'EPROTO'),
    );
    this.connection.close();
  }

  private transportError(error: unknown, what: string, code: 'EPROTO' | 'ECONNRESET' = 'ECONNRESET'): RpcError {
    if (error instanceof RpcError) return error;
    const detail = error instanceof Error ? error.message : String(error);
    return new RpcError(code, `${this.endpoint.key} ${what}: ${detail}`, { address: this.endpoint.key, cause: error });
  }

  /**
   * Rejects every pending call: the connection is gone. Calls whose bytes never reached the engine's flush were
   * certainly not executed: their error is retrySafe (the connection closed under them between two ticks, e.g.
   * a server closing idle connections during a rolling restart).
   */
  private failAll(cause: unknown): void {
    if (this.pending.size === 0) return;
    const count = this.pending.size;
    const calls = [...this.pending.values()];
    this.pending.clear();
    if (cause instanceof RpcError && (cause.code === 'EPROTO' || cause.code === 'EMSGSIZE' || cause.code === 'ECLOSED')) {
      for (const call of calls) call.reject(cause);
      return;
    }
    const hint = this.silenceHint();
    const detail = (cause instanceof Error ? `: ${cause.message}` : '') + (hint === undefined ? '' : ` (${hint})`);
    const sent = new RpcError('ECONNRESET', `the connection to ${this.endpoint.key} closed with ${count} ${count === 1 ? 'call' : 'calls'} in flight${detail}`, {
      address: this.endpoint.key,
      cause,
    });
    let unsent: RpcError | undefined;
    let fenced: RpcError | undefined;
    for (const call of calls) {
      if (this.fence.neverRan(call.order)) {
        fenced ??= this.fence.error(this.endpoint.key, count, cause);
        call.reject(fenced);
        continue;
      }
      if (call.order <= this.flushedCount) {
        call.reject(sent);
        continue;
      }
      unsent ??= new RpcError('ECONNRESET', `the connection to ${this.endpoint.key} closed before the call was sent${detail}`, {
        address: this.endpoint.key,
        cause,
        retrySafe: true,
      });
      call.reject(unsent);
    }
  }
}

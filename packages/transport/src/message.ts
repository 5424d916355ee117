import type { OutputSink, Reader } from '@thriftpoll/buffer';
import type { ByteSink, ByteSource, ProtocolId } from '@thriftpoll/protocol';
import type { Metadata } from './metadata';

/**
 * The framing a message travels in.
 *
 *   buffered         the Thrift message alone; it ends where its encoding ends
 *   framed           u32 length | message
 *   theader          Apache/fbthrift THeader: u32 length | 0x0FFF | flags | seqid | header (varints) | payload
 *   ttheader         Kitex TTHeader: u32 length | 0x1000 | flags | seqid | header (fixed width) | message
 *   ttheader-framed  Kitex TTHeader whose payload is itself framed: ... header | u32 length | message
 *   framed-theader   a THeader frame inside a Framed frame: u32 length | THeader frame (Apache's
 *                    `--transport framed --protocol header`)
 */
export type TransportKind = 'buffered' | 'framed' | 'theader' | 'ttheader' | 'ttheader-framed' | 'framed-theader';

/** Every transport kind, in detection order. */
export const TRANSPORT_KINDS: readonly TransportKind[] = ['buffered', 'framed', 'theader', 'ttheader', 'ttheader-framed', 'framed-theader'];

/** True for the transports that carry THeader frames (metadata as strings, zlib): `theader` and `framed-theader`. */
export function isTHeaderKind(transport: TransportKind | undefined): boolean {
  return transport === 'theader' || transport === 'framed-theader';
}

/** THeader transform ids (HeaderFormat.md). thriftpoll implements ZLIB; the others are refused. */
export enum THeaderTransform {
  ZLIB = 1,
  HMAC = 2,
  SNAPPY = 3,
}

/**
 * One message taken off a connection's input.
 *
 * Validity: `payload` views point into the reader's memory (zero-copy) and stay valid until the reader's
 * `release()`; they may also be buffers the message owns (inflated zlib data, a Buffered message that
 * arrived over several reads), which stay valid as long as they are referenced.
 */
export interface DecodedMessage {
  readonly transport: TransportKind;
  /** The protocol of the payload: from the header (THeader/TTHeader), else from the payload's first byte. */
  readonly protocol: ProtocolId;
  /** The header's sequence id (THeader/TTHeader); undefined for Buffered and Framed. */
  readonly seqid: number | undefined;
  /** The header's flags (THeader/TTHeader); 0 otherwise. */
  readonly flags: number;
  /** Metadata from the header; {@link Metadata.EMPTY} for Buffered and Framed. */
  readonly headers: Metadata;
  /**
   * Transform ids from the header, in wire order: THeader transforms (THeaderTransform), already undone;
   * TTHeader ids are reported as sent and never applied (Kitex defines none).
   */
  readonly transforms: readonly number[];
  /** The Thrift message (message header + struct), ready for a protocol reader. */
  readonly payload: ByteSource;
  /** Length of `payload` in bytes. */
  readonly payloadLength: number;
  /** Bytes the message took on the wire, framing included. */
  readonly wireLength: number;
  /** An info block id that ended header parsing early because it is not understood (THeader/TTHeader). */
  readonly ignoredInfoId: number | undefined;
}

/**
 * Takes messages off a connection's input, one at a time.
 *
 * Usage (one decoder per connection; the reader is the connection's `reader`):
 *
 *   for (;;) {
 *     const message = decoder.decode(reader);
 *     if (message === undefined) { connection.wakeAt(decoder.wanted); break; }
 *     handle(message);          // decode the payload with a protocol reader
 *   }
 *   reader.release();           // allowed at any point between decode() calls
 *
 * Decoders never hold views of the reader across calls: a partial message stays in the reader (or, for
 * Buffered, in a private copy), so `reader.release()` is always safe between calls.
 */
export interface MessageDecoder {
  /** The transport this decoder reads; undefined for a detecting decoder that has not seen enough bytes. */
  readonly transport: TransportKind | undefined;
  /**
   * Returns the next complete message and consumes its bytes from `reader`, or returns undefined when more
   * bytes are needed (nothing that matters is lost: call again once more bytes are buffered).
   * Throws TransportError (framing) or TProtocolException (Buffered scan) on bytes that can never form a
   * message; the decoder then stays failed and the connection should be closed.
   */
  decode(reader: Reader): DecodedMessage | undefined;
  /**
   * After decode() returned undefined: the number of bytes `reader.len()` must reach before the next decode()
   * can make progress (a whole frame for framed transports) — what to pass to the engine's wake-at.
   */
  readonly wanted: number;
  /**
   * The peer has closed its side. Throws TransportError `TRUNCATED` if part of a message was received;
   * returns if the input ended on a message boundary.
   */
  finish(reader: Reader): void;
}

/** What an encoder is told about the message it frames. */
export interface Envelope {
  /** The payload's protocol, written in THeader/TTHeader headers. Default binary. */
  protocol?: ProtocolId;
  /** THeader/TTHeader sequence id (i32). Use the message's seqid; replies echo the request's. Default 0. */
  seqid?: number;
  /** THeader/TTHeader flags (u16). Default 0. */
  flags?: number;
  /** Metadata to send (THeader, TTHeader); dropped by Buffered and Framed, see `droppedMetadata`. */
  headers?: Metadata;
  /** THeader only: transforms to apply to the payload, in order (only ZLIB is implemented). */
  transforms?: readonly THeaderTransform[];
}

// Where encoders write (a ByteSink plus netpoll's malloc family): @thriftpoll/buffer's writer family.
export type { OutputSink } from '@thriftpoll/buffer';

/**
 * Frames outgoing messages into an {@link OutputSink}.
 *
 *   encoder.begin({ seqid, protocol, headers });   // writes (or reserves) the prefix
 *   writer.writeMessageBegin(...); ...; writer.writeMessageEnd();   // a protocol writer over encoder.sink
 *   encoder.end();                                  // back-patches lengths (or compresses and writes)
 *   await connection.writer.flush();
 *
 * `sink` is the same object for the encoder's whole life, so a protocol writer can be created over it once
 * per connection. Bytes written to `sink` outside begin()/end() are refused.
 */
export interface MessageEncoder {
  readonly transport: TransportKind;
  /** The ByteSink protocol writers encode payloads into. */
  readonly sink: ByteSink;
  /** Messages whose metadata this encoder had to drop (Buffered, Framed). */
  readonly droppedMetadata: number;
  /**
   * Starts a message. Validates the envelope (and metadata) before writing anything: a TransportError or
   * RangeError from begin() leaves the output untouched.
   */
  begin(envelope?: Envelope): void;
  /**
   * Completes the message and returns the bytes it added to the output. If the frame turns out larger than
   * `maxFrameSize`, takes the message back out of the output (mallocAck) and throws `FRAME_TOO_LARGE`.
   */
  end(): number;
  /**
   * Abandons a begun message (e.g. the protocol writer threw): its bytes are taken back out of the output,
   * which is left as it was before begin(). No-op when no message is begun.
   */
  abort(): void;
}

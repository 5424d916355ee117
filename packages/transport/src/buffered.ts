import type { Reader } from '@thriftpoll/buffer';
import { ProtocolId, TProtocolException, TProtocolExceptionType, type ByteSource } from '@thriftpoll/protocol';
import { BinaryMessageScanner } from './binaryscanner';
import { CompactMessageScanner } from './compactscanner';
import { TransportDecoder } from './decoder';
import { TransportEncoder } from './encoder';
import { dropEnvelopeMetadata } from './envelope';
import { MESSAGE_HEAD_LIMIT, TransportError } from './errors';
import { appendViews, decodedMessage, sniffProtocol } from './frame';
import type { DecodedMessage, Envelope, MessageDecoder, MessageEncoder, OutputSink } from './message';
import type { DecoderOptions, EncoderOptions } from './options';
import type { MessageScanner } from './scanner';

/**
 * How many bytes one peek looks at. A peek that crosses a block boundary is a copy, so the first look at a
 * message is sized like the previous message (pipelined messages are usually alike: one peek, one scan, one
 * nextChunks per message), and then doubles while the message goes on.
 */
const MIN_WINDOW = 256;
const MAX_WINDOW = 64 * 1024;
/** Slack over the previous message's length, so a slightly longer message still fits one look. */
const WINDOW_SLACK = 64;

/**
 * Decodes the Buffered (unframed) transport: a message ends where its Thrift encoding ends.
 *
 * The end is found by a resumable skip-scan ({@link MessageScanner}) over the bytes, never by decoding the
 * message; the payload is handed out only once the whole message is buffered.
 *
 *   decode():  peek a window ──► scan ──► consume what was scanned (views, zero-copy)
 *                 ▲                           │ message done? ──► return it
 *                 └──── more bytes buffered ◄─┘ all buffered bytes scanned? ──► keep progress, return undefined
 *
 * Progress between calls: the scanner's state, plus the scanned bytes. Those are copied into a private
 * buffer when a call ends mid-message (so the connection reader may be released between calls); a message
 * that is complete when decode() is called is never copied. Bytes the scanner skips blindly (string bodies,
 * runs of fixed-width elements) are consumed without being looked at. A peer dribbling one byte at a time
 * costs O(n) in total: nothing is rescanned except a cut token of at most 11 bytes.
 */
export class BufferedDecoder extends TransportDecoder implements MessageDecoder {
  readonly transport = 'buffered' as const;
  wanted = 1;

  private binary: BinaryMessageScanner | undefined;
  private compact: CompactMessageScanner | undefined;
  /** The scanner of the message in progress; undefined between messages. */
  private scanner: MessageScanner | undefined;
  private protocol: ProtocolId = ProtocolId.BINARY;
  /** Bytes of the message in progress consumed by earlier calls (a private copy). */
  private held: Buffer | undefined;
  private heldLength = 0;
  /** First look for the next message (see MIN_WINDOW). */
  private firstWindow = MIN_WINDOW;

  constructor(options?: DecoderOptions) {
    super(options, 'BufferedDecoder');
  }

  finish(reader: Reader): void {
    this.checkFailure();
    const pending = this.heldLength + reader.len();
    if (this.scanner === undefined && pending === 0) return;
    const name = this.protocol === ProtocolId.COMPACT ? 'compact' : 'binary';
    throw new TransportError(
      'TRUNCATED',
      `connection closed after ${pending} bytes of an incomplete buffered ${name} message`,
    );
  }

  protected read(reader: Reader): DecodedMessage | undefined {
    let available = reader.len();
    if (available === 0) {
      this.wanted = this.scanner === undefined ? 1 : this.scanner.needed;
      return undefined;
    }
    const scanner = this.scanner ?? this.start(reader.peek(1)[0]);
    let parts: Uint8Array[] | undefined;
    let window = this.firstWindow;
    for (;;) {
      const skipping = scanner.skipping;
      if (skipping > 0) {
        // Bytes the scanner would skip unseen: consume them without looking.
        const n = skipping < available ? skipping : available;
        const views = reader.nextChunks(n);
        parts = parts === undefined ? (views.length === 1 ? views : appendViews([], views)) : appendViews(parts, views);
        scanner.advance(n);
        available -= n;
      } else {
        const size = available < window ? available : window;
        const bytes = reader.peek(size);
        let end: number;
        try {
          end = scanner.scan(bytes, 0, size);
        } catch (error) {
          throw this.refine(error, parts, bytes);
        }
        if (end > 0) {
          const views = reader.nextChunks(end);
          parts = parts === undefined ? (views.length === 1 ? views : appendViews([], views)) : appendViews(parts, views);
          available -= end;
        }
        if (scanner.done) return this.complete(parts);
        // Everything buffered was scanned, or only a cut token remains.
        if (end < size && size === available + end) break;
        if (window < MAX_WINDOW) window *= 2;
      }
      if (available === 0) break;
    }
    this.hold(parts);
    this.wanted = scanner.needed;
    return undefined;
  }

  /**
   * A size limit hit by the scan is the transport's MESSAGE_TOO_LARGE (with the message's first bytes, for an
   * answer); other scan errors (malformed Thrift) pass through as TProtocolException.
   */
  private refine(error: unknown, parts: Uint8Array[] | undefined, window: Uint8Array): unknown {
    if (!(error instanceof TProtocolException) || error.type !== TProtocolExceptionType.SIZE_LIMIT) return error;
    const pieces: Uint8Array[] = [];
    if (this.held !== undefined) pieces.push(this.held.subarray(0, this.heldLength));
    if (parts !== undefined) pieces.push(...parts);
    pieces.push(window);
    let head = Buffer.concat(pieces);
    if (head.length > MESSAGE_HEAD_LIMIT) head = head.subarray(0, MESSAGE_HEAD_LIMIT);
    return new TransportError('MESSAGE_TOO_LARGE', `buffered ${error.message}`, { cause: error, messageHead: head });
  }

  private start(first: number): MessageScanner {
    const pinned = this.options.protocol;
    this.protocol = pinned ?? sniffProtocol(first);
    let scanner: MessageScanner;
    if (this.protocol === ProtocolId.COMPACT) {
      scanner = this.compact ??= new CompactMessageScanner(this.options);
    } else {
      scanner = this.binary ??= new BinaryMessageScanner(this.options, this.options.strictRead);
    }
    scanner.reset();
    this.scanner = scanner;
    return scanner;
  }

  private complete(parts: Uint8Array[] | undefined): DecodedMessage {
    const scanner = this.scanner!;
    const length = scanner.scanned;
    let payload: ByteSource;
    if (this.held !== undefined) {
      const held = this.held.subarray(0, this.heldLength);
      payload = parts === undefined ? held : [held, ...parts];
      this.held = undefined;
      this.heldLength = 0;
    } else {
      payload = parts === undefined ? EMPTY : parts.length === 1 ? parts[0] : parts;
    }
    this.scanner = undefined;
    this.wanted = 1;
    const window = length + WINDOW_SLACK;
    this.firstWindow = window < MIN_WINDOW ? MIN_WINDOW : window > MAX_WINDOW ? MAX_WINDOW : window;
    return decodedMessage('buffered', this.protocol, payload, length, length);
  }

  /** Copies the views consumed in this call into the private buffer (they die at the reader's release()). */
  private hold(parts: Uint8Array[] | undefined): void {
    if (parts === undefined) return;
    let added = 0;
    for (const part of parts) added += part.length;
    const needed = this.heldLength + added;
    let held = this.held;
    if (held === undefined || held.length < needed) {
      // Grow geometrically, but never past what the scanner allows a message to reach.
      const cap = Math.max(needed, this.options.maxMessageSize);
      const grown = Buffer.allocUnsafe(Math.min(cap, Math.max(needed, (held?.length ?? 0) * 2, 256)));
      if (held !== undefined) held.copy(grown, 0, 0, this.heldLength);
      held = grown;
      this.held = held;
    }
    let at = this.heldLength;
    for (const part of parts) {
      held.set(part, at);
      at += part.length;
    }
    this.heldLength = at;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Encodes the Buffered transport: the payload goes to the output as it is written, with nothing around it.
 * Metadata cannot travel; see `droppedMetadata`.
 */
export class BufferedEncoder extends TransportEncoder implements MessageEncoder {
  readonly transport = 'buffered' as const;
  droppedMetadata = 0;

  private active = false;

  constructor(out: OutputSink, options?: EncoderOptions) {
    super(out, options, 'buffered', 'BufferedEncoder');
  }

  begin(envelope?: Envelope): void {
    if (this.active) throw this.beganTwice();
    this.droppedMetadata += dropEnvelopeMetadata('buffered', envelope, this.options);
    this.active = true;
    this.markOutput();
    this.payload.retarget(this.out);
  }

  end(): number {
    if (!this.active) throw this.endedUnbegun();
    const written = this.payload.count;
    this.active = false;
    this.payload.retarget(undefined);
    return written;
  }

  abort(): void {
    if (!this.active) return;
    this.active = false;
    this.payload.retarget(undefined);
    this.takeBack();
  }
}

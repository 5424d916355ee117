import type { Reader } from '@thriftpoll/buffer';
import { ProtocolId, TApplicationExceptionType } from '@thriftpoll/protocol';
import { BufferedDecoder } from './buffered';
import { messageProtocolAt } from './bytes';
import { InvalidOptionError, TransportError, hexBytes } from './errors';
import { StickyFailure, headOf } from './frame';
import { FramedDecoder } from './framed';
import { FramedTHeaderDecoder } from './framed-theader';
import type { DecodedMessage, MessageDecoder, TransportKind } from './message';
import { describe, resolveDecoderOptions, type DecoderOptions, type ResolvedDecoderOptions } from './options';
import { THeaderDecoder } from './theader';
import { TTHeaderDecoder } from './ttheader';

/** Transports detection can tell apart ('ttheader' covers TTHeaderFramed too). */
export type DetectableTransport = 'buffered' | 'framed' | 'theader' | 'ttheader' | 'framed-theader';

const DETECTABLE: readonly DetectableTransport[] = ['buffered', 'framed', 'theader', 'ttheader', 'framed-theader'];

/** What the first bytes of a connection say. */
export interface Detection {
  readonly transport: DetectableTransport;
  /** Buffered and Framed: the protocol of the first message. THeader/TTHeader carry it per message: undefined. */
  readonly protocol: ProtocolId | undefined;
}

/** Bytes detection may need: a frame length and the word after it. */
export const DETECTION_BYTES = 8;
/** THeader inside Framed needs two more: outer length, inner length, then the THeader magic. */
const FRAMED_THEADER_DETECTION_BYTES = DETECTION_BYTES + 2;

const EXPECTED =
  'expected 80 01 (unframed binary), 82 x1 (unframed compact), or a 4-byte frame length followed by ' +
  '80 01 (framed binary), 82 x1 (framed compact), 0f ff (THeader), 10 00 (Kitex TTHeader) or a THeader frame (THeader inside Framed)';

const HTTP_METHODS = ['GET ', 'POST', 'PUT ', 'HEAD', 'DELE', 'OPTI', 'PATC', 'TRAC', 'CONN', 'PRI '];

const HTTP_EXPLANATION =
  'This port speaks Thrift RPC (thriftpoll), not HTTP: use a Thrift client with the Buffered, Framed, THeader or TTHeader transport.\n';

/** The complete HTTP/1.1 response sent to an HTTP client before closing: a one-line explanation. */
export const HTTP_REPLY: Uint8Array = Buffer.from(
  'HTTP/1.1 400 Bad Request\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(HTTP_EXPLANATION)}\r\n` +
    'Connection: close\r\n' +
    '\r\n' +
    HTTP_EXPLANATION,
  'latin1',
);

/** The bytes error messages show: the first DETECTION_BYTES (the two more peeked for THeader inside Framed are not). */
function shownHead(head: Uint8Array): Uint8Array {
  return head.length > DETECTION_BYTES ? head.subarray(0, DETECTION_BYTES) : head;
}

function unrecognized(head: Uint8Array, why: string): TransportError {
  return new TransportError(
    'UNRECOGNIZED_TRANSPORT',
    `first bytes ${hexBytes(shownHead(head))} ${why}: ${EXPECTED}`,
    { applicationExceptionType: TApplicationExceptionType.UNSUPPORTED_CLIENT_TYPE },
  );
}

/**
 * Classifies the first bytes of a connection (`head`: whatever is buffered, at most DETECTION_BYTES are
 * looked at). Returns the detection, or `{ need }` — the bytes to wait for before deciding. Throws
 * TransportError for bytes no supported transport starts with; for an HTTP request line the error's
 * `reply` holds the HTTP response to send before closing.
 *
 *   80 01 ..                 Buffered, Binary (strict)
 *   82 x1 ..                 Buffered, Compact (version 1)
 *   LEN(4) 80 01 ..          Framed, Binary
 *   LEN(4) 82 x1 ..          Framed, Compact
 *   LEN(4) 0f ff ..          Apache THeader
 *   LEN(4) 10 00 ..          Kitex TTHeader (and TTHeaderFramed)
 *   LEN(4) LEN-4(4) 0f ff .. THeader inside Framed
 *
 * A frame length is checked against `maxFrameSize` as soon as its 4 bytes are present.
 */
export function detectTransport(head: Uint8Array, maxFrameSize: number): Detection | { need: number } {
  const n = head.length;
  if (n < 2) return { need: 2 };
  const b0 = head[0];
  const b1 = head[1];
  const unframed = messageProtocolAt(head, 0);
  if (unframed !== undefined) return { transport: 'buffered', protocol: unframed };
  if (b0 === 0x80) throw unrecognized(head, `start a binary message with version 0x80${b1.toString(16).padStart(2, '0')}, not 0x8001`);
  if (b0 === 0x82) throw unrecognized(head, `start a compact message with version ${b1 & 0x1f}, not 1`);
  if (b0 === 0x16 && b1 === 0x03) throw unrecognized(head, 'are a TLS handshake, but this port speaks plain TCP');
  if (n < 4) return { need: 4 };
  const method = String.fromCharCode(b0, b1, head[2], head[3]);
  if (HTTP_METHODS.includes(method)) {
    throw new TransportError(
      'HTTP_REQUEST',
      `first bytes ${hexBytes(shownHead(head))} (${JSON.stringify(method)}) are an HTTP request; this port speaks Thrift`,
      { reply: HTTP_REPLY },
    );
  }
  const length = ((b0 << 24) | (b1 << 16) | (head[2] << 8) | head[3]) >>> 0;
  if (length >>> 16 === 0xffaf) throw unrecognized(head, 'are a Kitex mesh header (0xffaf), which thriftpoll does not support');
  if (length > 0x7fffffff) throw unrecognized(head, `are neither a message start nor a frame length (${length | 0} is negative)`);
  if (length > maxFrameSize) {
    throw new TransportError(
      'FRAME_TOO_LARGE',
      `first bytes ${hexBytes(shownHead(head))}: frame length ${length} exceeds maxFrameSize ${maxFrameSize} ` +
        `(if this is not a frame length, nothing else matches either: ${EXPECTED})`,
    );
  }
  if (length < 4) throw unrecognized(head, `declare a frame of ${length} bytes, too small for any message`);
  if (n < DETECTION_BYTES) return { need: DETECTION_BYTES };
  const c0 = head[4];
  const c1 = head[5];
  if (c0 === 0x0f && c1 === 0xff) return { transport: 'theader', protocol: undefined };
  if (c0 === 0x10 && c1 === 0x00) return { transport: 'ttheader', protocol: undefined };
  const framed = messageProtocolAt(head, 4);
  if (framed !== undefined) return { transport: 'framed', protocol: framed };
  if (((c0 << 24) | (c1 << 16) | (head[6] << 8) | head[7]) >>> 0 === length - 4) {
    if (n < FRAMED_THEADER_DETECTION_BYTES) return { need: FRAMED_THEADER_DETECTION_BYTES };
    if (head[8] === 0x0f && head[9] === 0xff) return { transport: 'framed-theader', protocol: undefined };
  }
  if (c0 === 0x90 && c1 === 0x01) throw unrecognized(head, 'are a Kitex Protobuf frame (0x9001), which thriftpoll does not support');
  if (isPrintable(c0) && isPrintable(c1) && length < 256) {
    throw unrecognized(
      head,
      'match no Thrift transport (a non-strict binary message, name length first? detection needs strict headers: configure the buffered transport)',
    );
  }
  throw unrecognized(head, 'match no Thrift transport');
}

function isPrintable(byte: number): boolean {
  return byte >= 0x20 && byte < 0x7f;
}

/** Options of the server-side detecting decoder. */
export interface DetectingDecoderOptions extends DecoderOptions {
  /** Transports to accept (default all four); others are refused with `TRANSPORT_NOT_ALLOWED`. */
  transports?: readonly DetectableTransport[];
}

function resolveAllowed(value: unknown): ReadonlySet<DetectableTransport> {
  if (value === undefined) return new Set(DETECTABLE);
  if (!Array.isArray(value) || value.length === 0 || value.some((t) => !DETECTABLE.includes(t as DetectableTransport))) {
    throw new InvalidOptionError(
      `DetectingDecoder: transports must be a non-empty array of ${DETECTABLE.map((t) => `'${t}'`).join(', ')}, got ${describe(value)}` +
        (Array.isArray(value) ? ` [${value.map((t) => describe(t)).join(', ')}]` : ''),
    );
  }
  return new Set(value as DetectableTransport[]);
}

/** Creates the decoder for a detected (or configured) transport. */
export function decoderFor(transport: DetectableTransport, options: DecoderOptions): MessageDecoder {
  switch (transport) {
    case 'buffered':
      return new BufferedDecoder(options);
    case 'framed':
      return new FramedDecoder(options);
    case 'theader':
      return new THeaderDecoder(options);
    case 'ttheader':
      return new TTHeaderDecoder(options);
    case 'framed-theader':
      return new FramedTHeaderDecoder(options);
  }
}

/**
 * The server side's decoder: detects the transport from a connection's first bytes, then decodes every
 * message with that transport's decoder. Replies should go out in each message's `transport` and
 * `protocol` (see `replyEnvelope()` and `createEncoder()`).
 */
export class DetectingDecoder extends StickyFailure implements MessageDecoder {
  wanted = 1;
  /** What the first bytes said; undefined until enough bytes arrived. */
  detected: Detection | undefined = undefined;

  private readonly options: ResolvedDecoderOptions;
  private readonly allowed: ReadonlySet<DetectableTransport>;
  private inner: MessageDecoder | undefined = undefined;

  constructor(options?: DetectingDecoderOptions) {
    super();
    this.options = resolveDecoderOptions(options, 'DetectingDecoder');
    this.allowed = resolveAllowed(options?.transports);
  }

  get transport(): TransportKind | undefined {
    return this.inner?.transport;
  }

  decode(reader: Reader): DecodedMessage | undefined {
    this.checkFailure();
    let inner = this.inner;
    if (inner === undefined) {
      try {
        const available = reader.len();
        if (available === 0) {
          this.wanted = 2;
          return undefined;
        }
        const head = reader.peek(available < FRAMED_THEADER_DETECTION_BYTES ? available : FRAMED_THEADER_DETECTION_BYTES);
        const result = detectTransport(head, this.options.maxFrameSize);
        if ('need' in result) {
          this.wanted = result.need;
          return undefined;
        }
        // THeader inside Framed is THeader for what an endpoint accepts (Apache's servers take both).
        const accepted = this.allowed.has(result.transport) || (result.transport === 'framed-theader' && this.allowed.has('theader'));
        if (!accepted) {
          throw new TransportError(
            'TRANSPORT_NOT_ALLOWED',
            `peer speaks ${result.transport}${result.protocol === undefined ? '' : ` ${ProtocolId[result.protocol].toLowerCase()}`}, ` +
              `but this endpoint accepts only ${[...this.allowed].join(', ')}`,
            { applicationExceptionType: TApplicationExceptionType.UNSUPPORTED_CLIENT_TYPE },
          );
        }
        this.detected = result;
        inner = this.inner = decoderFor(result.transport, this.options);
      } catch (error) {
        // A frame length refused during detection: its bytes are still buffered; give them to the error.
        if (error instanceof TransportError && error.code === 'FRAME_TOO_LARGE') {
          return this.latchFailure(new TransportError(error.code, error.message, { messageHead: headOf(reader) }));
        }
        return this.latchFailure(error);
      }
    }
    // The inner decoder latches its own failures.
    const message = inner.decode(reader);
    this.wanted = inner.wanted;
    return message;
  }

  finish(reader: Reader): void {
    this.checkFailure();
    if (this.inner !== undefined) {
      this.inner.finish(reader);
      return;
    }
    const left = reader.len();
    if (left > 0) {
      throw new TransportError(
        'TRUNCATED',
        `connection closed after ${left} bytes (${hexBytes(reader.peek(Math.min(left, DETECTION_BYTES)))}), before the transport could be detected`,
      );
    }
  }
}

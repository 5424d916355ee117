import type { Reader } from '@thriftpoll/netpoll';
import type { ByteSink } from '@thriftpoll/protocol';
import { dropMetadata, envelopeMetadata } from './envelope';
import { TransportError } from './errors';
import {
  StickyFailure,
  LENGTH_SIZE,
  byteAt,
  checkFrameLength,
  decodedMessage,
  finishFramed,
  sniffProtocol,
  takeSource,
} from './frame';
import type { DecodedMessage, Envelope, MessageDecoder, MessageEncoder, OutputSink } from './message';
import {
  resolveDecoderOptions,
  resolveEncoderOptions,
  type DecoderOptions,
  type EncoderOptions,
  type ResolvedDecoderOptions,
  type ResolvedEncoderOptions,
} from './options';
import { PayloadSink } from './payloadsink';
import { writeU32 } from './bytes';

/**
 * Decodes the Framed transport:
 *
 *   +--------------------+---------------------------------+
 *   | u32 length (BE)    | Thrift message (length bytes)   |
 *   +--------------------+---------------------------------+
 *
 * The length is checked against `maxFrameSize` as soon as its 4 bytes are present (before anything else is
 * buffered); then `wanted` asks for the whole frame, so the engine wakes the reader once per frame. The
 * payload is handed out as views of the reader's blocks (zero-copy).
 */
export class FramedDecoder extends StickyFailure implements MessageDecoder {
  readonly transport = 'framed' as const;
  wanted = LENGTH_SIZE;

  private readonly options: ResolvedDecoderOptions;

  constructor(options?: DecoderOptions) {
    super();
    this.options = resolveDecoderOptions(options, 'FramedDecoder');
  }

  decode(reader: Reader): DecodedMessage | undefined {
    this.checkFailure();
    try {
      return this.read(reader);
    } catch (error) {
      return this.latchFailure(error);
    }
  }

  finish(reader: Reader): void {
    this.checkFailure();
    finishFramed('framed', reader, this.options.maxFrameSize);
  }

  private read(reader: Reader): DecodedMessage | undefined {
    const available = reader.len();
    if (available < LENGTH_SIZE) {
      this.wanted = LENGTH_SIZE;
      return undefined;
    }
    const length = reader.peekUint32(0);
    checkFrameLength('framed', reader, length, 1, this.options.maxFrameSize);
    const total = LENGTH_SIZE + length;
    if (available < total) {
      this.wanted = total;
      return undefined;
    }
    reader.skip(LENGTH_SIZE);
    const payload = takeSource(reader, length);
    this.wanted = LENGTH_SIZE;
    const first = byteAt(payload, 0);
    const second = byteAt(payload, 1);
    if (first === 0x0f && second === 0xff) {
      throw new TransportError(
        'UNRECOGNIZED_TRANSPORT',
        'framed frame holds a THeader message (magic 0x0fff): this endpoint reads plain Framed; use the theader transport or detection',
      );
    }
    if (first === 0x10 && second === 0x00) {
      throw new TransportError(
        'UNRECOGNIZED_TRANSPORT',
        'framed frame holds a Kitex TTHeader message (magic 0x1000): this endpoint reads plain Framed; use the ttheader transport or detection',
      );
    }
    return decodedMessage('framed', sniffProtocol(first), payload, length, total);
  }
}

/**
 * Encodes the Framed transport: `begin()` mallocs the 4-byte length, the protocol writer encodes the payload
 * straight into the output after it, `end()` back-patches the length.
 */
export class FramedEncoder implements MessageEncoder {
  readonly transport = 'framed' as const;
  readonly sink: ByteSink;
  droppedMetadata = 0;

  private readonly payload = new PayloadSink('framed');
  private readonly options: ResolvedEncoderOptions;
  private prefix: Uint8Array | undefined;
  /** out.mallocLen() when the message began: where to take the output back to. */
  private mark = 0;

  constructor(private readonly out: OutputSink, options?: EncoderOptions) {
    this.options = resolveEncoderOptions(options, 'FramedEncoder');
    this.sink = this.payload;
  }

  begin(envelope?: Envelope): void {
    if (this.prefix !== undefined) throw new TransportError('ENCODER_STATE', 'framed encoder: begin() called twice without end()');
    const headers = envelopeMetadata('framed', envelope);
    if (!headers.isEmpty()) {
      dropMetadata('framed', this.options.droppedMetadata, `metadata (${headers.size} entries)`);
      this.droppedMetadata++;
    }
    this.mark = this.out.mallocLen();
    this.prefix = this.out.malloc(LENGTH_SIZE);
    this.payload.retarget(this.out);
  }

  end(): number {
    const prefix = this.prefix;
    if (prefix === undefined) throw new TransportError('ENCODER_STATE', 'framed encoder: end() called without begin()');
    const length = this.payload.count;
    this.prefix = undefined;
    this.payload.retarget(undefined);
    if (length > this.options.maxFrameSize) {
      this.out.mallocAck(this.mark);
      throw new TransportError(
        'FRAME_TOO_LARGE',
        `framed encoder: message of ${length} bytes exceeds maxFrameSize ${this.options.maxFrameSize}; it was taken back out of the output`,
      );
    }
    writeU32(prefix, 0, length);
    return LENGTH_SIZE + length;
  }

  abort(): void {
    if (this.prefix === undefined) return;
    this.prefix = undefined;
    this.payload.retarget(undefined);
    this.out.mallocAck(this.mark);
  }
}


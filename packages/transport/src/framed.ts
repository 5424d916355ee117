import type { Reader } from '@thriftpoll/buffer';
import { TransportDecoder } from './decoder';
import { TransportEncoder } from './encoder';
import { dropEnvelopeMetadata } from './envelope';
import { TransportError } from './errors';
import {
  LENGTH_SIZE,
  byteAt,
  checkFrameLength,
  decodedMessage,
  finishFramed,
  sniffProtocol,
  takeSource,
} from './frame';
import type { DecodedMessage, Envelope, MessageDecoder, MessageEncoder, OutputSink } from './message';
import type { DecoderOptions, EncoderOptions } from './options';
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
export class FramedDecoder extends TransportDecoder implements MessageDecoder {
  readonly transport = 'framed' as const;
  wanted = LENGTH_SIZE;

  constructor(options?: DecoderOptions) {
    super(options, 'FramedDecoder');
  }

  finish(reader: Reader): void {
    this.checkFailure();
    finishFramed('framed', reader, this.options.maxFrameSize);
  }

  protected read(reader: Reader): DecodedMessage | undefined {
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
    // A frame length (a small number: 00 first), then the THeader magic: not a message start, which is 80 or 82.
    if (first === 0x00 && byteAt(payload, 4) === 0x0f && byteAt(payload, 5) === 0xff) {
      throw new TransportError(
        'UNRECOGNIZED_TRANSPORT',
        'framed frame holds a THeader frame (THeader inside Framed, Apache\'s `--transport framed --protocol header`): ' +
          'this endpoint reads plain Framed; use the framed-theader transport or detection',
      );
    }
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
export class FramedEncoder extends TransportEncoder implements MessageEncoder {
  readonly transport = 'framed' as const;
  droppedMetadata = 0;

  private prefix: Uint8Array | undefined;

  constructor(out: OutputSink, options?: EncoderOptions) {
    super(out, options, 'framed', 'FramedEncoder');
  }

  begin(envelope?: Envelope): void {
    if (this.prefix !== undefined) throw this.beganTwice();
    this.droppedMetadata += dropEnvelopeMetadata('framed', envelope, this.options);
    this.markOutput();
    this.prefix = this.out.malloc(LENGTH_SIZE);
    this.payload.retarget(this.out);
  }

  end(): number {
    const prefix = this.prefix;
    if (prefix === undefined) throw this.endedUnbegun();
    const length = this.payload.count;
    this.prefix = undefined;
    this.payload.retarget(undefined);
    if (length > this.options.maxFrameSize) {
      this.takeBack();
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
    this.takeBack();
  }
}

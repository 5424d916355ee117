import type { Reader } from '@thriftpoll/buffer';
import type { ByteSink } from '@thriftpoll/protocol';
import { writeU32 } from './bytes';
import { TransportDecoder } from './decoder';
import { TransportError } from './errors';
import { LENGTH_SIZE, checkFrameLength, decodedMessage, finishFramed } from './frame';
import { HEADER_FRAME_OVERHEAD } from './headerframe';
import type { DecodedMessage, Envelope, MessageDecoder, MessageEncoder, OutputSink } from './message';
import { resolveEncoderOptions, type DecoderOptions, type EncoderOptions } from './options';
import { THeaderDecoder, THeaderEncoder } from './theader';

/**
 * THeader inside Framed: a whole THeader frame (with its own length) as the payload of a Framed frame. This is
 * what Apache's cross test runs as `--transport framed --protocol header` (THeaderTransport over
 * TFramedTransport), e.g. `00 00 00 2b | 00 00 00 27 0f ff ...`:
 *
 *   +------------------+------------------------------------------------------------+
 *   | u32 length (BE)  | THeader frame: u32 length = outer - 4 | 0x0FFF | flags | ... |
 *   +------------------+------------------------------------------------------------+
 *
 * Everything inside is THeader's (metadata, seqid, flags, zlib); this layer only adds and checks the outer length.
 */
const TRANSPORT = 'framed THeader';

/** Decodes THeader-in-Framed frames: the outer length is checked on arrival, then the inner THeader frame is read. */
export class FramedTHeaderDecoder extends TransportDecoder implements MessageDecoder {
  readonly transport = 'framed-theader' as const;
  wanted = LENGTH_SIZE;

  private readonly inner: THeaderDecoder;

  constructor(options?: DecoderOptions) {
    super(options, 'FramedTHeaderDecoder');
    this.inner = new THeaderDecoder(options);
  }

  finish(reader: Reader): void {
    this.checkFailure();
    finishFramed(TRANSPORT, reader, this.options.maxFrameSize);
  }

  protected read(reader: Reader): DecodedMessage | undefined {
    const available = reader.len();
    if (available < LENGTH_SIZE) {
      this.wanted = LENGTH_SIZE;
      return undefined;
    }
    const length = reader.peekUint32(0);
    checkFrameLength(TRANSPORT, reader, length, LENGTH_SIZE + HEADER_FRAME_OVERHEAD, this.options.maxFrameSize);
    const total = LENGTH_SIZE + length;
    if (available < total) {
      this.wanted = total;
      return undefined;
    }
    const innerLength = reader.peekUint32(LENGTH_SIZE);
    if (innerLength !== length - LENGTH_SIZE) {
      throw new TransportError(
        'BAD_HEADER',
        `${TRANSPORT} frame of ${length} bytes holds a THeader frame declaring ${innerLength} bytes, expected ${length - LENGTH_SIZE} ` +
          '(the outer length counts the inner length too)',
      );
    }
    reader.skip(LENGTH_SIZE);
    // The whole inner frame is buffered: the THeader decoder returns its message or throws.
    const message = this.inner.decode(reader);
    this.wanted = LENGTH_SIZE;
    if (message === undefined) throw new TransportError('BAD_HEADER', `${TRANSPORT} frame of ${length} bytes ends inside its THeader frame`);
    return decodedMessage(
      'framed-theader',
      message.protocol,
      message.payload,
      message.payloadLength,
      total,
      message.seqid,
      message.flags,
      message.headers,
      message.transforms,
      message.ignoredInfoId,
    );
  }
}

/**
 * Encodes THeader-in-Framed frames: begin() mallocs the outer length, then the THeader encoder writes its frame
 * after it; end() back-patches the outer length. The THeader frame is limited to `maxFrameSize - 4`, so that the
 * outer frame stays within `maxFrameSize`.
 */
export class FramedTHeaderEncoder implements MessageEncoder {
  readonly transport = 'framed-theader' as const;
  readonly sink: ByteSink;

  private readonly inner: THeaderEncoder;
  /** The outer length prefix while a message is open. */
  private prefix: Uint8Array | undefined;
  /** out.mallocLen() before the outer prefix: where a failed message is taken back to. */
  private mark = 0;

  constructor(
    private readonly out: OutputSink,
    options?: EncoderOptions,
  ) {
    const resolved = resolveEncoderOptions(options, 'FramedTHeaderEncoder');
    this.inner = new THeaderEncoder(out, { ...options, maxFrameSize: Math.max(1, resolved.maxFrameSize - LENGTH_SIZE) });
    this.sink = this.inner.sink;
  }

  get droppedMetadata(): number {
    return this.inner.droppedMetadata;
  }

  begin(envelope?: Envelope): void {
    if (this.prefix !== undefined) throw new TransportError('ENCODER_STATE', `${TRANSPORT} encoder: begin() called twice without end()`);
    this.mark = this.out.mallocLen();
    const prefix = this.out.malloc(LENGTH_SIZE);
    try {
      this.inner.begin(envelope);
    } catch (error) {
      this.out.mallocAck(this.mark);
      throw error;
    }
    this.prefix = prefix;
  }

  end(): number {
    const prefix = this.prefix;
    if (prefix === undefined) throw new TransportError('ENCODER_STATE', `${TRANSPORT} encoder: end() called without begin()`);
    this.prefix = undefined;
    let innerBytes: number;
    try {
      innerBytes = this.inner.end();
    } catch (error) {
      this.out.mallocAck(this.mark);
      throw error;
    }
    writeU32(prefix, 0, innerBytes);
    return LENGTH_SIZE + innerBytes;
  }

  abort(): void {
    if (this.prefix === undefined) return;
    this.prefix = undefined;
    this.inner.abort();
    this.out.mallocAck(this.mark);
  }
}

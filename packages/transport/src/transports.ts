import { BufferedEncoder } from './buffered';
import { DetectingDecoder, decoderFor, type DetectingDecoderOptions } from './detect';
import { InvalidOptionError } from './errors';
import { FramedEncoder } from './framed';
import { FramedTHeaderDecoder, FramedTHeaderEncoder } from './framed-theader';
import { isTHeaderKind, type DecodedMessage, type Envelope, type MessageDecoder, type MessageEncoder, type OutputSink, type TransportKind } from './message';
import type { Metadata } from './metadata';
import { describe, type DecoderOptions, type EncoderOptions } from './options';
import { THeaderEncoder } from './theader';
import { TTHeaderEncoder } from './ttheader';

/**
 * Creates the decoder for one connection's input.
 * - a transport kind: that transport only (a client knows what its server speaks);
 *   'ttheader' and 'ttheader-framed' both accept either form;
 * - 'detect': the server side — the first bytes decide (see DetectingDecoder).
 * Throws InvalidOptionError for an unknown transport or invalid options.
 */
export function createDecoder(transport: TransportKind | 'detect', options?: DetectingDecoderOptions | DecoderOptions): MessageDecoder {
  switch (transport) {
    case 'detect':
      return new DetectingDecoder(options);
    case 'buffered':
    case 'framed':
    case 'theader':
    case 'ttheader':
      return decoderFor(transport, options ?? {});
    case 'ttheader-framed':
      return decoderFor('ttheader', options ?? {});
    case 'framed-theader':
      return new FramedTHeaderDecoder(options);
    default:
      throw new InvalidOptionError(
        `createDecoder: transport must be 'buffered', 'framed', 'theader', 'ttheader', 'ttheader-framed', 'framed-theader' or 'detect', got ${describe(transport)}`,
      );
  }
}

/**
 * Creates the encoder that frames messages into `out` (a connection's Writer, or a BufferSink).
 * Throws InvalidOptionError for an unknown transport or invalid options.
 */
export function createEncoder(transport: TransportKind, out: OutputSink, options?: EncoderOptions): MessageEncoder {
  const methods = ['reserve', 'commit', 'malloc', 'mallocLen', 'mallocAck'] as const;
  if (typeof out !== 'object' || out === null || methods.some((name) => typeof out[name] !== 'function')) {
    throw new InvalidOptionError(
      `createEncoder: out must implement reserve/commit/malloc/mallocLen/mallocAck (an OutputSink such as the engine's Writer), got ${describe(out)}`,
    );
  }
  switch (transport) {
    case 'buffered':
      return new BufferedEncoder(out, options);
    case 'framed':
      return new FramedEncoder(out, options);
    case 'theader':
      return new THeaderEncoder(out, options);
    case 'ttheader':
      return new TTHeaderEncoder(out, options, false);
    case 'ttheader-framed':
      return new TTHeaderEncoder(out, options, true);
    case 'framed-theader':
      return new FramedTHeaderEncoder(out, options);
    default:
      throw new InvalidOptionError(
        `createEncoder: transport must be 'buffered', 'framed', 'theader', 'ttheader', 'ttheader-framed' or 'framed-theader', got ${describe(transport)}`,
      );
  }
}

/**
 * The envelope of a reply to `request`: same protocol, the request's header seqid and flags, and for
 * THeader the same transforms (a zlib request gets a zlib reply). Encode it with
 * `createEncoder(request.transport, ...)` so the reply goes out in the transport the request used.
 */
export function replyEnvelope(request: DecodedMessage, headers?: Metadata): Envelope {
  const envelope: Envelope = { protocol: request.protocol, seqid: request.seqid ?? 0, flags: request.flags };
  if (headers !== undefined) envelope.headers = headers;
  if (isTHeaderKind(request.transport) && request.transforms.length > 0) envelope.transforms = request.transforms;
  return envelope;
}

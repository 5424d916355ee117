/**
 * @thriftpoll/transport — the framing between a connection's bytes and the Thrift protocols.
 *
 *   decoders (input):  createDecoder(kind | 'detect') -> decoder.decode(reader) -> DecodedMessage | undefined
 *   encoders (output): createEncoder(kind, writer)    -> begin(envelope) / protocol writer on .sink / end()
 *
 * Transports: Buffered, Framed, Apache THeader (zlib), Kitex TTHeader (and TTHeaderFramed); server-side
 * detection of all of them. See docs/transport.md.
 */
export type {
  DecodedMessage,
  Envelope,
  MessageDecoder,
  MessageEncoder,
  OutputSink,
  TransportKind,
} from './message';
export { THeaderTransform, TRANSPORT_KINDS, isTHeaderKind } from './message';
export { Metadata } from './metadata';
export {
  KitexIntKey,
  KitexStringKey,
  TTHeaderFlags,
  KITEX_TRANSIT_PREFIX,
  KITEX_PERSIST_PREFIX,
  KITEX_BACKWARD_PREFIX,
  KITEX_ACL_TOKEN_KEY,
  setKitexMetainfo,
  getKitexMetainfo,
  kitexMetainfo,
} from './kitex';
export type { KitexMetainfo, KitexMetainfoKind } from './kitex';
export { TransportError, InvalidOptionError } from './errors';
export type { TransportErrorCode, TransportErrorOptions } from './errors';
export {
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_RECURSION_LIMIT,
  THEADER_MAX_FRAME_SIZE,
  resolveDecoderOptions,
  resolveEncoderOptions,
} from './options';
export type { DecoderOptions, EncoderOptions, DroppedMetadataPolicy, ResolvedDecoderOptions, ResolvedEncoderOptions } from './options';
export { BufferSink } from '@thriftpoll/buffer';
export { BufferedDecoder, BufferedEncoder } from './buffered';
export { FramedDecoder, FramedEncoder } from './framed';
export { FramedTHeaderDecoder, FramedTHeaderEncoder } from './framed-theader';
export {
  THeaderDecoder,
  THeaderEncoder,
  THEADER_MAGIC,
  THEADER_MAX_ENCODED_HEADER,
  parseTHeaderInfo,
  encodeTHeaderInfo,
} from './theader';
export type { THeaderInfo } from './theader';
export {
  TTHeaderDecoder,
  TTHeaderEncoder,
  TTHEADER_MAGIC,
  TTHEADER_MAX_ENCODED_HEADER,
  parseTTHeaderInfo,
  encodeTTHeaderInfo,
} from './ttheader';
export type { TTHeaderInfo } from './ttheader';
export { DetectingDecoder, detectTransport, DETECTION_BYTES, HTTP_REPLY } from './detect';
export { describeRefusedMessage } from './oversized';
export type { RefusedMessage } from './oversized';
export type { DetectableTransport, Detection, DetectingDecoderOptions } from './detect';
export { BinaryMessageScanner } from './binaryscanner';
export { CompactMessageScanner } from './compactscanner';
export type { MessageScanner, ScannerLimits } from './scanner';
export { createDecoder, createEncoder, replyEnvelope } from './transports';

export * from './types';
export * from './sink';
export * from './protocol';
export * from './errors';
export * from './service';
export { BinaryReader, BINARY_VERSION_1 } from './binary-reader';
export { BinaryWriter } from './binary-writer';
export { CompactReader } from './compact-reader';
export { CompactWriter } from './compact-writer';
export { binaryProtocol, compactProtocol, protocolById } from './protocols';
export type { BinaryProtocol, CompactProtocol } from './protocols';
export { GrowableBuffer } from './growable-buffer';
export type { GrowableBufferOptions } from './growable-buffer';
export { TApplicationException } from './application-exception';
export {
  DEFAULT_CONTAINER_LENGTH_LIMIT,
  DEFAULT_RECURSION_LIMIT,
  DEFAULT_STRING_LENGTH_LIMIT,
  MAX_RECURSION_LIMIT,
  resolveReaderOptions,
  resolveWriterOptions,
} from './options';
export type { ResolvedReaderOptions, ResolvedWriterOptions } from './options';
export { I64_MAX, I64_MIN, i64FromNumber, i64ToNumber, isI64 } from './int64';
export { isUuid, uuidFromBytes, uuidToBytes } from './uuid';
export { isValueType, typeName } from './wire-types';
export { serialize, deserialize } from './serialize';
export { exceptionMessage } from './exception-message';
/** The UTF-8 codecs the protocols use, shared with @thriftpoll/transport (header strings). */
export { asBuffer, decodeUtf8 } from './utf8';
export type { BufferCodecs } from './utf8';

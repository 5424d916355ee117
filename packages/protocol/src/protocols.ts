import { BinaryReader } from './binary-reader';
import { BinaryWriter } from './binary-writer';
import { CompactReader } from './compact-reader';
import { CompactWriter } from './compact-writer';
import { TProtocolException, TProtocolExceptionType } from './errors';
import { ProtocolId } from './protocol';
import type { ByteSource, Protocol, ReaderOptions, WriterOptions } from './protocol';
import type { ByteSink } from './sink';

/** The Binary protocol (THeader id 0): factories typed with the concrete classes. */
export interface BinaryProtocol extends Protocol {
  readonly id: ProtocolId.BINARY;
  readonly name: 'binary';
  createReader(source: ByteSource, options?: ReaderOptions): BinaryReader;
  createWriter(sink: ByteSink, options?: WriterOptions): BinaryWriter;
}

/** The Compact protocol (THeader id 2): factories typed with the concrete classes. */
export interface CompactProtocol extends Protocol {
  readonly id: ProtocolId.COMPACT;
  readonly name: 'compact';
  createReader(source: ByteSource, options?: ReaderOptions): CompactReader;
  createWriter(sink: ByteSink, options?: WriterOptions): CompactWriter;
}

export const binaryProtocol: BinaryProtocol = Object.freeze({
  id: ProtocolId.BINARY,
  name: 'binary',
  createReader: (source: ByteSource, options?: ReaderOptions) => new BinaryReader(source, options),
  createWriter: (sink: ByteSink, options?: WriterOptions) => new BinaryWriter(sink, options),
} as const);

export const compactProtocol: CompactProtocol = Object.freeze({
  id: ProtocolId.COMPACT,
  name: 'compact',
  createReader: (source: ByteSource, options?: ReaderOptions) => new CompactReader(source, options),
  createWriter: (sink: ByteSink, options?: WriterOptions) => new CompactWriter(sink, options),
} as const);

/**
 * The protocol for a THeader/TTHeader protocol id.
 * @throws TProtocolException(NOT_IMPLEMENTED) for any id but 0 (binary) and 2 (compact), e.g. 1 (JSON).
 */
export function protocolById(id: number): BinaryProtocol | CompactProtocol {
  if (id === ProtocolId.BINARY) return binaryProtocol;
  if (id === ProtocolId.COMPACT) return compactProtocol;
  throw new TProtocolException(
    TProtocolExceptionType.NOT_IMPLEMENTED,
    `protocol id ${id}${id === 1 ? ' (JSON)' : ''} is not supported; supported: 0 (binary), 2 (compact)`,
  );
}

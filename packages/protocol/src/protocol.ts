import type { ByteSink } from './sink';
import type { FieldHeader, ListHeader, MapHeader, MessageHeader, MessageType, SetHeader, TType } from './types';

/**
 * The bytes a reader decodes: one contiguous view, or an ordered list of views (a frame that spans several
 * LinkBuffer blocks). Readers never concatenate the list; they cross view boundaries as they go.
 * The views must stay valid (not released, not overwritten) while the reader uses them.
 */
export type ByteSource = Uint8Array | readonly Uint8Array[];

/** Limits and switches for readers. Every limit has a safe default. */
export interface ReaderOptions {
  /** Binary only: require strict (versioned) message headers. Default false (like Apache's strictRead). */
  strictRead?: boolean;
  /** Longest string or binary accepted, in bytes. Default 100 MiB (and never more than the bytes present). */
  stringLengthLimit?: number;
  /** Largest container element count accepted. Default 2^31-1 (and always checked against the bytes present). */
  containerLengthLimit?: number;
  /** Deepest nesting of structs and containers for decoding and for skip(). Default 64. */
  recursionLimit?: number;
  /**
   * When true, readBinary() returns views into the source instead of copies. Such views are valid only until
   * the source is released (for engine input: until the connection's reader is released). Default false.
   * A value that straddles two views of a multi-view source is still a copy.
   */
  binaryViews?: boolean;
}

/** Switches for writers. */
export interface WriterOptions {
  /** Binary only: write strict (versioned) message headers. Default true. Non-strict is for old peers only. */
  strictWrite?: boolean;
}

/**
 * Decodes Thrift values. Generated codecs call these methods directly, in the order the IDL declares.
 * Malformed input raises a TProtocolException; a reader never reads past its source, never allocates in
 * proportion to a length it has not received, and never loops on bad input.
 * Every readXBegin() (struct, list, set, map) must be matched by its readXEnd(): readers count nesting with them.
 */
export interface ProtocolReader {
  /** Replaces the source (and resets position and nesting) so that one reader can be reused per message. */
  reset(source: ByteSource): void;
  /** Bytes not yet consumed. */
  remaining(): number;

  readMessageBegin(): MessageHeader;
  readMessageEnd(): void;
  readStructBegin(): void;
  readStructEnd(): void;
  /** Returns a header object that the reader reuses: valid until the next readFieldBegin(). */
  readFieldBegin(): FieldHeader;
  readFieldEnd(): void;
  readMapBegin(): MapHeader;
  readMapEnd(): void;
  readListBegin(): ListHeader;
  readListEnd(): void;
  readSetBegin(): SetHeader;
  readSetEnd(): void;

  readBool(): boolean;
  readByte(): number;
  readI16(): number;
  readI32(): number;
  readI64(): bigint;
  readDouble(): number;
  /** UTF-8 decoded. */
  readString(): string;
  /** A copy by default; a view when the reader was created with `binaryViews: true`. */
  readBinary(): Uint8Array;
  /** 16 bytes on the wire; returned as the canonical lower-case 8-4-4-4-12 string. */
  readUuid(): string;

  /** Skips one value of the given type, bounded by the recursion limit. Unknown type ids are rejected. */
  skip(type: TType): void;
}

/**
 * Encodes Thrift values into a ByteSink. Bytes reach the sink no later than commit() (writeMessageEnd() commits).
 */
export interface ProtocolWriter {
  /** Hands every byte written so far to the sink. */
  commit(): void;

  writeMessageBegin(name: string, type: MessageType, seqid: number): void;
  writeMessageEnd(): void;
  writeStructBegin(name: string): void;
  writeStructEnd(): void;
  writeFieldBegin(type: TType, id: number): void;
  writeFieldEnd(): void;
  writeFieldStop(): void;
  writeMapBegin(keyType: TType, valueType: TType, size: number): void;
  writeMapEnd(): void;
  writeListBegin(elemType: TType, size: number): void;
  writeListEnd(): void;
  writeSetBegin(elemType: TType, size: number): void;
  writeSetEnd(): void;

  writeBool(value: boolean): void;
  writeByte(value: number): void;
  writeI16(value: number): void;
  writeI32(value: number): void;
  writeI64(value: bigint): void;
  writeDouble(value: number): void;
  writeString(value: string): void;
  writeBinary(value: Uint8Array): void;
  /** Accepts the canonical 8-4-4-4-12 form (either case); writes 16 bytes. */
  writeUuid(value: string): void;
}

/** Protocol ids as THeader and TTHeader carry them. */
export enum ProtocolId {
  BINARY = 0,
  COMPACT = 2,
}

/** A protocol: a name, its THeader id, and factories for readers and writers. */
export interface Protocol {
  readonly id: ProtocolId;
  readonly name: 'binary' | 'compact';
  createReader(source: ByteSource, options?: ReaderOptions): ProtocolReader;
  createWriter(sink: ByteSink, options?: WriterOptions): ProtocolWriter;
}

/**
 * Thrift wire type ids, as the Binary protocol numbers them. The Compact protocol maps these to its own
 * nibbles internally; everything above the protocol layer speaks `TType`.
 */
export enum TType {
  STOP = 0,
  VOID = 1,
  BOOL = 2,
  BYTE = 3,
  DOUBLE = 4,
  I16 = 6,
  I32 = 8,
  I64 = 10,
  STRING = 11,
  STRUCT = 12,
  MAP = 13,
  SET = 14,
  LIST = 15,
  UUID = 16,
}

/** Thrift message types. */
export enum MessageType {
  CALL = 1,
  REPLY = 2,
  EXCEPTION = 3,
  ONEWAY = 4,
}

/** A message header as read from the wire. */
export interface MessageHeader {
  name: string;
  type: MessageType;
  seqid: number;
}

/**
 * A field header. `readFieldBegin()` returns the same object each time (no allocation per field): copy what you
 * need before the next `readFieldBegin()`.
 */
export interface FieldHeader {
  type: TType;
  id: number;
}

/** A list or set header: a fresh object per readListBegin()/readSetBegin() (nested containers each have their own). */
export interface ListHeader {
  elemType: TType;
  size: number;
}

export type SetHeader = ListHeader;

/** A map header: a fresh object per readMapBegin(). An empty Compact map carries no types: both read as STOP. */
export interface MapHeader {
  keyType: TType;
  valueType: TType;
  size: number;
}

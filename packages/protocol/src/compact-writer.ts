import { Buffer } from 'node:buffer';
import {
  COMPACT_OF_TTYPE,
  COMPACT_PROTOCOL_ID,
  COMPACT_VERSION,
  CT_BOOLEAN_FALSE,
  CT_BOOLEAN_TRUE,
} from './compact-types';
import { TProtocolException, TProtocolExceptionType } from './errors';
import { resolveWriterOptions } from './options';
import type { ProtocolWriter, WriterOptions } from './protocol';
import type { ByteSink } from './sink';
import { SinkWriter } from './sink-writer';
import { TType } from './types';
import type { MessageType } from './types';
import { encodeUtf8 } from './utf8';
import { parseUuidInto } from './uuid';

/** Strings up to this many UTF-16 units are encoded straight into a worst-case region (3 bytes a unit). */
const DIRECT_STRING = 4096;
/** Strings up to this many units need at most 126 bytes: their length prefix is one byte whatever they hold. */
const ONE_BYTE_PREFIX = 42;
/** Eight bytes for splitting an i64 into its two 32-bit halves. */
const I64_SCRATCH = new DataView(new ArrayBuffer(8));
/** No bool field header is waiting for its value. */
const NO_FIELD = 0x10000;

/** Bytes of the unsigned varint for `n` (0 <= n < 2^32). */
function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/**
 * Encodes the Thrift Compact protocol into a ByteSink: zigzag varints, field-id deltas (short form for deltas of
 * 1..15, long form otherwise), bool fields folded into the field header, list/set headers with the size in the
 * high nibble up to 14, the one-byte empty map, little-endian doubles (-0.0, NaN and ±Infinity preserved).
 *
 * The seqid is written as a plain varint of its 32 bits (negative seqids take 5 bytes), as the spec and every
 * Apache implementation do. Bool container elements are 1 (true) and 2 (false), and the bool element type is 1,
 * as Apache's libraries write them (readers everywhere accept both forms).
 *
 * A bool field is written by writeFieldBegin(BOOL, id) followed by writeBool(value): the header waits for the
 * value. Bytes reach the sink at commit() or writeMessageEnd(); reset() points the writer at another sink.
 */
export class CompactWriter extends SinkWriter implements ProtocolWriter {
  /** Id of the last field written in the current struct. */
  private lastFieldId = 0;
  /** lastFieldId of the enclosing structs. */
  private readonly fieldIdStack: number[] = [];
  /** Id of a bool field whose header waits for writeBool(), or NO_FIELD. */
  private boolFieldId = NO_FIELD;

  /**
   * @param sink where the bytes go: a GrowableBuffer, the engine's connection writer, or any ByteSink.
   * @param options see WriterOptions (strictWrite does not apply to Compact); validated here.
   */
  constructor(sink: ByteSink, options?: WriterOptions) {
    super(sink);
    resolveWriterOptions(options);
  }

  protected resetState(): void {
    this.lastFieldId = 0;
    // A store to `length` is a runtime call in V8; after a well-formed message the stack is already empty.
    if (this.fieldIdStack.length !== 0) this.fieldIdStack.length = 0;
    this.boolFieldId = NO_FIELD;
  }

  writeMessageBegin(name: string, type: MessageType, seqid: number): void {
    this.checkMessage(name, type, seqid);
    this.resetState();
    if (this.end - this.pos < 7) this.grow(7);
    const buf = this.buf;
    buf[this.pos++] = COMPACT_PROTOCOL_ID;
    buf[this.pos++] = (type << 5) | COMPACT_VERSION;
    this.writeVarint32(seqid >>> 0);
    this.writeString(name);
  }

  writeMessageEnd(): void {
    this.commit();
  }

  writeStructBegin(_name: string): void {
    this.fieldIdStack.push(this.lastFieldId);
    this.lastFieldId = 0;
  }

  /** @throws TProtocolException(INVALID_DATA) without a matching writeStructBegin(). */
  writeStructEnd(): void {
    if (this.fieldIdStack.length === 0) {
      throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, 'writeStructEnd() without a matching writeStructBegin()');
    }
    this.lastFieldId = this.fieldIdStack.pop() as number;
  }

  /** @throws TProtocolException(INVALID_DATA) also when the previous field was a BOOL whose writeBool() is missing. */
  writeFieldBegin(type: TType, id: number): void {
    this.checkType(type, 'field');
    this.checkFieldId(id);
    if (this.boolFieldId !== NO_FIELD) this.missingBool('writeFieldBegin()');
    if (type === TType.BOOL) {
      this.boolFieldId = id;
      return;
    }
    this.writeFieldHeader(COMPACT_OF_TTYPE[type], id);
  }

  writeFieldEnd(): void {}

  writeFieldStop(): void {
    if (this.boolFieldId !== NO_FIELD) this.missingBool('writeFieldStop()');
    if (this.end - this.pos < 1) this.grow(1);
    this.buf[this.pos++] = 0;
  }

  writeMapBegin(keyType: TType, valueType: TType, size: number): void {
    this.checkType(keyType, 'map key');
    this.checkType(valueType, 'map value');
    this.checkSize(size, 'map');
    if (this.end - this.pos < 6) this.grow(6);
    if (size === 0) {
      this.buf[this.pos++] = 0;
      return;
    }
    this.writeVarint32(size);
    this.buf[this.pos++] = (COMPACT_OF_TTYPE[keyType] << 4) | COMPACT_OF_TTYPE[valueType];
  }

  writeMapEnd(): void {}

  writeListBegin(elemType: TType, size: number): void {
    this.checkType(elemType, 'list element');
    this.checkSize(size, 'list');
    this.writeCollectionHeader(elemType, size);
  }

  writeListEnd(): void {}

  writeSetBegin(elemType: TType, size: number): void {
    this.checkType(elemType, 'set element');
    this.checkSize(size, 'set');
    this.writeCollectionHeader(elemType, size);
  }

  writeSetEnd(): void {}

  writeBool(value: boolean): void {
    const compactType = value ? CT_BOOLEAN_TRUE : CT_BOOLEAN_FALSE;
    if (this.boolFieldId !== NO_FIELD) {
      const id = this.boolFieldId;
      this.boolFieldId = NO_FIELD;
      this.writeFieldHeader(compactType, id);
      return;
    }
    if (this.end - this.pos < 1) this.grow(1);
    this.buf[this.pos++] = compactType;
  }

  writeByte(value: number): void {
    if (((value << 24) >> 24) !== value) throw this.badInteger('byte', value, -128, 127);
    if (this.end - this.pos < 1) this.grow(1);
    this.buf[this.pos++] = value;
  }

  writeI16(value: number): void {
    if (((value << 16) >> 16) !== value) throw this.badInteger('i16', value, -32768, 32767);
    if (this.end - this.pos < 3) this.grow(3);
    this.writeVarint32(((value << 1) ^ (value >> 31)) >>> 0);
  }

  writeI32(value: number): void {
    if ((value | 0) !== value) throw this.badInteger('i32', value, -2147483648, 2147483647);
    if (this.end - this.pos < 5) this.grow(5);
    this.writeVarint32(((value << 1) ^ (value >> 31)) >>> 0);
  }

  writeI64(value: bigint): void {
    this.checkI64(value);
    if (this.end - this.pos < 10) this.grow(10);
    // The two 32-bit halves through scratch memory (cheaper than BigInt arithmetic), then zigzag on the halves.
    I64_SCRATCH.setBigInt64(0, value);
    const hi = I64_SCRATCH.getInt32(0);
    const lo = I64_SCRATCH.getUint32(4);
    const sign = hi >> 31;
    let zigLo = ((lo << 1) ^ sign) >>> 0;
    let zigHi = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0;
    const buf = this.buf;
    let pos = this.pos;
    // 64 bits as 7-bit groups: the low word first, carrying the high word's bits down as it shifts.
    while (zigHi !== 0) {
      buf[pos++] = (zigLo & 0x7f) | 0x80;
      zigLo = ((zigLo >>> 7) | (zigHi << 25)) >>> 0;
      zigHi >>>= 7;
    }
    while (zigLo >= 0x80) {
      buf[pos++] = (zigLo & 0x7f) | 0x80;
      zigLo >>>= 7;
    }
    buf[pos++] = zigLo;
    this.pos = pos;
  }

  writeDouble(value: number): void {
    if (typeof value !== 'number') throw this.badValue('double', value, 'a number');
    if (this.end - this.pos < 8) this.grow(8);
    this.data().setFloat64(this.regionOffset + this.pos, value, true);
    this.pos += 8;
  }

  writeString(value: string): void {
    if (typeof value !== 'string') throw this.badValue('string', value, 'a string');
    const units = value.length;
    if (units <= ONE_BYTE_PREFIX) {
      // At most 126 bytes: a one-byte prefix, filled in after encoding.
      const room = 1 + units * 3;
      if (this.end - this.pos < room) this.grow(room);
      const length = encodeUtf8(this.buf, this.pos + 1, value);
      this.buf[this.pos] = length;
      this.pos += 1 + length;
      return;
    }
    if (units <= DIRECT_STRING) {
      // Guess the prefix size from the ASCII length (units <= bytes <= 3 units); move the bytes in the rare
      // case where the UTF-8 length needs a longer prefix.
      const guess = varintSize(units);
      const room = 5 + units * 3;
      if (this.end - this.pos < room) this.grow(room);
      const start = this.pos;
      const length = encodeUtf8(this.buf, start + guess, value);
      const prefix = varintSize(length);
      if (prefix !== guess) this.buf.copyWithin(start + prefix, start + guess, start + guess + length);
      this.writeVarint32(length);
      this.pos += length;
      return;
    }
    const length = Buffer.byteLength(value, 'utf8');
    if (this.end - this.pos < 5 + length) this.grow(5 + length);
    this.writeVarint32(length);
    this.buf.utf8Write(value, this.pos, length);
    this.pos += length;
  }

  writeBinary(value: Uint8Array): void {
    if (!(value instanceof Uint8Array)) throw this.badValue('binary', value, 'a Uint8Array');
    const length = value.length;
    if (this.end - this.pos < 5 + length) this.grow(5 + length);
    this.writeVarint32(length);
    const buf = this.buf;
    const pos = this.pos;
    if (length <= 32) {
      for (let i = 0; i < length; i++) buf[pos + i] = value[i];
    } else {
      buf.set(value, pos);
    }
    this.pos = pos + length;
  }

  writeUuid(value: string): void {
    if (this.end - this.pos < 16) this.grow(16);
    parseUuidInto(value, this.buf, this.pos);
    this.pos += 16;
  }

  private missingBool(call: string): never {
    const id = this.boolFieldId;
    this.boolFieldId = NO_FIELD;
    throw new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `${call} after writeFieldBegin(BOOL, ${id}) without writeBool(): Compact writes a bool field's header with its value`,
    );
  }

  /** Writes a field header: short form for a delta of 1..15 from the previous field, long form otherwise. */
  private writeFieldHeader(compactType: number, id: number): void {
    if (this.end - this.pos < 4) this.grow(4);
    const delta = id - this.lastFieldId;
    if (delta > 0 && delta <= 15) {
      this.buf[this.pos++] = (delta << 4) | compactType;
    } else {
      this.buf[this.pos++] = compactType;
      this.writeVarint32(((id << 1) ^ (id >> 31)) >>> 0);
    }
    this.lastFieldId = id;
  }

  private writeCollectionHeader(elemType: TType, size: number): void {
    if (this.end - this.pos < 6) this.grow(6);
    const compactType = COMPACT_OF_TTYPE[elemType];
    if (size <= 14) {
      this.buf[this.pos++] = (size << 4) | compactType;
    } else {
      this.buf[this.pos++] = 0xf0 | compactType;
      this.writeVarint32(size);
    }
  }

  /** Writes `n` (0 <= n < 2^32) as an unsigned varint. The caller guarantees 5 bytes of room. */
  private writeVarint32(n: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (n >= 0x80) {
      buf[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[pos++] = n;
    this.pos = pos;
  }
}

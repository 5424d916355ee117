import { Buffer } from 'node:buffer';
import { BINARY_VERSION_1 } from './binary-reader';
import type { ProtocolWriter, WriterOptions } from './protocol';
import { resolveWriterOptions } from './options';
import type { ByteSink } from './sink';
import { SinkWriter } from './sink-writer';
import type { MessageType, TType } from './types';
import { encodeUtf8 } from './utf8';
import { parseUuidInto } from './uuid';

/** Strings up to this many UTF-16 units are encoded straight into a worst-case region (3 bytes a unit). */
const DIRECT_STRING = 4096;

/**
 * Encodes the Thrift Binary protocol into a ByteSink.
 *
 * Message headers are strict (`0x8001 | type`, name, seqid) unless `strictWrite: false` (name, type byte, seqid:
 * for very old peers only). Big-endian fixed-width integers, i32 length prefixes, doubles as IEEE 754 bits
 * (-0.0, NaN and ±Infinity preserved).
 *
 * Bytes reach the sink at commit() or writeMessageEnd() (and earlier whenever a region fills up). One writer can
 * encode any number of messages; reset() points it at another sink.
 */
export class BinaryWriter extends SinkWriter implements ProtocolWriter {
  private readonly strictWrite: boolean;

  /**
   * @param sink where the bytes go: a GrowableBuffer, the engine's connection writer, or any ByteSink.
   * @param options see WriterOptions; validated here.
   */
  constructor(sink: ByteSink, options?: WriterOptions) {
    super(sink);
    this.strictWrite = resolveWriterOptions(options).strictWrite;
  }

  protected resetState(): void {}

  writeMessageBegin(name: string, type: MessageType, seqid: number): void {
    this.checkMessage(name, type, seqid);
    if (this.strictWrite) {
      this.writeI32(BINARY_VERSION_1 | type);
      this.writeString(name);
    } else {
      this.writeString(name);
      this.writeByte(type);
    }
    this.writeI32(seqid);
  }

  writeMessageEnd(): void {
    this.commit();
  }

  writeStructBegin(_name: string): void {}

  writeStructEnd(): void {}

  writeFieldBegin(type: TType, id: number): void {
    this.checkType(type, 'field');
    this.checkFieldId(id);
    if (this.end - this.pos < 3) this.grow(3);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = type;
    buf[pos + 1] = id >> 8;
    buf[pos + 2] = id;
    this.pos = pos + 3;
  }

  writeFieldEnd(): void {}

  writeFieldStop(): void {
    if (this.end - this.pos < 1) this.grow(1);
    this.buf[this.pos++] = 0;
  }

  writeMapBegin(keyType: TType, valueType: TType, size: number): void {
    this.checkType(keyType, 'map key');
    this.checkType(valueType, 'map value');
    this.checkSize(size, 'map');
    if (this.end - this.pos < 6) this.grow(6);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = keyType;
    buf[pos + 1] = valueType;
    buf[pos + 2] = size >>> 24;
    buf[pos + 3] = size >>> 16;
    buf[pos + 4] = size >>> 8;
    buf[pos + 5] = size;
    this.pos = pos + 6;
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
    if (this.end - this.pos < 1) this.grow(1);
    this.buf[this.pos++] = value ? 1 : 0;
  }

  writeByte(value: number): void {
    if (((value << 24) >> 24) !== value) throw this.badInteger('byte', value, -128, 127);
    if (this.end - this.pos < 1) this.grow(1);
    this.buf[this.pos++] = value;
  }

  writeI16(value: number): void {
    if (((value << 16) >> 16) !== value) throw this.badInteger('i16', value, -32768, 32767);
    if (this.end - this.pos < 2) this.grow(2);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = value >> 8;
    buf[pos + 1] = value;
    this.pos = pos + 2;
  }

  writeI32(value: number): void {
    if ((value | 0) !== value) throw this.badInteger('i32', value, -2147483648, 2147483647);
    if (this.end - this.pos < 4) this.grow(4);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = value >>> 24;
    buf[pos + 1] = value >>> 16;
    buf[pos + 2] = value >>> 8;
    buf[pos + 3] = value;
    this.pos = pos + 4;
  }

  writeI64(value: bigint): void {
    this.checkI64(value);
    if (this.end - this.pos < 8) this.grow(8);
    this.data().setBigInt64(this.regionOffset + this.pos, value);
    this.pos += 8;
  }

  writeDouble(value: number): void {
    if (typeof value !== 'number') throw this.badValue('double', value, 'a number');
    if (this.end - this.pos < 8) this.grow(8);
    this.data().setFloat64(this.regionOffset + this.pos, value);
    this.pos += 8;
  }

  writeString(value: string): void {
    if (typeof value !== 'string') throw this.badValue('string', value, 'a string');
    const units = value.length;
    let length: number;
    if (units <= DIRECT_STRING) {
      // Encode into room for the worst case and fill the length in afterwards: no scan for the byte length.
      const room = 4 + units * 3;
      if (this.end - this.pos < room) this.grow(room);
      length = encodeUtf8(this.buf, this.pos + 4, value);
    } else {
      length = Buffer.byteLength(value, 'utf8');
      if (this.end - this.pos < 4 + length) this.grow(4 + length);
      this.buf.utf8Write(value, this.pos + 4, length);
    }
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = length >>> 24;
    buf[pos + 1] = length >>> 16;
    buf[pos + 2] = length >>> 8;
    buf[pos + 3] = length;
    this.pos = pos + 4 + length;
  }

  writeBinary(value: Uint8Array): void {
    if (!(value instanceof Uint8Array)) throw this.badValue('binary', value, 'a Uint8Array');
    const length = value.length;
    if (this.end - this.pos < 4 + length) this.grow(4 + length);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = length >>> 24;
    buf[pos + 1] = length >>> 16;
    buf[pos + 2] = length >>> 8;
    buf[pos + 3] = length;
    if (length <= 32) {
      for (let i = 0; i < length; i++) buf[pos + 4 + i] = value[i];
    } else {
      buf.set(value, pos + 4);
    }
    this.pos = pos + 4 + length;
  }

  writeUuid(value: string): void {
    if (this.end - this.pos < 16) this.grow(16);
    parseUuidInto(value, this.buf, this.pos);
    this.pos += 16;
  }

  private writeCollectionHeader(elemType: TType, size: number): void {
    if (this.end - this.pos < 5) this.grow(5);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = elemType;
    buf[pos + 1] = size >>> 24;
    buf[pos + 2] = size >>> 16;
    buf[pos + 3] = size >>> 8;
    buf[pos + 4] = size;
    this.pos = pos + 5;
  }
}

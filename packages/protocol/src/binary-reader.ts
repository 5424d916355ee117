import { TProtocolException, TProtocolExceptionType } from './errors';
import type { ByteSource, ReaderOptions } from './protocol';
import { SourceReader } from './source-reader';
import { MessageType, TType } from './types';
import type { FieldHeader, ListHeader, MapHeader, MessageHeader } from './types';
import { formatUuid } from './uuid';
import { isMessageType, isValueType, messageTypeError, typeName, VALUE_TYPE } from './wire-types';

/** Strict message header: version 1 in the high 16 bits, message type in the low 8. */
export const BINARY_VERSION_1 = 0x80010000 | 0;
const VERSION_MASK = 0xffff0000 | 0;

/** `("GET ") ` when the four bytes of `word` are printable ASCII: a hint that the peer speaks another protocol. */
function printable(word: number): string {
  let text = '';
  for (let shift = 24; shift >= 0; shift -= 8) {
    const c = (word >>> shift) & 0xff;
    if (c < 0x20 || c > 0x7e) return '';
    text += String.fromCharCode(c);
  }
  return `("${text}") `;
}

/**
 * Smallest Binary encoding of a value of each type, for checking container counts against the bytes present:
 * fixed-width types their width, strings their 4-byte length, a struct its STOP byte, containers their header.
 */
const MIN_BYTES = new Uint8Array(256);
MIN_BYTES[TType.BOOL] = 1;
MIN_BYTES[TType.BYTE] = 1;
MIN_BYTES[TType.DOUBLE] = 8;
MIN_BYTES[TType.I16] = 2;
MIN_BYTES[TType.I32] = 4;
MIN_BYTES[TType.I64] = 8;
MIN_BYTES[TType.STRING] = 4;
MIN_BYTES[TType.STRUCT] = 1;
MIN_BYTES[TType.MAP] = 6;
MIN_BYTES[TType.SET] = 5;
MIN_BYTES[TType.LIST] = 5;
MIN_BYTES[TType.UUID] = 16;

/** Width of the fixed-size types (skip() jumps over containers of them at once); 0 for the others. */
const FIXED_BYTES = new Uint8Array(256);
for (const type of [TType.BOOL, TType.BYTE, TType.DOUBLE, TType.I16, TType.I32, TType.I64, TType.UUID]) {
  FIXED_BYTES[type] = MIN_BYTES[type];
}

/**
 * Decodes the Thrift Binary protocol (big-endian fixed-width integers, i32 length prefixes).
 *
 * Message headers: strict (`0x8001 | type`, name, seqid) always; the old non-strict form (name, type byte, seqid)
 * too unless `strictRead` is set. Type ids are validated where they are read (field headers, container headers);
 * an unknown id is INVALID_DATA. Bools: 0 is false, any other byte true (as Apache's C++ and Node readers do).
 *
 * One reader can decode many messages: reset() it with each new source.
 */
export class BinaryReader extends SourceReader {
  private readonly field: FieldHeader = { type: TType.STOP, id: 0 };

  /**
   * @param source bytes to decode; may be given later with reset().
   * @param options limits and switches (see ReaderOptions); validated here.
   */
  constructor(source?: ByteSource, options?: ReaderOptions) {
    super(options);
    if (source !== undefined) this.reset(source);
  }

  protected resetState(): void {}

  /**
   * @throws TProtocolException BAD_VERSION for a strict header with another version, or a non-strict one under
   *         strictRead; INVALID_DATA for a message type other than CALL, REPLY, EXCEPTION or ONEWAY.
   */
  readMessageBegin(): MessageHeader {
    const at = this.position();
    const first = this.readI32();
    let name: string;
    let type: number;
    if (first < 0) {
      if ((first & VERSION_MASK) !== BINARY_VERSION_1) {
        const seen = (first >>> 0).toString(16).padStart(8, '0');
        const hint = first >>> 24 === 0x82 ? ' (the first byte 0x82 starts a Compact message)' : '';
        throw new TProtocolException(
          TProtocolExceptionType.BAD_VERSION,
          `bad Binary message header 0x${seen} at offset ${at}: expected version 0x8001 in the first two bytes${hint}`,
        );
      }
      type = first & 0xff;
      name = this.readString();
    } else {
      if (this.strictRead) {
        throw new TProtocolException(
          TProtocolExceptionType.BAD_VERSION,
          `missing Binary version header at offset ${at} (strictRead): the first word 0x${first.toString(16).padStart(8, '0')} is not 0x8001000x`,
        );
      }
      if (first > this.remaining() || first > this.stringLengthLimit) {
        throw new TProtocolException(
          TProtocolExceptionType.SIZE_LIMIT,
          `non-strict Binary message name length ${first} exceeds the ${this.remaining()} bytes remaining ` +
            `(stringLengthLimit ${this.stringLengthLimit}); the first word 0x${first.toString(16).padStart(8, '0')} ` +
            `${printable(first)}is neither a strict header (0x8001000x) nor a plausible name length`,
        );
      }
      name = this.readUtf8(first);
      type = this.readByte();
    }
    if (!isMessageType(type)) throw this.invalid(messageTypeError(type));
    const seqid = this.readI32();
    return { name, type: type as MessageType, seqid };
  }

  readFieldBegin(): FieldHeader {
    const pos = this.pos;
    const end = this.end;
    if (pos < end) {
      const view = this.view;
      const field = this.field;
      const type = view[pos];
      // STOP is one byte: a struct that ends its message (the last byte of the input) stays on the fast path.
      if (type === TType.STOP) {
        this.pos = pos + 1;
        field.type = TType.STOP;
        field.id = 0;
        return field;
      }
      if (pos + 3 <= end && VALUE_TYPE[type] === 1) {
        this.pos = pos + 3;
        field.type = type;
        field.id = ((view[pos + 1] << 24) | (view[pos + 2] << 16)) >> 16;
        return field;
      }
    }
    return this.readFieldBeginSlow();
  }

  readMapBegin(): MapHeader {
    const pos = this.pos;
    if (pos + 6 <= this.end) {
      const view = this.view;
      const keyType = view[pos];
      const valueType = view[pos + 1];
      const size = (view[pos + 2] << 24) | (view[pos + 3] << 16) | (view[pos + 4] << 8) | view[pos + 5];
      if (
        VALUE_TYPE[keyType] === 1 &&
        VALUE_TYPE[valueType] === 1 &&
        size >= 0 &&
        size <= this.containerLengthLimit &&
        size * (MIN_BYTES[keyType] + MIN_BYTES[valueType]) <= this.end - pos - 6
      ) {
        this.pos = pos + 6;
        this.enterContainer('map');
        return { keyType, valueType, size };
      }
    }
    return this.readMapBeginSlow();
  }

  readListBegin(): ListHeader {
    const pos = this.pos;
    if (pos + 5 <= this.end) {
      const view = this.view;
      const elemType = view[pos];
      const size = (view[pos + 1] << 24) | (view[pos + 2] << 16) | (view[pos + 3] << 8) | view[pos + 4];
      if (VALUE_TYPE[elemType] === 1 && size >= 0 && size <= this.containerLengthLimit && size * MIN_BYTES[elemType] <= this.end - pos - 5) {
        this.pos = pos + 5;
        this.enterContainer('list/set');
        return { elemType, size };
      }
    }
    return this.readListBeginSlow();
  }

  readBool(): boolean {
    return this.readByte() !== 0;
  }

  readByte(): number {
    const pos = this.pos;
    if (pos < this.end) {
      this.pos = pos + 1;
      return (this.view[pos] << 24) >> 24;
    }
    return (this.takeByte('byte') << 24) >> 24;
  }

  readI16(): number {
    const pos = this.pos;
    if (pos + 2 <= this.end) {
      const view = this.view;
      this.pos = pos + 2;
      return ((view[pos] << 24) | (view[pos + 1] << 16)) >> 16;
    }
    return this.readI16Slow();
  }

  readI32(): number {
    const pos = this.pos;
    if (pos + 4 <= this.end) {
      const view = this.view;
      this.pos = pos + 4;
      return (view[pos] << 24) | (view[pos + 1] << 16) | (view[pos + 2] << 8) | view[pos + 3];
    }
    return this.readI32Slow();
  }

  readI64(): bigint {
    const pos = this.pos;
    if (pos + 8 <= this.end) {
      this.pos = pos + 8;
      const data = this.data();
      const at = this.viewOffset + pos;
      const lo = data.getInt32(at + 4);
      // An i32 sign-extended (the common case: counts, ids, small deltas) converts from a number, which
      // optimized code does inline; the DataView builtin for a whole i64 is a call that costs several times more.
      if (data.getInt32(at) === lo >> 31) return BigInt(lo);
      return data.getBigInt64(at);
    }
    return this.readI64Slow();
  }

  readDouble(): number {
    const pos = this.pos;
    if (pos + 8 <= this.end) {
      this.pos = pos + 8;
      return this.data().getFloat64(this.viewOffset + pos);
    }
    return this.readDoubleSlow();
  }

  readString(): string {
    return this.readUtf8(this.readI32());
  }

  readBinary(): Uint8Array {
    return this.readBytes(this.readI32());
  }

  readUuid(): string {
    const pos = this.pos;
    if (pos + 16 <= this.end) {
      this.pos = pos + 16;
      return formatUuid(this.view, pos);
    }
    return formatUuid(this.take(16, 'uuid'), 0);
  }

  /** readI16() across views or near the end of input (kept out of the fast path so that it inlines). */
  private readI16Slow(): number {
    const bytes = this.take(2, 'i16');
    return ((bytes[0] << 24) | (bytes[1] << 16)) >> 16;
  }

  /** readI32() across views or near the end of input (kept out of the fast path so that it inlines). */
  private readI32Slow(): number {
    const bytes = this.take(4, 'i32');
    return (bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3];
  }

  /** readI64() across views or near the end of input. */
  private readI64Slow(): bigint {
    return this.take(8, 'i64').readBigInt64BE(0);
  }

  /** readDouble() across views or near the end of input. */
  private readDoubleSlow(): number {
    return this.take(8, 'double').readDoubleBE(0);
  }

  /** readFieldBegin() across views, near the end of input, or with an invalid type (which it reports). */
  private readFieldBeginSlow(): FieldHeader {
    const field = this.field;
    const type = this.pos < this.end ? this.view[this.pos++] : this.takeByte('field header');
    if (type === TType.STOP) {
      field.type = TType.STOP;
      field.id = 0;
      return field;
    }
    const idBytes = this.take(2, 'field header');
    const id = ((idBytes[0] << 24) | (idBytes[1] << 16)) >> 16;
    if (!isValueType(type)) throw this.invalid(`field ${id} has unknown type ${typeName(type)}`);
    field.type = type;
    field.id = id;
    return field;
  }

  /** readMapBegin() across views, or when a check fails (it then reports which). */
  private readMapBeginSlow(): MapHeader {
    const keyType = this.readByte() & 0xff;
    const valueType = this.readByte() & 0xff;
    const size = this.readI32();
    this.checkElementType(keyType, size, 'map key');
    this.checkElementType(valueType, size, 'map value');
    this.checkCount(size, MIN_BYTES[keyType] + MIN_BYTES[valueType], 'map');
    this.enterContainer('map');
    return { keyType: keyType as TType, valueType: valueType as TType, size };
  }

  /** readListBegin() across views, or when a check fails (it then reports which). */
  private readListBeginSlow(): ListHeader {
    const elemType = this.readByte() & 0xff;
    const size = this.readI32();
    this.checkElementType(elemType, size, 'list/set element');
    this.checkCount(size, MIN_BYTES[elemType], 'list/set');
    this.enterContainer('list/set');
    return { elemType: elemType as TType, size };
  }

  protected readSize(): number {
    return this.readI32();
  }

  protected skipI64(): void {
    this.skipBytes(8, 'i64');
  }

  protected fixedWidth(type: TType): number {
    return FIXED_BYTES[type];
  }

  /** Element types must be value types; an empty container may also carry 0 (some writers leave it unset). */
  private checkElementType(type: number, size: number, what: string): void {
    if (isValueType(type) || (type === TType.STOP && size === 0)) return;
    throw this.invalid(`${what} has unknown type ${typeName(type)}`);
  }
}

import { TProtocolException, TProtocolExceptionType } from './errors';
import { readDoubleBE } from './float64';
import type { ByteSource, ReaderOptions } from './protocol';
import { SourceReader } from './source-reader';
import { MessageType, TType } from './types';
import type { FieldHeader, ListHeader, MapHeader, MessageHeader } from './types';
import { formatUuid } from './uuid';
import { isMessageType, isValueType, messageTypeError, typeName } from './wire-types';

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
    const field = this.field;
    const view = this.view;
    const pos = this.pos;
    let type: number;
    if (pos + 3 <= this.end) {
      type = view[pos];
      if (type === TType.STOP) {
        this.pos = pos + 1;
        field.type = TType.STOP;
        field.id = 0;
        return field;
      }
      this.pos = pos + 3;
      field.id = ((view[pos + 1] << 24) | (view[pos + 2] << 16)) >> 16;
    } else {
      type = this.pos < this.end ? view[this.pos++] : this.takeByte('field header');
      if (type === TType.STOP) {
        field.type = TType.STOP;
        field.id = 0;
        return field;
      }
      field.id = this.readI16();
    }
    if (!isValueType(type)) throw this.invalid(`field ${field.id} has unknown type ${typeName(type)}`);
    field.type = type;
    return field;
  }

  readMapBegin(): MapHeader {
    const keyType = this.readByte() & 0xff;
    const valueType = this.readByte() & 0xff;
    const size = this.readI32();
    this.checkElementType(keyType, size, 'map key');
    this.checkElementType(valueType, size, 'map value');
    this.checkCount(size, MIN_BYTES[keyType] + MIN_BYTES[valueType], 'map');
    this.enterContainer('map');
    return { keyType: keyType as TType, valueType: valueType as TType, size };
  }

  readListBegin(): ListHeader {
    const elemType = this.readByte() & 0xff;
    const size = this.readI32();
    this.checkElementType(elemType, size, 'list/set element');
    this.checkCount(size, MIN_BYTES[elemType], 'list/set');
    this.enterContainer('list/set');
    return { elemType: elemType as TType, size };
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
    const bytes = this.take(2, 'i16');
    return ((bytes[0] << 24) | (bytes[1] << 16)) >> 16;
  }

  readI32(): number {
    const pos = this.pos;
    if (pos + 4 <= this.end) {
      const view = this.view;
      this.pos = pos + 4;
      return (view[pos] << 24) | (view[pos + 1] << 16) | (view[pos + 2] << 8) | view[pos + 3];
    }
    const bytes = this.take(4, 'i32');
    return (bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3];
  }

  readI64(): bigint {
    let source: Uint8Array = this.view;
    let at = this.pos;
    if (at + 8 <= this.end) {
      this.pos = at + 8;
    } else {
      source = this.take(8, 'i64');
      at = 0;
    }
    const hi = (source[at] << 24) | (source[at + 1] << 16) | (source[at + 2] << 8) | source[at + 3];
    const lo = ((source[at + 4] << 24) | (source[at + 5] << 16) | (source[at + 6] << 8) | source[at + 7]) >>> 0;
    // |value| < 2^53 when the high word is within ±2^21: one exact double, one BigInt conversion.
    if (hi >= -0x200000 && hi < 0x200000) return BigInt(hi * 0x100000000 + lo);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  readDouble(): number {
    const pos = this.pos;
    if (pos + 8 <= this.end) {
      this.pos = pos + 8;
      return readDoubleBE(this.view, pos);
    }
    return readDoubleBE(this.take(8, 'double'), 0);
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

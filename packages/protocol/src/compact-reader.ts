import { CT_BOOLEAN_TRUE, CT_BOOLEAN_FALSE, COMPACT_PROTOCOL_ID, COMPACT_VERSION, NO_TYPE, TTYPE_OF_COMPACT } from './compact-types';
import { TProtocolException, TProtocolExceptionType } from './errors';
import type { ByteSource, ReaderOptions } from './protocol';
import { SourceReader } from './source-reader';
import { MessageType, TType } from './types';
import type { FieldHeader, ListHeader, MapHeader, MessageHeader } from './types';
import { formatUuid } from './uuid';
import { isMessageType, isValueType, messageTypeError, typeName, VALUE_TYPE } from './wire-types';

/** Smallest Compact encoding of a value of each type (varints and headers take at least one byte). */
const MIN_BYTES = new Uint8Array(256);
for (const type of [TType.BOOL, TType.BYTE, TType.I16, TType.I32, TType.I64, TType.STRING, TType.STRUCT, TType.MAP, TType.SET, TType.LIST]) {
  MIN_BYTES[type] = 1;
}
MIN_BYTES[TType.DOUBLE] = 8;
MIN_BYTES[TType.UUID] = 16;

/** Width of container elements of fixed size (a bool element is one byte); 0 for variable-size types. */
const FIXED_BYTES = new Uint8Array(256);
FIXED_BYTES[TType.BOOL] = 1;
FIXED_BYTES[TType.BYTE] = 1;
FIXED_BYTES[TType.DOUBLE] = 8;
FIXED_BYTES[TType.UUID] = 16;

/** Eight bytes for assembling an i64 from its two 32-bit halves. */
const I64_SCRATCH = new DataView(new ArrayBuffer(8));

/** No bool value is pending from a field header. */
const NO_BOOL = -1;

/**
 * Decodes the Thrift Compact protocol: zigzag varints, field-id deltas, bools folded into field headers,
 * little-endian doubles.
 *
 * Type nibbles are validated where they are read; 14 and 15 are INVALID_DATA. A bool container element is 1 for
 * true and anything else (0 per the spec, 2 as Apache writes) for false; both 1 and 2 are accepted as the bool
 * element type. Varints longer than 5 bytes (32-bit) or 10 bytes (64-bit) are INVALID_DATA. Field ids, seqids
 * and sizes are i32/i16 values: a size that decodes negative is NEGATIVE_SIZE.
 *
 * One reader can decode many messages: reset() it with each new source.
 */
export class CompactReader extends SourceReader {
  private readonly field: FieldHeader = { type: TType.STOP, id: 0 };
  /** Id of the last field read in the current struct (field-id deltas are relative to it). */
  private lastFieldId = 0;
  /**
   * lastFieldId of the enclosing structs, each at the nesting depth its inner struct was entered at (field ids
   * are i16). Depth never exceeds recursionLimit, so the array never grows; a struct's entry is written by
   * readStructBegin before readStructEnd reads it, so reset() has nothing to clear here. (Clearing a JS array
   * with `length = 0` on every reset() was a runtime call that cost the echo decode some 30 ns.)
   */
  private readonly savedFieldIds = new Int16Array(this.recursionLimit + 1);
  /** The value of a bool field whose header carried it: 1, 0, or NO_BOOL. */
  private pendingBool = NO_BOOL;
  /** Low and high 32 bits of the last varint64 read. */
  private varLo = 0;
  private varHi = 0;

  /**
   * @param source bytes to decode; may be given later with reset().
   * @param options limits and switches (see ReaderOptions; strictRead does not apply); validated here.
   */
  constructor(source?: ByteSource, options?: ReaderOptions) {
    super(options);
    if (source !== undefined) this.reset(source);
  }

  protected resetState(): void {
    this.lastFieldId = 0;
    this.pendingBool = NO_BOOL;
  }

  /**
   * @throws TProtocolException BAD_VERSION unless the message starts with 0x82 and version 1; INVALID_DATA for a
   *         message type other than CALL, REPLY, EXCEPTION or ONEWAY.
   */
  readMessageBegin(): MessageHeader {
    const at = this.position();
    const protocolId = this.readUnsignedByte('message header');
    if (protocolId !== COMPACT_PROTOCOL_ID) {
      const hint = protocolId === 0x80 ? ' (0x80 starts a strict Binary message)' : '';
      throw new TProtocolException(
        TProtocolExceptionType.BAD_VERSION,
        `bad Compact protocol id 0x${protocolId.toString(16).padStart(2, '0')} at offset ${at}: expected 0x82${hint}`,
      );
    }
    const versionAndType = this.readUnsignedByte('message header');
    const version = versionAndType & 0x1f;
    if (version !== COMPACT_VERSION) {
      throw new TProtocolException(
        TProtocolExceptionType.BAD_VERSION,
        `bad Compact version ${version} at offset ${at + 1}: expected ${COMPACT_VERSION}`,
      );
    }
    const type = versionAndType >>> 5;
    if (!isMessageType(type)) throw this.invalid(messageTypeError(type));
    // The seqid is an i32 sent as a plain (not zigzag) varint: negative ids take 5 bytes and come back negative.
    const seqid = this.readVarint32();
    const name = this.readString();
    return { name, type: type as MessageType, seqid };
  }

  override readStructBegin(): void {
    // Throws DEPTH_LIMIT (leaving depth as it was) past recursionLimit, so depth indexes savedFieldIds in bounds.
    super.readStructBegin();
    this.savedFieldIds[this.depth] = this.lastFieldId;
    this.lastFieldId = 0;
  }

  override readStructEnd(): void {
    const depth = this.depth;
    // An unmatched readStructEnd() (depth 0) leaves the reader at the top level, as reset() does.
    this.lastFieldId = depth > 0 ? this.savedFieldIds[depth] : 0;
    super.readStructEnd();
  }

  readFieldBegin(): FieldHeader {
    const pos = this.pos;
    if (pos < this.end) {
      const byte = this.view[pos];
      const field = this.field;
      const compactType = byte & 0x0f;
      if (compactType === 0) {
        this.pos = pos + 1;
        field.type = TType.STOP;
        field.id = 0;
        return field;
      }
      const delta = byte >>> 4;
      const type = TTYPE_OF_COMPACT[compactType];
      const id = this.lastFieldId + delta;
      if (delta !== 0 && type !== NO_TYPE && id <= 0x7fff) {
        this.pos = pos + 1;
        // A bool value from an earlier header that nobody read must not leak into a later readBool().
        this.pendingBool = compactType === CT_BOOLEAN_TRUE ? 1 : compactType === CT_BOOLEAN_FALSE ? 0 : NO_BOOL;
        this.lastFieldId = id;
        field.type = type;
        field.id = id;
        return field;
      }
    }
    return this.readFieldBeginSlow();
  }

  readMapBegin(): MapHeader {
    const pos = this.pos;
    if (pos + 2 <= this.end) {
      const view = this.view;
      const size = view[pos];
      if (size === 0) {
        this.pos = pos + 1;
        this.enterContainer('map');
        return { keyType: TType.STOP, valueType: TType.STOP, size: 0 };
      }
      if (size < 0x80) {
        const types = view[pos + 1];
        const keyType = TTYPE_OF_COMPACT[types >>> 4];
        const valueType = TTYPE_OF_COMPACT[types & 0x0f];
        if (
          VALUE_TYPE[keyType] === 1 &&
          VALUE_TYPE[valueType] === 1 &&
          size <= this.containerLengthLimit &&
          size * (MIN_BYTES[keyType] + MIN_BYTES[valueType]) <= this.end - pos - 2
        ) {
          this.pos = pos + 2;
          this.enterContainer('map');
          return { keyType, valueType, size };
        }
      }
    }
    return this.readMapBeginSlow();
  }

  readListBegin(): ListHeader {
    const pos = this.pos;
    if (pos < this.end) {
      const header = this.view[pos];
      const size = header >>> 4;
      const elemType = TTYPE_OF_COMPACT[header & 0x0f];
      if (size !== 15 && VALUE_TYPE[elemType] === 1 && size <= this.containerLengthLimit && size * MIN_BYTES[elemType] <= this.end - pos - 1) {
        this.pos = pos + 1;
        this.enterContainer('list/set');
        return { elemType, size };
      }
    }
    return this.readListBeginSlow();
  }

  readBool(): boolean {
    const pending = this.pendingBool;
    if (pending !== NO_BOOL) {
      this.pendingBool = NO_BOOL;
      return pending === 1;
    }
    return this.readUnsignedByte('bool') === CT_BOOLEAN_TRUE;
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
    const value = this.readI32();
    if (value < -0x8000 || value > 0x7fff) throw this.invalid(`i16 value ${value} is out of range [-32768, 32767]`);
    return value;
  }

  readI32(): number {
    const n = this.readVarint32();
    return (n >>> 1) ^ -(n & 1);
  }

  readI64(): bigint {
    const pos = this.pos;
    if (pos < this.end) {
      const first = this.view[pos];
      if (first < 0x80) {
        this.pos = pos + 1;
        return BigInt((first >>> 1) ^ -(first & 1));
      }
    }
    this.readVarint64();
    const lo = this.varLo;
    const hi = this.varHi;
    const sign = -(lo & 1);
    const zigLo = (((lo >>> 1) | (hi << 31)) ^ sign) >>> 0;
    const zigHi = (hi >>> 1) ^ sign;
    // Values that fit a small integer convert directly; the rest go through 8 bytes of scratch memory, which
    // V8 turns into a bigint faster than BigInt arithmetic on the two halves.
    if (zigHi === 0 && zigLo <= 0x3fffffff) return BigInt(zigLo);
    if (zigHi === -1 && zigLo >= 0xc0000000) return BigInt(zigLo - 0x100000000);
    I64_SCRATCH.setInt32(0, zigHi);
    I64_SCRATCH.setUint32(4, zigLo);
    return I64_SCRATCH.getBigInt64(0);
  }

  readDouble(): number {
    const pos = this.pos;
    if (pos + 8 <= this.end) {
      this.pos = pos + 8;
      return this.data().getFloat64(this.viewOffset + pos, true);
    }
    return this.take(8, 'double').readDoubleLE(0);
  }

  readString(): string {
    return this.readUtf8(this.readVarint32());
  }

  readBinary(): Uint8Array {
    return this.readBytes(this.readVarint32());
  }

  readUuid(): string {
    const pos = this.pos;
    if (pos + 16 <= this.end) {
      this.pos = pos + 16;
      return formatUuid(this.view, pos);
    }
    return formatUuid(this.take(16, 'uuid'), 0);
  }

  /** readFieldBegin() for long-form headers, across views, or with invalid data (which it reports). */
  private readFieldBeginSlow(): FieldHeader {
    const field = this.field;
    const pos = this.pos;
    let byte: number;
    if (pos < this.end) {
      byte = this.view[pos];
      this.pos = pos + 1;
    } else {
      byte = this.takeByte('field header');
    }
    const compactType = byte & 0x0f;
    if (compactType === 0) {
      field.type = TType.STOP;
      field.id = 0;
      return field;
    }
    const delta = byte >>> 4;
    let id: number;
    if (delta !== 0) {
      id = this.lastFieldId + delta;
      if (id > 0x7fff) throw this.invalid(`field id ${id} (previous ${this.lastFieldId} + delta ${delta}) exceeds the i16 range`);
    } else {
      id = this.readI16();
    }
    const type = TTYPE_OF_COMPACT[compactType];
    if (type === NO_TYPE) throw this.invalid(`field ${id} has unknown Compact type ${compactType}`);
    this.pendingBool = compactType === CT_BOOLEAN_TRUE ? 1 : compactType === CT_BOOLEAN_FALSE ? 0 : NO_BOOL;
    this.lastFieldId = id;
    field.type = type;
    field.id = id;
    return field;
  }

  /** readMapBegin() for long sizes, across views, or when a check fails (it then reports which). */
  private readMapBeginSlow(): MapHeader {
    const size = this.readVarint32();
    if (size === 0) {
      this.enterContainer('map');
      return { keyType: TType.STOP, valueType: TType.STOP, size: 0 };
    }
    if (size < 0) this.checkCount(size, 1, 'map');
    const types = this.readUnsignedByte('map header');
    const keyType = this.elementType(types >>> 4, 'map key');
    const valueType = this.elementType(types & 0x0f, 'map value');
    this.checkCount(size, MIN_BYTES[keyType] + MIN_BYTES[valueType], 'map');
    this.enterContainer('map');
    return { keyType, valueType, size };
  }

  /** readListBegin() for the long form, across views, or when a check fails (it then reports which). */
  private readListBeginSlow(): ListHeader {
    const header = this.readUnsignedByte('list header');
    let size = header >>> 4;
    if (size === 15) size = this.readVarint32();
    const compactType = header & 0x0f;
    let elemType: TType;
    if (compactType === 0 && size === 0) {
      elemType = TType.STOP;
    } else {
      elemType = this.elementType(compactType, 'list/set element');
      this.checkCount(size, MIN_BYTES[elemType], 'list/set');
    }
    this.enterContainer('list/set');
    return { elemType, size };
  }

  protected readSize(): number {
    return this.readVarint32();
  }

  protected skipI64(): void {
    this.readVarint64();
  }

  protected fixedWidth(type: TType): number {
    return FIXED_BYTES[type];
  }

  private readUnsignedByte(what: string): number {
    const pos = this.pos;
    if (pos < this.end) {
      this.pos = pos + 1;
      return this.view[pos];
    }
    return this.takeByte(what);
  }

  /** A container element type nibble as a TType. @throws TProtocolException(INVALID_DATA) for STOP, 14, 15. */
  private elementType(compactType: number, what: string): TType {
    const type = TTYPE_OF_COMPACT[compactType];
    if (!isValueType(type)) throw this.invalid(`${what} has unknown Compact type ${compactType} (${typeName(type)})`);
    return type;
  }

  /**
   * Reads an unsigned varint of at most 5 bytes and returns its low 32 bits as an i32.
   * @throws TProtocolException(INVALID_DATA) when longer than 5 bytes or cut short.
   */
  private readVarint32(): number {
    // One and two bytes (values below 16384: field ids, sizes, string lengths up to 16 KiB, small i32s) are read
    // here, small enough to inline into every caller; longer ones, and any near the view's end, out of line.
    const pos = this.pos;
    if (pos + 2 <= this.end) {
      const view = this.view;
      const b0 = view[pos];
      if (b0 < 0x80) {
        this.pos = pos + 1;
        return b0;
      }
      const b1 = view[pos + 1];
      if (b1 < 0x80) {
        this.pos = pos + 2;
        return (b0 & 0x7f) | (b1 << 7);
      }
    }
    return this.readVarint32Slow();
  }

  /** readVarint32() for three to five bytes, across views, near the end of input, or when invalid (reported). */
  private readVarint32Slow(): number {
    let source: Uint8Array = this.view;
    let at = this.pos;
    let limit = this.end;
    const slow = at + 5 > limit;
    if (slow) {
      limit = this.peek(5);
      source = this.scratch;
      at = 0;
    }
    const start = at;
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      if (at === limit) throw this.truncated(at - start + 1, 'varint');
      const byte = source[at++];
      result |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
      if (shift === 28) throw this.invalid('varint32 longer than 5 bytes');
    }
    if (slow) this.skipBytes(at - start, 'varint');
    else this.pos = at;
    return result;
  }

  /**
   * Reads an unsigned varint of at most 10 bytes into varLo (bits 0..31) and varHi (bits 32..63).
   * @throws TProtocolException(INVALID_DATA) when longer than 10 bytes or cut short.
   */
  private readVarint64(): void {
    let source: Uint8Array = this.view;
    let at = this.pos;
    let limit = this.end;
    const slow = at + 10 > limit;
    if (slow) {
      limit = this.peek(10);
      source = this.scratch;
      at = 0;
    }
    const start = at;
    let lo = 0;
    let hi = 0;
    for (let shift = 0; ; shift += 7) {
      if (at === limit) throw this.truncated(at - start + 1, 'varint');
      const byte = source[at++];
      const bits = byte & 0x7f;
      if (shift < 28) {
        lo |= bits << shift;
      } else if (shift === 28) {
        lo |= bits << 28;
        hi = bits >>> 4;
      } else {
        hi |= bits << (shift - 32);
      }
      if (byte < 0x80) break;
      if (shift === 63) throw this.invalid('varint64 longer than 10 bytes');
    }
    if (slow) this.skipBytes(at - start, 'varint');
    else this.pos = at;
    this.varLo = lo;
    this.varHi = hi;
  }
}

import { Buffer } from 'node:buffer';
import { TProtocolException, TProtocolExceptionType } from './errors';
import { resolveReaderOptions } from './options';
import type { ByteSource, ProtocolReader, ReaderOptions } from './protocol';
import { TType } from './types';
import type { FieldHeader, ListHeader, MapHeader, MessageHeader, SetHeader } from './types';
import { asBuffer, decodeUtf8 } from './utf8';
import type { BufferCodecs } from './utf8';
import { typeName } from './wire-types';

const EMPTY = asBuffer(new Uint8Array(0));
const NO_VIEWS: readonly Uint8Array[] = [];

/**
 * What both protocol readers share: a cursor over a ByteSource, the limits, and skip().
 *
 * The cursor keeps the view that holds the read position as `view[pos..end)`. Protocol code reads from it
 * directly after one bounds check (the fast path); only a value that straddles two views, or a view that is used
 * up, takes the slow path, which walks the source's view list. The list is never concatenated: a fixed-width
 * value that straddles views is gathered into a 16-byte scratch, a string or binary into a buffer of its own
 * length (which the bytes present bound).
 *
 *   source:  [ view 0 ][ view 1 = `view` ......... ][ view 2 ][ view 3 ]
 *            \_before_/[ consumed  | unread        ]\______ after ____/
 *                                   ^pos            ^end
 */
export abstract class SourceReader implements ProtocolReader {
  /** The view holding the read position; `view[pos..end)` is unread. */
  protected view: BufferCodecs = EMPTY;
  protected pos = 0;
  protected end = 0;
  /** Current struct/container nesting, bounded by recursionLimit. */
  protected depth = 0;
  protected readonly scratch: Buffer = Buffer.alloc(16);
  protected readonly stringLengthLimit: number;
  protected readonly containerLengthLimit: number;
  protected readonly recursionLimit: number;
  protected readonly binaryViews: boolean;
  protected readonly strictRead: boolean;
  /** `view.byteOffset`: DataView offsets are relative to the view's ArrayBuffer. */
  protected viewOffset = 0;
  /**
   * A DataView over the ArrayBuffer behind `view`, made on first use and kept while views come from the same
   * memory (engine blocks and Buffer pool slabs are reused across messages): i64 and double reads go through it.
   */
  private dataView: DataView | null = null;
  /** The source's views (empty for a single-view source); `views[next]` follows `view`. */
  private views: readonly Uint8Array[] = NO_VIEWS;
  private next = 0;
  /** Unread bytes in the views after `view`. */
  private after = 0;
  /** Bytes in the views before `view` (for offsets in error messages). */
  private before = 0;

  /**
   * Subclasses call reset(source) at the end of their constructor, once their own fields exist.
   * @param options limits and switches, validated here (TypeError/RangeError on bad options).
   */
  constructor(options: ReaderOptions | undefined) {
    const resolved = resolveReaderOptions(options);
    this.stringLengthLimit = resolved.stringLengthLimit;
    this.containerLengthLimit = resolved.containerLengthLimit;
    this.recursionLimit = resolved.recursionLimit;
    this.binaryViews = resolved.binaryViews;
    this.strictRead = resolved.strictRead;
  }

  /** @throws TypeError unless `source` is a Uint8Array or an array of them. */
  reset(source: ByteSource): void {
    this.depth = 0;
    this.before = 0;
    if (source instanceof Uint8Array) {
      this.views = NO_VIEWS;
      this.next = 0;
      this.after = 0;
      this.setView(source);
    } else if (Array.isArray(source)) {
      let total = 0;
      for (let i = 0; i < source.length; i++) {
        const v: unknown = source[i];
        if (!(v instanceof Uint8Array)) throw new TypeError(`ByteSource[${i}] must be a Uint8Array, got ${typeof v}`);
        total += v.length;
      }
      this.views = source;
      this.next = 0;
      this.after = total;
      this.setView(EMPTY);
      if (total > 0) this.advanceView();
    } else {
      throw new TypeError('a ByteSource must be a Uint8Array or an array of Uint8Array');
    }
    this.resetState();
  }

  remaining(): number {
    return this.end - this.pos + this.after;
  }

  /** Bytes consumed since the last reset() (the offset of the next byte within the source). */
  position(): number {
    return this.before + this.pos;
  }

  /** Protocol state to clear on reset(). */
  protected abstract resetState(): void;

  abstract readMessageBegin(): MessageHeader;
  abstract readFieldBegin(): FieldHeader;
  abstract readMapBegin(): MapHeader;
  abstract readListBegin(): ListHeader;
  abstract readBool(): boolean;
  abstract readByte(): number;
  abstract readI16(): number;
  abstract readI32(): number;
  abstract readI64(): bigint;
  abstract readDouble(): number;
  abstract readString(): string;
  abstract readBinary(): Uint8Array;
  abstract readUuid(): string;

  readMessageEnd(): void {}

  readStructBegin(): void {
    if (++this.depth > this.recursionLimit) this.tooDeep('struct');
  }

  readStructEnd(): void {
    this.depth--;
  }

  readFieldEnd(): void {}

  readMapEnd(): void {
    this.depth--;
  }

  readListEnd(): void {
    this.depth--;
  }

  readSetBegin(): SetHeader {
    return this.readListBegin();
  }

  readSetEnd(): void {
    this.depth--;
  }

  /**
   * Skips one value of `type`. Nesting counts against recursionLimit; container counts are checked against the
   * bytes present before the loop starts, so the work is bounded by the input's size.
   * @throws TProtocolException(INVALID_DATA) for STOP, VOID or an unknown type id.
   */
  skip(type: TType): void {
    switch (type) {
      case TType.BOOL:
        this.readBool();
        return;
      case TType.BYTE:
        this.skipBytes(1, 'byte');
        return;
      case TType.I16:
        this.readI16();
        return;
      case TType.I32:
        this.readI32();
        return;
      case TType.I64:
        this.skipI64();
        return;
      case TType.DOUBLE:
        this.skipBytes(8, 'double');
        return;
      case TType.STRING: {
        const length = this.readSize();
        this.checkLength(length, 'string');
        this.skipBytes(length, 'string');
        return;
      }
      case TType.UUID:
        this.skipBytes(16, 'uuid');
        return;
      case TType.STRUCT:
        this.readStructBegin();
        for (;;) {
          const fieldType = this.readFieldBegin().type;
          if (fieldType === TType.STOP) break;
          this.skip(fieldType);
          this.readFieldEnd();
        }
        this.readStructEnd();
        return;
      case TType.MAP: {
        const header = this.readMapBegin();
        const keyWidth = this.fixedWidth(header.keyType);
        const valueWidth = this.fixedWidth(header.valueType);
        if (keyWidth > 0 && valueWidth > 0) {
          this.skipBytes(header.size * (keyWidth + valueWidth), 'map');
        } else {
          for (let i = 0; i < header.size; i++) {
            this.skip(header.keyType);
            this.skip(header.valueType);
          }
        }
        this.readMapEnd();
        return;
      }
      case TType.SET:
      case TType.LIST: {
        const header = this.readListBegin();
        const width = this.fixedWidth(header.elemType);
        if (width > 0) {
          this.skipBytes(header.size * width, 'list');
        } else {
          for (let i = 0; i < header.size; i++) this.skip(header.elemType);
        }
        this.readListEnd();
        return;
      }
      default:
        throw this.invalid(`cannot skip a value of type ${typeName(type)}`);
    }
  }

  /** Reads a string/binary length prefix (or a raw varint in Compact). */
  protected abstract readSize(): number;
  /** Skips an i64 without building a bigint. */
  protected abstract skipI64(): void;
  /** The encoded size of every value of `type` when it is fixed (container elements), else 0. */
  protected abstract fixedWidth(type: TType): number;

  // ---- cursor --------------------------------------------------------------------------------------------

  private setView(view: Uint8Array): void {
    this.view = asBuffer(view);
    this.pos = 0;
    this.end = view.length;
    this.viewOffset = view.byteOffset;
    if (this.dataView !== null && this.dataView.buffer !== view.buffer) this.dataView = null;
  }

  /** The DataView over `view`'s memory; address byte `pos` of the view as `viewOffset + pos`. */
  protected data(): DataView {
    return this.dataView ?? this.newDataView();
  }

  /** Makes the DataView for data() (a call of its own so that data() stays small enough to inline everywhere). */
  private newDataView(): DataView {
    const data = new DataView(this.view.buffer);
    this.dataView = data;
    return data;
  }

  /** Moves to the next non-empty view. Precondition: after > 0. */
  private advanceView(): void {
    this.before += this.end;
    let view = this.views[this.next++];
    while (view.length === 0) view = this.views[this.next++];
    this.after -= view.length;
    this.setView(view);
  }

  /** Moves on when the current view is used up and more follow, so that the next read takes the fast path. */
  private settle(): void {
    if (this.pos === this.end && this.after > 0) this.advanceView();
  }

  /**
   * The slow path of a fixed-width read of n <= 16 bytes: gathers them across views into `scratch` (returned;
   * the bytes are at [0..n)) and consumes them.
   * @throws TProtocolException(INVALID_DATA) when fewer than n bytes remain.
   */
  protected take(n: number, what: string): Buffer {
    if (this.remaining() < n) throw this.truncated(n, what);
    const out = this.scratch;
    let filled = 0;
    while (filled < n) {
      if (this.pos === this.end) this.advanceView();
      const count = Math.min(n - filled, this.end - this.pos);
      for (let i = 0; i < count; i++) out[filled + i] = this.view[this.pos + i];
      this.pos += count;
      filled += count;
    }
    this.settle();
    return out;
  }

  /** Reads one byte (slow path). @throws TProtocolException(INVALID_DATA) at the end of input. */
  protected takeByte(what: string): number {
    if (this.pos === this.end) {
      if (this.after === 0) throw this.truncated(1, what);
      this.advanceView();
    }
    const value = this.view[this.pos++];
    this.settle();
    return value;
  }

  /**
   * Copies up to `max` (<= 16) of the next bytes into `scratch` without consuming them, across views; returns
   * how many were copied (fewer than `max` only at the end of input). For variable-length values near a view's end.
   */
  protected peek(max: number): number {
    const out = this.scratch;
    let filled = 0;
    let view: Uint8Array = this.view;
    let at = this.pos;
    let end = this.end;
    let next = this.next;
    for (;;) {
      while (at < end && filled < max) out[filled++] = view[at++];
      if (filled === max || next >= this.views.length) return filled;
      view = this.views[next++];
      at = 0;
      end = view.length;
    }
  }

  /** Consumes n bytes. @throws TProtocolException(INVALID_DATA) when fewer remain. */
  protected skipBytes(n: number, what: string): void {
    if (this.pos + n <= this.end) {
      this.pos += n;
      this.settle();
      return;
    }
    if (this.remaining() < n) throw this.truncated(n, what);
    let left = n;
    while (left > 0) {
      if (this.pos === this.end) this.advanceView();
      const count = Math.min(left, this.end - this.pos);
      this.pos += count;
      left -= count;
    }
    this.settle();
  }

  /** Decodes `length` bytes of UTF-8 (a length prefix just read: checked here). */
  protected readUtf8(length: number): string {
    const pos = this.pos;
    if (length >= 0 && length <= this.stringLengthLimit && pos + length <= this.end) {
      this.pos = pos + length;
      return decodeUtf8(this.view, pos, pos + length);
    }
    return this.readUtf8Slow(length);
  }

  private readUtf8Slow(length: number): string {
    this.checkLength(length, 'string');
    this.settle();
    if (this.pos + length <= this.end) return this.readUtf8(length);
    return this.gather(length).utf8Slice(0, length);
  }

  /** Returns `length` bytes (a length prefix just read: checked here): a copy, or with binaryViews a view when they lie in one view. */
  protected readBytes(length: number): Buffer {
    const pos = this.pos;
    if (length >= 0 && length <= this.stringLengthLimit && pos + length <= this.end) {
      this.pos = pos + length;
      if (this.binaryViews) return this.view.subarray(pos, pos + length);
      const copy = Buffer.allocUnsafe(length);
      if (length <= 32) {
        for (let i = 0; i < length; i++) copy[i] = this.view[pos + i];
      } else {
        this.view.copy(copy, 0, pos, pos + length);
      }
      return copy;
    }
    return this.readBytesSlow(length);
  }

  private readBytesSlow(length: number): Buffer {
    this.checkLength(length, 'binary');
    this.settle();
    if (this.pos + length <= this.end) return this.readBytes(length);
    return this.gather(length);
  }

  /** Copies the next `length` bytes (which straddle views; length <= remaining) into a new buffer. */
  private gather(length: number): BufferCodecs {
    const out = Buffer.allocUnsafe(length) as BufferCodecs;
    let filled = 0;
    while (filled < length) {
      if (this.pos === this.end) this.advanceView();
      const count = Math.min(length - filled, this.end - this.pos);
      this.view.copy(out, filled, this.pos, this.pos + count);
      this.pos += count;
      filled += count;
    }
    this.settle();
    return out;
  }

  // ---- limits --------------------------------------------------------------------------------------------

  /**
   * Checks a string/binary length against the limit and the bytes present.
   * @throws TProtocolException NEGATIVE_SIZE or SIZE_LIMIT.
   */
  protected checkLength(length: number, what: string): void {
    if (length < 0) throw this.negative(what, length);
    if (length > this.stringLengthLimit) {
      throw this.tooLarge(`${what} length ${length} exceeds stringLengthLimit ${this.stringLengthLimit}`);
    }
    const remaining = this.remaining();
    if (length > remaining) {
      throw this.tooLarge(`${what} length ${length} exceeds the ${remaining} bytes remaining at offset ${this.position()}`);
    }
  }

  /**
   * Checks a container count against the limit and against the bytes present, given the smallest encoding of
   * one element (CVE-2020-13949: a count must never cause work or memory the input cannot pay for).
   * @throws TProtocolException NEGATIVE_SIZE or SIZE_LIMIT.
   */
  protected checkCount(count: number, minElementBytes: number, what: string): void {
    if (count < 0) throw this.negative(what, count);
    if (count > this.containerLengthLimit) {
      throw this.tooLarge(`${what} size ${count} exceeds containerLengthLimit ${this.containerLengthLimit}`);
    }
    const needed = count * minElementBytes;
    const remaining = this.remaining();
    if (needed > remaining) {
      throw this.tooLarge(`${what} size ${count} needs at least ${needed} bytes, ${remaining} remain at offset ${this.position()}`);
    }
  }

  protected enterContainer(what: string): void {
    if (++this.depth > this.recursionLimit) this.tooDeep(what);
  }

  private tooDeep(what: string): never {
    this.depth--;
    throw new TProtocolException(
      TProtocolExceptionType.DEPTH_LIMIT,
      `${what} at offset ${this.position()} nests deeper than recursionLimit ${this.recursionLimit}`,
    );
  }

  // ---- errors --------------------------------------------------------------------------------------------

  protected truncated(needed: number, what: string): TProtocolException {
    return new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `unexpected end of input: ${what} needs ${needed} bytes at offset ${this.position()}, ${this.remaining()} remain`,
    );
  }

  protected invalid(message: string): TProtocolException {
    return new TProtocolException(TProtocolExceptionType.INVALID_DATA, `${message} (at offset ${this.position()})`);
  }

  private negative(what: string, size: number): TProtocolException {
    return new TProtocolException(TProtocolExceptionType.NEGATIVE_SIZE, `negative ${what} size ${size} at offset ${this.position()}`);
  }

  private tooLarge(message: string): TProtocolException {
    return new TProtocolException(TProtocolExceptionType.SIZE_LIMIT, message);
  }
}

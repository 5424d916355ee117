import { TProtocolException, TProtocolExceptionType } from './errors';
import { describe } from './describe';
import type { ByteSink } from './sink';
import { asBuffer } from './utf8';
import type { BufferCodecs } from './utf8';
import { isMessageType, isValueType, messageTypeError, typeName } from './wire-types';

const EMPTY = asBuffer(new Uint8Array(0));

/**
 * Smallest region a writer asks its sink for. Sinks may hand out more (GrowableBuffer gives all its spare
 * capacity, the engine's writer the rest of its block); asking for little keeps a small message from starting a
 * new output block when the current one still has room.
 */
const MIN_RESERVE = 256;

/**
 * What both protocol writers share: a current region of the sink, written through `buf[pos..end)`.
 *
 *   sink:  [ committed ......... ][ region = buf: written [0..pos) | free [pos..end) ]
 *
 * Each write makes sure of its room with one comparison (`end - pos >= n`) and writes bytes directly. When the
 * region is full the written part is committed and a new region reserved. commit() hands the written bytes to
 * the sink and drops the region, so no region is held between messages.
 *
 * Values are checked before anything is written: a wrong type or an out-of-range number raises
 * TProtocolException(INVALID_DATA) naming the value, a negative container size NEGATIVE_SIZE.
 */
export abstract class SinkWriter {
  protected sink: ByteSink;
  protected buf: BufferCodecs = EMPTY;
  protected pos = 0;
  protected end = 0;
  /** `buf.byteOffset`: DataView offsets are relative to the region's ArrayBuffer. */
  protected regionOffset = 0;
  /** A DataView over the region's ArrayBuffer, made on first use and kept while regions share that memory. */
  private dataView: DataView | null = null;

  /** @throws TypeError unless `sink` has reserve() and commit() methods. */
  constructor(sink: ByteSink) {
    this.sink = checkSink(sink);
  }

  /**
   * Points the writer at another sink (or the same one) and clears its state. Bytes written and not yet
   * committed are discarded.
   */
  reset(sink: ByteSink = this.sink): void {
    this.sink = checkSink(sink);
    this.buf = EMPTY;
    this.pos = 0;
    this.end = 0;
    this.resetState();
  }

  /** Protocol state to clear on reset(). */
  protected abstract resetState(): void;

  commit(): void {
    if (this.pos > 0) this.sink.commit(this.pos);
    this.buf = EMPTY;
    this.pos = 0;
    this.end = 0;
  }

  /** Commits what is written and reserves a region of at least n bytes. Call when `end - pos < n`. */
  protected grow(n: number): void {
    if (this.pos > 0) this.sink.commit(this.pos);
    const region = this.sink.reserve(n > MIN_RESERVE ? n : MIN_RESERVE);
    if (!(region instanceof Uint8Array) || region.length < n) {
      throw new RangeError(`ByteSink.reserve(${n > MIN_RESERVE ? n : MIN_RESERVE}) returned ${describe(region)}, expected at least ${n} bytes`);
    }
    this.buf = asBuffer(region);
    this.pos = 0;
    this.end = region.length;
    this.regionOffset = region.byteOffset;
    if (this.dataView !== null && this.dataView.buffer !== region.buffer) this.dataView = null;
  }

  /** The DataView over the region's memory; address byte `pos` of the region as `regionOffset + pos`. */
  protected data(): DataView {
    let data = this.dataView;
    if (data === null) {
      data = new DataView(this.buf.buffer);
      this.dataView = data;
    }
    return data;
  }

  /** @throws TProtocolException(INVALID_DATA) unless `value` is a bigint in [-2^63, 2^63-1]. */
  protected checkI64(value: bigint): void {
    if (typeof value !== 'bigint' || BigInt.asIntN(64, value) !== value) {
      throw this.badValue('i64', value, 'a bigint in [-2^63, 2^63-1]');
    }
  }

  // ---- value checks (cold paths: they only build the error) ----------------------------------------------

  protected badInteger(kind: string, value: unknown, min: number, max: number): TProtocolException {
    return new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `${kind} value must be an integer in [${min}, ${max}], got ${describe(value)}`,
    );
  }

  protected badValue(kind: string, value: unknown, expected: string): TProtocolException {
    return new TProtocolException(TProtocolExceptionType.INVALID_DATA, `${kind} value must be ${expected}, got ${describe(value)}`);
  }

  protected checkType(type: number, what: string): void {
    if (!isValueType(type)) {
      throw new TProtocolException(
        TProtocolExceptionType.INVALID_DATA,
        `${what} type must be a value TType (BOOL..UUID), got ${typeof type === 'number' ? typeName(type) : describe(type)}`,
      );
    }
  }

  protected checkSize(size: number, what: string): void {
    if ((size | 0) !== size) throw this.badInteger(`${what} size`, size, 0, 0x7fffffff);
    if (size < 0) throw new TProtocolException(TProtocolExceptionType.NEGATIVE_SIZE, `${what} size must not be negative, got ${size}`);
  }

  protected checkFieldId(id: number): void {
    if (((id << 16) >> 16) !== id) throw this.badInteger('field id', id, -32768, 32767);
  }

  protected checkMessage(name: string, type: number, seqid: number): void {
    if (typeof name !== 'string') throw this.badValue('message name', name, 'a string');
    if (!isMessageType(type)) throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, messageTypeError(type));
    if ((seqid | 0) !== seqid) throw this.badInteger('seqid', seqid, -2147483648, 2147483647);
  }
}

function checkSink(sink: ByteSink): ByteSink {
  if (sink === null || typeof sink !== 'object' || typeof sink.reserve !== 'function' || typeof sink.commit !== 'function') {
    throw new TypeError(`a ByteSink needs reserve(size) and commit(size) methods, got ${describe(sink)}`);
  }
  return sink;
}

import { Buffer } from 'node:buffer';
import { TProtocolException, TProtocolExceptionType } from './errors';
import { describe } from './describe';
import { check } from './options-check';
import type { ByteSink } from './sink';

/** Options for GrowableBuffer. */
export interface GrowableBufferOptions {
  /** Bytes allocated up front. Default 1024. */
  initialCapacity?: number;
  /**
   * Most bytes the buffer may hold; a reserve() beyond it throws TProtocolException(SIZE_LIMIT). Default 2^31-1
   * (what an i32 frame length can describe).
   */
  maxLength?: number;
  /**
   * reset() keeps the current memory when its capacity is at most this, and otherwise goes back to
   * `initialCapacity`, so that one huge message does not pin its memory for the buffer's lifetime. Default 1 MiB.
   */
  retainCapacity?: number;
}

/**
 * A ByteSink over one contiguous, growing Buffer: for encoding without a socket (tests, serialization, THeader
 * payloads that are compressed before sending).
 *
 *   buffer:  [ committed: view() ........ | spare capacity ........ ]
 *            0                         length                   capacity
 *
 * reserve(n) returns all the spare capacity (at least n bytes, growing by doubling when needed). Growing copies
 * the committed bytes into new memory: regions and views handed out earlier stay readable but no longer track
 * the buffer.
 */
export class GrowableBuffer implements ByteSink {
  private buffer: Buffer;
  private used = 0;
  /** Capacity when the last region was handed out: commit() may not go past it. */
  private reservedEnd = 0;
  private readonly initialCapacity: number;
  private readonly maxLength: number;
  private readonly retainCapacity: number;

  /** @throws TypeError/RangeError for invalid options. */
  constructor(options: GrowableBufferOptions = {}) {
    const given = check.objectOption('GrowableBufferOptions', options) ?? {};
    check.knownKeys('GrowableBufferOptions', given, ['initialCapacity', 'maxLength', 'retainCapacity']);
    this.maxLength = check.integerOption('GrowableBufferOptions.maxLength', given.maxLength, 0x7fffffff, 0, 0x7fffffff);
    this.initialCapacity = check.integerOption('GrowableBufferOptions.initialCapacity', given.initialCapacity, Math.min(1024, this.maxLength), 0, this.maxLength);
    this.retainCapacity = check.integerOption('GrowableBufferOptions.retainCapacity', given.retainCapacity, 1024 * 1024, 0, 0x7fffffff);
    this.buffer = Buffer.allocUnsafe(this.initialCapacity);
  }

  /** Bytes committed so far. */
  get length(): number {
    return this.used;
  }

  /** Bytes allocated. */
  get capacity(): number {
    return this.buffer.length;
  }

  /**
   * Returns the spare capacity, at least `size` bytes, starting at the current end; valid until the next
   * reserve() or reset().
   * @throws RangeError for a negative or non-integer size; TProtocolException(SIZE_LIMIT) beyond maxLength.
   */
  reserve(size: number): Buffer {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`GrowableBuffer.reserve(size) needs an integer >= 0, got ${describe(size)}`);
    if (this.buffer.length - this.used < size) this.grow(size);
    this.reservedEnd = this.buffer.length;
    return this.buffer.subarray(this.used);
  }

  /**
   * Appends `size` bytes written at the start of the last reserved region.
   * @throws RangeError when `size` is negative or beyond that region.
   */
  commit(size: number): void {
    if (!Number.isInteger(size) || size < 0 || this.used + size > this.reservedEnd) {
      throw new RangeError(
        `GrowableBuffer.commit(${describe(size)}) exceeds the ${this.reservedEnd - this.used} bytes reserved`,
      );
    }
    this.used += size;
  }

  /** The committed bytes, without copying; valid until the next reserve() or reset(). */
  view(): Buffer {
    return this.buffer.subarray(0, this.used);
  }

  /** A copy of the committed bytes, owned by the caller. */
  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.used));
  }

  /** Forgets the content (keeping the memory unless it grew beyond retainCapacity). */
  reset(): void {
    this.used = 0;
    this.reservedEnd = 0;
    if (this.buffer.length > this.retainCapacity && this.buffer.length > this.initialCapacity) {
      this.buffer = Buffer.allocUnsafe(this.initialCapacity);
    }
  }

  private grow(size: number): void {
    const needed = this.used + size;
    if (needed > this.maxLength) {
      throw new TProtocolException(
        TProtocolExceptionType.SIZE_LIMIT,
        `GrowableBuffer: ${size} more bytes after ${this.used} exceed maxLength ${this.maxLength}`,
      );
    }
    let capacity = Math.max(this.buffer.length * 2, 256);
    if (capacity < needed) capacity = needed;
    if (capacity > this.maxLength) capacity = this.maxLength;
    const next = Buffer.allocUnsafe(capacity);
    this.buffer.copy(next, 0, 0, this.used);
    this.buffer = next;
  }
}

import type { Writer } from '@thriftpoll/buffer';
import type { BlockLease, Engine } from './engine';

/**
 * Output assembled in engine blocks: @thriftpoll/buffer's Writer over native memory. Standalone instances (engine.newBuffer() or `new OutputBuffer(engine)`)
 * are filled and then handed to a connection's writer with append(); a connection's writer is a subclass
 * that can flush.
 *
 * Layout: `segments` are finished pieces [slab, offset, length, owns-block] in output order; the current
 * block holds [start, pos) not yet turned into a segment.
 *
 *   segments: [s0][s1]...        current block: | segmented | start ... pos (unflushed) | free ... capacity |
 */
export class OutputBuffer implements Writer {
  /** Flat [slab, offset, length, flags] quadruples; the first `segmentCount` entries are live (reused, not regrown). */
  protected segments: number[] = [];
  protected segmentCount = 0;
  protected block: BlockLease | undefined;
  protected start = 0;
  protected pos = 0;
  /** Bytes of the current block that the engine may still be sending (so the block cannot be recycled). */
  protected blockInFlight = false;
  /** Segments cut from the current block wait in `segments` (so the block cannot be recycled). */
  protected blockSegmented = false;
  protected written = 0;
  /**
   * Set once the output can never be sent (its connection closed): writes then go to throwaway JavaScript
   * memory, so a writer used after close cannot take engine blocks it would never give back.
   */
  protected detached = false;
  private reserved = 0;

  constructor(protected readonly engine: Engine) {}

  malloc(n: number): Uint8Array {
    checkLength('malloc', n);
    const block = this.room(n);
    const view = block.view.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.written += n;
    return view;
  }

  mallocAck(n: number): void {
    checkLength('mallocAck', n);
    if (n > this.written) throw new RangeError(`mallocAck(${n}): only ${this.written} bytes written since the last flush`);
    let drop = this.written - n;
    this.written = n;
    const inBlock = this.pos - this.start;
    const fromBlock = Math.min(drop, inBlock);
    this.pos -= fromBlock;
    drop -= fromBlock;
    // Shorten finished segments from the end; they keep carrying their blocks' ownership.
    for (let at = this.segmentCount - 4; drop > 0 && at >= 0; at -= 4) {
      const cut = Math.min(drop, this.segments[at + 2]);
      this.segments[at + 2] -= cut;
      drop -= cut;
    }
  }

  mallocLen(): number {
    return this.written;
  }

  writeBinary(data: Uint8Array): void {
    let offset = 0;
    const length = data.length;
    while (offset < length) {
      const block = this.room(1);
      const take = Math.min(length - offset, block.capacity - this.pos);
      block.view.set(offset === 0 && take === length ? data : data.subarray(offset, offset + take), this.pos);
      this.pos += take;
      offset += take;
    }
    this.written += length;
  }

  writeString(text: string): number {
    // Fast path: a short string encoded straight into the current block.
    const block = this.block;
    if (block !== undefined && text.length * 3 <= block.capacity - this.pos) {
      const n = block.view.write(text, this.pos, 'utf8');
      this.pos += n;
      this.written += n;
      return n;
    }
    const size = Buffer.byteLength(text);
    if (size <= this.engine.blockSize) {
      const target = this.room(size);
      const n = target.view.write(text, this.pos, 'utf8');
      this.pos += n;
      this.written += n;
      return n;
    }
    this.writeBinary(Buffer.from(text, 'utf8'));
    return size;
  }

  writeByte(value: number): void {
    const block = this.room(1);
    block.view[this.pos++] = value;
    this.written++;
  }

  append(buffer: OutputBuffer): void {
    if (buffer === this) throw new RangeError('append: a buffer cannot be appended to itself');
    if (buffer.engine !== this.engine) throw new RangeError('append: the buffer belongs to another engine');
    this.cutSegment();
    buffer.seal();
    for (let i = 0; i < buffer.segmentCount; i += 4) {
      this.pushSegment(buffer.segments[i], buffer.segments[i + 1], buffer.segments[i + 2], buffer.segments[i + 3]);
    }
    this.written += buffer.written;
    buffer.segmentCount = 0;
    buffer.written = 0;
  }

  reserve(n: number): Uint8Array {
    checkLength('reserve', n);
    const block = this.room(n);
    this.reserved = block.capacity - this.pos;
    return block.view.subarray(this.pos, block.capacity);
  }

  commit(n: number): void {
    if (!(Number.isInteger(n) && n >= 0 && n <= this.reserved)) {
      throw new RangeError(`commit(${n}): expected an integer in [0, ${this.reserved}] (the last reserved region)`);
    }
    this.pos += n;
    this.written += n;
    this.reserved = 0;
  }

  /** Gives every block back (nothing written is sent). */
  discard(): void {
    for (let at = 0; at < this.segmentCount; at += 4) {
      if (this.segments[at + 3] === 1) this.engine.native.freeBlock(this.segments[at], this.segments[at + 1]);
    }
    this.segmentCount = 0;
    this.written = 0;
    if (this.block !== undefined && !this.blockInFlight && !this.detached) this.engine.releaseBlock(this.block);
    this.block = undefined;
    this.blockSegmented = false;
  }

  protected pushSegment(slab: number, offset: number, length: number, flags: number): void {
    const segments = this.segments;
    const at = this.segmentCount;
    segments[at] = slab;
    segments[at + 1] = offset;
    segments[at + 2] = length;
    segments[at + 3] = flags;
    this.segmentCount = at + 4;
  }

  /** Ensures room for n contiguous bytes, moving to a new block when the current one is too full. */
  protected room(n: number): BlockLease {
    const block = this.block;
    if (block !== undefined && block.capacity - this.pos >= n) return block;
    this.seal();
    const fresh: BlockLease = this.detached
      ? { slab: 0, offset: 0, capacity: Math.max(n, 4096), view: Buffer.allocUnsafe(Math.max(n, 4096)) }
      : this.engine.acquireBlock(n);
    this.block = fresh;
    this.start = 0;
    this.pos = 0;
    this.blockInFlight = false;
    this.blockSegmented = false;
    this.reserved = 0;
    return fresh;
  }

  /** Turns [start, pos) of the current block into a segment that does not own the block. */
  protected cutSegment(): void {
    const block = this.block;
    if (block === undefined || this.pos === this.start) return;
    if (this.detached) {
      this.start = this.pos;
      return;
    }
    this.pushSegment(block.slab, block.offset + this.start, this.pos - this.start, 0);
    this.start = this.pos;
    this.blockSegmented = true;
  }

  /**
   * Finishes the current block: its last segment takes the block's ownership (the engine frees it once
   * sent). A block with nothing queued from it goes straight back to the cache.
   */
  protected seal(): void {
    const block = this.block;
    if (block === undefined) return;
    this.block = undefined;
    if (this.detached) return;
    if (this.pos > this.start) {
      this.pushSegment(block.slab, block.offset + this.start, this.pos - this.start, 1);
      this.engine.forgetLarge(block);
    } else if (this.blockInFlight || this.blockSegmented) {
      // Earlier bytes of this block are queued: an empty owning segment frees it after them.
      this.pushSegment(block.slab, block.offset, 0, 1);
      this.engine.forgetLarge(block);
    } else {
      this.engine.releaseBlock(block);
    }
  }
}

function checkLength(operation: string, n: number): void {
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`${operation}(${String(n)}): expected a non-negative integer`);
}

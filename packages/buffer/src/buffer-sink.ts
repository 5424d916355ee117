import type { OutputSink } from './writer';

const DEFAULT_BLOCK_SIZE = 16 * 1024;

/**
 * An {@link OutputSink} in JavaScript memory: encoders write here when there is no engine connection (tests,
 * scratch space for compression), and the `net` engine's socket writer sends from it (takeViews()).
 *
 *   blocks:  [committed.......|free]  [committed...|reserved|free]
 *                                                  ^ write position
 *
 * Bytes live in fixed blocks that never move, so a view returned by `malloc()` stays writable until
 * `take()`/`reset()`, as with the engine's Writer. `reserve(n)` returns a region of at least n bytes in
 * the current block, or starts a new block (the previous block's free tail is simply left unused).
 */
export class BufferSink implements OutputSink {
  private readonly blockSize: number;
  /** Committed bytes of blocks before the current one. */
  private done: Uint8Array[] = [];
  private block: Buffer;
  /** Start, in `block`, of committed bytes not yet moved to `done`. */
  private start = 0;
  /** Write position in `block`. */
  private position = 0;
  private total = 0;
  /** Bytes of `block` were handed out by takeViews(): reset() may not write over them. */
  private blockLent = false;

  constructor(blockSize = DEFAULT_BLOCK_SIZE) {
    if (!Number.isInteger(blockSize) || blockSize < 16) {
      throw new RangeError(`BufferSink: blockSize must be an integer >= 16, got ${String(blockSize)}`);
    }
    this.blockSize = blockSize;
    this.block = Buffer.allocUnsafe(blockSize);
  }

  /** Bytes committed so far. */
  get length(): number {
    return this.total;
  }

  reserve(size: number): Uint8Array {
    if (!(size >= 0)) throw new RangeError(`BufferSink: cannot reserve ${size} bytes`);
    if (this.block.length - this.position < size) this.nextBlock(size);
    return this.block.subarray(this.position);
  }

  commit(size: number): void {
    if (!(size >= 0 && this.position + size <= this.block.length)) {
      throw new RangeError(`BufferSink: commit(${size}) exceeds the ${this.block.length - this.position} bytes reserved`);
    }
    this.position += size;
    this.total += size;
  }

  malloc(size: number): Uint8Array {
    const region = this.reserve(size).subarray(0, size);
    this.commit(size);
    return region;
  }

  /** Bytes committed since the last take()/reset() (netpoll's mallocLen). */
  mallocLen(): number {
    return this.total;
  }

  /** Keeps only the first `size` committed bytes and discards the rest (netpoll's mallocAck). */
  mallocAck(size: number): void {
    if (!(Number.isInteger(size) && size >= 0 && size <= this.total)) {
      throw new RangeError(`BufferSink: mallocAck(${size}) outside [0, ${this.total}]`);
    }
    let drop = this.total - size;
    this.total = size;
    const inBlock = Math.min(drop, this.position - this.start);
    this.position -= inBlock;
    drop -= inBlock;
    while (drop > 0) {
      const last = this.done[this.done.length - 1];
      if (last.length <= drop) {
        this.done.pop();
        drop -= last.length;
      } else {
        this.done[this.done.length - 1] = last.subarray(0, last.length - drop);
        drop = 0;
      }
    }
  }

  /** Appends a copy of `bytes`. */
  write(bytes: Uint8Array): void {
    const region = this.reserve(bytes.length);
    region.set(bytes);
    this.commit(bytes.length);
  }

  /** The committed bytes as views (valid until take()/reset()). */
  views(): Uint8Array[] {
    const views = this.done.slice();
    if (this.position > this.start) views.push(this.block.subarray(this.start, this.position));
    return views;
  }

  /** Returns every committed byte as one Buffer the caller owns, and empties the sink. */
  take(): Buffer {
    const views = this.views();
    const out = views.length === 1 ? Buffer.from(views[0]) : Buffer.concat(views, this.total);
    this.reset();
    return out;
  }

  /**
   * Returns the committed bytes as views that now belong to the caller (e.g. handed to a socket) and empties the
   * sink without copying: later writes never touch those bytes (they go after them, or into a new block).
   */
  takeViews(): Uint8Array[] {
    const views = this.views();
    this.done = [];
    if (this.position > 0) this.blockLent = true;
    this.start = this.position;
    this.total = 0;
    return views;
  }

  /** Empties the sink (views and malloc'd regions handed out become invalid). */
  reset(): void {
    if (this.blockLent) this.block = Buffer.allocUnsafe(this.blockSize);
    this.blockLent = false;
    this.done = [];
    this.start = 0;
    this.position = 0;
    this.total = 0;
  }

  private nextBlock(size: number): void {
    if (this.position > this.start) this.done.push(this.block.subarray(this.start, this.position));
    // A block that holds committed bytes is kept by `done`; a fresh one is needed.
    this.block = Buffer.allocUnsafe(Math.max(size, this.blockSize));
    this.blockLent = false;
    this.start = 0;
    this.position = 0;
  }
}

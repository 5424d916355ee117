import type { Reader } from './reader';

/**
 * Told how far the stream has been released: every byte before `position` (counted from the first byte ever
 * appended) is no longer referenced and its memory may be reused.
 */
export type ReleaseListener = (position: number) => void;

/**
 * The JavaScript side of an input LinkBuffer: an ordered list of views (chunks) over received bytes.
 *
 *   released        read position                 end
 *      |  consumed, not  |   buffered (len())      |
 *      |  yet released   |                         |
 *   [chunk][chunk......][chunk.......][chunk.]
 *
 * The engine appends a view for every read from the socket; views point into native blocks that the engine
 * reuses once the release position has passed them. Without an engine (tests, in-memory transports) any
 * Uint8Array may be appended.
 *
 * Positions are absolute stream offsets, so that `slice()` children can hold back the release position of
 * their parent until they are released themselves.
 */
export class LinkBuffer implements Reader {
  private readonly chunks: Buffer[] = [];
  /** Index in `chunks` of the chunk holding the read position (== chunks.length when nothing is buffered). */
  private current = 0;
  /** Read offset inside chunks[current]. */
  private offset = 0;
  private buffered = 0;
  /** Absolute position of chunks[0][0]. */
  private base = 0;
  /** Absolute position of the next unread byte. */
  private readPosition = 0;
  /** Read position at the last release() call: what the owner has agreed may be freed. */
  private releaseRequested = 0;
  /** Position up to which memory has been reported released. */
  private releasedPosition = 0;
  /** Positions held back by live slices: nothing at or after a hold is released. */
  private readonly holds: { position: number }[] = [];

  constructor(private readonly onRelease?: ReleaseListener) {}

  /** Appends received bytes (the engine calls this; the view must stay valid until released). */
  append(view: Uint8Array): void {
    if (view.length === 0) return;
    const chunk = Buffer.isBuffer(view) ? view : Buffer.from(view.buffer, view.byteOffset, view.byteLength);
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** Total bytes appended since creation (the absolute end position). */
  get appendedTotal(): number {
    return this.readPosition + this.buffered;
  }

  /** Absolute position up to which memory has been released. */
  get releasedTotal(): number {
    return this.releasedPosition;
  }

  len(): number {
    return this.buffered;
  }

  next(n: number): Uint8Array {
    const view = this.peek(n);
    this.advance(n);
    return view;
  }

  peek(n: number): Uint8Array {
    this.require(n);
    const chunk = this.chunks[this.current];
    if (this.offset + n <= chunk.length) return this.view(chunk, this.offset, n);
    return this.copyOut(n);
  }

  skip(n: number): void {
    this.require(n);
    this.advance(n);
  }

  readByte(): number {
    this.require(1);
    const value = this.chunks[this.current][this.offset];
    this.advance(1);
    return value;
  }

  peekUint32(offset = 0): number {
    this.require(offset + 4);
    const chunk = this.chunks[this.current];
    const at = this.offset + offset;
    if (at + 4 <= chunk.length) return chunk.readUInt32BE(at);
    return ((this.byteAt(offset) << 24) | (this.byteAt(offset + 1) << 16) | (this.byteAt(offset + 2) << 8) | this.byteAt(offset + 3)) >>> 0;
  }

  readString(n: number): string {
    this.require(n);
    const chunk = this.chunks[this.current];
    let text: string;
    if (this.offset + n <= chunk.length) text = chunk.toString('utf8', this.offset, this.offset + n);
    else text = this.copyOut(n).toString('utf8');
    this.advance(n);
    return text;
  }

  readBinary(n: number): Uint8Array {
    this.require(n);
    const chunk = this.chunks[this.current];
    const copy = this.offset + n <= chunk.length ? Buffer.from(chunk.subarray(this.offset, this.offset + n)) : this.copyOut(n);
    this.advance(n);
    return copy;
  }

  nextChunks(n: number): Uint8Array[] {
    this.require(n);
    const views: Uint8Array[] = [];
    let left = n;
    let index = this.current;
    let offset = this.offset;
    while (left > 0) {
      const chunk = this.chunks[index];
      const take = Math.min(left, chunk.length - offset);
      views.push(this.view(chunk, offset, take));
      left -= take;
      index++;
      offset = 0;
    }
    this.advance(n);
    return views;
  }

  slice(n: number): Reader {
    const hold = { position: this.readPosition };
    const start = hold.position;
    const views = this.nextChunks(n);
    this.holds.push(hold);
    const child = new LinkBuffer((childReleased) => this.moveHold(hold, start + childReleased, childReleased === n));
    for (const view of views) child.append(view);
    return child;
  }

  release(): void {
    this.releaseRequested = this.readPosition;
    this.releaseUpTo(this.releaseTarget());
  }

  /**
   * `length` bytes of `chunk` from `offset`: the chunk itself when that is all of it (a read that holds exactly
   * one message), else a new view of it.
   */
  private view(chunk: Buffer, offset: number, length: number): Buffer {
    return offset === 0 && length === chunk.length ? chunk : chunk.subarray(offset, offset + length);
  }

  /** Throws unless n bytes are buffered. */
  private require(n: number): void {
    if (!(n >= 0 && n <= this.buffered)) {
      throw new RangeError(`LinkBuffer: ${n} bytes requested, ${this.buffered} buffered`);
    }
  }

  private advance(n: number): void {
    this.buffered -= n;
    this.readPosition += n;
    let offset = this.offset + n;
    while (this.current < this.chunks.length && offset >= this.chunks[this.current].length) {
      offset -= this.chunks[this.current].length;
      this.current++;
    }
    this.offset = offset;
  }

  /** The byte `delta` bytes past the read position (slow path across blocks). */
  private byteAt(delta: number): number {
    let index = this.current;
    let at = this.offset + delta;
    while (at >= this.chunks[index].length) {
      at -= this.chunks[index].length;
      index++;
    }
    return this.chunks[index][at];
  }

  /** Copies the next n bytes (which cross a block boundary) into one new buffer, without consuming them. */
  private copyOut(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    let index = this.current;
    let offset = this.offset;
    while (written < n) {
      const chunk = this.chunks[index];
      const take = Math.min(n - written, chunk.length - offset);
      chunk.copy(out, written, offset, offset + take);
      written += take;
      index++;
      offset = 0;
    }
    return out;
  }

  private releaseTarget(): number {
    let target = this.releaseRequested;
    for (const hold of this.holds) if (hold.position < target) target = hold.position;
    return target;
  }

  private moveHold(hold: { position: number }, to: number, done: boolean): void {
    const index = this.holds.indexOf(hold);
    if (index < 0) return;
    if (done) this.holds.splice(index, 1);
    else hold.position = to;
    this.releaseUpTo(this.releaseTarget());
  }

  private releaseUpTo(target: number): void {
    if (target <= this.releasedPosition) return;
    // Drop whole chunks that end at or before the target; a partly released chunk stays.
    let drop = 0;
    let base = this.base;
    while (drop < this.current && base + this.chunks[drop].length <= target) {
      base += this.chunks[drop].length;
      drop++;
    }
    if (drop > 0) {
      // Everything released (the common case): pop() keeps the array's backing store, where `length = 0`
      // or splice() reallocate it on the next append.
      if (drop === this.chunks.length) for (let i = 0; i < drop; i++) this.chunks.pop();
      else this.chunks.splice(0, drop);
      this.current -= drop;
      this.base = base;
    }
    this.releasedPosition = target;
    this.onRelease?.(target);
  }
}

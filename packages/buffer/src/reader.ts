/**
 * The Reader over the bytes a connection has received (netpoll's Reader; any LinkBuffer).
 *
 * Views returned by next(), peek() and nextChunks() point into the buffer's blocks without copying whenever
 * the bytes are contiguous, and are copies only when they cross a block boundary. A view stays valid until
 * release() is called on the reader that returned it; after that the memory may be reused for new input.
 * readString() and readBinary() always return data the caller owns.
 *
 * Every method that consumes or inspects n bytes throws a RangeError when fewer than n are buffered: check
 * len() first (the engine offers a way to be woken once n bytes are buffered).
 */
export interface Reader {
  /** Bytes buffered and not yet consumed. */
  len(): number;
  /** Consumes n bytes and returns them as one view (valid until release()). */
  next(n: number): Uint8Array;
  /** Returns the next n bytes without consuming them (valid until release()). */
  peek(n: number): Uint8Array;
  /** Consumes n bytes. */
  skip(n: number): void;
  /** Consumes one byte. */
  readByte(): number;
  /** Peeks a big-endian unsigned 32-bit integer at `offset` bytes past the read position, without consuming. */
  peekUint32(offset?: number): number;
  /** Consumes n bytes and decodes them as UTF-8. */
  readString(n: number): string;
  /** Consumes n bytes and returns a copy the caller owns. */
  readBinary(n: number): Uint8Array;
  /**
   * Consumes n bytes and returns them as a list of views, one per block they span: zero-copy even across
   * block boundaries. Valid until release().
   */
  nextChunks(n: number): Uint8Array[];
  /**
   * Consumes n bytes and returns them as a Reader of their own, sharing memory with this one. The bytes stay
   * valid until both this reader and the slice have released them, so a slice may outlive this reader's
   * next release() (e.g. one request decoded while the connection reads the next).
   */
  slice(n: number): Reader;
  /** Frees what has been consumed; views handed out before this call become invalid. */
  release(): void;
}

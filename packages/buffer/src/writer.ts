/**
 * The Writer into a connection's output (netpoll's Writer). Nothing is sent before the owner flushes; the
 * native engine implements it over pooled engine blocks (the memory `writev` sends from).
 *
 * It also satisfies the protocol layer's `ByteSink` (`reserve`/`commit`), so encoders write into the output
 * directly.
 *
 * Validity: a view returned by malloc() or reserve() stays writable until flush() (or, for reserve(), until
 * the next reserve()/malloc()/write call). Writing into it afterwards corrupts output.
 */
export interface Writer {
  /** Returns n writable bytes (contiguous) that become part of the output; fill them before flush(). */
  malloc(n: number): Uint8Array;
  /** Keeps only the first n bytes written since the last flush() and discards the rest. */
  mallocAck(n: number): void;
  /** Bytes written since the last flush(). */
  mallocLen(): number;
  /** Copies the bytes into the output (any size; spans blocks as needed). */
  writeBinary(data: Uint8Array): void;
  /** Encodes the string as UTF-8 into the output; returns the byte count. */
  writeString(text: string): number;
  writeByte(value: number): void;
  /**
   * Moves everything written into `buffer` (a writer of the same implementation, e.g. a standalone netpoll
   * OutputBuffer) to the end of this output without copying; `buffer` is left empty.
   */
  append(buffer: this): void;
  /** ByteSink: a contiguous region of at least n bytes at the write position. */
  reserve(n: number): Uint8Array;
  /** ByteSink: the first n bytes of the last reserved region become output. */
  commit(n: number): void;
}

/*
 * The writer family: one concept (where output bytes go), in four widths. Each is what its users need and no
 * more, and each extends the one before, so anything wider can be passed where a narrower one is expected:
 *
 *   ByteSink       reserve/commit                    protocol writers encode into it (GrowableBuffer, ...)
 *   OutputSink     + malloc/mallocLen/mallocAck      transport encoders: length prefixes filled in later, rollback
 *   FlushableSink  + flush/needsDrain/drained        a connection's output in the rpc runtime (both engines)
 *   Writer         + writeBinary/String/Byte/append  netpoll's Writer (OutputBuffer, ConnectionWriter)
 *
 * Validity: a region returned by reserve() is writable until the next reserve()/malloc()/write call; one
 * returned by malloc() until the output is flushed (or taken). Writing into it afterwards corrupts output.
 */

/**
 * Where protocol writers put bytes.
 *
 *   const region = sink.reserve(n);   // region.length >= n, contiguous, starts at the current write position
 *   ...write k <= region.length bytes into region[0..k)...
 *   sink.commit(k);                   // the k bytes become part of the output
 * A region is valid until the next `reserve()` on the same sink. Bytes written but not committed are discarded.
 */
export interface ByteSink {
  reserve(size: number): Uint8Array;
  commit(size: number): void;
}

/**
 * Where transport encoders write: a ByteSink plus netpoll's malloc family.
 *
 *   [ flushed ][ written since the last flush: mallocLen() bytes ]
 *                ^ mallocAck(n) keeps the first n of these and discards the rest
 */
export interface OutputSink extends ByteSink {
  /** Appends `size` bytes and returns them, writable until flush() (e.g. a length prefix filled in later). */
  malloc(size: number): Uint8Array;
  /** Bytes written since the last flush. */
  mallocLen(): number;
  /** Keeps the first `size` bytes written since the last flush and discards the rest (a rollback). */
  mallocAck(size: number): void;
}

/** The output of a connection: an OutputSink that sends, with backpressure. */
export interface FlushableSink extends OutputSink {
  /**
   * Sends everything written. Resolves once the bytes are handed to the kernel, or — when the peer reads slower
   * than we write — once the unsent backlog is back under the connection's cap (backpressure). Rejects if the
   * connection fails. Writes may continue while a flush is pending: they join the next flush.
   */
  flush(): Promise<void>;
  /** True while flushed-but-unsent bytes exceed the connection's write buffer cap (the peer reads slowly). */
  needsDrain(): boolean;
  /** Resolves once the unsent bytes are back under the cap (at once if they are). */
  drained(): Promise<void>;
}

/**
 * netpoll's Writer: an OutputSink with copying writes and zero-copy append. The native engine implements it over
 * pooled engine blocks (the memory `writev` sends from); nothing is sent before its connection flushes.
 */
export interface Writer extends OutputSink {
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
}

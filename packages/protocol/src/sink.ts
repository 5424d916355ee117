/**
 * Where protocol writers put bytes. Implemented by `GrowableBuffer` (plain memory, for tests and socket-free use)
 * and by the engine's connection `Writer` (output LinkBuffer blocks), so encoding goes straight into the memory
 * that `writev` sends.
 *
 * Contract:
 *   const region = sink.reserve(n);   // region.length >= n, contiguous, starts at the current write position
 *   ...write k <= region.length bytes into region[0..k)...
 *   sink.commit(k);                   // the k bytes become part of the output
 * A region is valid until the next `reserve()` on the same sink. Bytes written but not committed are discarded.
 */
export interface ByteSink {
  reserve(size: number): Uint8Array;
  commit(size: number): void;
}

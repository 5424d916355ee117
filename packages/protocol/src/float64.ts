/**
 * IEEE 754 doubles to and from bytes, through one shared scratch Float64Array: no DataView or Buffer method call
 * per value, exact for every double (NaN stays NaN, ±Infinity and -0.0 keep their sign).
 *
 *   scratch bytes (host order) <-> wire bytes: Binary is big-endian, Compact little-endian.
 */

const scratch = new Float64Array(1);
const bytes = new Uint8Array(scratch.buffer);
/** Index in `bytes` of the most significant byte: 7 on little-endian hosts, 0 on big-endian ones. */
const MSB = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 7 : 0;
/** +1 when moving from the most significant byte to the least one in `bytes`, -1 otherwise. */
const STEP = MSB === 7 ? -1 : 1;

/** Writes `value` big-endian at `target[at..at+8)`. The caller guarantees the room. */
export function writeDoubleBE(target: Uint8Array, at: number, value: number): void {
  scratch[0] = value;
  let from = MSB;
  for (let i = 0; i < 8; i++, from += STEP) target[at + i] = bytes[from];
}

/** Writes `value` little-endian at `target[at..at+8)`. The caller guarantees the room. */
export function writeDoubleLE(target: Uint8Array, at: number, value: number): void {
  scratch[0] = value;
  let from = MSB;
  for (let i = 7; i >= 0; i--, from += STEP) target[at + i] = bytes[from];
}

/** Reads a big-endian double from `source[at..at+8)`. The caller guarantees the bytes. */
export function readDoubleBE(source: Uint8Array, at: number): number {
  let to = MSB;
  for (let i = 0; i < 8; i++, to += STEP) bytes[to] = source[at + i];
  return scratch[0];
}

/** Reads a little-endian double from `source[at..at+8)`. The caller guarantees the bytes. */
export function readDoubleLE(source: Uint8Array, at: number): number {
  let to = MSB;
  for (let i = 7; i >= 0; i--, to += STEP) bytes[to] = source[at + i];
  return scratch[0];
}

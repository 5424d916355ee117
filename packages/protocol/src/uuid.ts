import { TProtocolException, TProtocolExceptionType } from './errors';
import { describe } from './describe';

/**
 * UUIDs as Thrift carries them (type UUID): 16 bytes on the wire, big-endian (RFC 4122 byte order), and the
 * canonical 36-character `8-4-4-4-12` hex string in JavaScript. Reading always yields lower case; writing accepts
 * either case. Nothing else is accepted (no braces, no `urn:uuid:` prefix, no missing hyphens).
 */

/** Two lower-case hex digits for every byte value. */
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));

/** The value of a hex digit by char code, or -1. */
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) DIGIT[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  DIGIT[0x41 + i] = 10 + i;
  DIGIT[0x61 + i] = 10 + i;
}

/** Offsets in the string of the first digit of each of the 16 bytes. */
const BYTE_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/** The canonical lower-case string of the 16 bytes at `source[at..at+16)`. The caller guarantees the bytes. */
export function formatUuid(source: Uint8Array, at: number): string {
  return (
    HEX[source[at]] + HEX[source[at + 1]] + HEX[source[at + 2]] + HEX[source[at + 3]] + '-' +
    HEX[source[at + 4]] + HEX[source[at + 5]] + '-' +
    HEX[source[at + 6]] + HEX[source[at + 7]] + '-' +
    HEX[source[at + 8]] + HEX[source[at + 9]] + '-' +
    HEX[source[at + 10]] + HEX[source[at + 11]] + HEX[source[at + 12]] + HEX[source[at + 13]] +
    HEX[source[at + 14]] + HEX[source[at + 15]]
  );
}

/**
 * Writes the 16 bytes of `value` at `target[at..at+16)`. The caller guarantees the room.
 * @throws TProtocolException(INVALID_DATA) when `value` is not a canonical UUID string; nothing is written then.
 */
export function parseUuidInto(value: string, target: Uint8Array, at: number): void {
  if (typeof value !== 'string' || value.length !== 36) throw badUuid(value);
  if (value.charCodeAt(8) !== 0x2d || value.charCodeAt(13) !== 0x2d || value.charCodeAt(18) !== 0x2d || value.charCodeAt(23) !== 0x2d) {
    throw badUuid(value);
  }
  // Validate every digit before writing, so that a bad string leaves the target untouched.
  let bad = 0;
  for (let i = 0; i < 16; i++) {
    const c = BYTE_AT[i];
    const hi = value.charCodeAt(c);
    const lo = value.charCodeAt(c + 1);
    bad |= (hi | lo) & ~0x7f;
    bad |= DIGIT[hi & 0x7f] | DIGIT[lo & 0x7f];
  }
  if (bad < 0 || (bad & ~0x0f) !== 0) throw badUuid(value);
  for (let i = 0; i < 16; i++) {
    const c = BYTE_AT[i];
    target[at + i] = (DIGIT[value.charCodeAt(c)] << 4) | DIGIT[value.charCodeAt(c + 1)];
  }
}

/** The 16 wire bytes of a canonical UUID string (either case). @throws TProtocolException(INVALID_DATA) */
export function uuidToBytes(value: string): Uint8Array {
  const out = Buffer.alloc(16);
  parseUuidInto(value, out, 0);
  return out;
}

/** The canonical lower-case string of 16 UUID bytes. @throws TProtocolException(INVALID_DATA) unless 16 bytes. */
export function uuidFromBytes(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 16) {
    throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `a UUID is 16 bytes, got ${describe(bytes)}`);
  }
  return formatUuid(bytes, 0);
}

/** True for a canonical 8-4-4-4-12 hex string (either case). */
export function isUuid(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    parseUuidInto(value, SINK, 0);
    return true;
  } catch {
    return false;
  }
}

const SINK = new Uint8Array(16);

function badUuid(value: unknown): TProtocolException {
  return new TProtocolException(
    TProtocolExceptionType.INVALID_DATA,
    `uuid must be a string of 36 characters in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits), got ${describe(value)}`,
  );
}

import { TProtocolException, TProtocolExceptionType } from './errors';
import { describe } from './describe';

/**
 * i64 is a `bigint`, exact over its whole range. These helpers serve code that prefers `number` (the IDL
 * compiler's `--int64 number` mode): conversions succeed only when exact, and fail loudly otherwise.
 */

/** The smallest i64, -2^63. */
export const I64_MIN = -(2n ** 63n);
/** The largest i64, 2^63-1. */
export const I64_MAX = 2n ** 63n - 1n;

/**
 * The i64 as a number.
 * @throws TProtocolException(INVALID_DATA) when `value` is outside ±(2^53-1), where a number stops being exact
 *         (a decoded value that the `number` mapping cannot hold is bad data for that program).
 */
export function i64ToNumber(value: bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `i64 value ${value} does not fit a JavaScript number exactly (|value| <= 9007199254740991); use bigint for this field`,
    );
  }
  return n;
}

/**
 * The number as an i64.
 * @throws TProtocolException(INVALID_DATA) unless `value` is a safe integer (an integer with |value| <= 2^53-1).
 */
export function i64FromNumber(value: number): bigint {
  if (!Number.isSafeInteger(value)) {
    throw new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `i64 from number needs a safe integer (|value| <= 9007199254740991), got ${describe(value)}`,
    );
  }
  return BigInt(value);
}

/** True when `value` is a bigint in the i64 range. */
export function isI64(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= I64_MIN && value <= I64_MAX;
}

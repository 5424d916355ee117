import { describe } from './describe';
import type { ReaderOptions, WriterOptions } from './protocol';

/** Default `stringLengthLimit`: 100 MiB, Apache's default maximum message size. */
export const DEFAULT_STRING_LENGTH_LIMIT = 100 * 1024 * 1024;
/** Default `containerLengthLimit`: the largest count an i32 can carry. Counts are also checked against the bytes present. */
export const DEFAULT_CONTAINER_LENGTH_LIMIT = 0x7fffffff;
/** Default `recursionLimit`: 64, as in Apache's TConfiguration. */
export const DEFAULT_RECURSION_LIMIT = 64;
/**
 * Highest accepted `recursionLimit`. Decoding recurses on the JavaScript stack; this bound keeps a deep (hostile)
 * message far from the engine's stack limit, so it always ends in a TProtocolException, never a RangeError.
 */
export const MAX_RECURSION_LIMIT = 1000;

/** ReaderOptions with every default applied. */
export interface ResolvedReaderOptions {
  readonly strictRead: boolean;
  readonly stringLengthLimit: number;
  readonly containerLengthLimit: number;
  readonly recursionLimit: number;
  readonly binaryViews: boolean;
}

/** WriterOptions with every default applied. */
export interface ResolvedWriterOptions {
  readonly strictWrite: boolean;
}

const READER_KEYS: readonly string[] = ['strictRead', 'stringLengthLimit', 'containerLengthLimit', 'recursionLimit', 'binaryViews'];
const WRITER_KEYS: readonly string[] = ['strictWrite'];

/**
 * Validates reader options and applies defaults. Throws a TypeError for an unknown key (a typo would otherwise
 * silently leave a limit at its default) or a value of the wrong type, and a RangeError for a value out of range.
 */
export function resolveReaderOptions(options: ReaderOptions | undefined): ResolvedReaderOptions {
  const given = checkObject(options, 'ReaderOptions', READER_KEYS);
  return {
    strictRead: booleanOption(given, 'ReaderOptions', 'strictRead', false),
    stringLengthLimit: integerOption(given, 'ReaderOptions', 'stringLengthLimit', DEFAULT_STRING_LENGTH_LIMIT, 0, 0x7fffffff),
    containerLengthLimit: integerOption(given, 'ReaderOptions', 'containerLengthLimit', DEFAULT_CONTAINER_LENGTH_LIMIT, 0, 0x7fffffff),
    recursionLimit: integerOption(given, 'ReaderOptions', 'recursionLimit', DEFAULT_RECURSION_LIMIT, 1, MAX_RECURSION_LIMIT),
    binaryViews: booleanOption(given, 'ReaderOptions', 'binaryViews', false),
  };
}

/** Validates writer options and applies defaults (same error rules as resolveReaderOptions). */
export function resolveWriterOptions(options: WriterOptions | undefined): ResolvedWriterOptions {
  const given = checkObject(options, 'WriterOptions', WRITER_KEYS);
  return { strictWrite: booleanOption(given, 'WriterOptions', 'strictWrite', true) };
}

function checkObject(options: unknown, what: string, known: readonly string[]): Readonly<Record<string, unknown>> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${what} must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(`${what} has no option '${key}'; known options: ${known.join(', ')}`);
    }
  }
  return options as Readonly<Record<string, unknown>>;
}

function booleanOption(given: Readonly<Record<string, unknown>>, what: string, key: string, fallback: boolean): boolean {
  const value = given[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${what}.${key} must be a boolean, got ${describe(value)}`);
  return value;
}

function integerOption(
  given: Readonly<Record<string, unknown>>,
  what: string,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = given[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${what}.${key} must be a number, got ${describe(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${what}.${key} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

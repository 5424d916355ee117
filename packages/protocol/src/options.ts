import { check } from './options-check';
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

const { booleanOption, integerOption, knownKeys, objectOption } = check;

const READER_KEYS: readonly string[] = ['strictRead', 'stringLengthLimit', 'containerLengthLimit', 'recursionLimit', 'binaryViews'];
const WRITER_KEYS: readonly string[] = ['strictWrite'];

/**
 * Validates reader options and applies defaults. Throws a TypeError for an unknown key (a typo would otherwise
 * silently leave a limit at its default) or a value of the wrong type, and a RangeError for a value out of range.
 */
export function resolveReaderOptions(options: ReaderOptions | undefined): ResolvedReaderOptions {
  const given = checkObject(options, 'ReaderOptions', READER_KEYS);
  return {
    strictRead: booleanOption('ReaderOptions.strictRead', given.strictRead, false),
    stringLengthLimit: integerOption('ReaderOptions.stringLengthLimit', given.stringLengthLimit, DEFAULT_STRING_LENGTH_LIMIT, 0, 0x7fffffff),
    containerLengthLimit: integerOption('ReaderOptions.containerLengthLimit', given.containerLengthLimit, DEFAULT_CONTAINER_LENGTH_LIMIT, 0, 0x7fffffff),
    recursionLimit: integerOption('ReaderOptions.recursionLimit', given.recursionLimit, DEFAULT_RECURSION_LIMIT, 1, MAX_RECURSION_LIMIT),
    binaryViews: booleanOption('ReaderOptions.binaryViews', given.binaryViews, false),
  };
}

/** Validates writer options and applies defaults (same error rules as resolveReaderOptions). */
export function resolveWriterOptions(options: WriterOptions | undefined): ResolvedWriterOptions {
  const given = checkObject(options, 'WriterOptions', WRITER_KEYS);
  return { strictWrite: booleanOption('WriterOptions.strictWrite', given.strictWrite, true) };
}

function checkObject(options: unknown, what: string, known: readonly string[]): Readonly<Record<string, unknown>> {
  const given = objectOption(what, options) ?? {};
  knownKeys(what, given, known);
  return given;
}

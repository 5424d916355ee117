import { describeValue } from './describe';

/**
 * The one option validator of every package: each package binds it to its own typed error once
 * (`optionValidators((message) => new InvalidOptionError(message))`) and checks options where they enter.
 *
 * Every check has the same shape — `(name, value, fallback, ...what is allowed)` — returns the value (or the
 * fallback when the value is undefined) with its narrowed type, and refuses anything else with a message that
 * names the option, what is allowed and what was seen: `maxFrameSize must be an integer in [1, 2147483647],
 * got string "64"`.
 */

/**
 * Makes the package's error for a refused option. `problem` tells a value of the wrong type from one out of
 * range, for packages whose errors differ by that (protocol throws TypeError or RangeError).
 */
export type OptionErrorFactory = (message: string, problem: 'type' | 'range') => Error;

/** The checks, bound to one package's error. */
export interface OptionValidators {
  /** An integer in [min, max] (max defaults to MAX_SAFE_INTEGER); `Infinity` too when `allowInfinity`. */
  integerOption(name: string, value: unknown, fallback: number, min: number, max?: number, allowInfinity?: boolean): number;
  /** A finite number in [min, max]. */
  numberOption(name: string, value: unknown, fallback: number, min: number, max: number): number;
  /** A duration in milliseconds: a finite number >= min (fractions allowed). */
  msOption(name: string, value: unknown, fallback: number | undefined, min?: number): number | undefined;
  booleanOption(name: string, value: unknown, fallback: boolean): boolean;
  /** One of `choices`. */
  oneOfOption<T extends string>(name: string, value: unknown, fallback: T, choices: readonly T[]): T;
  /** A non-empty string. */
  stringOption(name: string, value: unknown, fallback: string): string;
  /** A function; undefined is refused when `required`. */
  functionOption<F extends (...args: never[]) => unknown>(name: string, value: unknown, required?: boolean): F | undefined;
  /** A plain object (not null, not an array), returned as a record for further checks; undefined when not given. */
  objectOption(name: string, value: unknown): Record<string, unknown> | undefined;
  /** Refuses keys that are not in `known` (set to anything but undefined): a misspelt option must not fall back to its default silently. */
  knownKeys(name: string, value: Record<string, unknown>, known: readonly string[]): void;
}

function upperBound(max: number): string {
  return max === Number.MAX_SAFE_INTEGER ? 'MAX_SAFE_INTEGER' : String(max);
}

/** The checks, throwing the errors `fail` makes. */
export function optionValidators(fail: OptionErrorFactory): OptionValidators {
  const refuse = (name: string, expected: string, value: unknown, problem: 'type' | 'range' = 'type'): Error =>
    fail(`${name} must be ${expected}, got ${describeValue(value)}`, problem);
  // A number refused by a numeric check is out of range; anything else has the wrong type.
  const numeric = (value: unknown): 'type' | 'range' => (typeof value === 'number' ? 'range' : 'type');
  return {
    integerOption(name, value, fallback, min, max = Number.MAX_SAFE_INTEGER, allowInfinity = false) {
      if (value === undefined) return fallback;
      if (allowInfinity && value === Infinity) return Infinity;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        throw refuse(name, `an integer in [${min}, ${upperBound(max)}]${allowInfinity ? ' or Infinity' : ''}`, value, numeric(value));
      }
      return value;
    },
    numberOption(name, value, fallback, min, max) {
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
        throw refuse(name, `a number in [${min}, ${upperBound(max)}]`, value, numeric(value));
      }
      return value;
    },
    msOption(name, value, fallback, min = 0) {
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
        throw refuse(name, `a finite number of milliseconds >= ${min}`, value, numeric(value));
      }
      return value;
    },
    booleanOption(name, value, fallback) {
      if (value === undefined) return fallback;
      if (typeof value !== 'boolean') throw refuse(name, 'a boolean', value);
      return value;
    },
    oneOfOption<T extends string>(name: string, value: unknown, fallback: T, choices: readonly T[]): T {
      if (value === undefined) return fallback;
      if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
        throw refuse(name, `one of ${choices.map((choice) => `'${choice}'`).join(', ')}`, value);
      }
      return value as T;
    },
    stringOption(name, value, fallback) {
      if (value === undefined) return fallback;
      if (typeof value !== 'string' || value === '') throw refuse(name, 'a non-empty string', value);
      return value;
    },
    functionOption<F extends (...args: never[]) => unknown>(name: string, value: unknown, required = false): F | undefined {
      if (value === undefined && !required) return undefined;
      if (typeof value !== 'function') throw refuse(name, 'a function', value);
      return value as F;
    },
    objectOption(name, value) {
      if (value === undefined) return undefined;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw refuse(name, 'an object', value);
      return value as Record<string, unknown>;
    },
    knownKeys(name, value, known) {
      for (const key of Object.keys(value)) {
        if (!known.includes(key) && value[key] !== undefined) {
          throw fail(`${name} has no option '${key}' (known: ${known.join(', ')})`, 'type');
        }
      }
    },
  };
}

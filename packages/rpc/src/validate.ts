import { RpcOptionError } from './errors';

/**
 * Option validation where options enter the runtime (factories and constructors). Every helper names the option
 * and says what it saw and what it expected, and returns the value (or the default) with its narrowed type.
 */

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value == null) {
    return String(value);
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'function') return 'a function';
  return `an object (${Object.prototype.toString.call(value)})`;
}

/** An integer in [min, max], or `fallback` when undefined. `Infinity` is accepted when `allowInfinity`. */
export function intOption(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
  allowInfinity = false,
): number {
  if (value === undefined) return fallback;
  if (allowInfinity && value === Infinity) return Infinity;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = `an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? 'MAX_SAFE_INTEGER' : max}]`;
    throw new RpcOptionError(`${name} must be ${range}${allowInfinity ? ' or Infinity' : ''}, got ${describe(value)}`);
  }
  return value;
}

/** A duration in milliseconds: a finite number >= min (fractions allowed), or `fallback` when undefined. */
export function msOption(name: string, value: unknown, fallback: number | undefined, min = 0): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new RpcOptionError(`${name} must be a finite number of milliseconds >= ${min}, got ${describe(value)}`);
  }
  return value;
}

/** TCP keepalive delay in ms: 0 (off) or at least 1000 (the kernel counts it in whole seconds). */
export function keepAliveOption(name: string, value: unknown): number {
  const ms = msOption(name, value, 0) as number;
  if (ms !== 0 && ms < 1000) throw new RpcOptionError(`${name} must be 0 (off) or at least 1000 ms (the kernel counts keepalive in whole seconds), got ${ms}`);
  return ms;
}

/** A number in [min, max]. */
export function numberOption(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new RpcOptionError(`${name} must be a number in [${min}, ${max}], got ${describe(value)}`);
  }
  return value;
}

export function boolOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new RpcOptionError(`${name} must be true or false, got ${describe(value)}`);
  return value;
}

/** One of `choices`, or `fallback` when undefined. */
export function enumOption<T extends string>(name: string, value: unknown, fallback: T, choices: readonly T[]): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new RpcOptionError(`${name} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

export function functionOption<F extends (...args: never[]) => unknown>(name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new RpcOptionError(`${name} must be a function, got ${describe(value)}`);
  return value as F;
}

/** Throws unless `value` is a plain object (or undefined); returns it typed as a record for further checks. */
export function objectOption(name: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RpcOptionError(`${name} must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Rejects keys that are not in `known`, so that a misspelt option fails loudly instead of being ignored. */
export function checkKnownKeys(name: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new RpcOptionError(`${name} has no option '${key}' (known: ${known.join(', ')})`);
    }
  }
}

/** A record of string keys and string values (metadata headers). */
export function headersOption(name: string, value: unknown): Readonly<Record<string, string>> | undefined {
  const record = objectOption(name, value);
  if (record === undefined) return undefined;
  for (const [key, entry] of Object.entries(record)) {
    if (typeof entry !== 'string') {
      throw new RpcOptionError(`${name}['${key}'] must be a string, got ${describe(entry)}`);
    }
  }
  return record as Record<string, string>;
}

export { describe as describeValue };

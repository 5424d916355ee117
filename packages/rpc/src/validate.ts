import { describeValue, optionValidators } from '@thriftpoll/buffer';
import { RpcOptionError } from './errors';

/**
 * Option validation where options enter the runtime (factories and constructors): @thriftpoll/buffer's one
 * validator, throwing RpcOptionError. Every helper names the option and says what it saw and what it expected,
 * and returns the value (or the default) with its narrowed type.
 */
const check = optionValidators((message) => new RpcOptionError(message));

export const { msOption, numberOption, objectOption } = check;

/** An integer in [min, max], or `fallback` when undefined. `Infinity` is accepted when `allowInfinity`. */
export const intOption = check.integerOption;
export const boolOption = check.booleanOption;
/** One of `choices`, or `fallback` when undefined. */
export const enumOption = check.oneOfOption;
/** Rejects keys that are not in `known`, so that a misspelt option fails loudly instead of being ignored. */
export const checkKnownKeys = check.knownKeys;

export function functionOption<F extends (...args: never[]) => unknown>(name: string, value: unknown): F | undefined {
  return check.functionOption<F>(name, value);
}

/** TCP keepalive delay in ms: 0 (off) or at least 1000 (the kernel counts it in whole seconds). */
export function keepAliveOption(name: string, value: unknown): number {
  const ms = msOption(name, value, 0) as number;
  if (ms !== 0 && ms < 1000) throw new RpcOptionError(`${name} must be 0 (off) or at least 1000 ms (the kernel counts keepalive in whole seconds), got ${ms}`);
  return ms;
}

/** A record of string keys and string values (metadata headers). */
export function headersOption(name: string, value: unknown): Readonly<Record<string, string>> | undefined {
  const record = objectOption(name, value);
  if (record === undefined) return undefined;
  for (const [key, entry] of Object.entries(record)) {
    if (typeof entry !== 'string') {
      throw new RpcOptionError(`${name}['${key}'] must be a string, got ${describeValue(entry)}`);
    }
  }
  return record as Record<string, string>;
}

export { describeValue };

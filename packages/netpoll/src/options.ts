import { describeValue, optionValidators } from '@thriftpoll/buffer';
import { InvalidOptionError } from './errors';

/**
 * Option validation where options enter: @thriftpoll/buffer's one validator, throwing netpoll's
 * InvalidOptionError. Every check names the option, what was seen and what was expected.
 */
const check = optionValidators((message) => new InvalidOptionError(message));

export const { integerOption, booleanOption, oneOfOption, functionOption, knownKeys } = check;

/** A timeout in milliseconds: 0 disables it. */
export function timeoutOption(name: string, value: unknown, fallback = 0): number {
  return integerOption(name, value, fallback, 0, 2 ** 31 - 1);
}

/** An options object; {} when not given. */
export function objectOption(name: string, value: unknown): Record<string, unknown> {
  return check.objectOption(name, value) ?? {};
}

export { describeValue };

import { optionValidators as validators } from '@thriftpoll/buffer';

/**
 * @thriftpoll/buffer's one option validator with the protocol package's errors: a TypeError for a value of the
 * wrong type (or an unknown key), a RangeError for a number out of range.
 */
export const check = validators((message, problem) => (problem === 'range' ? new RangeError(message) : new TypeError(message)));

import { TProtocolException } from '@thriftpoll/protocol';

/** Parses "80 01 00 01" (any whitespace between byte pairs) into bytes. */
export function hexBytes(hex: string): Buffer {
  const digits = hex.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`bad hex: ${hex}`);
  return Buffer.from(digits, 'hex');
}

/**
 * Runs `fn` and returns the TProtocolException it throws, for the caller's assertions; any other error is
 * rethrown as it is, and returning normally fails the test.
 */
export function protocolError(fn: () => unknown): TProtocolException {
  try {
    fn();
  } catch (error) {
    if (error instanceof TProtocolException) return error;
    throw error;
  }
  throw new Error('expected a TProtocolException, nothing was thrown');
}

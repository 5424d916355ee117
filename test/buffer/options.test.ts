import { describeValue, optionValidators } from '@thriftpoll/buffer';

class PackageOptionError extends Error {
  readonly code = 'ERR_PACKAGE_OPTION';
  constructor(
    message: string,
    readonly problem: 'type' | 'range',
  ) {
    super(message);
  }
}

const check = optionValidators((message, problem) => new PackageOptionError(message, problem));

function refusal(run: () => unknown): PackageOptionError {
  try {
    run();
  } catch (error) {
    if (error instanceof PackageOptionError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('optionValidators (the one validator every package binds to its own error)', () => {
  test('returns the value, or the fallback when undefined', () => {
    expect(check.integerOption('n', 5, 1, 0, 10)).toBe(5);
    expect(check.integerOption('n', undefined, 7, 0, 10)).toBe(7);
    expect(check.integerOption('n', Infinity, 1, 0, 10, true)).toBe(Infinity);
    expect(check.msOption('t', 1.5, undefined)).toBe(1.5);
    expect(check.oneOfOption('mode', undefined, 'a', ['a', 'b'])).toBe('a');
    expect(check.objectOption('o', undefined)).toBeUndefined();
  });

  test("throws the package's error naming the option, what is allowed and what was seen, with its kind", () => {
    const range = refusal(() => check.integerOption('maxFrameSize', 0, 1, 1, 100));
    expect(range).toMatchObject({ code: 'ERR_PACKAGE_OPTION', problem: 'range', message: 'maxFrameSize must be an integer in [1, 100], got number 0' });
    const type = refusal(() => check.integerOption('maxFrameSize', '64', 1, 1, Number.MAX_SAFE_INTEGER));
    expect(type).toMatchObject({ problem: 'type', message: 'maxFrameSize must be an integer in [1, MAX_SAFE_INTEGER], got string "64"' });
    expect(refusal(() => check.booleanOption('strict', 1, false)).message).toBe('strict must be a boolean, got number 1');
    expect(refusal(() => check.oneOfOption('mode', 'c', 'a', ['a', 'b'])).message).toBe("mode must be one of 'a', 'b', got string \"c\"");
    expect(refusal(() => check.functionOption('onError', null, true)).message).toBe('onError must be a function, got null');
    expect(refusal(() => check.knownKeys('options', { tiemout: 5 }, ['timeout'])).message).toBe("options has no option 'tiemout' (known: timeout)");
  });

  test('describeValue shows the type, and the value when short', () => {
    expect(describeValue('x'.repeat(50))).toBe(`string "${'x'.repeat(40)}..." (50 chars)`);
    expect(describeValue(5n)).toBe('bigint 5n');
    expect(describeValue([1, 2])).toBe('an array of length 2');
    expect(describeValue(new Uint8Array(3))).toBe('Uint8Array(3)');
    expect(describeValue(new Map())).toBe('an object (Map)');
  });
});

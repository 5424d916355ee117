import {
  I64_MAX,
  I64_MIN,
  TProtocolException,
  TProtocolExceptionType,
  TType,
  i64FromNumber,
  i64ToNumber,
  isI64,
  isUuid,
  isValueType,
  typeName,
  uuidFromBytes,
  uuidToBytes,
} from '@thriftpoll/protocol';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof TProtocolException ? error.code : `not a TProtocolException: ${String(error)}`;
  }
  return undefined;
}

describe('uuid helpers', () => {
  test('string <-> 16 bytes, canonical lower case out, either case in', () => {
    const bytes = uuidToBytes('123E4567-e89b-12D3-a456-426614174000');
    expect(Buffer.from(bytes).toString('hex')).toBe('123e4567e89b12d3a456426614174000');
    expect(uuidFromBytes(bytes)).toBe('123e4567-e89b-12d3-a456-426614174000');
    expect(uuidFromBytes(new Uint8Array(16))).toBe('00000000-0000-0000-0000-000000000000');
    expect(uuidFromBytes(new Uint8Array(16).fill(0xff))).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff');
  });

  test.each([
    '123e4567e89b12d3a456426614174000',
    '{123e4567-e89b-12d3-a456-426614174000}',
    'urn:uuid:123e4567-e89b-12d3-a456-426614174000',
    '123e4567-e89b-12d3-a456-42661417400g',
    '123e4567-e89b-12d3-a456_426614174000',
    '123e4567-e89b-12d3-a456-4266141740é0',
    ' 23e4567-e89b-12d3-a456-426614174000',
    '',
  ])('%p is refused with INVALID_DATA', (text) => {
    expect(code(() => uuidToBytes(text))).toBe('INVALID_DATA');
    expect(isUuid(text)).toBe(false);
  });

  test('non-strings and wrong byte counts are refused', () => {
    expect(code(() => uuidToBytes(42 as never))).toBe('INVALID_DATA');
    expect(code(() => uuidFromBytes(new Uint8Array(15)))).toBe('INVALID_DATA');
    expect(() => uuidFromBytes(new Uint8Array(17))).toThrow('a UUID is 16 bytes, got Uint8Array(17)');
    expect(isUuid('123e4567-e89b-12d3-a456-426614174000')).toBe(true);
    expect(isUuid(null)).toBe(false);
  });
});

describe('i64 helpers', () => {
  test('constants are exact', () => {
    expect(I64_MIN).toBe(-9223372036854775808n);
    expect(I64_MAX).toBe(9223372036854775807n);
  });

  test('i64ToNumber() converts exactly within ±(2^53-1) and refuses the rest', () => {
    expect(i64ToNumber(0n)).toBe(0);
    expect(i64ToNumber(-123n)).toBe(-123);
    expect(i64ToNumber(9007199254740991n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(i64ToNumber(-9007199254740991n)).toBe(Number.MIN_SAFE_INTEGER);
    expect(code(() => i64ToNumber(9007199254740992n))).toBe('INVALID_DATA');
    expect(() => i64ToNumber(I64_MIN)).toThrow('i64 value -9223372036854775808 does not fit a JavaScript number exactly');
  });

  test('i64FromNumber() needs a safe integer', () => {
    expect(i64FromNumber(42)).toBe(42n);
    expect(i64FromNumber(-9007199254740991)).toBe(-9007199254740991n);
    for (const bad of [1.5, NaN, Infinity, 2 ** 53, '5' as never]) {
      const error = (() => {
        try {
          i64FromNumber(bad);
        } catch (e) {
          return e as TProtocolException;
        }
        throw new Error('no error');
      })();
      expect(error.type).toBe(TProtocolExceptionType.INVALID_DATA);
    }
  });

  test('isI64()', () => {
    expect(isI64(I64_MAX)).toBe(true);
    expect(isI64(I64_MAX + 1n)).toBe(false);
    expect(isI64(5)).toBe(false);
  });
});

describe('type ids', () => {
  test('isValueType() and typeName()', () => {
    expect([...Array(20).keys()].filter(isValueType)).toEqual([2, 3, 4, 6, 8, 10, 11, 12, 13, 14, 15, 16]);
    expect(isValueType(256 + TType.I32)).toBe(false);
    expect(typeName(TType.STRING)).toBe('STRING(11)');
    expect(typeName(5)).toBe('unknown(5)');
  });
});

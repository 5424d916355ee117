import {
  BinaryReader,
  BinaryWriter,
  CompactReader,
  CompactWriter,
  DEFAULT_CONTAINER_LENGTH_LIMIT,
  DEFAULT_RECURSION_LIMIT,
  DEFAULT_STRING_LENGTH_LIMIT,
  GrowableBuffer,
  MAX_RECURSION_LIMIT,
  ProtocolId,
  TProtocolException,
  TProtocolExceptionType,
  binaryProtocol,
  compactProtocol,
  protocolById,
  resolveReaderOptions,
  resolveWriterOptions,
} from '@thriftpoll/protocol';

describe('reader and writer options', () => {
  test('defaults', () => {
    expect(resolveReaderOptions(undefined)).toEqual({
      strictRead: false,
      stringLengthLimit: 100 * 1024 * 1024,
      containerLengthLimit: 2147483647,
      recursionLimit: 64,
      binaryViews: false,
    });
    expect(DEFAULT_STRING_LENGTH_LIMIT).toBe(104857600);
    expect(DEFAULT_CONTAINER_LENGTH_LIMIT).toBe(2147483647);
    expect(DEFAULT_RECURSION_LIMIT).toBe(64);
    expect(MAX_RECURSION_LIMIT).toBe(1000);
    expect(resolveWriterOptions(undefined)).toEqual({ strictWrite: true });
  });

  test.each<[unknown, RegExp, ErrorConstructor]>([
    [{ stringLengthLimit: -1 }, /ReaderOptions.stringLengthLimit must be an integer in \[0, 2147483647\], got number -1/, RangeError],
    [{ stringLengthLimit: 2 ** 31 }, /stringLengthLimit must be an integer/, RangeError],
    [{ containerLengthLimit: 1.5 }, /containerLengthLimit must be an integer in \[0, 2147483647\], got number 1.5/, RangeError],
    [{ recursionLimit: 0 }, /recursionLimit must be an integer in \[1, 1000\], got number 0/, RangeError],
    [{ recursionLimit: 1001 }, /recursionLimit must be an integer in \[1, 1000\], got number 1001/, RangeError],
    [{ recursionLimit: '64' }, /recursionLimit must be an integer in \[1, 1000\], got string "64"/, TypeError],
    [{ strictRead: 1 }, /strictRead must be a boolean, got number 1/, TypeError],
    [{ binaryViews: 'yes' }, /binaryViews must be a boolean/, TypeError],
    [{ strictReads: true }, /ReaderOptions has no option 'strictReads' \(known: strictRead, stringLengthLimit/, TypeError],
    [null, /ReaderOptions must be an object, got null/, TypeError],
    [[1], /ReaderOptions must be an object, got an array of length 1/, TypeError],
  ])('reader options %p are refused', (options, message, type) => {
    expect(() => new BinaryReader(undefined, options as never)).toThrow(type);
    expect(() => new CompactReader(undefined, options as never)).toThrow(message);
  });

  test.each<[unknown, RegExp]>([
    [{ strictWrite: 'no' }, /WriterOptions.strictWrite must be a boolean, got string "no"/],
    [{ strict: false }, /WriterOptions has no option 'strict'/],
  ])('writer options %p are refused', (options, message) => {
    expect(() => new BinaryWriter(new GrowableBuffer(), options as never)).toThrow(message);
    expect(() => new CompactWriter(new GrowableBuffer(), options as never)).toThrow(message);
  });

  test('a sink must have reserve() and commit(); a source must be views', () => {
    expect(() => new BinaryWriter({} as never)).toThrow(/a ByteSink needs reserve\(size\) and commit\(size\) methods, got an object/);
    expect(() => new CompactWriter(undefined as never)).toThrow(TypeError);
    expect(() => new BinaryReader('abc' as never)).toThrow(/a ByteSource must be a Uint8Array or an array of Uint8Array/);
    expect(() => new CompactReader([new Uint8Array(1), 'x'] as never)).toThrow(/ByteSource\[1\] must be a Uint8Array, got string/);
  });

  test('a sink that hands out too little is reported', () => {
    const writer = new BinaryWriter({ reserve: () => new Uint8Array(2), commit: () => undefined });
    expect(() => writer.writeI32(1)).toThrow(/ByteSink.reserve\(256\) returned Uint8Array\(2\), expected at least 4 bytes/);
  });
});

describe('protocol objects', () => {
  test('ids, names and factories', () => {
    expect(binaryProtocol.id).toBe(ProtocolId.BINARY);
    expect(binaryProtocol.name).toBe('binary');
    expect(compactProtocol.id).toBe(ProtocolId.COMPACT);
    expect(compactProtocol.name).toBe('compact');
    expect(binaryProtocol.createReader(new Uint8Array(0))).toBeInstanceOf(BinaryReader);
    expect(binaryProtocol.createWriter(new GrowableBuffer())).toBeInstanceOf(BinaryWriter);
    expect(compactProtocol.createReader(new Uint8Array(0))).toBeInstanceOf(CompactReader);
    expect(compactProtocol.createWriter(new GrowableBuffer())).toBeInstanceOf(CompactWriter);
    expect(Object.isFrozen(binaryProtocol)).toBe(true);
  });

  test('protocolById() knows 0 and 2; anything else is NOT_IMPLEMENTED', () => {
    expect(protocolById(0)).toBe(binaryProtocol);
    expect(protocolById(2)).toBe(compactProtocol);
    for (const id of [1, 3, 255]) {
      let error: unknown;
      try {
        protocolById(id);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TProtocolException);
      expect((error as TProtocolException).type).toBe(TProtocolExceptionType.NOT_IMPLEMENTED);
    }
    expect(() => protocolById(1)).toThrow('protocol id 1 (JSON) is not supported; supported: 0 (binary), 2 (compact)');
  });
});

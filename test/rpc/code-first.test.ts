import {
  binaryProtocol,
  compactProtocol,
  GrowableBuffer,
  TApplicationException,
  ThriftError,
  TProtocolException,
  type CallOptions,
  type Invoker,
  type MethodDescriptor,
  type Protocol,
  type ServerCallContext,
} from '@thriftpoll/protocol';
import {
  CodeFirstError,
  Exception,
  Field,
  Method,
  Service,
  serviceDescriptor,
  Struct,
  structCodec,
  Union,
} from '@thriftpoll/rpc';

@Struct()
class Point {
  @Field(1, 'i32', { required: true }) x = 0;
  @Field(2, 'i32', { required: true }) y = 0;
}

@Struct('Everything')
class AllTypes {
  @Field(1, 'bool') flag?: boolean;
  @Field(2, 'byte') byte?: number;
  @Field(3, 'i16') short?: number;
  @Field(4, 'i32') int?: number;
  @Field(5, 'i64') long?: bigint;
  @Field(6, 'double') real?: number;
  @Field(7, 'string') text?: string;
  @Field(8, 'binary') data?: Uint8Array;
  @Field(9, 'uuid') id?: string;
  @Field(10, Point) point?: Point;
  @Field(11, { list: Point }) points?: Point[];
  @Field(12, { set: 'string' }) tags?: Set<string>;
  @Field(13, { map: ['i64', { list: 'double' }] }) series?: Map<bigint, number[]>;
  @Field(14, 'string') withDefault = 'default';
}

@Union()
class Shape {
  @Field(1, Point) point?: Point;
  @Field(2, 'double') radius?: number;
}

@Exception()
class NotFound extends ThriftError {
  @Field(1, 'string') key = '';
}

function roundTrip<T extends object>(protocol: Protocol, ctor: new () => T, value: object): T {
  const codec = structCodec(ctor);
  const out = new GrowableBuffer();
  const writer = protocol.createWriter(out);
  codec.encode(writer, value as T);
  writer.commit();
  return codec.decode(protocol.createReader(out.toBuffer()));
}

describe.each([binaryProtocol, compactProtocol])('code-first structs over $name', (protocol) => {
  test('every type round-trips', () => {
    const value = {
      flag: true,
      byte: -128,
      short: 32767,
      int: -2147483648,
      long: -(2n ** 63n),
      real: -0,
      text: 'héllo ✓',
      data: Uint8Array.from([0, 255, 7]),
      id: '123e4567-e89b-12d3-a456-426614174000',
      point: { x: 1, y: 2 },
      points: [{ x: 3, y: 4 }],
      tags: new Set(['a', 'b']),
      series: new Map([[2n ** 62n, [1.5, NaN]]]),
      withDefault: 'set',
    };
    const decoded = roundTrip(protocol, AllTypes, value);
    expect(decoded).toBeInstanceOf(AllTypes);
    expect(decoded.point).toBeInstanceOf(Point);
    expect({ ...decoded, data: Buffer.from(decoded.data as Uint8Array) }).toEqual({ ...value, data: Buffer.from(value.data) });
    expect(Object.is(decoded.real, -0)).toBe(true);
  });

  test('unset optional fields stay at their initialisers', () => {
    const decoded = roundTrip(protocol, AllTypes, {});
    expect(decoded.text).toBeUndefined();
    expect(decoded.withDefault).toBe('default');
  });

  test('required fields are enforced both ways', () => {
    expect(() => roundTrip(protocol, Point, { x: 1 })).toThrow('required field Point.y (2) is unset');
    // Decode a Point from bytes that lack y: encode a union-free struct with only field 1.
    const out = new GrowableBuffer();
    const writer = protocol.createWriter(out);
    structCodec(Shape).encode(writer, { radius: 1 } as Shape);
    writer.commit();
    expect(() => structCodec(Point).decode(protocol.createReader(out.toBuffer()))).toThrow('required field Point.x (1) is missing');
  });

  test('unions need exactly one field', () => {
    expect(roundTrip(protocol, Shape, { radius: 2 }).radius).toBe(2);
    expect(() => roundTrip(protocol, Shape, {})).toThrow('union Shape must have exactly one field set, 0 are');
    expect(() => roundTrip(protocol, Shape, { radius: 1, point: { x: 0, y: 0 } })).toThrow('union Shape must have exactly one field set, 2 are');
  });

  test('wrong value types are refused with the path', () => {
    expect(() => roundTrip(protocol, AllTypes, { int: 'x' })).toThrow(TProtocolException);
    expect(() => roundTrip(protocol, AllTypes, { int: 2 ** 31 })).toThrow('Everything.int: expected an integer in [-2147483648, 2147483647] (i32), got number');
    expect(() => roundTrip(protocol, AllTypes, { points: [{ x: 1, y: 'no' }] })).toThrow('Everything.points[0].y: expected an integer');
    expect(() => roundTrip(protocol, AllTypes, { long: 1 })).toThrow('Everything.long: expected a bigint in the i64 range, got number');
  });

  test('exceptions decode as their class', () => {
    const decoded = roundTrip(protocol, NotFound, { key: 'k1' });
    expect(decoded).toBeInstanceOf(NotFound);
    expect(decoded).toBeInstanceOf(ThriftError);
    expect(decoded.key).toBe('k1');
  });
});

@Service('Calculator')
class Calculator {
  @Method({ args: [Point, Point], returns: Point })
  add(a: Point, b: Point, _ctx?: ServerCallContext): Point {
    return { x: a.x + b.x, y: a.y + b.y };
  }

  @Method({ args: ['string'], returns: 'string', throws: [NotFound] })
  async lookup(key: string): Promise<string> {
    throw Object.assign(new NotFound(`no ${key}`), { key });
  }

  @Method({ oneway: true, args: [{ id: 5, type: 'string' }] })
  log(_line: string): void {}

  @Method({ name: 'ping' })
  async pingMethod(): Promise<void> {}
}

@Service('ScientificCalculator', { extends: Calculator })
class ScientificCalculator extends Calculator {
  @Method({ args: ['double'], returns: 'double' })
  sqrt(x: number): number {
    return Math.sqrt(x);
  }
}

/** Runs a method's args and result codecs through real bytes, like a server and a client would. */
function exchange(method: MethodDescriptor, protocol: Protocol, args: readonly unknown[], outcome: { value?: unknown; error?: unknown }): unknown {
  const argsOut = new GrowableBuffer();
  const w1 = protocol.createWriter(argsOut);
  method.writeArgs(w1, args);
  w1.commit();
  const decodedArgs = method.readArgs(protocol.createReader(argsOut.toBuffer()));
  expect(decodedArgs).toEqual(args);
  const resultOut = new GrowableBuffer();
  const w2 = protocol.createWriter(resultOut);
  if ('error' in outcome) expect(method.writeException(w2, outcome.error)).toBe(true);
  else method.writeResult(w2, outcome.value);
  w2.commit();
  return method.readResult(protocol.createReader(resultOut.toBuffer()));
}

describe('code-first services', () => {
  const calculator = serviceDescriptor(Calculator);
  const scientific = serviceDescriptor(ScientificCalculator);

  test('descriptors list own and inherited methods with wire and property names', () => {
    expect(calculator.name).toBe('Calculator');
    expect(Object.keys(calculator.methods).sort()).toEqual(['add', 'log', 'lookup', 'ping']);
    expect(calculator.methods.ping.propertyName).toBe('pingMethod');
    expect(calculator.methods.log.oneway).toBe(true);
    expect(Object.keys(scientific.methods).sort()).toEqual(['add', 'log', 'lookup', 'ping', 'sqrt']);
    expect(scientific.methods.add.serviceName).toBe('Calculator');
    expect(scientific.parent).toBe(calculator);
  });

  test.each([binaryProtocol, compactProtocol])('args, results and declared exceptions over $name', (protocol) => {
    expect(exchange(calculator.methods.add, protocol, [{ x: 1, y: 2 }, { x: 3, y: 4 }], { value: { x: 4, y: 6 } })).toEqual({ x: 4, y: 6 });
    expect(exchange(calculator.methods.ping, protocol, [], { value: undefined })).toBeUndefined();
    const notFound = Object.assign(new NotFound('gone'), { key: 'k' });
    let thrown: unknown;
    try {
      exchange(calculator.methods.lookup, protocol, ['k'], { error: notFound });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NotFound);
    expect((thrown as NotFound).key).toBe('k');
    expect(exchange(calculator.methods.log, protocol, ['line'], { value: undefined })).toBeUndefined();
  });

  test('undeclared errors are not written; a missing result is MISSING_RESULT', () => {
    const out = new GrowableBuffer();
    const writer = binaryProtocol.createWriter(out);
    expect(calculator.methods.lookup.writeException(writer, new Error('boom'))).toBe(false);
    writer.commit();
    expect(out.length).toBe(0);
    // An empty result struct for a non-void method.
    const empty = new GrowableBuffer();
    const w = binaryProtocol.createWriter(empty);
    calculator.methods.ping.writeResult(w, undefined);
    w.commit();
    const error = (() => {
      try {
        calculator.methods.add.readResult(binaryProtocol.createReader(empty.toBuffer()));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TApplicationException);
    expect((error as TApplicationException).code).toBe('MISSING_RESULT');
    expect(() => calculator.methods.add.writeResult(writer, undefined)).toThrow('Calculator.add returned undefined, a Point is expected');
  });

  test('the typed client passes arguments and call options to the invoker', async () => {
    const calls: { method: string; args: readonly unknown[]; options: CallOptions | undefined }[] = [];
    const invoker: Invoker = {
      invoke<A extends readonly unknown[], R>(method: MethodDescriptor<A, R>, args: A, options?: CallOptions): Promise<R> {
        calls.push({ method: method.name, args, options });
        return Promise.resolve({ x: 9, y: 9 } as R);
      },
    };
    const client = scientific.createClient(invoker);
    const result: Point = await client.add({ x: 1, y: 1 }, { x: 2, y: 2 }, { timeout: 50 });
    expect(result).toEqual({ x: 9, y: 9 });
    await client.sqrt(4);
    await client.pingMethod();
    expect(calls).toEqual([
      { method: 'add', args: [{ x: 1, y: 1 }, { x: 2, y: 2 }], options: { timeout: 50 } },
      { method: 'sqrt', args: [4], options: undefined },
      { method: 'ping', args: [], options: undefined },
    ]);
  });

  test('declaration mistakes are reported when the class is defined', () => {
    expect(() => {
      @Struct()
      class Twice {
        @Field(1, 'i32') a = 0;
        @Field(1, 'i32') b = 0;
      }
      return Twice;
    }).toThrow(new CodeFirstError('@Struct Twice: field id 1 is used twice'));
    expect(() => {
      @Struct()
      class NoType {
        @Field(1) a = 0;
      }
      return structCodec(NoType).encode(binaryProtocol.createWriter(new GrowableBuffer()), { a: 1 });
    }).toThrow('NoType.a: the Thrift type cannot be inferred (no type metadata: standard decorators, or emitDecoratorMetadata off)');
    expect(() => {
      @Service()
      class BadOneway {
        @Method({ oneway: true, returns: 'i32' }) f(): number {
          return 1;
        }
      }
      return BadOneway;
    }).toThrow('@Method BadOneway.f: a oneway method returns void and declares no exceptions');
    expect(() => {
      @Service()
      class BadThrows {
        @Method({ throws: [Point] }) f(): void {}
      }
      return BadThrows;
    }).toThrow('@Method BadThrows.f throws[0]: Point is not decorated with @Exception');
    expect(() => serviceDescriptor(Point)).toThrow('Point is not decorated with @Service');
    expect(() => Field(0)).not.toThrow();
    expect(() => {
      @Struct()
      class BadId {
        @Field(0, 'i32') a = 0;
      }
      return BadId;
    }).toThrow('@Field(0) a: field id must be an integer in [1, 32767], got 0');
  });
});

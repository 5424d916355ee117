import * as path from 'node:path';
import { memoryHost } from '@thriftpoll/codegen';
import { binaryProtocol, compactProtocol, deserialize, serialize, TProtocolException, type StructCodec } from '@thriftpoll/protocol';
import { RpcOptionError } from '@thriftpoll/rpc';
import { GenericLoadError, GenericValueError, describeService, loadIdl, type GenericIdl, type JsonObject } from '@thriftpoll/generic';
import { loadGenerated } from '../rpc/helpers/generated';

/*
 * JSON-shaped values through the generic codecs: the same bytes as generated code (both directions, Binary and
 * Compact), every refusal with its field path and what was expected, presence, i64 modes, map forms, names.
 */

const IDL = `
include "shared.thrift"
enum Operation { ADD = 1, SUBTRACT = 2, MULTIPLY = 3, DIVIDE = 4 }
struct Work {
  1: i32 num1 = 0
  2: i32 num2
  3: Operation op
  4: optional string comment
}
struct Inner { 1: required i32 id, 2: optional string label }
union Choice { 1: i64 number, 2: string text, 3: Inner inner }
struct Values {
  1: i64 big
  2: binary blob
  3: list<Inner> items
  4: map<i64, string> byNumber
  5: map<string, i32> byName
  6: map<Inner, string> byStruct
  7: Choice choice
  8: double ratio
  9: uuid id
  10: set<Operation> ops
  11: i8 tiny
  12: Work work
  13: shared.Item item
  14: string constructor
}
struct Guarded { 1: required i32 toString }
service Calculator extends shared.Base { i32 calculate(1: i32 logid, 2: Work w) }
`;
const SHARED = `struct Item { 1: string name }\nservice Base { string ping() }\nservice Calculator { void other() }`;
const host = memoryHost({ '/idl/calc.thrift': IDL, '/idl/shared.thrift': SHARED });
const idl: GenericIdl = loadIdl('/idl/calc.thrift', { host });
const Values = idl.struct('Values');
const Work = idl.struct('Work');

function encodeError(codec: StructCodec<JsonObject>, value: unknown): GenericValueError {
  try {
    serialize(codec, value as JsonObject);
  } catch (error) {
    if (error instanceof GenericValueError) return error;
    throw error;
  }
  throw new Error(`encoding ${JSON.stringify(value)} did not fail`);
}

describe('refusals name the field path, what was seen and what is expected', () => {
  test.each<[StructCodec<JsonObject>, unknown, string, string]>([
    [Work, { num1: 1, op: 'DIVIDEE' }, 'op', 'op: expected enum Operation, got "DIVIDEE"; one of ADD, SUBTRACT, MULTIPLY, DIVIDE, or an i32 number'],
    [Work, { opp: 1 }, 'opp', 'opp: unknown field of struct Work; its fields are num1, num2, op, comment'],
    [Work, { num1: 2147483648 }, 'num1', 'num1: expected i32 (an integer from -2147483648 to 2147483647), got 2147483648'],
    [Work, { num1: '1' }, 'num1', 'num1: expected i32 (an integer from -2147483648 to 2147483647), got "1"'],
    [Work, { work: 1 }, 'work', 'work: unknown field of struct Work; its fields are num1, num2, op, comment'],
    [Values, { big: 1.5 }, 'big', 'big: expected i64 (an integer, or a decimal string for any i64: -9223372036854775808 to 9223372036854775807), got 1.5'],
    [Values, { big: 2 ** 60 }, 'big', 'a number beyond ±2^53 is not exact: give it as a string'],
    [Values, { big: '9223372036854775808' }, 'big', 'big: expected i64'],
    [Values, { big: '12a' }, 'big', 'got "12a"'],
    [Values, { blob: 'not base64!' }, 'blob', 'blob: expected binary (base64 text), got "not base64!"'],
    [Values, { items: {} }, 'items', 'items: expected list<Inner> (an array), got {}'],
    [Values, { items: [{ id: 1 }, { label: 'x' }] }, 'items[1].id', 'items[1].id: required field of struct Inner is missing'],
    [Values, { items: [{ id: 1 }, 7] }, 'items[1]', 'items[1]: expected struct Inner (an object of its fields by name), got 7'],
    [Values, { byNumber: { x: 'a' } }, 'byNumber["x"]', 'byNumber["x"]: expected i64'],
    [Values, { byNumber: [['1', 'a'], ['2']] }, 'byNumber[1]', 'byNumber[1]: expected a [key, value] pair, got an array of 1'],
    [Values, { byNumber: [['1', 2]] }, 'byNumber[0][1]', 'byNumber[0][1]: expected string, got 2'],
    [Values, { byName: { a: 'one' } }, 'byName["a"]', 'byName["a"]: expected i32'],
    [Values, { byStruct: { a: 'x' } }, 'byStruct', 'byStruct: expected map<Inner, string> ([[key, value], ...]: its keys are not text), got an object with a'],
    [Values, { choice: {} }, 'choice', 'choice: union Choice takes exactly one of number, text, inner, found none'],
    [Values, { choice: { number: '1', text: 'a' } }, 'choice', 'found 2 (number, text)'],
    [Values, { choice: { word: 'a' } }, 'choice.word', 'choice.word: unknown field of union Choice; its fields are number, text, inner'],
    [Values, { ratio: 'nan' }, 'ratio', 'ratio: expected double (a number, or "NaN", "Infinity", "-Infinity"), got "nan"'],
    [Values, { id: '123' }, 'id', 'id: expected uuid'],
    [Values, { ops: ['ADD', 'MODULO'] }, 'ops[1]', 'ops[1]: expected enum Operation, got "MODULO"'],
    [Values, { tiny: 128 }, 'tiny', 'tiny: expected i8 (an integer from -128 to 127), got 128'],
    [Values, { work: { op: true } }, 'work.op', 'work.op: expected enum Operation, got true'],
    [Values, { item: { name: 1 } }, 'item.name', 'item.name: expected string, got 1'],
    [Values, { constructor: 5 }, 'constructor', 'constructor: expected string, got 5'],
  ])('case %#', (codec, value, at, message) => {
    const error = encodeError(codec, value);
    expect(error).toBeInstanceOf(TProtocolException);
    expect(error.code).toBe('INVALID_DATA');
    expect(error.path).toBe(at);
    expect(error.message).toContain(message);
  });

  test('a method\'s arguments are paths from the argument names', () => {
    const calculate = idl.service('Calculator').method('calculate');
    expect(encodeError(calculate.args, { logid: 1, w: { op: 'DIVIDEE' } }).message).toBe(
      'w.op: expected enum Operation, got "DIVIDEE"; one of ADD, SUBTRACT, MULTIPLY, DIVIDE, or an i32 number',
    );
    expect(encodeError(calculate.args, { logid: 1, work: {} }).message).toBe('work: unknown field of the arguments of calculate; its fields are logid, w');
  });
});

describe('values', () => {
  test.each([binaryProtocol, compactProtocol])('absent fields stay absent both ways (%#)', (protocol) => {
    expect(serialize(Work, {}, protocol)).toEqual(Buffer.from([0]));
    expect(deserialize(Work, Buffer.from([0]), protocol)).toEqual({});
    expect(deserialize(Work, serialize(Work, { num2: 3, comment: null }, protocol), protocol)).toEqual({ num2: 3 });
    expect(() => deserialize(idl.struct('Inner'), serialize(idl.struct('Inner'), { id: 1 }, protocol).subarray(-1), protocol)).toThrow(
      'Inner.id (field 1) is required but was not in the input',
    );
  });

  test.each([binaryProtocol, compactProtocol])('round trips, map forms and enum values (%#)', (protocol) => {
    const value: JsonObject = {
      big: '-9223372036854775808',
      blob: Buffer.from('hello').toString('base64'),
      items: [{ id: 1, label: 'one' }, { id: 2 }],
      byNumber: [['9223372036854775807', 'max']],
      byName: { a: 1, __proto__: 2 } as unknown as JsonObject,
      byStruct: [[{ id: 1 }, 'first']],
      choice: { inner: { id: 3 } },
      ratio: '-Infinity',
      id: '123E4567-E89B-12D3-A456-426614174000',
      ops: ['ADD', 4],
      tiny: -128,
      item: { name: 'n' },
      constructor: 'c',
    };
    const back = deserialize(Values, serialize(Values, value, protocol), protocol);
    expect(JSON.parse(JSON.stringify(back))).toEqual({
      ...value,
      byName: { a: 1 },
      id: '123e4567-e89b-12d3-a456-426614174000',
      ops: ['ADD', 'DIVIDE'],
    });
    // An object given for a map with non-string keys: keys converted from their text.
    expect(deserialize(Values, serialize(Values, { byNumber: { '-1': 'm' } }, protocol), protocol)).toEqual({ byNumber: [['-1', 'm']] });
    // Enum values the IDL does not name decode as their number.
    expect(deserialize(Work, serialize(Work, { op: 9 }, protocol), protocol)).toEqual({ op: 9 });
  });

  test('fields named like Object.prototype members are read as own properties only', () => {
    const Guarded = idl.struct('Guarded');
    expect(encodeError(Guarded, {}).message).toBe('toString: required field of struct Guarded is missing');
    expect(() => deserialize(Guarded, Buffer.from([0]))).toThrow('Guarded.toString (field 1) is required but was not in the input');
    expect(deserialize(Guarded, serialize(Guarded, { toString: 5 } as unknown as JsonObject))).toEqual({ toString: 5 });
  });

  test('a map key named __proto__ from the peer is an ordinary key', () => {
    const byName = JSON.parse('{"__proto__": 7}') as JsonObject;
    const back = deserialize(Values, serialize(Values, { byName }));
    expect(Object.keys(back.byName as object)).toEqual(['__proto__']);
    expect(JSON.stringify(back)).toBe('{"byName":{"__proto__":7}}');
  });

  test("int64: 'number' decodes i64 as numbers and refuses those beyond 2^53", () => {
    const numbers = loadIdl('/idl/calc.thrift', { host, int64: 'number' }).struct('Values');
    expect(deserialize(numbers, serialize(Values, { big: '9007199254740991' }))).toEqual({ big: 9007199254740991 });
    expect(() => deserialize(numbers, serialize(Values, { big: '9007199254740992' }))).toThrow(/does not fit a JavaScript number exactly/);
    expect(() => loadIdl('/idl/calc.thrift', { host, int64: 'bigint' as 'number' })).toThrow(new RpcOptionError("int64 must be 'string' or 'number', got \"bigint\""));
    expect(() => loadIdl('/idl/calc.thrift', { host, include: ['x'] } as object)).toThrow("IDL options have no option 'include' (known: includeDirs, int64, host)");
    expect(() => loadIdl('/idl/calc.thrift', { host, includeDirs: 'idl' as unknown as string[] })).toThrow('includeDirs must be an array of directory paths, got "idl"');
    expect(() => loadIdl([])).toThrow('the IDL files must be a path or a non-empty array of paths, got []');
  });
});

describe('the same bytes as generated code', () => {
  const generated = loadGenerated('shapes.thrift');
  afterAll(() => generated.remove());
  const Everything = generated.modules.shapes.Everything as StructCodec<Record<string, unknown>>;
  const shapes = loadIdl(path.join(__dirname, '..', 'rpc', 'fixtures', 'shapes.thrift')).struct('Everything');
  const json: JsonObject = {
    flag: false,
    b: 7,
    s: -2,
    i: 3,
    l: '9223372036854775807',
    d: 0.25,
    str: 'text',
    bin: 'AAEC',
    id: '00000000-0000-0000-0000-000000000001',
    items: [{ id: 1 }],
    tags: ['t'],
    series: [['-1', [1, 2]]],
    color: 'RED',
    choice: { text: 'x' },
    opt: 'o',
    withDefault: 'w',
  };
  const typed = {
    ...json,
    l: 2n ** 63n - 1n,
    bin: Buffer.from([0, 1, 2]),
    tags: new Set(['t']),
    series: new Map([[-1n, [1, 2]]]),
    color: 1,
  };

  test.each([binaryProtocol, compactProtocol])('generic encode = generated encode, and each decodes the other (%#)', (protocol) => {
    const fromGeneric = serialize(shapes, json, protocol);
    const fromGenerated = serialize(Everything, typed, protocol);
    expect(fromGeneric).toEqual(fromGenerated);
    expect(deserialize(shapes, fromGenerated, protocol)).toEqual(json);
    expect(deserialize(Everything, fromGeneric, protocol)).toEqual(typed);
  });
});

describe('names', () => {
  test('bare names reach included files; a name in a root wins; unknown and ambiguous names are explained', () => {
    expect(idl.service('Base').name).toBe('Base');
    expect(idl.service('shared.Base').methods.ping.serviceName).toBe('Base');
    const calculator = idl.service('Calculator');
    expect(calculator.file).toBe('calc');
    expect(Object.keys(calculator.methods)).toEqual(['ping', 'calculate']);
    expect(calculator.methods.ping).toBe(idl.service('Base').methods.ping);
    expect(idl.service('shared.Calculator').file).toBe('shared');
    expect(() => idl.service('Calc')).toThrow(new GenericLoadError("no service 'Calc' in the loaded IDL; it defines calc.Calculator, shared.Base, shared.Calculator"));
    expect(() => calculator.method('calc')).toThrow("service Calculator has no method 'calc'; its methods are ping, calculate");
    expect(() => idl.struct('Operation')).toThrow("no struct, union or exception 'Operation'");
    const both = loadIdl(['/idl/calc.thrift', '/idl/shared.thrift'], { host });
    expect(() => both.service('Calculator')).toThrow("service name 'Calculator' is ambiguous: calc.Calculator, shared.Calculator; qualify it");
  });
});

test('describeService lists typedefs and the types behind them, each once', () => {
  const typedefs = loadIdl('/t.thrift', {
    host: memoryHost({ '/t.thrift': 'typedef i32 MyInteger\ntypedef list<Item> Items\nstruct Item { 1: MyInteger n = 3 }\nservice S { Items get(1: MyInteger x, 2: Items more) }' }),
  });
  expect(describeService(typedefs.schema, typedefs.service('S'))).toBe(
    'service S {\n  Items get(1: MyInteger x, 2: Items more)\n}\n\ntypedef list<Item> Items\n\nstruct Item {\n  1: MyInteger n = 3\n}\n\ntypedef i32 MyInteger\n',
  );
});

import { T } from './schema';
import type { StructDesc, StructValue, TypeDesc } from './schema';

/**
 * The interop corpus: values covering every type and its edge cases, each wrapped in a struct. Values on which
 * Apache's npm library is known to be wrong (-0.0, some powers of two, bools inside Compact containers) are not
 * here: apache-divergences.test.ts covers them and asserts Apache's actual behaviour.
 */
export interface CorpusEntry {
  name: string;
  desc: StructDesc;
  value: StructValue;
}

function single(name: string, type: TypeDesc, values: unknown[]): CorpusEntry[] {
  return values.map((v, i) => ({
    name: `${name}[${i}]`,
    desc: T.struct('Single', [[1, 'v', type]]),
    value: { v },
  }));
}

/** Every byte value, in order. */
export const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

export const MULTIBYTE = [
  'héllo wörld',
  'Привет, мир',
  '日本語のテキスト',
  '😀🚀 emoji outside the BMP 𝄞',
  'mixed: a é 日 😀 z',
  '\u0000nul inside\u0000',
  '\u007f\u0080\u07ff\u0800\uffff',
];

function repeat(text: string, length: number): string {
  return text.repeat(Math.ceil(length / text.length)).slice(0, length);
}

/** Strings around the sizes where encodings change: Compact varint prefixes (128, 16384), writer fast paths. */
export const STRING_EDGES = [
  '',
  'a',
  repeat('abc', 42),
  repeat('abc', 43),
  repeat('abc', 127),
  repeat('abc', 128),
  repeat('é', 42),
  repeat('é', 43),
  repeat('日', 43),
  repeat('x', 4096),
  repeat('x', 4097),
  repeat('é', 5461),
  repeat('é', 8192),
  repeat('xy', 16383),
  repeat('xy', 16384),
  repeat('ab😀', 20000),
];

export const I64_EDGES = [
  -(2n ** 63n),
  -(2n ** 63n) + 1n,
  -(2n ** 53n) - 1n,
  -(2n ** 31n),
  -1n,
  0n,
  1n,
  63n,
  64n,
  2n ** 31n,
  2n ** 32n,
  2n ** 53n + 1n,
  1732357800123n,
  2n ** 63n - 1n,
];

export const DOUBLE_EDGES = [
  0,
  1,
  -1.5,
  Math.PI,
  -Math.E,
  1e300,
  -1e-300,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_SAFE_INTEGER,
  0.1,
  Infinity,
  -Infinity,
  NaN,
];

function uuidCorpus(): string[] {
  return ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '123e4567-e89b-12d3-a456-426614174000'];
}

const Sub = T.struct('Sub', [
  [1, 'id', T.i32],
  [2, 'name', T.string],
]);

/** A struct nested `depth` levels deep through field 1. */
function nestedStruct(depth: number): { desc: StructDesc; value: StructValue } {
  let desc = T.struct('Leaf', [[1, 'leaf', T.string]]);
  let value: StructValue = { leaf: 'bottom' };
  for (let i = 0; i < depth; i++) {
    desc = T.struct(`Level${i}`, [
      [1, 'child', desc],
      [2, 'n', T.i32],
    ]);
    value = { child: value, n: i };
  }
  return { desc, value };
}

const nested = nestedStruct(5);

export const Everything = T.struct('Everything', [
  [1, 'flag', T.bool],
  [2, 'small', T.byte],
  [3, 'short', T.i16],
  [4, 'int', T.i32],
  [5, 'long', T.i64],
  [6, 'real', T.double],
  [7, 'text', T.string],
  [8, 'data', T.binary],
  [9, 'id', T.uuid],
  [10, 'ints', T.list(T.i32)],
  [11, 'names', T.set(T.string)],
  [12, 'scores', T.map(T.string, T.i64)],
  [13, 'subs', T.list(Sub)],
  [14, 'bySub', T.map(T.i32, Sub)],
  [15, 'off', T.bool],
]);

export function corpus(): CorpusEntry[] {
  const entries: CorpusEntry[] = [
    ...single('bool', T.bool, [true, false]),
    ...single('byte', T.byte, [-128, -1, 0, 1, 127]),
    ...single('i16', T.i16, [-32768, -1, 0, 1, 63, 64, 32767]),
    ...single('i32', T.i32, [-2147483648, -1, 0, 1, 63, 64, 8191, 8192, 2147483647]),
    ...single('i64', T.i64, I64_EDGES),
    ...single('double', T.double, DOUBLE_EDGES),
    ...single('string', T.string, [...STRING_EDGES, ...MULTIBYTE]),
    ...single('binary', T.binary, [Buffer.alloc(0), ALL_BYTES, Buffer.alloc(100_000, 0xa5)]),
    ...single('uuid', T.uuid, uuidCorpus()),
    ...single('list<i32>', T.list(T.i32), [[], [1], Array.from({ length: 14 }, (_, i) => i), Array.from({ length: 15 }, (_, i) => 0 - i), Array.from({ length: 1000 }, (_, i) => i * 7919)]),
    ...single('list<byte>', T.list(T.byte), [[-128, 0, 127]]),
    ...single('list<double>', T.list(T.double), [[0.5, -2, 1e10]]),
    ...single('list<i64>', T.list(T.i64), [I64_EDGES]),
    ...single('list<uuid>', T.list(T.uuid), [uuidCorpus()]),
    ...single('set<string>', T.set(T.string), [[], ['a', 'é', '😀'], Array.from({ length: 200 }, (_, i) => `k${i}`)]),
    ...single('map<string,i64>', T.map(T.string, T.i64), [[], [['a', 1n], ['b', -(2n ** 63n)]]]),
    ...single('map<i64,string>', T.map(T.i64, T.string), [[[2n ** 60n, 'big'], [-5n, 'neg']]]),
    ...single('map<i32,binary>', T.map(T.i32, T.binary), [[[1, ALL_BYTES], [2, Buffer.alloc(0)]]]),
    ...single('map<double,uuid>', T.map(T.double, T.uuid), [[[1.5, uuidCorpus()[2]]]]),
    ...single('list<Sub>', T.list(Sub), [[{ id: 1, name: 'one' }, {}, { name: 'only name' }]]),
    ...single(
      'nested containers (5 deep)',
      T.list(T.map(T.string, T.list(T.set(T.list(T.i32))))),
      [
        [
          [['x', [[[1, 2], []], [[3]]]], ['y', []]],
          [],
        ],
      ],
    ),
    ...single('map<string,map<string,list<string>>>', T.map(T.string, T.map(T.string, T.list(T.string))), [[['outer', [['inner', ['a', 'b']]]]]]),
    {
      name: 'nested structs (5 deep)',
      desc: nested.desc,
      value: nested.value,
    },
    {
      name: 'sparse and large field ids',
      desc: T.struct('Sparse', [
        [1, 'a', T.i32],
        [16, 'b', T.i32],
        [17, 'c', T.bool],
        [33, 'd', T.bool],
        [32767, 'e', T.string],
        [2, 'f', T.i32],
        [-1, 'g', T.i32],
        [-32768, 'h', T.bool],
        [1000, 'i', T.i64],
      ]),
      value: { a: 1, b: 2, c: true, d: false, e: 'max id', f: 3, g: -1, h: true, i: 5n },
    },
    {
      name: 'empty struct',
      desc: T.struct('Empty', []),
      value: {},
    },
    {
      name: 'Everything',
      desc: Everything,
      value: {
        flag: true,
        small: -7,
        short: 1234,
        int: -123456,
        long: 9007199254740993n,
        real: 0.125,
        text: 'everything ✓',
        data: ALL_BYTES,
        id: '123e4567-e89b-12d3-a456-426614174000',
        ints: [1, -1, 2147483647],
        names: ['alpha', 'beta'],
        scores: [['alpha', 10n], ['beta', -20n]],
        subs: [{ id: 1, name: 'a' }],
        bySub: [[7, { id: 7, name: 'seven' }]],
        off: false,
      },
    },
  ];
  return entries;
}

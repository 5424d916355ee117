import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  findDefinition,
  IdlError,
  loadSchema,
  memoryHost,
  resolveTypedef,
  serviceFunctions,
  type ConstDefinition,
  type Definition,
  type EnumDefinition,
  type Schema,
  type ServiceDefinition,
  type StructDefinition,
} from '@thriftpoll/codegen';
import { tokenize, type Token } from '../../codegen/src/lexer';
import { SourceFile } from '../../codegen/src/source';
import { fixture, GOLDEN, tempDir } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { writeLargeIdl } = require('../bench/codegen/large-idl.js') as {
  writeLargeIdl(dir: string, options?: { files?: number; structsPerFile?: number }): { entry: string; files: string[]; lines: number };
};

function tokens(text: string): Token[] {
  return tokenize(new SourceFile('/t.thrift', 't.thrift', text));
}

function simplified(text: string): (string | number | bigint)[][] {
  return tokens(text)
    .filter((t) => t.kind !== 'eof')
    .map((t) => (t.kind === 'int' || t.kind === 'double' || t.kind === 'string' ? [t.kind, t.value] : [t.kind, t.text]));
}

describe('lexer', () => {
  test('integers: decimal, hex, signed; true and false are names', () => {
    expect(simplified('0 42 -7 +3 0x1F -0x80 0XfF 9223372036854775807 true')).toEqual([
      ['int', 0n],
      ['int', 42n],
      ['int', -7n],
      ['int', 3n],
      ['int', 31n],
      ['int', -128n],
      ['int', 255n],
      ['int', 9223372036854775807n],
      ['identifier', 'true'],
    ]);
  });

  test('doubles: fraction, leading dot, exponent with and without sign', () => {
    expect(simplified('1.5 .5 -0.25 1e10 -2.5E-3 3E+2 0.0')).toEqual([
      ['double', 1.5],
      ['double', 0.5],
      ['double', -0.25],
      ['double', 1e10],
      ['double', -0.0025],
      ['double', 300],
      ['double', 0],
    ]);
  });

  test('a word that starts with a letter is a name, dots join its parts', () => {
    expect(simplified('e10 shared.Item a.b.c _x1 x.Y_2')).toEqual([
      ['identifier', 'e10'],
      ['identifier', 'shared.Item'],
      ['identifier', 'a.b.c'],
      ['identifier', '_x1'],
      ['identifier', 'x.Y_2'],
    ]);
  });

  test('strings: both quotes and every escape', () => {
    expect(simplified(String.raw`"a\"b" 'c\'d' "\\ \n \r \t \u00e9 \u4e16" 'say "hi"' ""`)).toEqual([
      ['string', 'a"b'],
      ['string', "c'd"],
      ['string', '\\ \n \r \t é 世'],
      ['string', 'say "hi"'],
      ['string', ''],
    ]);
  });

  test('symbols', () => {
    expect(simplified('{}()[]<>,;:=*&').map((t) => t[1]).join('')).toBe('{}()[]<>,;:=*&');
  });

  test('comments are dropped; the last doc comment attaches to the next token, cleaned', () => {
    const list = tokens(`
      // line comment { not a brace }
      # shell comment
      /* block
         comment */
      /**/ struct
      /** ignored: replaced by the next doc comment */
      /**
       * First line.
       *
       *   indented line
       */
      Foo /** single line */ bar`);
    expect(list.map((t) => t.text)).toEqual(['struct', 'Foo', 'bar', '']);
    expect(list[0].doc).toBeUndefined();
    expect(list[1].doc).toBe('First line.\n\n  indented line');
    expect(list[2].doc).toBe('single line');
  });

  test('positions are offsets into the text; a byte-order mark is not counted', () => {
    const source = new SourceFile('/t.thrift', 't.thrift', '\ufeffstruct  S\r\n{ }');
    const [s, name, open] = tokenize(source);
    expect([s.start, name.start, open.start]).toEqual([0, 8, 11]);
    expect(source.position(open.start)).toEqual({ line: 2, column: 1 });
    expect(source.lineText(1)).toBe('struct  S');
  });
});

describe('the corpus: every construct (fixtures/corpus/everything.thrift)', () => {
  let schema: Schema;
  let warnings: readonly { code: string; message: string; line: number }[];
  beforeAll(() => {
    ({ schema, warnings } = loadSchema([fixture('corpus', 'everything.thrift')], { includeDirs: [fixture('corpus', 'include')] }));
  });
  const def = <D extends Definition>(name: string, file = 'everything'): D => {
    const found = findDefinition(schema, { file, name });
    if (!found) throw new Error(`no ${file}.${name}`);
    return found as D;
  };
  const constant = (name: string) => def<ConstDefinition>(name).value;

  test('files: roots first, then includes (relative, nested, and through -I), keyed by module name', () => {
    expect(schema.version).toBe(1);
    expect(schema.roots).toEqual(['everything']);
    expect(Object.keys(schema.files)).toEqual(['everything', 'shared', 'base', 'annotated']);
    expect(schema.files.everything.includes).toEqual(['shared', 'annotated']);
    expect(schema.files.shared.includes).toEqual(['base']);
    expect(schema.files.base.path).toBe(fixture('corpus', 'deep', 'base.thrift'));
    expect(schema.files.annotated.path).toBe(fixture('corpus', 'include', 'annotated.thrift'));
  });

  test('headers: namespaces (language, *, legacy forms), cpp_include, the file doc comment', () => {
    const f = schema.files.everything;
    expect(f.namespaces).toEqual({
      '*': 'everything',
      js: 'everything.js',
      go: 'github.com_example.everything',
      php: 'Everything',
      xsd: 'http://example.com/everything',
    });
    expect(f.cppIncludes).toEqual(['<unordered_map>', '<vector>']);
    expect(f.doc).toMatch(/^Every construct of the Thrift IDL/);
  });

  test('typedefs keep the aliased type and resolve chains across files', () => {
    expect(def<Definition & { type: unknown }>('MyInt').type).toEqual({ kind: 'i32' });
    expect(def('MyInt').annotations).toEqual({ 'cpp.type': ['int32_t'] });
    const id = def<Definition & { type: Parameters<typeof resolveTypedef>[0] }>('Id').type;
    expect(id).toEqual({ kind: 'typedef', file: 'shared', name: 'Id', target: { kind: 'i64' } });
    expect(def<Definition & { type: unknown }>('OldString').type).toEqual({ kind: 'string' }); // slist
    expect(def<Definition & { type: unknown }>('SeverityByName').type).toEqual({ kind: 'map', key: { kind: 'string' }, value: { kind: 'enum', file: 'shared', name: 'Severity' } });
  });

  test('enums: explicit, implicit (previous + 1), negative and hex values, docs and annotations', () => {
    const level = def<EnumDefinition>('Level');
    expect(level.values.map((v) => [v.name, v.value])).toEqual([
      ['LOW', -10],
      ['MID', -9],
      ['HIGH', 16],
      ['EXTREME', 17],
      ['MAXED', 2147483647],
    ]);
    expect(level.values[0].doc).toBe('The lowest.');
    expect(level.values[4].annotations).toEqual({ note: ['i32 max'] });
    expect(level.annotations).toEqual({ annotated: ['yes'] });
    expect(level.doc).toBe('Explicit, implicit and negative values.');
  });

  test('senum', () => {
    expect(def<Definition & { values: string[] }>('Flavour').values).toEqual(['vanilla', 'chocolate', 'strawberry']);
  });

  test('constants: every literal form, checked and converted to the declared type', () => {
    expect(constant('TINY')).toEqual({ kind: 'int', value: '-128' });
    expect(constant('HEX')).toEqual({ kind: 'int', value: '2147483647' });
    expect(constant('NEG_HEX')).toEqual({ kind: 'int', value: '-128' });
    expect(constant('HUGE')).toEqual({ kind: 'int', value: '9223372036854775807' });
    expect(constant('HUGE_NEG')).toEqual({ kind: 'int', value: '-9223372036854775808' });
    expect(constant('PI')).toEqual({ kind: 'double', value: 3.14159 });
    expect(constant('EXP')).toEqual({ kind: 'double', value: 1e10 });
    expect(constant('NEG_EXP')).toEqual({ kind: 'double', value: -0.0025 });
    expect(constant('HALF')).toEqual({ kind: 'double', value: 0.5 });
    expect(constant('FROM_INT')).toEqual({ kind: 'double', value: 3 });
    expect(constant('YES')).toEqual({ kind: 'bool', value: true });
    expect(constant('NO')).toEqual({ kind: 'bool', value: false });
    expect(constant('ESCAPES')).toEqual({ kind: 'string', value: 'tab\there "quoted" \'single\' back\\slash\nnew line é' });
    expect(constant('SINGLE')).toEqual({ kind: 'string', value: "it's" });
    expect(constant('RAW')).toEqual({ kind: 'string', value: 'bytes\u0001' });
  });

  test('constants: enum values (qualified, bare, by number), references to constants and across includes', () => {
    const level = (name: string, value: number) => ({ kind: 'enum', file: 'everything', enum: 'Level', name, value });
    expect(constant('DEFAULT_LEVEL')).toEqual(level('MID', -9));
    expect(constant('BARE_LEVEL')).toEqual(level('HIGH', 16));
    expect(constant('LEVEL_FROM_INT')).toEqual(level('EXTREME', 17));
    expect(constant('LEVEL_AS_INT')).toEqual({ kind: 'int', value: '16' });
    expect(constant('REF')).toEqual({ kind: 'int', value: '2147483647' });
    expect(constant('SEVERE')).toEqual({ kind: 'enum', file: 'shared', enum: 'Severity', name: 'CRITICAL', value: 3 });
    expect(constant('FROM_SHARED')).toEqual({ kind: 'int', value: '1000' }); // shared.LIMIT = base.BASE_LIMIT
    expect(constant('FAVOURITE')).toEqual({ kind: 'string', value: 'chocolate' });
    expect(constant('TYPEDEF_LIST')).toEqual({ kind: 'list', elems: [{ kind: 'int', value: '2147483647' }, { kind: 'int', value: '-128' }] });
  });

  test('constants: lists (any separators), sets, maps, structs (fields in field order), forward references', () => {
    expect(constant('NUMBERS')).toEqual({ kind: 'list', elems: ['1', '2', '3', '4'].map((value) => ({ kind: 'int', value })) });
    expect(constant('WORDS')).toEqual({ kind: 'set', elems: [{ kind: 'string', value: 'a' }, { kind: 'string', value: 'b' }] });
    expect(constant('BY_ID')).toEqual({
      kind: 'map',
      entries: [
        [{ kind: 'int', value: '1' }, { kind: 'string', value: 'one' }],
        [{ kind: 'int', value: '-2' }, { kind: 'string', value: 'minus two' }],
      ],
    });
    const levels = constant('LEVELS');
    expect(levels.kind === 'map' && levels.entries[1]).toEqual([{ kind: 'string', value: 'none' }, { kind: 'list', elems: [] }]);
    expect(constant('DEFAULT_ITEM')).toEqual({
      kind: 'struct',
      fields: [
        { id: 1, name: 'id', value: { kind: 'int', value: '7' } },
        { id: 2, name: 'name', value: { kind: 'string', value: 'seven' } },
        { id: 3, name: 'tags', value: { kind: 'list', elems: [{ kind: 'string', value: 'x' }] } },
      ],
    });
    expect(constant('LEAF')).toEqual({ kind: 'struct', fields: [{ id: 1, name: 'value', value: { kind: 'int', value: '1' } }] });
  });

  test('struct fields: explicit and implicit ids, requiredness, defaults, annotations, container options', () => {
    const fields = def<StructDefinition>('Fields').fields;
    const byName = new Map(fields.map((f) => [f.name, f]));
    expect(fields.map((f) => f.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1, -2, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(byName.get('name')).toMatchObject({ requiredness: 'required', annotations: { 'go.tag': ['json:"name"'], 'vt.min_size': ['1'] } });
    expect(byName.get('count')).toMatchObject({ requiredness: 'optional', default: { kind: 'int', value: '10' } });
    expect(byName.get('level')).toMatchObject({ requiredness: 'default', default: { kind: 'enum', name: 'HIGH', value: 16 } });
    expect(byName.get('items')!.type).toEqual({ kind: 'list', elem: { kind: 'string' }, annotations: { 'cpp.template': ['std::list'] } });
    expect(byName.get('table')!.type).toEqual({ kind: 'map', key: { kind: 'string' }, value: { kind: 'i64' }, cppType: 'std::unordered_map<std::string, int64_t>' });
    expect(byName.get('legacyList')!.type).toEqual({ kind: 'list', elem: { kind: 'i32' }, cppType: 'std::vector<int32_t>' });
    expect(byName.get('item')!.type).toEqual({ kind: 'struct', file: 'shared', name: 'Item' });
    expect(byName.get('implicitSecond')).toMatchObject({ id: -2, default: { kind: 'double', value: 1.5 } });
    expect(byName.get('data')!.default).toEqual({ kind: 'string', value: '\u0000\u00ff' });
    expect(byName.get('namespace')!.doc).toBe('A field named like a keyword, which the Apache grammar allows.');
    expect(byName.get('small')!.type).toEqual({ kind: 'i8' });
    expect(def('Fields').annotations).toEqual({ 'doc.hint': ['fields'] });
    expect(byName.get('name')!.location).toEqual({ line: 79, column: 22 });
  });

  test('unions, exceptions, recursive and empty structs', () => {
    const choice = def<StructDefinition>('Choice');
    expect(choice.kind).toBe('union');
    expect(choice.fields.every((f) => f.requiredness === 'optional')).toBe(true);
    expect(choice.annotations).toEqual({ 'union.annotation': ['1'] });
    expect(def<StructDefinition>('Problem').kind).toBe('exception');
    expect(def<StructDefinition>('Tree').fields[1].type).toEqual({ kind: 'list', elem: { kind: 'struct', file: 'everything', name: 'Tree' } });
    expect(def<StructDefinition>('Empty').fields).toEqual([]);
  });

  test('services: extends across includes, oneway (and async), throws, argument defaults, annotations, docs', () => {
    const svc = def<ServiceDefinition>('Everything');
    expect(svc.extends).toEqual({ file: 'shared', name: 'Pinger' });
    expect(svc.annotations).toEqual({ 'service.annotation': ['1'] });
    const fn = new Map(svc.functions.map((f) => [f.name, f]));
    expect([...fn.keys()]).toEqual(['get', 'put', 'notify', 'legacyOneway', 'choices', 'nothing', 'deep']);
    const get = fn.get('get')!;
    expect(get.doc).toBe('A documented call.');
    expect(get.annotations).toEqual({ 'http.method': ['GET'] });
    expect(get.returnType).toEqual({ kind: 'struct', file: 'everything', name: 'Fields' });
    expect(get.args.map((a) => [a.id, a.name, a.requiredness])).toEqual([[1, 'id', 'default'], [2, 'level', 'default']]);
    expect(get.throws.map((t) => [t.id, t.name, t.type])).toEqual([
      [1, 'problem', { kind: 'exception', file: 'everything', name: 'Problem' }],
      [2, 'failure', { kind: 'exception', file: 'shared', name: 'Failure' }],
    ]);
    expect(fn.get('notify')).toMatchObject({ oneway: true, returnType: { kind: 'void' } });
    expect(fn.get('legacyOneway')!.oneway).toBe(true);
    expect(fn.get('choices')!.args[0].default).toEqual({ kind: 'struct', fields: [{ id: 1, name: 'text', value: { kind: 'string', value: 'seed' } }] });
  });

  test('serviceFunctions() walks the extends chain: ancestors first', () => {
    const functions = serviceFunctions(schema, def<ServiceDefinition>('Child'));
    expect([...functions.keys()]).toEqual(['health', 'ping', 'get', 'put', 'notify', 'legacyOneway', 'choices', 'nothing', 'deep', 'more']);
    expect(functions.get('health')!.service).toEqual({ file: 'base', name: 'Root' });
    expect(functions.get('more')!.fn.args[0].default).toEqual({ kind: 'int', value: '9223372036854775807' });
  });

  test('annotations: repeated keys keep every value in order; a key without a value is "1"', () => {
    const tagged = findDefinition(schema, { file: 'annotated', name: 'Tagged' }) as StructDefinition;
    expect(tagged.fields[0].annotations).toEqual({ a: ['1', '3'], b: ['2'] });
    expect(tagged.annotations).toEqual({ x: ['1'], y: ['z'] });
  });

  test('deprecated and implicit forms are warnings, not errors', () => {
    const summary = warnings.map((w) => `${w.code}:${w.line}`);
    expect(summary).toEqual(
      expect.arrayContaining(['DEPRECATED:16', 'DEPRECATED:17', 'DEPRECATED:27', 'DEPRECATED:39', 'DEPRECATED:134', 'IMPLICIT_FIELD_ID:89', 'IMPLICIT_FIELD_ID:90', 'IGNORED:131']),
    );
    expect(warnings.find((w) => w.code === 'IMPLICIT_FIELD_ID')!.message).toMatch(/field 'implicitFirst' of struct Fields has no id, so it gets -1/);
  });

  test('the schema model is plain JSON and matches golden/schema/corpus.json', () => {
    const json = JSON.stringify(schema, null, 2);
    expect(JSON.parse(json)).toEqual(schema);
    const golden = path.join(GOLDEN, 'schema', 'corpus.json');
    if (process.env.UPDATE_GOLDEN) {
      fs.mkdirSync(path.dirname(golden), { recursive: true });
      fs.writeFileSync(golden, `${json}\n`);
    }
    expect(`${json}\n`).toBe(fs.readFileSync(golden, 'utf8'));
  });
});

describe('real-world style IDLs', () => {
  test('Kitex-style service repository: relative includes, -I includes, annotations everywhere', () => {
    const { schema, warnings } = loadSchema([fixture('realworld', 'idl', 'user', 'user_service.thrift')], { includeDirs: [fixture('realworld', 'idl')] });
    expect(warnings).toEqual([]);
    expect(Object.keys(schema.files).sort()).toEqual(['base', 'errors', 'page', 'user', 'user_service']);
    const svc = findDefinition(schema, { file: 'user_service', name: 'UserService' }) as ServiceDefinition;
    expect(svc.annotations).toEqual({ 'api.base_domain': ['user.example.com'], 'agw.service': ['user'] });
    expect(svc.functions.map((f) => Object.keys(f.annotations)[0])).toEqual(['api.get', 'api.get', 'api.put', 'api.delete', 'api.post']);
    const user = findDefinition(schema, { file: 'user', name: 'User' }) as StructDefinition;
    expect(user.fields[0].type).toEqual({ kind: 'typedef', file: 'user', name: 'UserID', target: { kind: 'i64' } });
    expect(user.fields[0].annotations['go.tag']).toEqual(['json:"id,string"']);
    const page = findDefinition(schema, { file: 'page', name: 'PageRequest' }) as StructDefinition;
    expect(page.fields[1].default).toEqual({ kind: 'int', value: '20' }); // DEFAULT_PAGE_SIZE
  });

  test('a 5,000-line IDL with a chain of includes and hundreds of annotated structs', () => {
    const scratch = tempDir('codegen-large');
    try {
      const large = writeLargeIdl(scratch.dir);
      expect(large.lines).toBeGreaterThanOrEqual(4500);
      const { schema } = loadSchema([large.entry]);
      const files = Object.values(schema.files);
      expect(files.map((f) => f.name)).toEqual(['level0', 'level1', 'level2', 'level3', 'level4', 'level5']);
      const structs = files.flatMap((f) => f.definitions).filter((d) => d.kind === 'struct');
      expect(structs.length).toBeGreaterThanOrEqual(250);
      expect(structs.every((s) => (s as StructDefinition).fields.every((f) => Object.keys(f.annotations).length > 0))).toBe(true);
      const top = findDefinition(schema, { file: 'level0', name: 'Service0' }) as ServiceDefinition;
      expect(serviceFunctions(schema, top).size).toBe(6 * 21);
    } finally {
      scratch.remove();
    }
  });
});

describe('loading', () => {
  test('include paths: next to the including file first, then each -I directory in order', () => {
    const host = memoryHost({
      '/p/main.thrift': 'include "dep.thrift"\nstruct M { 1: dep.D d }',
      '/p/dep.thrift': 'struct D { 1: i32 here }',
      '/i1/dep.thrift': 'struct D { 1: i32 first }',
      '/i2/other.thrift': 'struct O {}',
    });
    const { schema } = loadSchema(['/p/main.thrift'], { host, includeDirs: ['/i1', '/i2'] });
    expect((findDefinition(schema, { file: 'dep', name: 'D' }) as StructDefinition).fields[0].name).toBe('here');
    const host2 = memoryHost({ '/p/main.thrift': 'include "other.thrift"\ninclude "dep.thrift"', '/i1/dep.thrift': 'struct D {}', '/i2/other.thrift': 'struct O {}' });
    expect(Object.keys(loadSchema(['/p/main.thrift'], { host: host2, includeDirs: ['/i1', '/i2'] }).schema.files)).toEqual(['main', 'other', 'dep']);
  });

  test('a file included by several files is loaded once; several roots share their includes', () => {
    const host = memoryHost({
      '/a.thrift': 'include "c.thrift"\nstruct A { 1: c.C c }',
      '/b.thrift': 'include "c.thrift"\nstruct B { 1: c.C c }',
      '/c.thrift': 'struct C {}',
    });
    const { schema } = loadSchema(['/a.thrift', '/b.thrift'], { host });
    expect(schema.roots).toEqual(['a', 'b']);
    expect(Object.keys(schema.files)).toEqual(['a', 'b', 'c']);
  });

  test('a root file that does not exist is an error about that file', () => {
    const err = captureIdl(() => loadSchema(['/missing.thrift'], { host: memoryHost({}) }));
    expect(err.diagnostics[0]).toMatchObject({ code: 'FILE_NOT_FOUND', file: 'missing.thrift', line: 0 });
    expect(err.message).toBe('missing.thrift: error FILE_NOT_FOUND: cannot read IDL file missing.thrift: no such file');
  });

  test('loadSchema needs at least one file', () => {
    expect(() => loadSchema([])).toThrow(TypeError);
  });
});

function captureIdl(fn: () => unknown): IdlError {
  try {
    fn();
  } catch (e) {
    if (e instanceof IdlError) return e;
    throw e;
  }
  throw new Error('expected an IdlError');
}

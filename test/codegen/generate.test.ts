import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { BUNDLED_TEMPLATES, generate, loadSchema, memoryHost as memory, TemplateError, UsageError, type GeneratedFile } from '@thriftpoll/codegen';
import { anyTypeTokens, fixture, GOLDEN, GOLDEN_CASES, generateCase, tempDir, typeCheck, writeFiles } from './helpers';

// The large-IDL generator is shared with the benchmark (plain JS).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { writeLargeIdl } = require('../bench/codegen/large-idl.js') as {
  writeLargeIdl(dir: string, options?: { files?: number; structsPerFile?: number; seed?: number }): { entry: string; files: string[]; lines: number };
};

/**
 * Golden-output tests: the generated code of each fixture set is kept under golden/<case>/ and compared byte for
 * byte. After an intended change to the generator, refresh with:  UPDATE_GOLDEN=1 npx jest test/codegen/generate
 */
describe('golden output', () => {
  for (const c of GOLDEN_CASES) {
    test(`${c.name} matches golden/${c.name}/`, () => {
      const files = generateCase(c);
      const dir = path.join(GOLDEN, c.name);
      if (process.env.UPDATE_GOLDEN) {
        fs.rmSync(dir, { recursive: true, force: true });
        writeFiles(dir, files);
      }
      const expected = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).sort() : [];
      expect(files.map((f) => f.path).sort()).toEqual(expected);
      for (const f of files) {
        expect(f.contents).toBe(fs.readFileSync(path.join(dir, f.path), 'utf8'));
      }
    });
  }
});

describe('generated TypeScript', () => {
  let scratch: { dir: string; remove: () => void };
  const generated: GeneratedFile[] = [];
  const paths: string[] = [];

  beforeAll(() => {
    scratch = tempDir('codegen-compile');
    for (const c of GOLDEN_CASES) {
      const files = generateCase(c);
      generated.push(...files);
      paths.push(...writeFiles(path.join(scratch.dir, c.name), files));
    }
    // A real-world-style IDL: a chain of includes, annotated structs, services extending across files. (Kept
    // small here for the test's speed; the benchmark generates the full 5,000-line version.)
    const large = writeLargeIdl(path.join(scratch.dir, 'large-idl'), { files: 3, structsPerFile: 10 });
    const files = generate(loadSchema([large.entry]).schema);
    generated.push(...files);
    paths.push(...writeFiles(path.join(scratch.dir, 'large'), files));
  });
  afterAll(() => scratch.remove());

  test('every generated module compiles under tsc --strict with zero errors', () => {
    expect(paths.length).toBeGreaterThan(15);
    expect(typeCheck(paths)).toEqual([]);
  });

  test('no generated module uses the any type', () => {
    for (const f of generated) expect({ file: f.path, any: anyTypeTokens(f.contents) }).toEqual({ file: f.path, any: 0 });
  });

  test('long constant values wrap one item per line, indented from the constant; field defaults stay on one line', () => {
    const items = Array.from({ length: 30 }, (_, i) => `"item-${i}"`).join(', ');
    const host = memory({ '/w.thrift': `struct P { 1: i32 x }\nconst list<string> NAMES = [${items}]\nconst map<string, list<P>> M = {"k": [{"x": 1}, {"x": 2}, {"x": 3}, {"x": 4}, {"x": 5}, {"x": 6}, {"x": 7}, {"x": 8}, {"x": 9}, {"x": 10}, {"x": 11}, {"x": 12}, {"x": 13}, {"x": 14}, {"x": 15}]}\nstruct D { 1: list<string> names = [${items}] }` });
    const out = generate(loadSchema(['/w.thrift'], { host }).schema)[0].contents;
    expect(out).toContain("export const NAMES: ReadonlyArray<string> = [\n  'item-0',\n  'item-1',\n");
    expect(out).toContain("  'item-29',\n];\n");
    expect(out).toContain("export const M: ReadonlyMap<string, ReadonlyArray<Readonly<P>>> = new Map<string, P[]>([\n  ['k', [\n    { x: 1 },\n");
    expect(out).toContain("    { x: 15 },\n  ]],\n]);\n");
    expect(out).toContain(`      names: init.names ?? ['item-0', 'item-1', `);
    const scratch = tempDir('codegen-wrap');
    try {
      expect(typeCheck(writeFiles(scratch.dir, [{ path: 'w.ts', module: 'w', contents: out }]))).toEqual([]);
    } finally {
      scratch.remove();
    }
  });

  test('output has no trailing spaces, no tabs, no double blank lines, and ends with one newline', () => {
    for (const f of generated) {
      expect(f.contents).not.toMatch(/[ \t]+$/m);
      expect(f.contents).not.toMatch(/\t/);
      expect(f.contents).not.toMatch(/\n\n\n/);
      expect(f.contents.endsWith('\n') && !f.contents.endsWith('\n\n')).toBe(true);
    }
  });
});

describe('module structure', () => {
  const files = generateCase(GOLDEN_CASES.find((c) => c.name === 'corpus')!);
  const byModule = new Map(files.map((f) => [f.module, f.contents]));

  test('one module per IDL file, the includes too', () => {
    expect([...byModule.keys()].sort()).toEqual(['annotated', 'base', 'everything', 'shared']);
  });

  test('includes become namespace imports, only of modules the code refers to', () => {
    const everything = byModule.get('everything')!;
    expect(everything).toContain("import * as shared from './shared';");
    // annotated.thrift is included but nothing from it is used.
    expect(everything).not.toContain("from './annotated'");
    expect(byModule.get('shared')).toContain("import * as base from './base';");
  });

  test('runtime symbols come from @thriftpoll/protocol under $-prefixed names, types as type imports', () => {
    const everything = byModule.get('everything')!;
    expect(everything).toMatch(/import \{[^}]*TType as \$TType[^}]*\} from '@thriftpoll\/protocol';/s);
    expect(everything).toMatch(/type ProtocolReader as \$ProtocolReader/);
    // A module without services imports no service types.
    expect(byModule.get('annotated')).not.toContain('MethodDescriptor');
  });

  test('a module imports only what its code names: a typedef alias does not import the modules behind it', () => {
    const host = memory({
      '/base.thrift': 'typedef i64 Id',
      '/shared.thrift': 'include "base.thrift"\ntypedef list<base.Id> Ids',
      '/main.thrift': 'include "shared.thrift"\nconst shared.Ids SOME = [1, 2]\nstruct Batch { 1: shared.Ids ids }',
    });
    const files = generate(loadSchema(['/main.thrift'], { host }).schema);
    const main = files.find((f) => f.module === 'main')!.contents;
    expect(main).toContain("import * as shared from './shared';");
    expect(main).toContain('export const SOME: shared.Ids = [1n, 2n];');
    // The element type base.Id is never written in main (the list is read element by element with readI64()).
    expect(main).not.toContain('base');
    expect(files.find((f) => f.module === 'shared')!.contents).toContain("import * as base from './base';");
    const scratch = tempDir('codegen-lazy-imports');
    try {
      expect(typeCheck(writeFiles(scratch.dir, files))).toEqual([]);
    } finally {
      scratch.remove();
    }
  });

  test('IDL doc comments become TSDoc, and deprecated annotations become @deprecated', () => {
    const everything = byModule.get('everything')!;
    expect(everything).toContain('/** Explicit, implicit and negative values. */\nexport enum Level {');
    expect(everything).toContain('  /** The lowest. */\n  LOW = -10,');
    const deprecated = generate(
      loadSchema(['/d.thrift'], { host: memory({ '/d.thrift': 'struct Old { 1: i32 x (deprecated = "use y") } (deprecated)' }) }).schema,
    )[0].contents;
    expect(deprecated).toContain('/** @deprecated */\nexport interface Old {');
    expect(deprecated).toContain('  /** @deprecated use y */\n  x?: number | undefined;');
  });

  test('text from the IDL cannot close the generated comment early', () => {
    const host = memory({ '/c.thrift': 'struct S { 1: i32 x (deprecated = "see */ here") }' });
    const out = generate(loadSchema(['/c.thrift'], { host }).schema)[0].contents;
    expect(out).toContain('/** @deprecated see *\\/ here */');
    expect(typeof out).toBe('string');
  });
});

describe('options', () => {
  test('int64 must be bigint or number', () => {
    const { schema } = loadSchema([fixture('interop', 'common.thrift')]);
    expect(() => generate(schema, { int64: 'string' as 'bigint' })).toThrow(UsageError);
    expect(() => generate(schema, { int64: 'string' as 'bigint' })).toThrow(/int64 must be 'bigint' or 'number', got "string"/);
  });

  test('--int64 number refuses an i64 constant beyond 2^53, naming it', () => {
    const host = memory({ '/n.thrift': 'const i64 BIG = 9007199254740993\nconst i64 OK = 9007199254740991' });
    const { schema } = loadSchema(['/n.thrift'], { host });
    expect(() => generate(schema, { int64: 'number' })).toThrow(/n\.thrift:1:11: error CONST_OUT_OF_RANGE: constant BIG: i64 value 9007199254740993 does not fit a JavaScript number exactly/);
    expect(generate(schema, { int64: 'bigint' })[0].contents).toContain('export const BIG: bigint = 9007199254740993n;');
  });

  test('importExtension: imports between generated modules carry the extension; with js they compile as native ES modules', () => {
    const c = GOLDEN_CASES.find((g) => g.name === 'corpus')!;
    const { schema } = loadSchema(c.files, c.load);
    expect(generate(schema).find((f) => f.module === 'everything')!.contents).toContain("import * as shared from './shared';");
    expect(generate(schema, { importExtension: 'ts' }).find((f) => f.module === 'everything')!.contents).toContain("import * as shared from './shared.ts';");
    const files = generate(schema, { importExtension: 'js' });
    expect(files.find((f) => f.module === 'everything')!.contents).toContain("import * as shared from './shared.js';");
    const scratch = tempDir('codegen-esm');
    try {
      // A package of native ES modules, checked the way Node resolves them.
      fs.writeFileSync(path.join(scratch.dir, 'package.json'), '{ "type": "module" }\n');
      const paths = writeFiles(scratch.dir, files);
      const esm = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext };
      expect(typeCheck(paths, esm)).toEqual([]);
      // Without the extension, Node (and tsc) refuse the relative imports.
      const bare = writeFiles(path.join(scratch.dir, 'bare'), generate(schema));
      fs.writeFileSync(path.join(scratch.dir, 'bare', 'package.json'), '{ "type": "module" }\n');
      expect(typeCheck(bare, esm).join('\n')).toMatch(/TS2835: Relative import paths need explicit file extensions/);
    } finally {
      scratch.remove();
    }
    expect(() => generate(schema, { importExtension: 'mjs' as 'js' })).toThrow(/importExtension must be 'none', 'js' or 'ts', got "mjs"/);
  });

  test('zeroValues must be a boolean', () => {
    const { schema } = loadSchema([fixture('interop', 'common.thrift')]);
    expect(() => generate(schema, { zeroValues: 'yes' as unknown as boolean })).toThrow(/zeroValues must be true or false, got "yes"/);
  });

  test('runtimeModule changes where runtime symbols are imported from', () => {
    const { schema } = loadSchema([fixture('interop', 'common.thrift')]);
    expect(generate(schema, { runtimeModule: 'my-runtime' })[0].contents).toContain("} from 'my-runtime';");
  });
});

describe('template overrides (--templates)', () => {
  let scratch: { dir: string; remove: () => void };
  beforeEach(() => {
    scratch = tempDir('codegen-templates');
  });
  afterEach(() => scratch.remove());

  test('a file in the override directory replaces the bundled template of the same name', () => {
    fs.writeFileSync(path.join(scratch.dir, 'enum.hbs'), '{{> doc}}\nexport const enum {{name}} {\n{{#each members}}\n  {{name}} = {{value}}, // custom\n{{/each}}\n}\n');
    const { schema } = loadSchema([fixture('interop', 'common.thrift')]);
    const out = generate(schema, { templatesDir: scratch.dir })[0].contents;
    expect(out).toContain('export const enum Status {\n  UNKNOWN = 0, // custom\n');
    // Everything else still comes from the bundled templates.
    expect(out).toContain('export interface Point {');
  });

  test('override templates may add partials of their own', () => {
    fs.writeFileSync(path.join(scratch.dir, 'banner.hbs'), '// banner for {{module}}\n');
    fs.writeFileSync(path.join(scratch.dir, 'module.hbs'), fs.readFileSync(path.join(BUNDLED_TEMPLATES, 'module.hbs'), 'utf8').replace('\n{{imports}}\n', '\n{{> banner}}\n{{imports}}\n'));
    const { schema } = loadSchema([fixture('interop', 'common.thrift')]);
    expect(generate(schema, { templatesDir: scratch.dir })[0].contents).toContain('// banner for common\n');
  });

  test('a missing or empty directory is a usage error', () => {
    const { schema } = loadSchema([fixture('interop', 'common.thrift')]);
    expect(() => generate(schema, { templatesDir: path.join(scratch.dir, 'nope') })).toThrow(UsageError);
    expect(() => generate(schema, { templatesDir: scratch.dir })).toThrow(/has no \.hbs files/);
  });

  test('a template that does not compile is named in the error', () => {
    fs.writeFileSync(path.join(scratch.dir, 'struct.hbs'), '{{#each fields}}\nunclosed\n');
    const { schema } = loadSchema([fixture('interop', 'common.thrift')]);
    expect(() => generate(schema, { templatesDir: scratch.dir })).toThrow(TemplateError);
    expect(() => generate(schema, { templatesDir: scratch.dir })).toThrow(/template .*struct\.hbs does not compile/);
  });

  test('templates name runtime symbols with {{rt}}, and the module imports exactly those', () => {
    fs.writeFileSync(path.join(scratch.dir, 'const.hbs'), '{{> doc}}\nexport const {{name}}: {{tsType}} = {{value}};\nexport const {{name}}_WIRE = {{rt "TType"}}.STRING;\n');
    const { schema } = loadSchema(['/k.thrift'], { host: memory({ '/k.thrift': 'const string GREETING = "hi"' }) });
    const out = generate(schema, { templatesDir: scratch.dir })[0].contents;
    expect(out).toContain("import { TType as $TType } from '@thriftpoll/protocol';\n");
    expect(out).toContain('export const GREETING_WIRE = $TType.STRING;');
    // Without the custom template nothing names a runtime symbol, so nothing is imported.
    expect(generate(schema)[0].contents).not.toContain('import');
  });

  test('a template written for the old contract ($Name spelled out, {{runtimeImports}}) is refused with what to write', () => {
    fs.writeFileSync(path.join(scratch.dir, 'check-required.hbs'), '{{!-- $TType in a comment is fine --}}\n{{#each fields}}\nthrow new $TProtocolException();\n{{/each}}\n');
    const { schema } = loadSchema([fixture('interop', 'common.thrift')]);
    expect(() => generate(schema, { templatesDir: scratch.dir })).toThrow(TemplateError);
    expect(() => generate(schema, { templatesDir: scratch.dir })).toThrow(/check-required\.hbs line 3 writes \$TProtocolException literally; write \{\{rt "TProtocolException"\}\} instead/);
    fs.rmSync(path.join(scratch.dir, 'check-required.hbs'));
    fs.writeFileSync(path.join(scratch.dir, 'module.hbs'), '// header\n{{runtimeImports}}\n');
    expect(() => generate(schema, { templatesDir: scratch.dir })).toThrow(/module\.hbs uses \{\{runtimeImports\}\}, which is gone/);
  });

  test('rt refuses a name that is not a runtime symbol, and module.hbs cannot name new ones after the import block', () => {
    const { schema } = loadSchema([fixture('interop', 'common.thrift')]);
    fs.writeFileSync(path.join(scratch.dir, 'senum.hbs'), '{{rt "Buffer"}}\n');
    fs.writeFileSync(path.join(scratch.dir, 'enum.hbs'), '{{rt "Buffer"}}\n');
    expect(() => generate(schema, { templatesDir: scratch.dir })).toThrow(/template helper rt: "Buffer" is not a runtime symbol; expected one of TType, /);
    fs.rmSync(path.join(scratch.dir, 'senum.hbs'));
    fs.rmSync(path.join(scratch.dir, 'enum.hbs'));
    fs.writeFileSync(path.join(scratch.dir, 'module.hbs'), '{{imports}}\n{{rt "Invoker"}}\n{{declarations}}\n');
    expect(() => generate(schema, { templatesDir: scratch.dir })).toThrow(/rendering module common failed: \$Invoker is named after the import block was printed/);
  });

  test('a template that fails while rendering names the module', () => {
    fs.writeFileSync(path.join(scratch.dir, 'struct.hbs'), '{{> no-such-partial}}\n');
    const { schema } = loadSchema([fixture('interop', 'common.thrift')]);
    expect(() => generate(schema, { templatesDir: scratch.dir })).toThrow(/rendering module common failed: .*no-such-partial/);
  });
});

describe('custom templates see the schema model', () => {
  test('annotations of fields are reachable from templates (e.g. to emit validation from vt.* annotations)', () => {
    const scratch = tempDir('codegen-annotations');
    try {
      fs.writeFileSync(
        path.join(scratch.dir, 'struct.hbs'),
        fs.readFileSync(path.join(BUNDLED_TEMPLATES, 'struct.hbs'), 'utf8') +
          '{{#each fields}}{{#if field.annotations.[vt.max_size]}}export const {{../name}}_{{prop}}_MAX = {{field.annotations.[vt.max_size].[0]}};\n{{/if}}{{/each}}',
      );
      const files = generateCase({ ...GOLDEN_CASES.find((c) => c.name === 'realworld')!, generate: { templatesDir: scratch.dir } });
      const user = files.find((f) => f.module === 'user')!.contents;
      expect(user).toContain('export const Address_Country_MAX = 64;');
      expect(user).toContain('export const User_Name_MAX = 128;');
    } finally {
      scratch.remove();
    }
  });
});

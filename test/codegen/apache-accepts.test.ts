import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { findDefinition, generate, IdlError, loadSchema, memoryHost, type Diagnostic, type StructDefinition } from '@thriftpoll/codegen';
import { fixture, tempDir, typeCheck, writeFiles } from './helpers';

/**
 * What Apache's compiler accepts, thriftpoll accepts (warning where it is dubious); what Apache rejects,
 * thriftpoll rejects at file:line:column. Debian's `thrift` (0.17) is run on the same IDL where it can judge it
 * (it has no uuid): the test IDLs are our own, written for each construct.
 */

/** Runs Debian's compiler on one IDL file; returns its exit status and stderr. */
function apacheCompile(file: string): { status: number | null; stderr: string } {
  const out = tempDir('apache-accepts');
  try {
    const run = spawnSync('thrift', ['--gen', 'py', '-out', out.dir, file], { encoding: 'utf8' });
    if (run.error) throw new Error(`Debian's thrift compiler is needed (package thrift-compiler; .ci/run installs it): ${run.error.message}`);
    return { status: run.status, stderr: run.stderr };
  } finally {
    out.remove();
  }
}

function fieldOf(schema: ReturnType<typeof loadSchema>['schema'], file: string, struct: string, field: string) {
  const def = findDefinition(schema, { file, name: struct }) as StructDefinition;
  return def.fields.find((f) => f.name === field)!;
}

describe('IDL that Apache accepts', () => {
  const accepted = fixture('apache', 'accepted.thrift');

  test("Debian's compiler accepts the test IDL", () => {
    const result = apacheCompile(accepted);
    expect(result.stderr).not.toMatch(/FAILURE|ERROR/);
    expect(result.status).toBe(0);
  });

  test('empty sets and lists written {} are empty, and an enum value named with another enum is taken as Apache does, with a warning', () => {
    const { schema, warnings } = loadSchema([accepted]);
    expect(fieldOf(schema, 'accepted', 'Palette', 'names').default).toEqual({ kind: 'set', elems: [] });
    expect(fieldOf(schema, 'accepted', 'Palette', 'sizes').default).toEqual({ kind: 'list', elems: [] });
    expect(fieldOf(schema, 'accepted', 'Palette', 'counts').default).toEqual({ kind: 'map', entries: [] });
    expect(fieldOf(schema, 'accepted', 'Palette', 'tone').default).toEqual({ kind: 'enum', file: 'accepted', enum: 'Tone', name: 'DARK', value: 7 });
    expect(warnings.map((w: Diagnostic) => `${w.line}:${w.column} ${w.code} ${w.message}`)).toEqual([
      "20:18 OTHER_ENUM_VALUE 'Shade.DARK' names enum Shade, but the type is enum Tone: this is Tone.DARK = 7 " +
        "(Apache resolves the value name in the field's enum); write Tone.DARK",
    ]);
    // Apache's generated Python gives the field the same default.
    const out = tempDir('apache-accepts-py');
    try {
      spawnSync('thrift', ['--gen', 'py', '-out', out.dir, accepted], { encoding: 'utf8' });
      expect(fs.readFileSync(path.join(out.dir, 'accepted', 'ttypes.py'), 'utf8')).toMatch(/tone=\s*7,/);
    } finally {
      out.remove();
    }
  });

  test('uuid constants in GUID form with braces, any case, become canonical lower-case uuids', () => {
    const { schema } = loadSchema([fixture('apache', 'guid.thrift')]);
    const constant = findDefinition(schema, { file: 'guid', name: 'GUID' });
    expect(constant).toMatchObject({ kind: 'const', value: { kind: 'string', value: '00112233-4455-6677-8899-aabbccddeeff' } });
    expect(fieldOf(schema, 'guid', 'Tagged', 'id').default).toEqual({ kind: 'string', value: 'a0b1c2d3-e4f5-4677-8899-aabbccddeeff' });
  });

  test('the generated code of these IDLs, and of Debian\'s tutorial.thrift/shared.thrift, compiles under strict tsc (ES2022 and ES2020)', () => {
    const tutorial = '/usr/share/doc/thrift-compiler/examples/tutorial.thrift';
    expect(fs.existsSync(tutorial)).toBe(true);
    const out = tempDir('apache-accepts-ts');
    try {
      const files = [
        ...writeFiles(path.join(out.dir, 'a'), generate(loadSchema([accepted, fixture('apache', 'guid.thrift')]).schema)),
        ...writeFiles(path.join(out.dir, 't'), generate(loadSchema([tutorial]).schema)),
      ];
      expect(files.map((f) => path.basename(f)).sort()).toEqual(['accepted.ts', 'guid.ts', 'shared.ts', 'tutorial.ts']);
      expect(typeCheck(files)).toEqual([]);
      // A consumer's own tsconfig: ES2020, strict, library declarations checked too.
      expect(typeCheck(files, { target: ts.ScriptTarget.ES2020, lib: ['lib.es2020.d.ts'], skipLibCheck: false })).toEqual([]);
      const palette = fs.readFileSync(files[0], 'utf8');
      expect(palette).toContain('tone: init.tone ?? Tone.DARK,');
      expect(palette).toContain('names: init.names ?? new Set<string>(),');
    } finally {
      out.remove();
    }
  }, 120_000); // two whole tsc programs, one checking every library declaration
});

describe('constants that Apache rejects are refused at file:line:column', () => {
  function errorsOf(idl: string): string[] {
    try {
      loadSchema(['/t.thrift'], { host: memoryHost({ '/t.thrift': idl }) });
    } catch (e) {
      if (e instanceof IdlError) return e.errors.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`);
      throw e;
    }
    return [];
  }

  const ENUMS = 'enum First { A = 1, ONLY_FIRST = 2 }\nenum Second { A = 5 }\n';
  test.each([
    ['a string for an i32', 'const i32 N = "12"', ['1:15 CONST_TYPE_MISMATCH expected an integer for type i32, found string "12"']],
    ['an integer for a string', 'const string S = 5', ['1:18 CONST_TYPE_MISMATCH expected a quoted string for type string, found integer 5']],
    ['a double for an i32', 'const i32 N = 1.5', ['1:15 CONST_TYPE_MISMATCH expected an integer for type i32, found double 1.5']],
    ['a mistyped list element', 'const list<i32> L = [1, "a"]', ['1:25 CONST_TYPE_MISMATCH expected an integer for type i32, found string "a"']],
    ['a string for a double', 'const double D = "d"', ['1:18 CONST_TYPE_MISMATCH expected a number for type double, found string "d"']],
    ['an i64 beyond its range', 'const i64 N = 9223372036854775808', ['1:15 CONST_OUT_OF_RANGE value 9223372036854775808 does not fit type i64 (-9223372036854775808 to 9223372036854775807)']],
    [
      'a value name the field\'s enum does not have',
      `${ENUMS}const Second E = First.ONLY_FIRST`,
      ["3:18 CONST_TYPE_MISMATCH 'First.ONLY_FIRST' is a value of enum First, but type Second is expected"],
    ],
  ])('%s (Debian\'s compiler refuses it too)', (_what, idl, expected) => {
    expect(errorsOf(idl)).toEqual(expected);
    const dir = tempDir('apache-rejects');
    try {
      const file = path.join(dir.dir, 't.thrift');
      fs.writeFileSync(file, idl);
      const apache = apacheCompile(file);
      expect([apache.status, apache.stderr]).toEqual([1, expect.stringMatching(/FAILURE|ERROR/)]);
    } finally {
      dir.remove();
    }
  });

  test.each([
    ['an i8 beyond its range', 'const i8 N = 300', ['1:14 CONST_OUT_OF_RANGE value 300 does not fit type i8 (-128 to 127)']],
    ['an i32 beyond its range', 'const i32 N = 2147483648', ['1:15 CONST_OUT_OF_RANGE value 2147483648 does not fit type i32 (-2147483648 to 2147483647)']],
    ['a uuid that is not one', "const uuid U = '{0011-22}'", ['1:16 CONST_TYPE_MISMATCH expected a UUID string such as "123e4567-e89b-12d3-a456-426614174000" (or in braces, "{...}") for type uuid, found string "{0011-22}"']],
    ['a uuid with one brace', "const uuid U = '{00112233-4455-6677-8899-aabbccddeeff'", [expect.stringMatching(/^1:16 CONST_TYPE_MISMATCH expected a UUID string/)]],
  ])('%s (newer Apache refuses it; Debian\'s 0.17 has no uuid and does not check integer ranges)', (_what, idl, expected) => {
    expect(errorsOf(idl)).toEqual(expected);
  });
});

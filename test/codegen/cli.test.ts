import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT_IDL_ERROR, EXIT_OK, EXIT_USAGE, runCli } from '@thriftpoll/codegen';
import { fixture, ROOT, tempDir } from './helpers';

/** The `thriftpoll` command: in-process for most cases, and the real installed bin once. */

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(...args: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['node', 'thriftpoll', ...args], {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

let scratch: { dir: string; remove: () => void };
beforeEach(() => {
  scratch = tempDir('codegen-cli');
});
afterEach(() => scratch.remove());

const ECHO = path.relative(process.cwd(), path.join(ROOT, 'idl', 'echo.thrift'));

describe('thriftpoll gen', () => {
  test('writes one module per IDL file and exits 0', async () => {
    const out = path.join(scratch.dir, 'gen');
    fs.writeFileSync(path.join(scratch.dir, 'package.json'), '{ "name": "consumer" }');
    const r = await cli('gen', fixture('realworld', 'idl', 'user', 'user_service.thrift'), '-I', fixture('realworld', 'idl'), '-o', out);
    expect(r).toMatchObject({ code: EXIT_OK, stderr: '' });
    expect(r.stdout).toBe(
      `thriftpoll: wrote 5 modules to ${out}: user_service.ts, user.ts, base.ts, page.ts, errors.ts ` +
        `(imports without extension: ${path.join(scratch.dir, 'package.json')} has no "type": "module")\n`,
    );
    expect(fs.readdirSync(out).sort()).toEqual(['base.ts', 'errors.ts', 'page.ts', 'user.ts', 'user_service.ts']);
    expect(fs.readFileSync(path.join(out, 'user_service.ts'), 'utf8')).toContain('export class UserServiceClient {');
  });

  test('several files, --int64 number, and repeated -I', async () => {
    const out = path.join(scratch.dir, 'gen');
    const r = await cli('gen', ECHO, fixture('interop', 'types.thrift'), '--int64', 'number', '-I', scratch.dir, '--include', fixture('interop'), '-o', out, '-q');
    expect(r).toEqual({ code: EXIT_OK, stdout: '', stderr: '' });
    expect(fs.readdirSync(out).sort()).toEqual(['common.ts', 'echo.ts', 'types.ts']);
    expect(fs.readFileSync(path.join(out, 'types.ts'), 'utf8')).toContain('i64v: number;');
  });

  test('--import-extension js writes imports between generated modules with .js', async () => {
    const out = path.join(scratch.dir, 'gen');
    const r = await cli('gen', fixture('corpus', 'everything.thrift'), '-I', fixture('corpus', 'include'), '--import-extension', 'js', '-o', out, '-q');
    expect(r).toEqual({ code: EXIT_OK, stdout: '', stderr: '' });
    expect(fs.readFileSync(path.join(out, 'everything.ts'), 'utf8')).toContain("import * as shared from './shared.js';");
  });

  test('--zero-values generates Kitex-style non-optional fields; the default keeps presence', async () => {
    const zero = path.join(scratch.dir, 'zero');
    const presence = path.join(scratch.dir, 'presence');
    expect(await cli('gen', fixture('interop', 'types.thrift'), '--zero-values', '-o', zero, '-q')).toEqual({ code: EXIT_OK, stdout: '', stderr: '' });
    expect(await cli('gen', fixture('interop', 'types.thrift'), '-o', presence, '-q')).toEqual({ code: EXIT_OK, stdout: '', stderr: '' });
    expect(fs.readFileSync(path.join(zero, 'types.ts'), 'utf8')).toContain('  ints: number[];\n');
    expect(fs.readFileSync(path.join(presence, 'types.ts'), 'utf8')).toContain('  ints?: number[] | undefined;\n');
  });

  test('by default imports get .js where the package is an ES module ("type": "module"), and none elsewhere', async () => {
    const esm = path.join(scratch.dir, 'esm');
    const cjs = path.join(scratch.dir, 'cjs');
    fs.mkdirSync(esm);
    fs.mkdirSync(cjs);
    fs.writeFileSync(path.join(esm, 'package.json'), '{ "name": "esm", "type": "module" }');
    fs.writeFileSync(path.join(cjs, 'package.json'), '{ "name": "cjs", "type": "commonjs" }');
    const idl = [fixture('corpus', 'everything.thrift'), '-I', fixture('corpus', 'include')];
    const r = await cli('gen', ...idl, '-o', path.join(esm, 'src', 'gen'));
    expect(r.code).toBe(EXIT_OK);
    expect(r.stdout).toContain(`(imports with '.js': ${path.join(esm, 'package.json')} has "type": "module")`);
    expect(fs.readFileSync(path.join(esm, 'src', 'gen', 'everything.ts'), 'utf8')).toContain("import * as shared from './shared.js';");
    expect((await cli('gen', ...idl, '-o', path.join(cjs, 'gen'), '-q')).code).toBe(EXIT_OK);
    expect(fs.readFileSync(path.join(cjs, 'gen', 'everything.ts'), 'utf8')).toContain("import * as shared from './shared';");
  });

  test('warnings go to stderr (and -q hides them)', async () => {
    const args = ['gen', fixture('corpus', 'everything.thrift'), '-I', fixture('corpus', 'include'), '-o', path.join(scratch.dir, 'gen')];
    const loud = await cli(...args);
    expect(loud.code).toBe(EXIT_OK);
    expect(loud.stderr).toContain(`${fixture('corpus', 'everything.thrift')}:89:8: warning IMPLICIT_FIELD_ID:`);
    expect((await cli(...args, '--quiet')).stderr).toBe('');
  });

  test('an IDL error exits 1, prints file:line:column with the line and a caret, and writes nothing', async () => {
    const idl = path.join(scratch.dir, 'bad.thrift');
    fs.writeFileSync(idl, 'struct S {\n  1: i32 a\n  2: Strng b\n}\n');
    const out = path.join(scratch.dir, 'gen');
    const r = await cli('gen', idl, '-o', out);
    expect(r.code).toBe(EXIT_IDL_ERROR);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `${idl}:3:6: error UNKNOWN_TYPE: unknown type 'Strng'\n` +
        '    3 |   2: Strng b\n' +
        '      |      ^^^^^\n' +
        'thriftpoll: 1 error; nothing was generated\n',
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  test('a missing input file exits 1', async () => {
    const r = await cli('gen', path.join(scratch.dir, 'nope.thrift'), '-o', scratch.dir);
    expect(r.code).toBe(EXIT_IDL_ERROR);
    expect(r.stderr).toMatch(/nope\.thrift: error FILE_NOT_FOUND: cannot read IDL file .*nope\.thrift: no such file/);
  });

  test('an output directory that cannot be created exits 1 with the reason', async () => {
    const blocker = path.join(scratch.dir, 'file');
    fs.writeFileSync(blocker, '');
    const r = await cli('gen', ECHO, '-o', path.join(blocker, 'gen'));
    expect(r.code).toBe(EXIT_IDL_ERROR);
    expect(r.stderr).toMatch(/^thriftpoll: cannot write output: .*(EEXIST|ENOTDIR)/);
  });

  test('--templates overrides bundled templates; a missing directory is a usage error, a broken template an error', async () => {
    fs.writeFileSync(path.join(scratch.dir, 'const.hbs'), 'export const {{name}} = {{value}}; // overridden\n');
    const out = path.join(scratch.dir, 'gen');
    expect((await cli('gen', fixture('interop', 'types.thrift'), '-o', out, '--templates', scratch.dir)).code).toBe(EXIT_OK);
    expect(fs.readFileSync(path.join(out, 'types.ts'), 'utf8')).toContain('export const ANSWER = 42; // overridden');
    const missing = await cli('gen', ECHO, '-o', out, '--templates', path.join(scratch.dir, 'none'));
    expect(missing.code).toBe(EXIT_USAGE);
    expect(missing.stderr).toMatch(/--templates directory .*none does not exist/);
    fs.writeFileSync(path.join(scratch.dir, 'struct.hbs'), '{{#if}}');
    const broken = await cli('gen', ECHO, '-o', out, '--templates', scratch.dir);
    expect(broken.code).toBe(EXIT_IDL_ERROR);
    expect(broken.stderr).toMatch(/struct\.hbs does not compile/);
  });
});

describe('usage errors exit 2', () => {
  test.each([
    [['gen', 'x.thrift'], /required option '-o, --out <dir>' not specified/],
    [['gen', '-o', 'out'], /missing required argument 'files'/],
    [['gen', 'x.thrift', '-o', 'out', '--int64', 'string'], /option '--int64 <mode>' argument 'string' is invalid\. Allowed choices are bigint, number\./],
    [['gen', 'x.thrift', '-o', 'out', '--import-extension', '.js'], /option '--import-extension <ext>' argument '\.js' is invalid\. Allowed choices are auto, none, js, ts\./],
    [['gen', 'x.thrift', '-o', 'out', '--frobnicate'], /unknown option '--frobnicate'/],
    [['generate', 'x.thrift'], /unknown command 'generate'/],
  ])('%j', async (args, message) => {
    const r = await cli(...(args as string[]));
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('(run with --help for usage)');
  });

  test('no arguments print the usage', async () => {
    const r = await cli();
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.stderr).toContain('Usage: thriftpoll [options] [command]');
  });
});

describe('help and version exit 0', () => {
  test('--help lists the commands; gen --help lists every option', async () => {
    const top = await cli('--help');
    expect(top.code).toBe(EXIT_OK);
    expect(top.stdout).toMatch(/gen \[options\] <files\.\.\.>/);
    expect(top.stdout).toMatch(/schema \[options\] <files\.\.\.>/);
    const gen = await cli('gen', '--help');
    expect(gen.code).toBe(EXIT_OK);
    for (const option of ['-o, --out <dir>', '-I, --include <dir>', '--int64 <mode>', '--templates <dir>', '-q, --quiet']) expect(gen.stdout).toContain(option);
  });

  test('--version', async () => {
    const r = await cli('--version');
    expect(r).toEqual({ code: EXIT_OK, stdout: '0.1.0\n', stderr: '' });
  });
});

describe('thriftpoll schema', () => {
  test('prints the schema model as JSON', async () => {
    const r = await cli('schema', ECHO);
    expect(r.code).toBe(EXIT_OK);
    const schema = JSON.parse(r.stdout) as { version: number; roots: string[]; files: Record<string, { definitions: { name: string }[] }> };
    expect(schema.version).toBe(1);
    expect(schema.roots).toEqual(['echo']);
    expect(schema.files.echo.definitions.map((d) => d.name)).toEqual(['Request', 'Response', 'EchoServer']);
  });

  test('-o writes it to a file', async () => {
    const file = path.join(scratch.dir, 'out', 'schema.json');
    const r = await cli('schema', fixture('interop', 'types.thrift'), '-o', file);
    expect(r.code).toBe(EXIT_OK);
    expect(Object.keys((JSON.parse(fs.readFileSync(file, 'utf8')) as { files: object }).files)).toEqual(['types', 'common']);
  });
});

describe('the installed bin', () => {
  // Declared by the umbrella package `thriftpoll` (packages/thriftpoll), which hands gen and schema to codegen.
  const bin = path.join(ROOT, 'packages', 'thriftpoll', 'bin', 'thriftpoll.js');
  const linked = path.join(ROOT, 'node_modules', '.bin', 'thriftpoll');

  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, 'packages', 'thriftpoll', 'dist', 'cli.js'))) {
      throw new Error('packages/thriftpoll/dist/cli.js is missing: build with `npx tsc -b` (npm test builds it) before running this test');
    }
  });

  test('npm links it as node_modules/.bin/thriftpoll, so `npx thriftpoll` works after npm install', () => {
    expect(fs.realpathSync(linked)).toBe(fs.realpathSync(bin));
  });

  test('it generates code and uses the documented exit codes', () => {
    const out = path.join(scratch.dir, 'gen');
    const ok = spawnSync(linked, ['gen', ECHO, '-o', out], { encoding: 'utf8', cwd: ROOT });
    expect(ok.status).toBe(0);
    expect(fs.existsSync(path.join(out, 'echo.ts'))).toBe(true);
    const bad = path.join(scratch.dir, 'bad.thrift');
    fs.writeFileSync(bad, 'struct {');
    const idlError = spawnSync(process.execPath, [bin, 'gen', bad, '-o', out], { encoding: 'utf8' });
    expect(idlError.status).toBe(1);
    expect(idlError.stderr).toContain("bad.thrift:1:8: error SYNTAX: expected the struct name, found '{'");
    const usage = spawnSync(process.execPath, [bin, 'gen', ECHO], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
  });
});

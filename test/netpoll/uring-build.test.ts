import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { compileFlags, compiler, nativeFiles, root } from './native-compile';

/**
 * A build on a toolchain whose <linux/io_uring.h> predates what the `uring` mode needs (Linux 6.0) still
 * succeeds, and the addon it makes says `uring` is unavailable "built without ...": an explicit request is an
 * ERR_URING_UNAVAILABLE error, THRIFTPOLL_ENGINE_MODE=uring falls back to inline with one warning, and inline
 * runs. The old header is the system's own with the 6.0 definitions stripped, put first on the include path;
 * the addon is compiled with g++ straight into a temporary directory (-O0, the translation units in parallel).
 */

const run = promisify(execFile);
const fixture = path.join(__dirname, 'fixtures', 'uring-mode.js');
let buildDir = '';

/** The system's <linux/io_uring.h>, as the compiler finds it. */
function systemUringHeader(): string {
  const probe = spawnSync(compiler, ['-x', 'c++', '-M', '-'], { input: '#include <linux/io_uring.h>\n', encoding: 'utf8', timeout: 30_000 });
  if (probe.error !== undefined) throw new Error(`could not run ${compiler}: ${probe.error.message}`);
  const header = probe.stdout.split(/\s+/).find((file) => file.endsWith('/linux/io_uring.h'));
  if (probe.status !== 0 || header === undefined) throw new Error(`no <linux/io_uring.h> found by ${compiler}: ${probe.stderr}`);
  return header;
}

/** Definitions a pre-6.0 header lacks (the multishot receive, SINGLE_ISSUER). */
const NEWER = ['IORING_RECV_MULTISHOT', 'IORING_SETUP_SINGLE_ISSUER'];

beforeAll(async () => {
  buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-old-uapi-'));
  const linux = path.join(buildDir, 'include', 'linux');
  fs.mkdirSync(linux, { recursive: true });
  const original = fs.readFileSync(systemUringHeader(), 'utf8');
  const stripped = original
    .split('\n')
    .filter((line) => !NEWER.some((name) => new RegExp(`^#define\\s+${name}\\b`).test(line)))
    .join('\n');
  expect(original.split('\n').length - stripped.split('\n').length).toBe(NEWER.length);
  fs.writeFileSync(path.join(linux, 'io_uring.h'), stripped);

  const flags = [...compileFlags(), '-O0', '-fPIC', '-isystem', path.join(buildDir, 'include')];
  const objects = await Promise.all(
    nativeFiles().map(async (source) => {
      const object = path.join(buildDir, `${path.basename(source, '.cc')}.o`);
      const { stderr } = await run(compiler, [...flags, '-c', source, '-o', object], { timeout: 170_000 });
      expect(stderr).toBe('');  // warning-free without io_uring too
      return object;
    }),
  );
  await run(compiler, ['-shared', '-o', path.join(buildDir, 'thriftpoll_native.node'), ...objects, '-lpthread'], { timeout: 60_000 });
}, 180_000);

afterAll(() => fs.rmSync(buildDir, { recursive: true, force: true }));

interface FixtureResult {
  mode?: string;
  echoed?: string;
  error?: { name: string; code: string; errno: number; message: string };
  warnings: { code: string; message: string }[];
}

function runFixture(env: Record<string, string>, args: string[]): FixtureResult {
  const { THRIFTPOLL_ENGINE_MODE: _unset, ...inherited } = process.env;
  const result = spawnSync(process.execPath, [fixture, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...inherited, THRIFTPOLL_NATIVE_BUILD: buildDir, ...env },
    timeout: 30_000,
  });
  if (result.status !== 0) throw new Error(`fixture failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as FixtureResult;
}

const BUILT_WITHOUT = "io_uring is unavailable: built without a <linux/io_uring.h> new enough (Linux >= 6.0";

describe('a build with a pre-6.0 <linux/io_uring.h>', () => {
  test('an explicit uring mode is an ERR_URING_UNAVAILABLE error saying what the build lacked', () => {
    const { error } = runFixture({}, ['uring']);
    expect(error).toMatchObject({ name: 'UringUnavailableError', code: 'ERR_URING_UNAVAILABLE', errno: os.constants.errno.EOPNOTSUPP });
    expect(error?.message).toContain(BUILT_WITHOUT);
    expect(error?.message).toContain('npm rebuild @thriftpoll/native');
  });

  test('THRIFTPOLL_ENGINE_MODE=uring falls back to inline with one warning, and the echo runs', () => {
    const result = runFixture({ THRIFTPOLL_ENGINE_MODE: 'uring' }, []);
    expect(result).toMatchObject({ mode: 'inline', echoed: 'ping' });
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatchObject({ code: 'THRIFTPOLL_URING_UNAVAILABLE' });
    expect(result.warnings[0]?.message).toContain(BUILT_WITHOUT);
  });

  test('inline and threads run on it, and with no mode asked for it runs inline without a warning', () => {
    expect(runFixture({}, [])).toMatchObject({ mode: 'inline', echoed: 'ping', warnings: [] });
    expect(runFixture({}, ['inline'])).toMatchObject({ mode: 'inline', echoed: 'ping', warnings: [] });
    expect(runFixture({}, ['threads'])).toMatchObject({ mode: 'threads', echoed: 'ping', warnings: [] });
  });
});

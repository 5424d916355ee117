import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import { Engine, ENGINE_MODE_VARIABLE, NetpollError, UringUnavailableError } from '@thriftpoll/netpoll';

import { engineFactory, until } from './helpers';

/**
 * The `uring` mode's selection: it really runs on an io_uring here, THRIFTPOLL_ENGINE_MODE chooses it for a
 * whole process, and where io_uring is refused (a seccomp filter, as Docker's default profile does) the
 * environment's request falls back to `inline` with one warning while an explicit request is a typed error.
 * The engine contracts on `uring` are the MODES suites (helpers.ts).
 */

const root = path.resolve(__dirname, '..', '..');
const fixture = path.join(__dirname, 'fixtures', 'uring-mode.js');
let denyIoUring = '';
let buildDir = '';

function ringFds(): number {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[io_uring]';
    } catch {
      return false;
    }
  }).length;
}

interface FixtureResult {
  mode?: string;
  echoed?: string;
  error?: { name: string; code: string; errno: number; message: string };
  warnings: { code: string; message: string }[];
}

function runFixture(env: Record<string, string>, args: string[], denied: boolean): FixtureResult {
  const command = denied ? denyIoUring : process.execPath;
  const argv = denied ? [process.execPath, fixture, ...args] : [fixture, ...args];
  const { THRIFTPOLL_ENGINE_MODE: _unset, ...inherited } = process.env;
  const run = spawnSync(command, argv, { cwd: root, encoding: 'utf8', env: { ...inherited, ...env }, timeout: 30_000 });
  if (run.status !== 0) throw new Error(`fixture failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as FixtureResult;
}

beforeAll(() => {
  buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-uring-'));
  denyIoUring = path.join(buildDir, 'deny-io-uring');
  const cc = spawnSync(process.env.CC ?? 'cc', ['-O1', '-Wall', '-Werror', '-o', denyIoUring, path.join(__dirname, 'fixtures', 'deny-io-uring.c')], {
    encoding: 'utf8',
  });
  if (cc.status !== 0) throw new Error(`could not build the seccomp helper: ${cc.stderr}`);
});

afterAll(() => fs.rmSync(buildDir, { recursive: true, force: true }));

describe('uring mode', () => {
  const engines = engineFactory();
  afterEach(() => engines.destroyAll());

  test('an engine in uring mode runs on its own io_uring, closed with the engine', () => {
    const before = ringFds();
    const engine = engines.create('uring');
    expect(engine.mode).toBe('uring');
    expect(engine.stats().mode).toBe('uring');
    expect(ringFds()).toBe(before + 1);
    engine.destroy();
    expect(ringFds()).toBe(before);
  });

  test(`${ENGINE_MODE_VARIABLE}=uring runs the default engine on io_uring`, () => {
    const result = runFixture({ [ENGINE_MODE_VARIABLE]: 'uring' }, [], false);
    expect(result).toEqual({ mode: 'uring', echoed: 'ping', warnings: [] });
  });

  test('with neither a mode nor the variable, an engine runs on io_uring where it can, silently', () => {
    expect(runFixture({}, [], false)).toEqual({ mode: 'uring', echoed: 'ping', warnings: [] });
    // Where io_uring is refused, the default is inline, without the warning an asked-for uring gives.
    expect(runFixture({}, [], true)).toEqual({ mode: 'inline', echoed: 'ping', warnings: [] });
  });

  test(`${ENGINE_MODE_VARIABLE} with an unknown mode is rejected, naming the variable`, () => {
    const saved = process.env[ENGINE_MODE_VARIABLE];
    process.env[ENGINE_MODE_VARIABLE] = 'epoll';
    try {
      expect(() => new Engine()).toThrow(/THRIFTPOLL_ENGINE_MODE must be one of inline, threads, uring, got "epoll"; unset it for the default \(uring\)/);
    } finally {
      if (saved === undefined) delete process.env[ENGINE_MODE_VARIABLE];
      else process.env[ENGINE_MODE_VARIABLE] = saved;
    }
  });

  test(`without io_uring, ${ENGINE_MODE_VARIABLE}=uring falls back to inline with one warning`, () => {
    const result = runFixture({ [ENGINE_MODE_VARIABLE]: 'uring' }, [], true);
    expect(result.mode).toBe('inline');
    expect(result.echoed).toBe('ping');
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0].code).toBe('THRIFTPOLL_URING_UNAVAILABLE');
    expect(result.warnings[0].message).toMatch(/io_uring_setup failed with EPERM .*running in 'inline' mode instead/);
  });

  test('without io_uring, an explicit uring mode is an ERR_URING_UNAVAILABLE error', () => {
    const result = runFixture({}, ['uring'], true);
    expect(result.error).toMatchObject({ name: 'UringUnavailableError', code: 'ERR_URING_UNAVAILABLE', errno: os.constants.errno.EPERM });
    expect(result.error?.message).toMatch(/engine mode 'uring' was requested but io_uring is unavailable here: io_uring_setup failed with EPERM/);
    expect(result.warnings).toEqual([]);
  });

  test('without io_uring, inline and threads still run', () => {
    expect(runFixture({}, ['inline'], true)).toMatchObject({ mode: 'inline', echoed: 'ping' });
    expect(runFixture({ [ENGINE_MODE_VARIABLE]: 'threads' }, [], true)).toMatchObject({ mode: 'threads', echoed: 'ping' });
  });

  test('uring engines in worker threads: one terminated mid-traffic, one exiting with everything open, free their rings', async () => {
    const ringsBefore = ringFds();
    const workers = [0, 10].map((rounds) => {
      const worker = new Worker(path.join(__dirname, 'fixtures', 'worker-engine.js'), { workerData: { mode: 'uring', rounds } });
      const state = { worker, round: 0, errors: [] as string[], exited: new Promise<number>((resolve) => worker.once('exit', resolve)) };
      worker.on('message', (message: { round?: number; error?: string }) => {
        if (message.round !== undefined) state.round = message.round;
        if (message.error !== undefined) state.errors.push(message.error);
      });
      worker.on('error', (error) => state.errors.push(String(error)));
      return state;
    });
    const [terminated, finishing] = workers;
    await until(() => terminated.round >= 5, 'the uring worker echoing', 60_000);
    expect(ringFds()).toBeGreaterThan(ringsBefore);
    await terminated.worker.terminate();
    expect(await terminated.exited).toBe(1);
    expect(await finishing.exited).toBe(0);
    expect(finishing.round).toBe(10);
    expect(workers.flatMap((worker) => worker.errors)).toEqual([]);
    await until(() => ringFds() === ringsBefore, `io_uring instances of the workers closed (${ringFds()} open)`);
  }, 90_000);

  test('the error is a NetpollError carrying the errno', () => {
    const error = new UringUnavailableError(os.constants.errno.ENOSYS, 'io_uring_setup');
    expect(error).toBeInstanceOf(NetpollError);
    expect(error).toMatchObject({ code: 'ERR_URING_UNAVAILABLE', errno: os.constants.errno.ENOSYS, syscall: 'io_uring_setup' });
    expect(error.message).toMatch(/ENOSYS \(function not implemented\)/);
  });
});

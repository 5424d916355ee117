import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { defaultEngineMode, Engine, ENGINE_MODE_VARIABLE, type EngineMode } from '@thriftpoll/netpoll';

/**
 * The RPC server suites again in the mode that is not this machine's default (defaultEngineMode(): `uring` where
 * io_uring runs, so the rest of the test suite runs on it, and these run on `inline`), through
 * THRIFTPOLL_ENGINE_MODE for every engine of the child jest and of the servers it starts: the same tests, not copies.
 * The engine suites run on every mode through test/netpoll/helpers.ts MODES.
 */

const root = path.resolve(__dirname, '..', '..');
const SUITES = ['test/rpc/server.test.ts', 'test/rpc/shutdown.test.ts', 'test/rpc/interop-apache.test.ts'];

test('io_uring runs here, so the default mode is uring', () => {
  // Fails here, not by a silent fall-back to inline, if this machine cannot run io_uring: the uring suites need it.
  new Engine({ mode: 'uring' }).destroy();
  expect(defaultEngineMode()).toBe('uring');
});

const other: EngineMode = defaultEngineMode() === 'uring' ? 'inline' : 'uring';

test(`the RPC server, shutdown and Apache interop suites pass with ${ENGINE_MODE_VARIABLE}=${other}`, () => {
  const jest = require.resolve('jest/bin/jest');
  const run = spawnSync(process.execPath, [jest, '--runInBand', '--ci', ...SUITES], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, [ENGINE_MODE_VARIABLE]: other },
    timeout: 250_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${run.stdout}\n${run.stderr}`;
  expect(run.error).toBeUndefined();
  expect(output).not.toContain('THRIFTPOLL_URING_UNAVAILABLE');
  expect(output).toMatch(/Test Suites: 3 passed, 3 total/);
  expect(output).not.toMatch(/failed/);
  expect(run.status).toBe(0);
}, 260_000);

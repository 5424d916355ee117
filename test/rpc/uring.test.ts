import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { Engine, ENGINE_MODE_VARIABLE } from '@thriftpoll/netpoll';

/**
 * The RPC server suites again, with every engine of the child jest (and of the servers it starts) in `uring`
 * mode through THRIFTPOLL_ENGINE_MODE: the same tests, not copies. The engine suites run on `uring` through
 * test/netpoll/helpers.ts MODES.
 */

const root = path.resolve(__dirname, '..', '..');
const SUITES = ['test/rpc/server.test.ts', 'test/rpc/shutdown.test.ts'];

test(`the RPC server and shutdown suites pass with ${ENGINE_MODE_VARIABLE}=uring`, () => {
  // Fails here, not by a silent fall-back to inline in the child, if this machine cannot run io_uring.
  new Engine({ mode: 'uring' }).destroy();
  const jest = require.resolve('jest/bin/jest');
  const run = spawnSync(process.execPath, [jest, '--runInBand', '--ci', ...SUITES], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, [ENGINE_MODE_VARIABLE]: 'uring' },
    timeout: 170_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${run.stdout}\n${run.stderr}`;
  expect(run.error).toBeUndefined();
  expect(output).not.toContain('THRIFTPOLL_URING_UNAVAILABLE');
  expect(output).toMatch(/Test Suites: 2 passed, 2 total/);
  expect(output).not.toMatch(/failed/);
  expect(run.status).toBe(0);
}, 180_000);

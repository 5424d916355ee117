import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Runs short open/echo/close workloads (both engine modes, on the main thread and in worker threads) under
 * valgrind and fails on any definitely-lost block or memory error whose stack passes through our addon. valgrind is installed by .ci/run; without it
 * this test fails loudly rather than skipping.
 */

const root = path.resolve(__dirname, '..', '..');
/**
 * Open/echo/close on the main thread; engines in two worker threads at once, one terminated mid-traffic. In the
 * second, Node unloads the addon when the last worker using it ends, so valgrind can no longer name its frames:
 * that run must be clean as a whole (no definitely-lost block, no memory error anywhere).
 */
const WORKLOADS: [string, string, { wholeProcess: boolean }][] = [
  ['the main thread', path.join(__dirname, 'fixtures', 'workload.js'), { wholeProcess: false }],
  ['two worker threads', path.join(__dirname, 'fixtures', 'worker-workload.js'), { wholeProcess: true }],
];

/** Splits valgrind's log into records (a header line followed by `at`/`by` frames). */
function records(log: string): string[] {
  return log.split(/\n==\d+== \n/).map((chunk) => chunk.replace(/^==\d+== /gm, ''));
}

test.each(WORKLOADS)('no leaks or memory errors in thriftpoll_native under valgrind (%s)', (_name, workload, { wholeProcess }) => {
  const which = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  if (which.error !== undefined || which.status !== 0) {
    throw new Error('valgrind is not installed: apt-get install valgrind (.ci/run does this)');
  }
  if (!fs.existsSync(path.join(root, 'packages', 'netpoll', 'dist', 'index.js'))) {
    throw new Error('packages/netpoll is not built: run `npm run build` (npm test builds it first)');
  }
  const run = spawnSync(
    'valgrind',
    ['--leak-check=full', '--show-leak-kinds=definite', '--num-callers=40', process.execPath, workload],
    { cwd: root, encoding: 'utf8', timeout: 170_000, maxBuffer: 64 * 1024 * 1024 },
  );
  const log = `${run.stdout}\n${run.stderr}`;
  expect(run.error).toBeUndefined();
  expect(log).toContain('workload done');
  expect(log).toContain('LEAK SUMMARY');
  const ours = records(log).filter((record) => wholeProcess || record.includes('thriftpoll_native'));
  const leaks = ours.filter((record) => /definitely lost in loss record/.test(record));
  const errors = ours.filter((record) => /Invalid (read|write|free)|uninitialised|Mismatched free|overlap/.test(record));
  expect(leaks).toEqual([]);
  expect(errors).toEqual([]);
  expect(run.status).toBe(0);
}, 180_000);

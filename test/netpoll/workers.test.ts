import * as fs from 'node:fs';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';

import { openFds, until } from './helpers';

/**
 * The addon is context-aware: engines run in several worker threads at once, each in its own environment, and
 * a worker that exits or is terminated frees its engine, sockets, poller threads and slabs (the addon's
 * per-environment cleanup hook) without the worker destroying anything itself.
 */

// Jest runs TypeScript from the sources; a worker thread loads the compiled packages (npm test builds them).
const fixture = path.join(__dirname, 'fixtures', 'worker-engine.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const native = require('@thriftpoll/native') as { processStats(): { liveSlabs: number } };

// The slab count is process-wide: test files that ran earlier in this jest worker leave slabs that are unmapped
// only when the garbage collector frees their last JavaScript views. Collecting first keeps them out of the
// baselines and the final counts.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function liveSlabs(): number {
  collectGarbage();
  return native.processStats().liveSlabs;
}

/** The slab count once collecting garbage no longer changes it. */
async function settledSlabs(): Promise<number> {
  let previous = liveSlabs();
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = liveSlabs();
    if (now === previous) return now;
    previous = now;
  }
  return previous;
}

interface Progress {
  round?: number;
  done?: boolean;
  error?: string;
}

/** Threads of this process (the main thread, libuv's, V8's, and any poller or worker thread). */
function threadCount(): number {
  return fs.readdirSync('/proc/self/task').length;
}

function start(mode: 'inline' | 'threads', rounds: number): { worker: Worker; rounds: () => number; exited: Promise<number>; errors: string[] } {
  const worker = new Worker(fixture, { workerData: { mode, rounds } });
  let seen = 0;
  const errors: string[] = [];
  worker.on('message', (message: Progress) => {
    if (message.round !== undefined) seen = message.round;
    if (message.error !== undefined) errors.push(message.error);
  });
  worker.on('error', (error) => errors.push(String(error)));
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  return { worker, rounds: () => seen, exited, errors };
}

beforeAll(() => {
  if (!fs.existsSync(path.join(__dirname, '..', '..', 'packages', 'netpoll', 'dist', 'index.js'))) {
    throw new Error('packages/netpoll is not built: run `npx tsc -b` (npm test builds it first)');
  }
});

test('two worker threads each run an engine at once; exit and terminate() free everything', async () => {
  const fdsBefore = openFds();
  const threadsBefore = threadCount();
  const slabsBefore = await settledSlabs();

  // One worker per mode, echoing at the same time; the threads-mode one is terminated mid-traffic, the inline
  // one finishes its rounds and exits with its engine, listener and connections still open.
  const terminated = start('threads', 0);
  const finishing = start('inline', 200);
  await until(() => terminated.rounds() >= 20 && finishing.rounds() >= 20, 'both workers echoing', 60_000);
  expect(liveSlabs()).toBeGreaterThan(slabsBefore);
  const ids = [terminated.worker.threadId, finishing.worker.threadId];
  expect(new Set(ids).size).toBe(2);
  await terminated.worker.terminate();
  expect(await terminated.exited).toBe(1);
  expect(await finishing.exited).toBe(0);
  expect(finishing.rounds()).toBe(200);
  expect(terminated.errors).toEqual([]);
  expect(finishing.errors).toEqual([]);

  await until(() => openFds() <= fdsBefore, `file descriptors back to ${fdsBefore} (now ${openFds()})`);
  await until(() => threadCount() <= threadsBefore, `threads back to ${threadsBefore} (now ${threadCount()})`);
  await until(() => liveSlabs() <= slabsBefore, `slabs of the workers unmapped (${native.processStats().liveSlabs} live, ${slabsBefore} before)`);
}, 120_000);

test('workers started and terminated over and over leave nothing behind', async () => {
  const fdsBefore = openFds();
  const threadsBefore = threadCount();
  const slabsBefore = await settledSlabs();
  for (let cycle = 0; cycle < 6; cycle++) {
    const pair = [start(cycle % 2 === 0 ? 'threads' : 'inline', 0), start('threads', 0)];
    await until(() => pair.every((worker) => worker.rounds() >= 2), `cycle ${cycle}: workers echoing`, 60_000);
    await Promise.all(pair.map((worker) => worker.worker.terminate()));
    for (const worker of pair) expect(worker.errors).toEqual([]);
  }
  await until(() => openFds() <= fdsBefore, `file descriptors back to ${fdsBefore} (now ${openFds()})`);
  await until(() => threadCount() <= threadsBefore, `threads back to ${threadsBefore} (now ${threadCount()})`);
  await until(() => liveSlabs() <= slabsBefore, `slabs of the workers unmapped (${native.processStats().liveSlabs} live, ${slabsBefore} before)`);
}, 120_000);

test('terminate() at any moment, even while the worker is still loading or creating its engine', async () => {
  const fdsBefore = openFds();
  const threadsBefore = threadCount();
  const slabsBefore = await settledSlabs();
  for (let i = 0; i < 40; i++) {
    const worker = start(i % 2 === 0 ? 'inline' : 'threads', 0);
    // 0 to 57 ms after start: before, during and after the engine's creation and the first rounds.
    await new Promise((resolve) => setTimeout(resolve, (i * 7) % 60));
    await worker.worker.terminate();
    await worker.exited;
    expect(worker.errors).toEqual([]);
  }
  await until(() => openFds() <= fdsBefore, `file descriptors back to ${fdsBefore} (now ${openFds()})`);
  await until(() => threadCount() <= threadsBefore, `threads back to ${threadsBefore} (now ${threadCount()})`);
  await until(() => liveSlabs() <= slabsBefore, `slabs of the workers unmapped (${native.processStats().liveSlabs} live, ${slabsBefore} before)`);
}, 120_000);

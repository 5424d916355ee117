import { createClient, RpcError } from '@thriftpoll/rpc';
import { EchoService } from './fixtures/echo-code-first';
import { startChildServer, type ChildServer } from './helpers/child';
import { waitFor } from './helpers/wait';

/**
 * SIGTERM while clients drive calls as fast as they can: no call is lost. A call is lost when the client saw it
 * fail although the server ran it, or fail with an error that does not say it is safe to retry (the caller could
 * not know whether it ran). Every failure must be retry-safe and absent from what the server ran; every success
 * present in it.
 */

interface Outcome {
  succeeded: string[];
  failed: { id: string; error: unknown }[];
  ran: Set<string>;
  exitCode: number | null;
}

const RUNS = 3;

/** The ids the server ran: its `call <msg>` lines, msg being `<id>` or `<ms>:<id>`. */
function ranIds(child: ChildServer): Set<string> {
  const ids = new Set<string>();
  for (const line of child.lines) {
    if (!line.startsWith('call ')) continue;
    const msg = line.slice(5);
    const colon = msg.indexOf(':');
    ids.add(colon < 0 ? msg : msg.slice(colon + 1));
  }
  return ids;
}

async function sigtermUnderLoad(engine: 'netpoll' | 'net', mode: 'pool' | 'mux', handlerMs: number, run: number): Promise<Outcome> {
  const child = await startChildServer(0, engine);
  const client = createClient(EchoService, { address: { host: '127.0.0.1', port: child.port }, mode, timeout: 30000 });
  const concurrency = mode === 'mux' ? 64 : 16;
  const succeeded: string[] = [];
  const failed: { id: string; error: unknown }[] = [];
  let signalled = false;
  const loop = async (worker: number): Promise<void> => {
    // Bounded: after the SIGTERM every call soon fails (refused, then nothing listens); a worker stops at its
    // first failure after it.
    for (let i = 0; i < 100_000; i++) {
      const id = `r${run}w${worker}c${i}`;
      try {
        await client.echo(handlerMs > 0 ? { action: 'sleep', msg: `${handlerMs}:${id}` } : { action: 'a', msg: id });
        succeeded.push(id);
      } catch (error) {
        failed.push({ id, error });
        if (signalled) return;
      }
    }
  };
  const workers = Array.from({ length: concurrency }, (_, worker) => loop(worker));
  // Under way: every worker has a call running on the server (slow handlers) or many calls have completed.
  await waitFor(() => (handlerMs > 0 ? ranIds(child).size >= concurrency : succeeded.length >= concurrency * 20), 30000, 'the load to be under way');
  signalled = true;
  child.process.kill('SIGTERM');
  await Promise.all(workers);
  const exitCode = await child.exited;
  const stdout = child.process.stdout;
  if (stdout !== null && !stdout.readableEnded) await new Promise((resolve) => stdout.once('end', resolve));
  await client.$close();
  return { succeeded, failed, ran: ranIds(child), exitCode };
}

describe.each(['netpoll', 'net'] as const)('SIGTERM under load loses no call (%s server)', (engine) => {
  test.each([
    ['pool', 0],
    ['pool', 300],
    ['mux', 0],
    ['mux', 300],
  ] as const)(`%s client, %i ms handlers, ${RUNS} runs`, async (mode, handlerMs) => {
    for (let run = 1; run <= RUNS; run++) {
      const outcome = await sigtermUnderLoad(engine, mode, handlerMs, run);
      expect(outcome.exitCode).toBe(0);
      expect(outcome.succeeded.length).toBeGreaterThan(0);
      const notRun = outcome.succeeded.filter((id) => !outcome.ran.has(id));
      expect(notRun).toEqual([]);
      const lost = outcome.failed
        .filter(({ id, error }) => outcome.ran.has(id) || !(error instanceof RpcError) || !error.retrySafe)
        .map(({ id, error }) => `${id}: ${error instanceof Error ? `${error.constructor.name} ${(error as RpcError).code} ${error.message}` : String(error)}`);
      expect(lost).toEqual([]);
    }
  }, 120_000);
});

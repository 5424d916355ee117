import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageType, TApplicationException } from '@thriftpoll/protocol';
import {
  createClient,
  createServer,
  RpcError,
  RpcOptionError,
  RpcOverloadError,
  RpcWorkerError,
  type ServerStats,
  type WorkerErrorInfo,
  type WorkerServer,
} from '@thriftpoll/rpc';
import { EchoError, EchoService } from './fixtures/echo-code-first';
import { converse, decodeFramedReply, emptyStruct, framedMessage } from './helpers/raw';
import { waitFor } from './helpers/wait';
import { compileEchoService } from './helpers/worker-service';

/**
 * createServer({ handlerModule, workers }): handlers in worker threads, each with its own engine and an
 * SO_REUSEPORT listener on the same port. Clients here are in the test's thread, on its own engine.
 */

const handlerModule = path.join(__dirname, 'fixtures', 'worker-handler.js');
let compiled: { serviceModule: string; remove: () => void };
beforeAll(() => {
  compiled = compileEchoService();
});
afterAll(() => compiled.remove());

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

function threadCount(): number {
  return fs.readdirSync('/proc/self/task').length;
}

type Echo = ReturnType<typeof createClient<EchoService>>;

const open: { $close(): Promise<void> }[] = [];
const servers: { close(options?: { timeout?: number }): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.$close()));
  await Promise.all(servers.splice(0).map((server) => server.close({ timeout: 1000 })));
});

function client(port: number, options: Record<string, unknown> = {}): Echo {
  const created = createClient(EchoService, { address: { host: '127.0.0.1', port }, ...options });
  open.push(created);
  return created;
}

async function workerServer(options: Record<string, unknown> = {}): Promise<{ server: WorkerServer; port: number }> {
  const server = createServer({ handlerModule, handlerData: { serviceModule: compiled.serviceModule }, workers: 2, ...options });
  servers.push(server);
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  return { server, port: (address as { port: number }).port };
}

/** The worker a client's connection landed on, from the `whoami` action: [workerIndex, threadId, restarts]. */
async function whoami(echo: Echo): Promise<[number, number, number]> {
  const { msg } = await echo.echo({ action: 'whoami', msg: '' });
  return msg.split(':').map(Number) as [number, number, number];
}

/** Polls an asynchronous condition (generous timeout: liveness only). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** `count` clients of one connection each, grouped by the worker their connection landed on. */
async function clientsByWorker(port: number, count: number): Promise<Map<number, Echo[]>> {
  const clients = Array.from({ length: count }, () => client(port));
  const byWorker = new Map<number, Echo[]>();
  for (const echo of clients) {
    const [index] = await whoami(echo);
    byWorker.set(index, [...(byWorker.get(index) ?? []), echo]);
  }
  return byWorker;
}

test('workers start and stop cleanly: distinct threads, each serving; nothing left behind', async () => {
  // This thread's own engine (the clients') is created on first use: create it before the baseline.
  const warm = createServer({ service: EchoService, handler: new EchoService() });
  const { port: warmPort } = (await warm.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
  const warmClient = createClient(EchoService, { address: { host: '127.0.0.1', port: warmPort } });
  await warmClient.echo({ action: 'a', msg: 'warm' });
  await warmClient.$close();
  await warm.close();
  const fdsBefore = openFds();
  const threadsBefore = threadCount();
  const { server, port } = await workerServer();
  const ids = server.threadIds;
  expect(ids).toHaveLength(2);
  expect(new Set(ids).size).toBe(2);
  const byWorker = await clientsByWorker(port, 40);
  expect([...byWorker.keys()].sort()).toEqual([0, 1]);
  for (const [index, clients] of byWorker) {
    const [, threadId] = await whoami(clients[0]);
    expect(threadId).toBe(ids[index]);
  }
  await Promise.all(open.splice(0).map((echo) => echo.$close()));
  await server.close({ timeout: 5000 });
  expect(server.threadIds).toEqual([undefined, undefined]);
  await waitFor(() => openFds() <= fdsBefore, 20000, `file descriptors back to ${fdsBefore} (now ${openFds()})`);
  await waitFor(() => threadCount() <= threadsBefore, 20000, `threads back to ${threadsBefore} (now ${threadCount()})`);
}, 60000);

test('connection spread over 2 workers, for 8 and 100 connections', async () => {
  const { port } = await workerServer();
  const spread: Record<number, number[]> = {};
  for (const count of [8, 100]) {
    const byWorker = await clientsByWorker(port, count);
    spread[count] = [0, 1].map((index) => byWorker.get(index)?.length ?? 0);
    expect(spread[count][0] + spread[count][1]).toBe(count);
    await Promise.all(open.splice(0).map((echo) => echo.$close()));
  }
  // The kernel hashes each connection's addresses and ports onto a listener: every worker gets some of 100.
  expect(spread[100][0]).toBeGreaterThan(0);
  expect(spread[100][1]).toBeGreaterThan(0);
  process.stdout.write(`SO_REUSEPORT spread over workers 0/1: 8 connections ${spread[8].join('/')}, 100 connections ${spread[100].join('/')}\n`);
}, 60000);

test('graceful shutdown under load: every call that reached a worker is answered', async () => {
  const { server, port } = await workerServer();
  const byWorker = await clientsByWorker(port, 24);
  expect(byWorker.size).toBe(2);
  const clients = [...byWorker.values()].flat();
  // Two slow calls per connection (pool mode opens a second connection for the second), all in flight at once.
  const calls = clients.flatMap((echo, i) => [echo.echo({ action: 'sleep', msg: String(300 + i) }), echo.echo({ action: 'sleep', msg: '400' })]);
  await until(async () => (await server.getStats()).inFlight === calls.length, 'every call in flight in a worker');
  await server.close({ timeout: 10000 });
  const results = await Promise.allSettled(calls);
  expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
  // Closed: new calls fail without reaching anything, with a typed, retry-safe error.
  const after = await client(port).echo({ action: 'a', msg: 'late' }).catch((error: unknown) => error);
  expect(after).toBeInstanceOf(RpcError);
  expect(after).toMatchObject({ code: 'ECONNREFUSED', retrySafe: true });
}, 60000);

test('a crashed worker is contained: its callers get typed errors, the other serves on, it restarts', async () => {
  const crashes: { error: RpcWorkerError; info: WorkerErrorInfo }[] = [];
  const { server, port } = await workerServer({ restartDelay: 50, onWorkerError: (error: RpcWorkerError, info: WorkerErrorInfo) => crashes.push({ error, info }) });
  const [firstThread] = server.threadIds;
  const byWorker = await clientsByWorker(port, 24);
  const [crasher, bystander] = byWorker.get(0) ?? [];
  const [survivor] = byWorker.get(1) ?? [];
  expect(crasher).toBeDefined();
  expect(bystander).toBeDefined();
  expect(survivor).toBeDefined();
  // Outcomes captured at once: the victim's call may fail before the crasher's does.
  const onVictim = bystander.echo({ action: 'sleep', msg: '5000' }).catch((error: unknown) => error);
  const onSurvivor = survivor.echo({ action: 'sleep', msg: '300' }).catch((error: unknown) => error);
  const crashed = await crasher.echo({ action: 'crash-worker', msg: '' }).catch((error: unknown) => error);
  expect(crashed).toBeInstanceOf(RpcError);
  expect((crashed as RpcError).code).toBe('ECONNRESET');
  expect(await onVictim).toBeInstanceOf(RpcError);
  expect(await onVictim).toMatchObject({ code: 'ECONNRESET' });
  expect(await onSurvivor).toEqual({ action: 'sleep', msg: '300' });
  await waitFor(() => crashes.length === 1, 10000, 'the crash reported');
  expect(crashes[0].error).toBeInstanceOf(RpcWorkerError);
  expect(crashes[0].error).toMatchObject({ code: 'ERR_RPC_WORKER', failure: 'crash', workerIndex: 0, threadId: firstThread });
  expect(crashes[0].error.message).toMatch(/^worker 0 \(thread \d+\) crashed: worker 0 crashed on purpose; restarting in 50 ms$/);
  expect(crashes[0].info).toEqual({ restarting: true, restartDelay: 50 });
  // Restarted in the same slot, on a new thread; new connections reach it again.
  await waitFor(() => server.threadIds[0] !== undefined && server.threadIds[0] !== firstThread, 20000, 'worker 0 restarted');
  const stats = await waitForServing(server);
  expect(stats.workers.map((worker) => worker.restarts)).toEqual([1, 0]);
  const again = await clientsByWorker(port, 24);
  const restarted = again.get(0)?.[0];
  expect(restarted).toBeDefined();
  expect(await whoami(restarted as Echo)).toEqual([0, server.threadIds[0], 1]);
  expect(await survivor.echo({ action: 'a', msg: 'still here' })).toEqual({ action: 'a', msg: 'still here' });
  // A second crash in a row waits twice as long before its restart.
  await (restarted as Echo).echo({ action: 'crash-worker', msg: '' }).catch(() => undefined);
  await waitFor(() => crashes.length === 2, 10000, 'the second crash reported');
  expect(crashes[1].info).toEqual({ restarting: true, restartDelay: 100 });
  expect(crashes[1].error.message).toMatch(/^worker 0 \(thread \d+\) crashed: worker 0 crashed on purpose; restarting in 100 ms$/);
  expect((await waitForServing(server)).workers.map((worker) => worker.restarts)).toEqual([2, 0]);
}, 60000);

/** getStats() once every worker is serving (a restarted one listens shortly after its thread starts). */
async function waitForServing(server: WorkerServer): Promise<Awaited<ReturnType<WorkerServer['getStats']>>> {
  const deadline = Date.now() + 20000;
  for (;;) {
    const stats = await server.getStats();
    if (stats.workers.every((worker) => worker.stats !== undefined)) return stats;
    if (Date.now() > deadline) throw new Error('workers not serving after 20 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('getStats() sums the workers and lists each', async () => {
  const { server, port } = await workerServer();
  const byWorker = await clientsByWorker(port, 30);
  const clients = [...byWorker.values()].flat();
  await Promise.all(clients.map((echo) => echo.echo({ action: 'nosuch-action-is-echoed', msg: 'x' })));
  const stats = await server.getStats();
  expect(stats.workers).toHaveLength(2);
  const perWorker = stats.workers.map((worker) => worker.stats as ServerStats);
  expect(perWorker.map((worker) => worker.connections)).toEqual([byWorker.get(0)?.length ?? 0, byWorker.get(1)?.length ?? 0]);
  expect(stats.connections).toBe(30);
  expect(stats.accepted).toBe(30);
  expect(stats.inFlight).toBe(0);
  expect(stats.workers.map((worker) => worker.threadId)).toEqual(server.threadIds);
}, 60000);

describe('options are validated where they enter', () => {
  test('createServer', () => {
    expect(() => createServer({ service: EchoService, handler: new EchoService(), workers: 2 as 1 })).toThrow(
      /^workers > 1 need the handler as a module that each worker thread loads/,
    );
    expect(() => createServer({ handlerModule, workers: 0 })).toThrow(RpcOptionError);
    expect(() => createServer({ handlerModule, workers: 'many' as 'auto' })).toThrow("workers (a count, or 'auto') must be an integer in [1, 1024], got string \"many\"");
    expect(() => createServer({ handlerModule, engine: 'net' as 'netpoll' })).toThrow(/^createServer with handlerModule runs on the 'netpoll' engine only/);
    expect(() => createServer({ handlerModule: '/no/such/handler.js' })).toThrow(/^handlerModule "\/no\/such\/handler.js" does not exist/);
    expect(() => createServer({ handlerModule, handler: {} } as never)).toThrow(/has no option 'handler'/);
    expect(() => createServer({ handlerModule, handlerData: { f: () => 1 } })).toThrow(/^handlerData must be plain data/);
    expect(() => createServer({ service: EchoService, handler: new EchoService(), engine: 'net', reusePort: true })).toThrow(/^reusePort needs the 'netpoll' engine/);
    expect(createServer({ handlerModule, workers: 'auto' }).workerCount).toBeGreaterThanOrEqual(1);
  });

  test('listen: a module without createHandler, a Unix path with workers > 1', async () => {
    const bad = createServer({ handlerModule: 'data:text/javascript,export const createHandlers = 1;', workers: 2 });
    servers.push(bad);
    const error = await bad.listen({ host: '127.0.0.1', port: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcWorkerError);
    expect(error).toMatchObject({ failure: 'start', workerIndex: 0, cause: { name: 'RpcOptionError', code: 'ERR_RPC_OPTION' } });
    expect((error as Error).message).toMatch(
      /^worker 0 \(thread \d+\) could not start: handlerModule data:text\/javascript,.* must export a function createHandler\(context\) returning \{ service, handler \} or \{ services \}; its exports are: createHandlers$/,
    );
    expect(bad.threadIds).toEqual([undefined, undefined]);
    const unix = createServer({ handlerModule, workers: 2 });
    await expect(unix.listen('/tmp/thriftpoll-workers.sock')).rejects.toThrow(/^workers > 1 need a TCP address/);
  }, 30000);
});

test('reusePort: two in-thread servers share a port; without it the port is taken', async () => {
  const first = createServer({ service: EchoService, handler: new EchoService(), reusePort: true });
  const second = createServer({ service: EchoService, handler: new EchoService(), reusePort: true });
  servers.push(first, second);
  const { port } = (await first.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
  await second.listen({ host: '127.0.0.1', port });
  const third = createServer({ service: EchoService, handler: new EchoService() });
  servers.push(third);
  await expect(third.listen({ host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  const echoes = Array.from({ length: 20 }, () => client(port));
  await Promise.all(echoes.map((echo, i) => expect(echo.echo({ action: 'a', msg: String(i) })).resolves.toEqual({ action: 'a', msg: String(i) })));
  expect(first.getStats().accepted + second.getStats().accepted).toBe(20);
  expect(first.getStats().accepted).toBeGreaterThan(0);
  expect(second.getStats().accepted).toBeGreaterThan(0);
});

/** A representative subset of server.test.ts, in-thread and with workers: 2 (the same behaviour either way). */
describe.each(['in-thread', 'workers: 2'] as const)('server behaviour (%s)', (where) => {
  async function serve(options: Record<string, unknown> = {}): Promise<{ port: number; inFlight: () => Promise<number> }> {
    if (where === 'workers: 2') {
      const { server, port } = await workerServer(options);
      return { port, inFlight: async () => (await server.getStats()).inFlight };
    }
    const server = createServer({ service: EchoService, handler: new EchoService(), onError: () => undefined, ...options });
    servers.push(server);
    const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
    return { port, inFlight: () => Promise.resolve(server.getStats().inFlight) };
  }

  test('echo, declared exceptions and handler failures, on every transport and both protocols', async () => {
    const { port } = await serve();
    for (const [transport, protocol] of [['framed', 'binary'], ['buffered', 'compact'], ['theader', 'compact'], ['ttheader', 'binary']] as const) {
      const echo = client(port, { transport, protocol });
      expect(await echo.echo({ action: 'a', msg: transport })).toEqual({ action: 'a', msg: transport });
      await expect(echo.echo({ action: 'fail', msg: 'no' })).rejects.toBeInstanceOf(EchoError);
      await expect(echo.echo({ action: 'crash', msg: 'x' })).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    }
  }, 30000);

  test('protocol fixed to binary: a compact request gets INVALID_PROTOCOL (options reach every worker)', async () => {
    const { port } = await serve({ protocol: 'binary' });
    for (let i = 0; i < 6; i++) {
      const error = await client(port, { protocol: 'compact' }).echo({ action: 'a', msg: 'b' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TApplicationException);
      expect(error).toMatchObject({ code: 'INVALID_PROTOCOL', message: 'this server accepts only the binary protocol, the request used compact' });
    }
    expect(await client(port, { protocol: 'binary' }).echo({ action: 'a', msg: 'b' })).toEqual({ action: 'a', msg: 'b' });
  }, 30000);

  test('unknown methods get UNKNOWN_METHOD', async () => {
    const { port } = await serve();
    const { received } = await converse(port, framedMessage('nosuch', MessageType.CALL, 5, emptyStruct), { waitClose: false });
    expect(decodeFramedReply(received).exception).toMatchObject({ code: 'UNKNOWN_METHOD', message: "unknown method 'nosuch' (this server has service EchoServer)" });
  }, 30000);

  test('headers and deadlines over TTHeader', async () => {
    const { port } = await serve();
    const echo = client(port, { transport: 'ttheader' });
    expect(await echo.echo({ action: 'header', msg: 'tenant' }, { headers: { tenant: 'blue' } })).toEqual({ action: 'header', msg: 'blue' });
    const { msg } = await echo.echo({ action: 'deadline', msg: '' }, { timeout: 5000 });
    expect(Number(msg)).toBeGreaterThan(0);
    expect(Number(msg)).toBeLessThanOrEqual(5000);
  }, 30000);

  test('maxConcurrentRequestsPerConnection: the extra call gets a typed overload error', async () => {
    const { port, inFlight } = await serve({ maxConcurrentRequestsPerConnection: 2 });
    const echo = client(port, { mode: 'mux', mux: { connectionsPerAddress: 1 } });
    const slow = [echo.echo({ action: 'sleep', msg: '1500' }), echo.echo({ action: 'sleep', msg: '1500' })];
    await until(async () => (await inFlight()) === 2, 'two calls in flight');
    const error = await echo.echo({ action: 'a', msg: 'third' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcOverloadError);
    expect(error).toMatchObject({ side: 'server', limit: 'maxConcurrentRequestsPerConnection', retrySafe: true });
    await expect(Promise.all(slow)).resolves.toHaveLength(2);
  }, 30000);
});

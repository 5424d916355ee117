import * as path from 'node:path';
import { Registry } from 'prom-client';
import { createClient, createServer, RpcOptionError, type WorkerServer, type WorkerServerOptions } from '@thriftpoll/rpc';
import { EchoService } from './fixtures/echo-code-first';
import { httpRequest, promtoolCheck, sample } from './helpers/http';
import { compileEchoService } from './helpers/worker-service';

/*
 * createServer({ handlerModule, workers, metrics }): every worker counts its own calls; /metrics on the RPC port,
 * answered by whichever worker accepted the connection, and on the main thread's admin port, is the whole
 * process summed by prom-client's AggregatorRegistry. Checked against the calls made and by Debian's promtool.
 */

const handlerModule = path.join(__dirname, 'fixtures', 'worker-handler.js');
let compiled: { serviceModule: string; remove: () => void };
beforeAll(() => {
  compiled = compileEchoService();
});
afterAll(() => compiled.remove());

type Echo = ReturnType<typeof createClient<EchoService>>;
const open: Echo[] = [];
const servers: WorkerServer[] = [];
let gate = new Int32Array(new SharedArrayBuffer(4));
afterEach(async () => {
  // A worker blocked by a test is let go before its server closes.
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
  await Promise.all(open.splice(0).map((echo) => echo.$close()));
  await Promise.all(servers.splice(0).map((server) => server.close({ timeout: 1000 })));
});

async function workerServer(metrics: unknown): Promise<{ server: WorkerServer; port: number }> {
  gate = new Int32Array(new SharedArrayBuffer(4));
  const server = createServer({ handlerModule, handlerData: { serviceModule: compiled.serviceModule, gate }, workers: 2, metrics } as WorkerServerOptions);
  servers.push(server);
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  return { server, port: (address as { port: number }).port };
}

/** The sum of every `thriftpoll_server_requests_total` series (all methods and codes). */
function requestsTotal(exposition: string): number {
  let sum = 0;
  for (const line of exposition.split('\n')) if (line.startsWith('thriftpoll_server_requests_total{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/** `count` clients of one connection each, by the worker their connection landed on (one whoami call each). */
async function clientsByWorker(port: number, count: number): Promise<Map<number, Echo[]>> {
  const byWorker = new Map<number, Echo[]>();
  for (let i = 0; i < count; i++) {
    const echo = createClient(EchoService, { address: { host: '127.0.0.1', port } });
    open.push(echo);
    const { msg } = await echo.echo({ action: 'whoami', msg: '' });
    const index = Number(msg.split(':')[0]);
    byWorker.set(index, [...(byWorker.get(index) ?? []), echo]);
  }
  return byWorker;
}

test('/metrics on any worker and on the admin port is the whole process: the counted calls equal the calls made', async () => {
  const { server, port } = await workerServer({ admin: '127.0.0.1:0' });
  const connections = 16;
  const byWorker = await clientsByWorker(port, connections);
  expect([...byWorker.keys()].sort()).toEqual([0, 1]);
  const perClient = 5;
  await Promise.all(
    [...byWorker.values()].flat().map(async (echo) => {
      for (let i = 0; i < perClient; i++) await echo.echo({ action: 'say', msg: `call ${i}` });
    }),
  );
  const made = connections * (1 + perClient);
  const admin = (server.adminAddress as { port: number }).port;

  // Fresh connections each time: the kernel hands them to either worker.
  for (let scrape = 0; scrape < 6; scrape++) {
    const reply = await httpRequest(port, '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(requestsTotal(reply.body)).toBe(made);
    expect(sample(reply.body, 'thriftpoll_server_requests_total{service="EchoServer",method="echo",code="OK"}')).toBe(made);
    expect(sample(reply.body, 'thriftpoll_server_request_duration_seconds_count{service="EchoServer",method="echo",code="OK"}')).toBe(made);
    expect(sample(reply.body, 'thriftpoll_server_workers{state="scraped"}')).toBe(2);
    expect(sample(reply.body, 'thriftpoll_server_workers{state="missing"}')).toBe(0);
    // Connections and engine counters are summed over the workers' engines too.
    expect(sample(reply.body, 'thriftpoll_server_connections{transport="framed"}')).toBe(connections);
    expect(sample(reply.body, 'thriftpoll_server_connections_accepted_total')).toBe(connections + 1 + scrape);
    expect(sample(reply.body, 'thriftpoll_engine_batches_total')).toBeGreaterThan(0);
    if (scrape === 0) expect(await promtoolCheck(reply.body)).toEqual({ code: 0, output: '' });
  }
  const fromAdmin = await httpRequest(admin, '/metrics');
  expect(requestsTotal(fromAdmin.body)).toBe(made);
  expect(await promtoolCheck(fromAdmin.body)).toEqual({ code: 0, output: '' });
  expect(requestsTotal(await server.processMetrics())).toBe(made);
  expect(await httpRequest(port, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
  expect(await httpRequest(admin, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
}, 60000);

test('a worker that does not answer in time is left out of the scrape and counted as missing, not waited for', async () => {
  const { server, port } = await workerServer({ admin: '127.0.0.1:0', scrapeTimeout: 300 });
  const admin = (server.adminAddress as { port: number }).port;
  const byWorker = await clientsByWorker(port, 16);
  const [blocked, free] = [byWorker.get(0) ?? [], byWorker.get(1) ?? []];
  expect(blocked.length).toBeGreaterThan(0);
  expect(free.length).toBeGreaterThan(0);
  await free[0].echo({ action: 'say', msg: 'counted' });
  // Worker 0's thread blocks until the gate opens: it cannot answer the main thread's question.
  const blocking = blocked[0].echo({ action: 'block-thread', msg: '' });
  let text = '';
  const deadline = Date.now() + 20000;
  while (sample(text, 'thriftpoll_server_workers{state="missing"}') !== 1) {
    if (Date.now() > deadline) throw new Error(`worker 0 was never reported missing; last scrape:\n${text}`);
    text = (await httpRequest(admin, '/metrics')).body;
  }
  expect(sample(text, 'thriftpoll_server_workers{state="scraped"}')).toBe(1);
  // Only worker 1's calls are in: its whoami calls and the one more.
  expect(requestsTotal(text)).toBe(free.length + 1);
  expect(await promtoolCheck(text)).toEqual({ code: 0, output: '' });

  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
  expect(await blocking).toMatchObject({ msg: 'unblocked' });
  const after = (await httpRequest(admin, '/metrics')).body;
  expect(sample(after, 'thriftpoll_server_workers{state="missing"}')).toBe(0);
  expect(requestsTotal(after)).toBe(16 + 1 + 1);
}, 60000);

test('/healthz: 200 while serving, 503 on the admin port from the start of close() until the server closed', async () => {
  const { server, port } = await workerServer({ admin: '127.0.0.1:0' });
  const admin = (server.adminAddress as { port: number }).port;
  expect(await httpRequest(port, '/healthz')).toMatchObject({ status: 200 });
  expect(await httpRequest(admin, '/healthz')).toMatchObject({ status: 200 });
  const echo = createClient(EchoService, { address: { host: '127.0.0.1', port } });
  open.push(echo);
  const slow = echo.echo({ action: 'sleep', msg: '1500' });
  const deadline = Date.now() + 20000;
  while ((await server.getStats()).inFlight !== 1) {
    if (Date.now() > deadline) throw new Error('the slow call never started');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const closing = server.close({ timeout: 10000 });
  expect(await httpRequest(admin, '/healthz')).toMatchObject({ status: 503, body: 'shutting down\n' });
  await slow;
  await closing;
  await expect(httpRequest(admin, '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  await expect(httpRequest(port, '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
}, 60000);

test('metrics options of a worker server are checked where they enter', () => {
  const make = (metrics: unknown) => () => createServer({ handlerModule, workers: 2, metrics } as WorkerServerOptions);
  expect(make(new Registry())).toThrow(RpcOptionError);
  expect(make(new Registry())).toThrow(/cannot be a prom-client Registry: registries cannot cross threads/);
  expect(make({ registry: true })).toThrow(/registry/);
  expect(make({ scrapeTimeout: 0 })).toThrow(/metrics.scrapeTimeout/);
  expect(make('yes')).toThrow(/must be true, false or \{ admin\?, scrapeTimeout\? \}, got/);
});

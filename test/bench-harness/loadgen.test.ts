/**
 * Keeps the benchmark harness working: builds the C load generator and runs it briefly against the Node
 * `net` echo peer and Apache's npm `thrift` echo server. Asserts behaviour only (requests complete, zero
 * errors, a well-formed report, wrong replies detected) and never speed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildLoadgen, holdConnections, LoadgenError, LoadgenReport, runLoadgen } from '../bench/lib/loadgen';
import { measurePoint } from '../bench/lib/measure';
import { cpuMicros } from '../bench/lib/proc';
import { freePort, ServerError, ServerHandle, startServer } from '../bench/lib/server';

const BENCH = path.resolve(__dirname, '..', 'bench');
const ROOT = path.resolve(BENCH, '..', '..');

let binary: string;
let netEcho: ServerHandle;
let apache: ServerHandle;

function portOf(h: ServerHandle): number {
  if (!h.address || !('port' in h.address)) throw new Error(`${h.name} printed no address: ${h.readyLine}`);
  return h.address.port;
}

function expectCleanReport(r: LoadgenReport): void {
  expect(r.errors).toBe(0);
  expect(r.first_error).toBeUndefined();
  expect(r.requests).toBeGreaterThan(0);
  expect(r.qps).toBeGreaterThan(0);
  expect(r.duration_s).toBeGreaterThan(0);
  expect(r.p50_us).toBeGreaterThan(0);
  expect(r.p50_us).toBeLessThanOrEqual(r.p99_us);
  expect(r.p99_us).toBeLessThanOrEqual(r.p999_us);
  expect(r.p999_us).toBeLessThanOrEqual(r.max_us);
  expect(Object.values(r.errors_by_kind).every((n) => n === 0)).toBe(true);
}

beforeAll(async () => {
  const build = buildLoadgen({ force: true });
  expect(build.warnings).toBe(''); // -Wall -Wextra, and no warning allowed
  binary = build.binary;
  [netEcho, apache] = await Promise.all([
    startServer({ name: 'net-echo', command: process.execPath, args: [path.join(BENCH, 'net-echo', 'server.js'), '--port', '0'] }),
    startServer({ name: 'apache-echo', command: process.execPath, args: [path.join(BENCH, 'apache-echo', 'server.js'), '--port', '0'] }),
  ]);
}, 60000);

afterAll(async () => {
  await Promise.all([netEcho?.stop(), apache?.stop()]);
});

const short = { duration: 1, warmup: 0.2 } as const;

test('raw ping-pong against the Node net echo completes requests with zero errors', async () => {
  const r = await runLoadgen({ port: portOf(netEcho), mode: 'raw', connections: 4, size: 100, ...short }, { binary });
  expectCleanReport(r);
  expect(r).toMatchObject({ mode: 'raw', connections: 4, established: 4, pipeline: 1, threads: 1, size: 100, request_bytes: 104 });
}, 30000);

test('raw with two threads, pipelining, idle connections and frames larger than a socket buffer', async () => {
  const r = await runLoadgen(
    { port: portOf(netEcho), mode: 'raw', connections: 4, threads: 2, pipeline: 4, idle: 20, size: 300000, ...short },
    { binary },
  );
  expectCleanReport(r);
  expect(r).toMatchObject({ connections: 4, idle: 20, established: 24, pipeline: 4, threads: 2 });
}, 30000);

test('thrift-framed EchoServer.echo calls against the Apache thrift server get valid REPLYs', async () => {
  const r = await runLoadgen({ port: portOf(apache), mode: 'thrift-framed', connections: 8, size: 1024, ...short }, { binary });
  expectCleanReport(r);
  expect(r.mode).toBe('thrift-framed');
}, 30000);

test('thrift-framed with several calls in flight per connection (replies matched by seqid)', async () => {
  const r = await runLoadgen(
    { port: portOf(apache), mode: 'thrift-framed', connections: 2, pipeline: 8, size: 10, action: 'ping', ...short },
    { binary },
  );
  expectCleanReport(r);
}, 30000);

test('a reply that is not an echo REPLY counts as an error: the raw echo sends the CALL back', async () => {
  const r = await runLoadgen({ port: portOf(netEcho), mode: 'thrift-framed', connections: 2, duration: 0.3, warmup: 0 }, { binary });
  expect(r.requests).toBe(0);
  expect(r.errors).toBeGreaterThan(0);
  expect(r.errors_by_kind.reply).toBeGreaterThan(0);
  expect(r.first_error).toBe('reply has message type 1, expected REPLY (2)');
}, 30000);

test('fixed rate (--interval) never sends more than scheduled', async () => {
  const r = await runLoadgen({ port: portOf(netEcho), mode: 'raw', connections: 5, size: 16, interval: 20, ...short }, { binary });
  expectCleanReport(r);
  expect(r.interval_ms).toBe(20);
  expect(r.offered_qps).toBe(250);
  // An open loop: a fast server gets the offered rate, never more (one request per connection may straddle an edge).
  expect(r.requests).toBeLessThanOrEqual(250 * r.duration_s + 5);
}, 30000);

test('fixed rate counts latency from the scheduled send time: a server slower than the rate cannot hide it', async () => {
  // Answers each request 50 ms after it arrives, so requests due every 10 ms queue up behind one another: measured
  // from when they left, every one would take ~50 ms; from when they were due, the delay grows all run long.
  const slow = net.createServer((socket) => {
    socket.on('data', (data) => setTimeout(() => socket.write(data), 50));
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = slow.address() as AddressInfo;
    const r = await runLoadgen({ port, mode: 'raw', connections: 1, size: 16, interval: 10, duration: 1, warmup: 0.2 }, { binary });
    expect(r.errors).toBe(0);
    expect(r.min_us).toBeGreaterThanOrEqual(50_000);
    expect(r.p99_us).toBeGreaterThan(300_000);
  } finally {
    slow.close();
  }
}, 30000);

test('a server that never answers is reported, not measured as zero latency', async () => {
  const silent = net.createServer(() => {}); // accepts, reads nothing, answers nothing
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = silent.address() as AddressInfo;
    const r = await runLoadgen({ port, mode: 'raw', connections: 2, duration: 0.3, warmup: 0, connectTimeout: 300 }, { binary });
    expect(r.requests).toBe(0);
    expect(r.cold_at_start).toBe(2);
    expect(r.errors_by_kind.timeout).toBeGreaterThan(0);
    expect(r.first_error).toBe('no request completed in the measured window');
  } finally {
    silent.close();
  }
}, 30000);

test('refused connections fail the run with a report naming the cause', async () => {
  const port = await freePort();
  const err: unknown = await runLoadgen({ port, connections: 3, duration: 0.2, warmup: 0 }, { binary }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LoadgenError);
  const e = err as LoadgenError;
  expect(e.code).toBe('EFAILED');
  expect(e.report?.errors_by_kind.connect).toBe(3);
  expect(e.report?.established).toBe(0);
  expect(e.message).toMatch(/Connection refused/);
}, 30000);

test('only loopback targets are accepted', async () => {
  const err: unknown = await runLoadgen({ host: '192.0.2.1', port: 9 }, { binary }).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(LoadgenError);
  expect((err as LoadgenError).code).toBe('EUSAGE');
  expect((err as LoadgenError).message).toMatch(/'192\.0\.2\.1' is not a loopback address/);
}, 30000);

test('invalid options are refused with the option and the value named', () => {
  const r = spawnSync(binary, ['--port', '1', '--connections', 'many'], { encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/--connections expects an integer, got 'many'/);
});

test('--hold keeps connections open and silent until released', async () => {
  const before = netEcho.fdCount();
  const hold = holdConnections({ port: portOf(netEcho), connections: 50 }, { binary });
  try {
    const held = await hold.held;
    expect(held).toMatchObject({ event: 'held', connections: 50, established: 50, errors: 0 });
    const deadline = Date.now() + 10000;
    while (netEcho.fdCount() - before < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(netEcho.fdCount() - before).toBeGreaterThanOrEqual(50);
    const released = await hold.release();
    expect(released).toMatchObject({ event: 'released', still_open: 50, errors: 0, reason: 'stdin closed' });
  } finally {
    hold.kill();
  }
}, 30000);

test('measurePoint samples the server CPU inside the measured window', async () => {
  const p = await measurePoint(netEcho, { port: portOf(netEcho), mode: 'raw', connections: 4, size: 64, ...short }, { binary });
  expectCleanReport(p);
  expect(typeof p.server_cpu_us).toBe('number');
  expect(p.server_cpu_us as number).toBeGreaterThanOrEqual(0);
  expect(p.cpu_us_per_req).toBeCloseTo((p.server_cpu_us as number) / p.requests, 1);
  expect(p.server_rss_bytes as number).toBeGreaterThan(1024 * 1024);
}, 30000);

test('/proc CPU sampling sees CPU time being spent', () => {
  // Burn 300 ms of this process's own CPU time (not wall time, so a busy machine cannot make it shorter).
  const before = cpuMicros(process.pid);
  const start = process.cpuUsage();
  let x = 0;
  while (process.cpuUsage(start).user < 300000) x += Math.sqrt(x + 1);
  expect(x).toBeGreaterThan(0);
  // /proc counts in clock ticks (10 ms): allow two ticks of rounding.
  expect(cpuMicros(process.pid) - before).toBeGreaterThanOrEqual(300000 - 20000);
});

test('a server that exits before printing listening is a clear start failure', async () => {
  const err: unknown = await startServer({
    name: 'broken', command: process.execPath, args: ['-e', "console.error('cannot bind: boom'); process.exit(4)"],
  }).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ServerError);
  expect((err as ServerError).code).toBe('EEXITEDEARLY');
  expect((err as ServerError).message).toMatch(/broken: exited \(code 4\) before printing a line matching/);
  expect((err as ServerError).output).toContain('cannot bind: boom');
}, 30000);

test('a server that dies under load fails the point with its exit named', async () => {
  const script = "const s = require('net').createServer((c) => c.pipe(c)); s.listen(0, '127.0.0.1', () => {" +
    " console.log('listening on 127.0.0.1:' + s.address().port); setTimeout(() => process.exit(3), 500); });";
  const dying = await startServer({ name: 'dying', command: process.execPath, args: ['-e', script] });
  try {
    const err: unknown = await measurePoint(dying, { port: portOf(dying), connections: 2, size: 16, duration: 1.5, warmup: 0 }, { binary })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).code).toBe('EEXITED');
    expect((err as ServerError).message).toMatch(/dying: exited unexpectedly \(code 3\)/);
  } finally {
    await dying.stop();
  }
}, 30000);

test('the runner measures the peers, writes results, table and chart, and names the servers it left out', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-bench-'));
  try {
    const r = spawnSync(process.execPath, [path.join(BENCH, 'run.js'), '--only', 'rpc', '--servers', 'apache-echo,net-echo',
      '--concurrency', '2,4', '--duration', '0.3', '--warmup', '0.1', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`the runner exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as {
      scenarios: { id: string; status: string; points: { server: string; concurrency: number; errors: number; requests: number }[] }[];
    };
    const rpc = results.scenarios.find((s) => s.id === 'rpc');
    expect(rpc?.status).toBe('ok');
    const seen = rpc?.points.map((p) => `${p.server}@${p.concurrency}`).sort();
    expect(seen).toEqual(['apache-echo@2', 'apache-echo@4', 'net-echo@2', 'net-echo@4']);
    expect(rpc?.points.every((p) => p.errors === 0 && p.requests > 0)).toBe(true);
    const md = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
    expect(md).toMatch(/\| concurrency \| server/);
    expect(md).toMatch(/Apache thrift/);
    expect(md).toMatch(/thriftpoll RPC skipped \(not in --servers\)/);
    const svg = fs.readFileSync(path.join(out, 'rpc-concurrency.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/Apache thrift/);
    expect(svg).toMatch(/Node net/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 60000);

test('the fixed-rate scenario runs the C epoll limit (raw and framed) beside Node net, every row as a ratio to the limit', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-bench-'));
  try {
    const r = spawnSync(process.execPath, [path.join(BENCH, 'run.js'), '--only', 'rate', '--servers', 'c-epoll-raw,c-epoll-framed,net-echo',
      '--duration', '0.3', '--warmup', '0.1', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
    if (r.status !== 0) throw new Error(`the runner exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as {
      scenarios: { id: string; status: string; points: { server: string; connections: number; interval: number; errors: number; requests: number; interval_ms: number }[] }[];
    };
    const rate = results.scenarios.find((s) => s.id === 'rate');
    expect(rate?.status).toBe('ok');
    const seen = rate?.points.map((p) => `${p.server}@${p.connections}x${p.interval}`).sort();
    const expected = ['c-epoll-raw', 'c-epoll-framed', 'net-echo'].flatMap((server) => ['1000x100', '100x10', '10x1'].map((load) => `${server}@${load}`));
    expect(seen).toEqual(expected.sort());
    expect(rate?.points.every((p) => p.errors === 0 && p.requests > 0 && p.interval_ms === p.interval)).toBe(true);
    const md = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
    expect(md).toMatch(/CPU\/req vs C epoll limit/);
    expect(md).toMatch(/\| 1,000 x 100 ms +\| C epoll limit +\|.*\| +1\.00x \|/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 120000);

test('the C io_uring limit server answers raw and framed echo calls correctly', async () => {
  const { buildLimitServers } = require('../bench/lib/limit') as { buildLimitServers: () => Record<string, { binary: string; warnings: string }> };
  const built = buildLimitServers();
  expect(Object.values(built).map((b) => b.warnings)).toEqual(['', '']);
  for (const [wire, size] of [['raw', 300_000], ['thrift-framed', 100_000]] as const) {
    const server = await startServer({ name: `uring-echo ${wire}`, command: built.uring.binary, args: ['--port', '0', '--wire', wire] });
    try {
      // Frames larger than a receive buffer, several in flight: short sends and split frames both happen.
      const r = await runLoadgen({ port: portOf(server), mode: wire, connections: 3, pipeline: 3, size, ...short }, { binary });
      expectCleanReport(r);
    } finally {
      await server.stop();
    }
  }
}, 60000);

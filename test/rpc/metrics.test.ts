import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { generate, loadSchema } from '@thriftpoll/codegen';
import { Registry } from 'prom-client';
import { createClient, createServer, RpcOptionError, type ThriftServer } from '@thriftpoll/rpc';
import { EchoService } from './fixtures/echo-code-first';
import { httpRequest, promtoolCheck, sample } from './helpers/http';
import { waitFor } from './helpers/wait';

/*
 * Prometheus metrics end to end: real calls through a real server and client, then the exposition read over
 * HTTP from the RPC port itself, checked by Debian's promtool and sample by sample against the calls made.
 */

const ENGINES = ['netpoll', 'net'] as const;

/** A port free a moment ago (bound by a throwaway server, then released): nothing listens on it. */
async function freePort(): Promise<number> {
  const probe = createServer({ service: EchoService, handler: new EchoService() });
  const { port } = (await probe.listen('127.0.0.1:0')) as { port: number };
  await probe.close();
  return port;
}

function portOf(server: ThriftServer): number {
  return (server.address as { port: number }).port;
}

describe.each(ENGINES)('metrics on %s', (engine) => {
  test('counts every call by outcome on both sides, served on the RPC port, valid for promtool', async () => {
    const registry = new Registry();
    const server = createServer({ service: EchoService, handler: new EchoService(), engine, metrics: registry, onError: () => undefined });
    await server.listen('127.0.0.1:0');
    const client = createClient(EchoService, { address: `127.0.0.1:${portOf(server)}`, engine, metrics: registry, transport: 'ttheader' });
    for (let i = 0; i < 3; i++) await client.echo({ action: 'say', msg: `hi ${i}` });
    for (let i = 0; i < 2; i++) await expect(client.echo({ action: 'fail', msg: 'no' })).rejects.toMatchObject({ name: 'EchoError' });
    await expect(client.echo({ action: 'crash', msg: 'x' })).rejects.toMatchObject({ name: 'TApplicationException' });
    await client.ping();

    const reply = await httpRequest(portOf(server), '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = reply.body;
    const server_ = (method: string, code: string): number | undefined => sample(text, `thriftpoll_server_requests_total{service="EchoServer",method="${method}",code="${code}"}`);
    const client_ = (method: string, code: string): number | undefined => sample(text, `thriftpoll_client_requests_total{service="EchoServer",method="${method}",code="${code}"}`);
    expect([server_('echo', 'OK'), server_('echo', 'EchoError'), server_('echo', 'INTERNAL_ERROR'), server_('ping', 'OK')]).toEqual([3, 2, 1, 1]);
    expect([client_('echo', 'OK'), client_('echo', 'EchoError'), client_('echo', 'INTERNAL_ERROR'), client_('ping', 'OK')]).toEqual([3, 2, 1, 1]);
    expect(sample(text, 'thriftpoll_server_request_duration_seconds_count{service="EchoServer",method="echo",code="OK"}')).toBe(3);
    expect(sample(text, 'thriftpoll_server_request_duration_seconds_bucket{le="+Inf",service="EchoServer",method="echo",code="OK"}')).toBe(3);
    expect(sample(text, 'thriftpoll_client_request_duration_seconds_count{service="EchoServer",method="ping",code="OK"}')).toBe(1);
    // The pooled client used one connection throughout; the scrape's own connection is still detecting.
    expect(sample(text, 'thriftpoll_server_connections{transport="ttheader"}')).toBe(1);
    expect(sample(text, `thriftpoll_client_connections{address="127.0.0.1:${portOf(server)}"}`)).toBe(1);
    expect(sample(text, `thriftpoll_client_address_unhealthy{address="127.0.0.1:${portOf(server)}"}`)).toBe(0);
    expect(sample(text, 'thriftpoll_server_in_flight_requests')).toBe(0);
    expect(sample(text, 'thriftpoll_server_connections_accepted_total')).toBe(2);
    expect(sample(text, 'thriftpoll_server_received_bytes_total')).toBeGreaterThan(7 * 20);
    expect(sample(text, 'thriftpoll_server_sent_bytes_total')).toBeGreaterThan(7 * 20);
    if (engine === 'netpoll') expect(sample(text, 'thriftpoll_engine_blocks_in_use')).toBeGreaterThan(0);
    else expect(text).not.toContain('thriftpoll_engine_');

    const lint = await promtoolCheck(text);
    expect(lint).toEqual({ code: 0, output: '' });

    if (engine === 'netpoll') {
      // The engine's dispatch counters: running totals that every further call moves on (each call is at
      // least one request delivered to the server and one reply delivered to the client).
      const ENGINE_COUNTERS = ['thriftpoll_engine_wakeups_total', 'thriftpoll_engine_batches_total', 'thriftpoll_engine_events_total'];
      const before = ENGINE_COUNTERS.map((name) => sample(text, name) ?? Number.NaN);
      for (const value of before) expect(value).toBeGreaterThan(0);
      const calls = 5;
      for (let i = 0; i < calls; i++) await client.echo({ action: 'say', msg: `more ${i}` });
      const later = (await httpRequest(portOf(server), '/metrics')).body;
      const after = ENGINE_COUNTERS.map((name) => sample(later, name) ?? Number.NaN);
      expect(after[0]).toBeGreaterThan(before[0]);
      expect(after[1]).toBeGreaterThanOrEqual(before[1] + calls);
      expect(after[2]).toBeGreaterThanOrEqual(before[2] + 2 * calls);
    }
    await client.$close();
    await server.close();
  });

  test('limits that refuse calls are counted by limit, and the caller sees EOVERLOAD', async () => {
    const registry = new Registry();
    const server = createServer({ service: EchoService, handler: new EchoService(), engine, metrics: registry, maxConcurrentRequests: 1 });
    await server.listen('127.0.0.1:0');
    const client = createClient(EchoService, { address: `127.0.0.1:${portOf(server)}`, engine, metrics: registry, mode: 'mux' });
    const slow = client.echo({ action: 'sleep', msg: '300' });
    await waitFor(() => server.getStats().inFlight === 1, 10000, 'the slow call to start');
    await expect(client.echo({ action: 'say', msg: 'refused' })).rejects.toMatchObject({ code: 'EOVERLOAD' });
    await slow;
    const text = (await httpRequest(portOf(server), '/metrics')).body;
    expect(sample(text, 'thriftpoll_server_refused_total{limit="maxConcurrentRequests"}')).toBe(1);
    expect(sample(text, 'thriftpoll_client_requests_total{service="EchoServer",method="echo",code="EOVERLOAD"}')).toBe(1);
    expect(sample(text, 'thriftpoll_server_requests_total{service="EchoServer",method="echo",code="OK"}')).toBe(1);
    await client.$close();
    await server.close();
  });

  test('/healthz is 200 while serving; any other HTTP request still gets the refusal; without metrics /metrics is refused too', async () => {
    const registry = new Registry();
    const server = createServer({ service: EchoService, handler: new EchoService(), engine, metrics: registry, onError: () => undefined });
    await server.listen('127.0.0.1:0');
    expect(await httpRequest(portOf(server), '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await httpRequest(portOf(server), '/metrics', 'HEAD')).toMatchObject({ status: 200, body: '' });
    const other = await httpRequest(portOf(server), '/other');
    expect(other.status).toBe(400);
    expect(other.body).toMatch(/speaks Thrift RPC/);
    expect((await httpRequest(portOf(server), '/metrics', 'POST')).status).toBe(400);
    // The scrapes are not protocol errors.
    expect(server.getStats().protocolErrors).toBe(2);
    await server.close();

    const plain = createServer({ service: EchoService, handler: new EchoService(), engine, onError: () => undefined });
    await plain.listen('127.0.0.1:0');
    const refused = await httpRequest(portOf(plain), '/metrics');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatch(/speaks Thrift RPC/);
    await plain.close();
  });

  test('on the RPC port a probe made while the server drains is refused: the port stopped accepting when close() began', async () => {
    const registry = new Registry();
    const server = createServer({ service: EchoService, handler: new EchoService(), engine, metrics: registry });
    await server.listen('127.0.0.1:0');
    expect(await httpRequest(portOf(server), '/healthz')).toMatchObject({ status: 200 });
    const client = createClient(EchoService, { address: `127.0.0.1:${portOf(server)}`, engine });
    const slow = client.echo({ action: 'sleep', msg: '1000' });
    await waitFor(() => server.getStats().inFlight === 1, 10000, 'the slow call to start');
    const closing = server.close({ timeout: 10000 });
    // Still draining (the slow call is in flight), but no new connection is taken: a probe counts that as down.
    await expect(httpRequest(portOf(server), '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(server.getStats().inFlight).toBe(1);
    await slow;
    await closing;
    await client.$close();
  });

  test('the admin port answers /healthz 503 from the start of shutdown until the server closed', async () => {
    const registry = new Registry();
    const server = createServer({ service: EchoService, handler: new EchoService(), engine, metrics: { registry, admin: '127.0.0.1:0' } });
    await server.listen('127.0.0.1:0');
    const admin = (server.adminAddress as { port: number }).port;
    expect(await httpRequest(admin, '/healthz')).toMatchObject({ status: 200 });
    const client = createClient(EchoService, { address: `127.0.0.1:${portOf(server)}`, engine });
    const slow = client.echo({ action: 'sleep', msg: '500' });
    await waitFor(() => server.getStats().inFlight === 1, 10000, 'the slow call to start');
    const closing = server.close({ timeout: 10000 });
    expect(await httpRequest(admin, '/healthz')).toMatchObject({ status: 503, body: 'shutting down\n' });
    const metrics = await httpRequest(admin, '/metrics');
    expect(sample(metrics.body, 'thriftpoll_server_in_flight_requests')).toBe(1);
    expect((await httpRequest(admin, '/nothing')).status).toBe(404);
    await slow;
    await closing;
    await expect(httpRequest(admin, '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await client.$close();
  });
});

describe('client metrics', () => {
  test('a retry away from a refusing address is counted, and that address shows as unhealthy', async () => {
    const registry = new Registry();
    const server = createServer({ service: EchoService, handler: new EchoService(), metrics: registry });
    await server.listen('127.0.0.1:0');
    const deadPort = await freePort();
    const client = createClient(EchoService, {
      addresses: [`127.0.0.1:${deadPort}`, `127.0.0.1:${portOf(server)}`],
      loadBalancer: 'round-robin',
      retry: { maxAttempts: 2 },
      metrics: registry,
    });
    // Round-robin sends one of the two calls to the dead address first; its retry goes to the live one.
    await client.ping();
    await client.ping();
    const text = await registry.metrics();
    expect(sample(text, 'thriftpoll_client_retries_total{service="EchoServer",method="ping"}')).toBe(1);
    expect(sample(text, 'thriftpoll_client_requests_total{service="EchoServer",method="ping",code="OK"}')).toBe(2);
    expect(sample(text, `thriftpoll_client_address_unhealthy{address="127.0.0.1:${deadPort}"}`)).toBe(1);
    expect(sample(text, `thriftpoll_client_address_unhealthy{address="127.0.0.1:${portOf(server)}"}`)).toBe(0);
    await client.$close();
    // A closed client leaves the gauges.
    expect(await registry.metrics()).not.toContain('thriftpoll_client_address_unhealthy{');
    await server.close();
  });

  test('an open circuit breaker shows in thriftpoll_client_circuit_breakers', async () => {
    const registry = new Registry();
    const deadPort = await freePort();
    const client = createClient(EchoService, {
      address: `127.0.0.1:${deadPort}`,
      circuitBreaker: { instance: { errorRate: 0.5, minSamples: 2 }, method: false },
      metrics: registry,
    });
    for (let i = 0; i < 3; i++) await expect(client.ping()).rejects.toBeInstanceOf(Error);
    const text = await registry.metrics();
    expect(sample(text, `thriftpoll_client_circuit_breakers{target="127.0.0.1:${deadPort}",kind="instance",state="open"}`)).toBe(1);
    expect(sample(text, 'thriftpoll_client_requests_total{service="EchoServer",method="ping",code="ECONNREFUSED"}')).toBeGreaterThanOrEqual(2);
    await client.$close();
  });

  test('off by default: prom-client and @opentelemetry/api are never loaded', () => {
    // A fresh process on the built packages (npm test builds them first) with the echo IDL's generated code,
    // transpiled here: a server and a client make a call without metrics or tracing.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-metrics-off-'));
    try {
      const files = generate(loadSchema([path.relative(process.cwd(), path.join(__dirname, 'fixtures', 'echo.thrift'))]).schema);
      for (const file of files) {
        const js = ts.transpileModule(file.contents, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
        fs.writeFileSync(path.join(dir, file.path.replace(/\.ts$/, '.js')), js);
      }
      const script = `
        const { createServer, createClient } = require('@thriftpoll/rpc');
        const { EchoServer } = require(${JSON.stringify(path.join(dir, 'echo.js'))});
        (async () => {
          const server = createServer({ service: EchoServer, handler: { echo: (req) => req, ping() {}, notify() {}, count: () => 0 } });
          const address = await server.listen('127.0.0.1:0');
          const client = createClient(EchoServer, { address });
          await client.echo({ action: 'a', msg: 'b' });
          await client.$close();
          await server.close();
          const loaded = Object.keys(require.cache).filter((file) => /prom-client|@opentelemetry/.test(file));
          process.stdout.write(JSON.stringify(loaded));
        })();`;
      const root = path.resolve(__dirname, '..', '..');
      const run = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 60000, env: { ...process.env, NODE_PATH: path.join(root, 'node_modules') } });
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('metrics options', () => {
  test('an admin address already in use fails listen(), and the RPC port is not left listening', async () => {
    const taken = createServer({ service: EchoService, handler: new EchoService(), metrics: { registry: new Registry(), admin: '127.0.0.1:0' } });
    await taken.listen('127.0.0.1:0');
    const adminPort = (taken.adminAddress as { port: number }).port;
    const server = createServer({ service: EchoService, handler: new EchoService(), metrics: { registry: new Registry(), admin: `127.0.0.1:${adminPort}` } });
    const rpcPort = await freePort();
    await expect(server.listen(`127.0.0.1:${rpcPort}`)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    const client = createClient(EchoService, { address: `127.0.0.1:${rpcPort}` });
    await expect(client.ping()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await client.$close();
    await server.close();
    await taken.close();
  });

  test('are validated where they enter', () => {
    const make = (metrics: unknown): unknown => createServer({ service: EchoService, handler: new EchoService(), metrics: metrics as never });
    expect(() => make('yes')).toThrow(new RpcOptionError('metrics must be true, false or a prom-client Registry, got string "yes"'));
    expect(() => make({ registy: new Registry() })).toThrow(/metrics has no option 'registy' \(known: registry, admin\)/);
    expect(() => make({ admin: 'nowhere:port' })).toThrow(RpcOptionError);
    expect(() => createClient(EchoService, { address: '127.0.0.1:1', metrics: 1 as never })).toThrow(/metrics must be true, false or a prom-client Registry, got number 1/);
  });

  test('servers sharing a registry add up, and a closed server keeps its counts in the totals', async () => {
    const registry = new Registry();
    const servers = [0, 1].map(() => createServer({ service: EchoService, handler: new EchoService(), metrics: registry }));
    for (const server of servers) await server.listen('127.0.0.1:0');
    for (const server of servers) {
      const client = createClient(EchoService, { address: `127.0.0.1:${portOf(server)}` });
      await client.ping();
      await client.$close();
    }
    await servers[0].close();
    const text = await registry.metrics();
    expect(sample(text, 'thriftpoll_server_requests_total{service="EchoServer",method="ping",code="OK"}')).toBe(2);
    expect(sample(text, 'thriftpoll_server_connections_accepted_total')).toBe(2);
    await servers[1].close();
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Registry } from 'prom-client';
import { createClient, createServer } from '@thriftpoll/rpc';
import { EchoService } from './fixtures/echo-code-first';
import { httpRequest } from './helpers/http';

/*
 * A real Prometheus server (Debian's `prometheus`, started here on a loopback port with its own config and
 * storage) scrapes /metrics on a thriftpoll server's RPC port; the counts it stored, read back through its
 * HTTP query API, equal the calls made.
 */

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(port: number, promql: string): Promise<QueryResult[]> {
  const reply = await httpRequest(port, `/api/v1/query?query=${encodeURIComponent(promql)}`);
  if (reply.status !== 200) throw new Error(`Prometheus answered ${reply.status}: ${reply.body}`);
  return (JSON.parse(reply.body) as { data: { result: QueryResult[] } }).data.result;
}

/** Polls `promql` until it returns a series (Prometheus needs a scrape or two); bounded, never a timing assertion. */
async function queryUntilPresent(port: number, promql: string, child: ChildProcess, output: () => string): Promise<QueryResult[]> {
  const deadline = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${output()}`);
    const result = await query(port, promql).catch(() => []);
    if (result.length > 0) return result;
    if (Date.now() > deadline) throw new Error(`no result for ${promql} within 60 s; prometheus said:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test('a real Prometheus scraping the RPC port stores exactly the calls made', async () => {
  const registry = new Registry();
  const server = createServer({ service: EchoService, handler: new EchoService(), metrics: registry });
  const { port: rpcPort } = (await server.listen('127.0.0.1:0')) as { port: number };
  const client = createClient(EchoService, { address: `127.0.0.1:${rpcPort}`, metrics: registry, transport: 'theader' });
  for (let i = 0; i < 7; i++) await client.echo({ action: 'say', msg: String(i) });
  for (let i = 0; i < 2; i++) await client.echo({ action: 'fail', msg: 'no' }).catch(() => undefined);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-prometheus-'));
  const promPort = await freePort();
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    ['global:', '  scrape_interval: 1s', 'scrape_configs:', '  - job_name: thriftpoll', '    static_configs:', `      - targets: ['127.0.0.1:${rpcPort}']`, ''].join('\n'),
  );
  let output = '';
  const prometheus = spawn(
    'prometheus',
    [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  prometheus.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const spawnFailed = new Promise<never>((_, reject) => prometheus.once('error', (error) => reject(new Error(`cannot start prometheus (Debian package prometheus): ${error.message}`))));
  try {
    const served = await Promise.race([
      queryUntilPresent(promPort, 'thriftpoll_server_requests_total{job="thriftpoll"}', prometheus, () => output),
      spawnFailed,
    ]);
    const byCode = (results: QueryResult[]): Record<string, number> =>
      Object.fromEntries(results.filter((r) => r.metric.method === 'echo').map((r) => [r.metric.code, Number(r.value[1])]));
    expect(byCode(served)).toEqual({ OK: 7, EchoError: 2 });
    const called = await query(promPort, 'thriftpoll_client_requests_total{job="thriftpoll"}');
    expect(byCode(called)).toEqual({ OK: 7, EchoError: 2 });
    const count = await query(promPort, 'sum(thriftpoll_server_request_duration_seconds_count{job="thriftpoll",method="echo"})');
    expect(Number(count[0].value[1])).toBe(9);
    // The target is healthy in Prometheus' own eyes.
    const up = await query(promPort, 'up{job="thriftpoll"}');
    expect(up.map((r) => r.value[1])).toEqual(['1']);
  } finally {
    prometheus.kill('SIGTERM');
    await new Promise((resolve) => (prometheus.exitCode !== null ? resolve(undefined) : prometheus.once('exit', resolve)));
    fs.rmSync(dir, { recursive: true, force: true });
    await client.$close();
    await server.close();
  }
}, 90000);

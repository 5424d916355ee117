import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { EtcdCluster } from '../discovery/helpers/etcd';

/*
 * The examples a user runs: built as `npm run echo:server` builds them (thriftpoll gen + tsc), then run as
 * processes, their output checked. Behaviour only: no figure is asserted beyond "calls were made without errors".
 */
const ROOT = path.resolve(__dirname, '..', '..');
jest.setTimeout(180000);

function node(args: string[], timeoutMs = 120000): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  const built = node([path.join(ROOT, 'examples', 'build.js'), '--quiet']);
  if (built.status !== 0) throw new Error(`examples/build.js failed:\n${built.stdout}${built.stderr}`);
});

/** Starts the echo server example with `args`; resolves with its port once it prints `listening`. */
async function startEchoServer(args: string[]): Promise<{ port: number; output: () => string; exited: Promise<number | null>; kill: () => void }> {
  const server = spawn(process.execPath, ['examples/echo/dist/src/server.js', '--host', '127.0.0.1', '--port', '0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // 'close', not 'exit': the exit can be reported before the last of the child's output has been read.
  const exited = new Promise<number | null>((resolve) => server.on('close', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${output}`)), 60000);
    server.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return { port, output: () => output, exited, kill: () => server.kill('SIGTERM') };
}

test('echo:server prints `listening`, serves echo:client, and stops gracefully on SIGTERM', async () => {
  const server = await startEchoServer(['--transport', 'framed', '--protocol', 'binary']);
  const { port } = server;
  try {
    for (const extra of [[], ['--mux', '2'], ['--pool', '2']]) {
      const run = node([
        'examples/echo/dist/src/client.js',
        ...['--host', '127.0.0.1', '--port', String(port), '--transport', 'framed', '--protocol', 'binary'],
        ...['--concurrency', '4', '--duration', '0.5', '--size', '100', ...extra],
      ]);
      expect(run.status).toBe(0);
      const figures = JSON.parse(run.stdout.trim()) as Record<string, unknown>;
      expect(figures).toMatchObject({ errors: 0, concurrency: 4, transport: 'framed', protocol: 'binary', first_error: null });
      expect(figures.requests).toBeGreaterThan(0);
      for (const key of ['qps', 'p50_us', 'p99_us']) expect(typeof figures[key]).toBe('number');
    }
  } finally {
    server.kill();
  }
  expect(await server.exited).toBe(0);
  expect(server.output()).toContain('SIGTERM, shutting down');
});

test('echo:server --workers 2 --work-us 100: handlers in two worker threads; SIGTERM drains both', async () => {
  const server = await startEchoServer(['--transport', 'framed', '--protocol', 'binary', '--workers', '2', '--work-us', '100']);
  try {
    expect(server.output()).toContain('(transport framed, protocol binary, 2 workers, work 100 us)');
    const run = node([
      'examples/echo/dist/src/client.js',
      ...['--host', '127.0.0.1', '--port', String(server.port), '--transport', 'framed', '--protocol', 'binary'],
      ...['--concurrency', '8', '--duration', '0.5', '--size', '100', '--pool', '8'],
    ]);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toMatchObject({ errors: 0, first_error: null });
  } finally {
    server.kill();
  }
  expect(await server.exited).toBe(0);
  expect(server.output()).toContain('SIGTERM, shutting down');
});

test('the CLIs refuse bad arguments with a usage message and exit code 2', () => {
  const server = node(['examples/echo/dist/src/server.js', '--transport', 'http']);
  expect(server.status).toBe(2);
  expect(server.stderr).toContain('--transport must be one of auto, buffered, framed, header, ttheader, got "http"');
  const workers = node(['examples/echo/dist/src/server.js', '--workers', '0']);
  expect(workers.status).toBe(2);
  expect(workers.stderr).toContain('--workers must be an integer in [1, 1024] or auto, got "0"');
  const client = node(['examples/echo/dist/src/client.js', '--port', '1', '--concurrency', '0']);
  expect(client.status).toBe(2);
  expect(client.stderr).toContain('--concurrency must be an integer in [1, 100000], got "0"');
});

test('the microservices example: orders calls inventory, passing the trace id and deadline on; --metrics counts the calls', () => {
  const run = node(['examples/microservices/dist/src/main.js', '--metrics']);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/inventory: reserve book-1 trace=trace-1 from=orders deadline=\d+ms/);
  expect(run.stdout).toMatch(/client: ada ordered 2 × The Thrift Book: order-1, 5998 cents, trace trace-1/);
  expect(run.stdout).toContain("client: bob's order was rejected: only 1 of mug-7 left, 3 requested");
  expect(run.stdout).toContain("client: cy's order was rejected: no such item: lamp-0");
  expect(run.stdout).toContain('services stopped (exit codes 0, 0)');
  // Read from each service's RPC port: one order placed, two rejected; inventory saw the same three calls.
  expect(run.stdout).toMatch(/orders metrics \(curl http:\/\/127\.0\.0\.1:\d+\/metrics\):/);
  expect(run.stdout).toContain('thriftpoll_server_requests_total{service="Orders",method="placeOrder",code="OK"} 1');
  expect(run.stdout).toContain('thriftpoll_server_requests_total{service="Orders",method="placeOrder",code="OrderRejected"} 2');
  expect(run.stdout).toContain('thriftpoll_client_requests_total{service="Inventory",method="reserve",code="OutOfStock"} 1');
  expect(run.stdout).toContain('thriftpoll_server_requests_total{service="Inventory",method="reserve",code="UnknownSku"} 1');
});

test('npm start (the demo) runs end to end and exits cleanly', () => {
  const run = node(['examples/demo/run.js', '--duration', '1', '--concurrency', '10']);
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('thriftpoll gen idl/echo.thrift -o examples/echo/gen');
  expect(run.stdout).toMatch(/await client\.echo\(\{ action: 'hello', msg: 'thriftpoll' \}\) {2}-> {2}\{"action":"hello","msg":"thriftpoll"\}/);
  expect(run.stdout).toMatch(/calls\s+[\d,]+/);
  expect(run.stdout).toMatch(/QPS\s+[\d,]+/);
  expect(run.stdout).toMatch(/p99 latency\s+[\d.]+ ms/);
  expect(run.stdout).toMatch(/errors\s+0\n/);
  expect(run.stdout).toContain('server stopped gracefully (exit code 0)');
  // Where to look, and the server's own count read from /metrics on its RPC port.
  expect(run.stdout).toMatch(/echo-server metrics: curl http:\/\/127\.0\.0\.1:\d+\/metrics/);
  expect(run.stdout).toMatch(/server saw\s+[\d,]+ echo calls/);
});

// The echo examples with --registry: servers registering in a real etcd, the client resolving them by name.
const ECHO_SERVER = path.join(ROOT, 'examples', 'echo', 'dist', 'src', 'server.js');
const ECHO_CLIENT = path.join(ROOT, 'examples', 'echo', 'dist', 'src', 'client.js');

describe('echo examples with --registry etcd://', () => {
  let cluster: EtcdCluster;
  const servers: ChildProcess[] = [];

  beforeAll(async () => {
    cluster = await EtcdCluster.start(1);
  }, 60000);

  afterAll(async () => {
    for (const server of servers) server.kill('SIGKILL');
    await cluster.destroy();
  });

  test('3 registered servers, one SIGKILLed under 30 callers with --retry 3 and default options: 0 failed calls, by_address keyed by the registered addresses', async () => {
    // Each prints `echo-server listening on 127.0.0.1:PORT` once its registration is written.
    const started = await Promise.all(
      [0, 1, 2].map(() =>
        new Promise<{ address: string; kill: () => void }>((resolve, reject) => {
          const child = spawn(process.execPath, [ECHO_SERVER, '--port', '0', '--engine', 'net', '--registry', cluster.url, '--service-name', 'echo-example'], { stdio: ['ignore', 'pipe', 'pipe'] });
          let output = '';
          child.stdout.on('data', (chunk: Buffer) => {
            output += chunk.toString();
            const match = /listening on (\S+)/.exec(output);
            if (match) resolve({ address: match[1], kill: () => child.kill('SIGKILL') });
          });
          child.once('exit', (code) => reject(new Error(`echo server exited with ${code}: ${output}`)));
          servers.push(child);
        }),
      ),
    );
    const client = spawn(process.execPath, [ECHO_CLIENT, '--registry', cluster.url, '--service-name', 'echo-example', '--retry', '3', '--concurrency', '30', '--duration', '4', '--size', '16', '--engine', 'net'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    client.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    client.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => client.once('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    started[0].kill();
    expect(await exited).toBe(0);
    const result = JSON.parse(stdout.trim().split('\n').pop() as string) as { errors: number; requests: number; by_address: Record<string, number>; first_error: string | null };
    expect({ errors: result.errors, first_error: result.first_error, stderr }).toEqual({ errors: 0, first_error: null, stderr: '' });
    expect(result.requests).toBeGreaterThan(0);
    expect(Object.keys(result.by_address).sort()).toEqual(started.map((s) => s.address).sort());
    for (const survivor of started.slice(1)) expect(result.by_address[survivor.address]).toBeGreaterThan(0);
  }, 60000);

  test('--registry without --service-name is a usage error', async () => {
    const child = spawn(process.execPath, [ECHO_CLIENT, '--registry', cluster.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(1);
    expect(stderr).toContain('--registry needs --service-name NAME');
  });
});

import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { makeTestCertificates, type TestCertificates } from '../support/tls-certs';

/** The echo examples over TLS and mutual TLS (--tls-cert/--tls-key/--tls-ca), on certificates made by openssl. */
const ROOT = path.resolve(__dirname, '..', '..');
jest.setTimeout(180000);
let certs: TestCertificates;

function node(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 120000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  const built = node([path.join(ROOT, 'examples', 'build.js'), '--quiet']);
  if (built.status !== 0) throw new Error(`examples/build.js failed:\n${built.stdout}${built.stderr}`);
  certs = makeTestCertificates();
});

afterAll(() => certs.remove());

test('echo:server with --tls-cert/--tls-key/--tls-ca serves echo:client with --tls-ca/--tls-cert/--tls-key; without a certificate the client fails', async () => {
  const server = spawn(
    process.execPath,
    ['examples/echo/dist/src/server.js', '--port', '0', '--tls-cert', certs.file('server'), '--tls-key', certs.file('server-key'), '--tls-ca', certs.file('ca')],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${output}`)), 60000);
    server.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on 127\.0\.0\.1:(\d+) .*mutual TLS/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  try {
    const common = ['examples/echo/dist/src/client.js', '--port', String(port), '--concurrency', '4', '--duration', '0.5', '--size', '100', '--tls-ca', certs.file('ca')];
    const run = node([...common, '--tls-cert', certs.file('client'), '--tls-key', certs.file('client-key')]);
    expect(run.status).toBe(0);
    const figures = JSON.parse(run.stdout.trim()) as Record<string, unknown>;
    expect(figures).toMatchObject({ errors: 0, first_error: null });
    expect(figures.requests).toBeGreaterThan(0);
    const refused = node(common);
    const figuresRefused = JSON.parse(refused.stdout.trim()) as { requests: number; errors: number; first_error: string };
    expect(figuresRefused.requests).toBe(0);
    expect(figuresRefused.first_error).toContain('the server may refuse this client certificate');
  } finally {
    server.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
});

test('the TLS flags are checked', () => {
  const server = node(['examples/echo/dist/src/server.js', '--port', '0', '--tls-cert', certs.file('server')]);
  expect(server.status).toBe(2);
  expect(server.stderr).toContain('TLS needs --tls-cert and --tls-key (and --tls-ca to require client certificates)');
  const client = node(['examples/echo/dist/src/client.js', '--tls-cert', certs.file('client'), '--tls-key', certs.file('client-key')]);
  expect(client.status).toBe(2);
  expect(client.stderr).toContain('TLS needs --tls-ca (the CA that signed the server certificate)');
});

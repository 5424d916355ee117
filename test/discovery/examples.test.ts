import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { EtcdCluster } from './helpers/etcd';

/**
 * The echo examples with --registry, as a user runs them (built by examples/build.js, as `npm run echo:server`
 * does; the examples test builds them first).
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SERVER = path.join(ROOT, 'examples', 'echo', 'dist', 'src', 'server.js');
const CLIENT = path.join(ROOT, 'examples', 'echo', 'dist', 'src', 'client.js');

describe('echo examples with --registry etcd://', () => {
  let cluster: EtcdCluster;
  const servers: ChildProcess[] = [];

  beforeAll(async () => {
    const build = spawn(process.execPath, [path.join(ROOT, 'examples', 'build.js'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });
    await new Promise((resolve) => build.once('exit', resolve));
    cluster = await EtcdCluster.start(1);
  }, 120000);

  afterAll(async () => {
    for (const server of servers) server.kill('SIGKILL');
    await cluster.destroy();
  });

  test('3 registered servers, one SIGKILLed under 30 callers with --retry 3 and default options: 0 failed calls, by_address keyed by the registered addresses', async () => {
    // Each prints `echo-server listening on 127.0.0.1:PORT` once its registration is written.
    const started = await Promise.all(
      [0, 1, 2].map(() =>
        new Promise<{ address: string; kill: () => void }>((resolve, reject) => {
          const child = spawn(process.execPath, [SERVER, '--port', '0', '--engine', 'net', '--registry', cluster.url, '--service-name', 'echo-example'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    const client = spawn(process.execPath, [CLIENT, '--registry', cluster.url, '--service-name', 'echo-example', '--retry', '3', '--concurrency', '30', '--duration', '4', '--size', '16', '--engine', 'net'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    client.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    client.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => client.once('exit', resolve));
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
    const child = spawn(process.execPath, [CLIENT, '--registry', cluster.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(1);
    expect(stderr).toContain('--registry needs --service-name NAME');
  });
});

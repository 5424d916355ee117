import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { frame, netClient, pattern, until } from './helpers';

/**
 * The examples/echo-raw programs keep the contract the benchmarks rely on: `--host H --port N` (plus `--mode`,
 * `--pollers` for the engine), a line containing `listening` with the address once ready, echo of 4-byte
 * length-prefixed frames, and a clean exit on SIGTERM.
 */

const root = path.resolve(__dirname, '..', '..');
const dist = path.join(root, 'examples', 'echo-raw', 'dist');

async function start(script: string, args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; port: number }> {
  if (!fs.existsSync(path.join(dist, script))) throw new Error(`examples/echo-raw is not built: run \`npm run build\` (npm test builds it)`);
  const child = spawn(process.execPath, [path.join(dist, script), '--host', '127.0.0.1', '--port', '0', ...args], { cwd: root });
  let output = '';
  child.stdout.on('data', (data: Buffer) => {
    output += data.toString();
  });
  child.stderr.on('data', (data: Buffer) => {
    output += data.toString();
  });
  await until(() => /listening on 127\.0\.0\.1:\d+/.test(output), `${script} prints its address (${output})`);
  const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
  return { child, port };
}

describe.each([
  ['server.js', ['--mode', 'inline']],
  ['server.js', ['--mode', 'threads', '--pollers', '2']],
  ['server.js', ['--mode', 'uring']],
  ['net-server.js', []],
])('%s %j', (script, args) => {
  test('echoes split and pipelined frames, then exits cleanly on SIGTERM', async () => {
    const { child, port } = await start(script, args);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const client = await netClient({ host: '127.0.0.1', port });
      const frames = Buffer.concat([frame(pattern(1, 1)), frame(pattern(100_000, 2)), frame(pattern(0, 3)), frame(pattern(1024, 4))]);
      for (let offset = 0; offset < frames.length; offset += 777) client.socket.write(frames.subarray(offset, offset + 777));
      await until(() => client.received().length === frames.length, 'all frames echoed');
      expect(client.received().equals(frames)).toBe(true);
      client.socket.destroy();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

test('the echo server rejects bad options with a usage message', async () => {
  const child = spawn(process.execPath, [path.join(dist, 'server.js'), '--mode', 'epoll'], { cwd: root });
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code).toBe(2);
  expect(stderr).toContain('--mode must be inline, threads or uring, got "epoll"');
});

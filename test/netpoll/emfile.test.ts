import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

import { MODES, until } from './helpers';

const root = path.resolve(__dirname, '..', '..');
const server = path.join(__dirname, 'fixtures', 'emfile-server.js');

/** utime + stime of a process, in clock ticks (100 per second on Linux). */
function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

describe.each(MODES)('accept back-off (%s mode)', (mode) => {
  test('running out of descriptors backs off instead of spinning, then accepts the rest', async () => {
    // A descriptor limit of 48 leaves the server room for only a handful of connections.
    const child = spawn('bash', ['-c', `ulimit -n 48 && exec "${process.execPath}" "${server}" ${mode}`], { cwd: root });
    const lines: string[] = [];
    let buffered = '';
    child.stdout.on('data', (data: Buffer) => {
      buffered += data.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts);
    });
    const sockets: net.Socket[] = [];
    try {
      await until(() => lines.some((line) => line.startsWith('listening')), 'server listening');
      const port = Number(lines.find((line) => line.startsWith('listening'))?.split(' ')[1]);
      const total = 60;
      let echoed = 0;
      const echoedSockets: net.Socket[] = [];
      for (let i = 0; i < total; i++) {
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.on('error', () => undefined);
        socket.once('data', () => {
          echoed++;
          echoedSockets.push(socket);
        });
        socket.write(`hello ${i}`);
        sockets.push(socket);
      }
      await until(() => lines.some((line) => line.startsWith('accept-error EMFILE')), 'EMFILE reported');
      expect(echoed).toBeLessThan(total);

      // While descriptors stay exhausted the server must not spin on the pending connections.
      const before = cpuTicks(child.pid as number);
      const started = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const usedMs = (cpuTicks(child.pid as number) - before) * 10;
      expect(usedMs).toBeLessThan((Date.now() - started) * 0.5);

      // Free descriptors: the server closes connections whose peer left; the back-off retries and accepts the rest.
      const drain = setInterval(() => {
        for (const socket of echoedSockets.splice(0)) socket.destroy();
      }, 20);
      try {
        await until(() => echoed === total, 'every connection accepted and echoed', 30_000);
      } finally {
        clearInterval(drain);
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      child.kill('SIGTERM');
    }
  }, 60_000);
});

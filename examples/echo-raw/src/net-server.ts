/**
 * The same raw echo on Node's `net` module, for comparison with the engine (same framing, same CLI).
 *
 *   npm run echo-raw:net -- --host 127.0.0.1 --port 9000 [--unix PATH]
 *
 * Written the way a careful Node developer would: whole frames inside one chunk are echoed as one slice of it
 * (no copy), chunks are joined only when a frame spans them, and the socket is paused while the kernel
 * refuses output so a peer that does not read cannot grow memory.
 */
import * as net from 'node:net';

import { onSignals, parseEchoArgs } from './cli';

const args = parseEchoArgs(process.argv.slice(2));

function serve(socket: net.Socket): void {
  socket.setNoDelay(true);
  let pending: Buffer | undefined;
  socket.on('data', (chunk: Buffer) => {
    const data = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    pending = undefined;
    let offset = 0;
    while (data.length - offset >= 4) {
      const size = data.readUInt32BE(offset);
      if (size > args.maxFrame) {
        process.stderr.write(`echo-raw net: frame length ${size} exceeds --max-frame ${args.maxFrame}\n`);
        socket.destroy();
        return;
      }
      if (data.length - offset < 4 + size) break;
      offset += 4 + size;
    }
    if (offset > 0 && !socket.write(data.subarray(0, offset))) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
    if (offset < data.length) pending = data.subarray(offset);
  });
  socket.on('error', () => socket.destroy());
}

const server = net.createServer(serve);
server.on('error', (error) => {
  process.stderr.write(`echo-raw net: ${error.message}\n`);
  process.exit(1);
});
const connections = new Set<net.Socket>();
server.on('connection', (socket) => {
  connections.add(socket);
  socket.on('close', () => connections.delete(socket));
});
const onListening = (): void => {
  const address = server.address();
  const where =
    typeof address === 'string' ? `unix:${address}` : address === null ? '?' : address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
  process.stdout.write(`echo-raw (node net) listening on ${where}\n`);
};
if (args.unix !== undefined) server.listen(args.unix, onListening);
else server.listen(args.port, args.host, onListening);

onSignals(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of connections) socket.end();
      setTimeout(() => {
        for (const socket of connections) socket.destroy();
      }, 5000).unref();
    }),
);

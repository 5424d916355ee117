import { MessageType } from '@thriftpoll/protocol';
import { createServer, type ThriftServer } from '@thriftpoll/rpc';
import * as net from 'node:net';
import { EchoService } from './fixtures/echo-code-first';
import { echoRequest, framedMessage } from './helpers/raw';
import { sleep, waitFor } from './helpers/wait';

/**
 * A caller that sends requests and never reads the replies is held back by TCP on both engines: the server stops
 * reading it (unsent replies past writeBufferCap, then unreleased input past the engine's 4 MiB read cap) instead
 * of buffering everything it sends. Once the caller reads again, every request is answered.
 */
const ENGINES = ['netpoll', 'net'] as const;
const REQUESTS = 800;
const MSG = 'b'.repeat(60 * 1024);

describe.each(ENGINES)('read backpressure on %s', (engine) => {
  let server: ThriftServer;

  afterEach(() => server.close({ timeout: 1000 }));

  test(`${REQUESTS} x 60 KiB requests from a caller that does not read: most of them wait on the caller's side`, async () => {
    server = createServer({ service: EchoService, handler: new EchoService(), engine, writeBufferCap: 1024 * 1024 });
    const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.pause();
    const frames = Array.from({ length: REQUESTS }, (_, i) => framedMessage('echo', MessageType.CALL, i + 1, echoRequest({ action: 'a', msg: MSG })));
    const total = frames.reduce((sum, frame) => sum + frame.length, 0);
    for (const frame of frames) socket.write(frame);
    // Wait until the server stops taking bytes (the caller's unsent output stops shrinking for a second).
    let last = -1;
    for (let i = 0; i < 60 && socket.writableLength !== last; i++) {
      last = socket.writableLength;
      await sleep(1000);
    }
    // The server and both kernels hold a bounded part (read cap, write cap, socket buffers); the rest waits here.
    expect(socket.writableLength).toBeGreaterThan(total / 3);
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.resume();
    await waitFor(() => received >= total, 60000, 'every reply');
    expect(socket.writableLength).toBe(0);
    socket.destroy();
  }, 120000);
});

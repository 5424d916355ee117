import { execFileSync } from 'node:child_process';
import * as net from 'node:net';
import { MessageType } from '@thriftpoll/protocol';
import { createClient, createServer, RpcOptionError, type ThriftServer } from '@thriftpoll/rpc';
import { EchoService } from './fixtures/echo-code-first';
import { echoRequest, framedMessage } from './helpers/raw';
import { waitFor } from './helpers/wait';

/** readTimeout, writeTimeout and keepAlive on servers and clients. */

const ENGINES = ['netpoll', 'net'] as const;

async function serve(engine: string, options: Record<string, unknown>): Promise<{ server: ThriftServer; port: number }> {
  const server = createServer({ service: EchoService, handler: new EchoService(), engine: engine as 'net', onError: () => undefined, ...options });
  const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
  return { server, port };
}

/** The keepalive timers `ss` shows for established TCP connections on `port` (either end). */
function keepAliveTimers(port: number): string[] {
  const out = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${port} or dport = :${port} )`], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes('timer:(keepalive'));
}

describe.each(ENGINES)('connection timers (%s)', (engine) => {
  test('readTimeout times a message from its first byte, however many wake-ups it takes', async () => {
    const readTimeout = 1000;
    const { server, port } = await serve(engine, { readTimeout });
    // A frame header, then the rest of a request one byte every 150 ms: the request would take 2.4 s more.
    const request = framedMessage('echo', MessageType.CALL, 1, echoRequest({ action: 'a', msg: 'x' }));
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    const started = Date.now();
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < request.length && !socket.destroyed) socket.write(request.subarray(sent, ++sent));
    }, 150);
    try {
      const elapsed = await closed;
      expect(elapsed).toBeGreaterThanOrEqual(readTimeout - 50);
      // Before the fix the clock restarted at each wake-up (transport detection, frame header, body): >= 2 s here.
      expect(elapsed).toBeLessThan(readTimeout * 1.9);
      expect(sent).toBeLessThan(request.length);
    } finally {
      clearInterval(trickle);
      socket.destroy();
      await server.close();
    }
  });

  test('the default readTimeout (10 s) never closes idle pooled or mux connections', async () => {
    const { server, port } = await serve(engine, {});
    const pooled = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine });
    const mux = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, mode: 'mux' });
    await pooled.ping();
    await mux.ping();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.getStats().connections).toBe(2);
    expect(pooled.$client.stats().pool).toMatchObject({ open: 1, evicted: 0 });
    await pooled.$close();
    await mux.$close();
    await server.close();
  });

  test('writeTimeout closes a connection whose caller stopped reading its replies', async () => {
    const { server, port } = await serve(engine, { writeTimeout: 300 });
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause(); // never reads: the replies (1 MiB each) fill the socket buffers
    const msg = 'x'.repeat(1024 * 1024);
    for (let i = 1; i <= 32; i++) socket.write(framedMessage('echo', MessageType.CALL, i, echoRequest({ action: 'a', msg })));
    // (A paused socket may not notice the close itself: ask the server.)
    await waitFor(() => server.getStats().connections === 0, 30000, 'the server to drop the connection');
    socket.destroy();
    await server.close();
  }, 60_000);

  test('keepAlive turns on TCP keepalive on accepted and dialed connections', async () => {
    const { server, port } = await serve(engine, { keepAlive: 30_000 });
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, keepAlive: 45_000 });
    const plain = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine });
    await client.ping();
    await plain.ping();
    // Two connections, four ends: the server's two (30 s) and the keepAlive client's one (45 s).
    const timers = keepAliveTimers(port);
    expect(timers).toHaveLength(3);
    expect(timers.filter((line) => /timer:\(keepalive,(29|[34]\d)sec/.test(line))).toHaveLength(3);
    await client.$close();
    await plain.$close();
    await server.close();
  });

  test('the options are validated', () => {
    expect(() => createServer({ service: EchoService, handler: new EchoService(), engine, keepAlive: 500 })).toThrow(
      new RpcOptionError('keepAlive must be 0 (off) or at least 1000 ms (the kernel counts keepalive in whole seconds), got 500'),
    );
    expect(() => createServer({ service: EchoService, handler: new EchoService(), engine, writeTimeout: -1 })).toThrow(RpcOptionError);
    expect(() => createClient(EchoService, { address: '127.0.0.1:1', engine, writeTimeout: 'soon' as unknown as number })).toThrow(
      new RpcOptionError('writeTimeout must be a finite number of milliseconds >= 0, got string "soon"'),
    );
  });
});

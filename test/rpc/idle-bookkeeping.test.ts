import * as net from 'node:net';
import { binaryProtocol, MessageType } from '@thriftpoll/protocol';
import { createClient, createServer, type ThriftServer } from '@thriftpoll/rpc';
import { EchoService, type Request } from './fixtures/echo-code-first';
import { echoRequest, framedMessage } from './helpers/raw';
import { sleep, waitFor } from './helpers/wait';
import { GRACEFUL_CLOSE_LINGER, SHUTDOWN_QUIET_MS } from '../../packages/rpc/src/server/graceful-close';

/**
 * When a server connection counts as idle (graceful close, idle timeout): its session marks it busy at the end of
 * a batch of input that left calls running or replies unsent, and idle once a flush's bytes are all sent — at once
 * when the kernel took the flush whole, when the flush's promise settles otherwise. These pin the paths down end
 * to end.
 */
const ENGINES = ['netpoll', 'net'] as const;

/** Far more than loopback socket buffers hold for a caller that does not read (and under maxFrameSize). */
const BIG = 15_000_000;

function portOf(address: unknown): number {
  return (address as { port: number }).port;
}

/** A handler whose `echo` answers `big` with a BIG-character msg, synchronously. */
function bigReplies(): EchoService {
  const handler = new EchoService();
  handler.echo = (req: Request) => {
    handler.calls++;
    return Promise.resolve({ action: req.action, msg: req.action === 'big' ? 'x'.repeat(BIG) : req.msg });
  };
  return handler;
}

/** A raw connection that sends one framed `echo` call and reads nothing until resume(). */
async function pausedCaller(port: number): Promise<{ socket: net.Socket; received: () => Promise<Buffer> }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.pause();
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(framedMessage('echo', MessageType.CALL, 7, echoRequest({ action: 'big', msg: '' })));
  const chunks: Buffer[] = [];
  const ended = new Promise<Buffer>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
  return { socket, received: () => ended };
}

describe.each(ENGINES)('idle bookkeeping on %s', (engine) => {
  let server: ThriftServer | undefined;
  afterEach(async () => {
    await server?.close({ timeout: 100 });
    server = undefined;
  });

  test('a graceful close waits for a reply the caller has not read yet, past the quiet and linger periods', async () => {
    const errors: unknown[] = [];
    const handler = bigReplies();
    server = createServer({ service: EchoService, handler, engine, onError: (error) => errors.push(error) });
    const port = portOf(await server.listen({ host: '127.0.0.1', port: 0 }));
    const caller = await pausedCaller(port);
    await waitFor(() => handler.calls === 1, 10000, 'the call to run');
    let closed = false;
    const closing = server.close({ timeout: 25000 }).then(() => {
      closed = true;
    });
    // Long enough for a connection wrongly counted as idle to be half-closed and then closed by its linger timer.
    await sleep(SHUTDOWN_QUIET_MS + GRACEFUL_CLOSE_LINGER + 1000);
    expect(closed).toBe(false);
    caller.socket.resume();
    const bytes = await caller.received();
    // The whole reply, then FIN.
    expect(bytes.length).toBe(4 + bytes.readUInt32BE(0));
    const reader = binaryProtocol.createReader(bytes.subarray(4));
    expect(reader.readMessageBegin()).toMatchObject({ name: 'echo', type: MessageType.REPLY, seqid: 7 });
    expect(bytes.length).toBeGreaterThan(BIG);
    expect(bytes.subarray(bytes.length - 1000).includes('x'.repeat(900))).toBe(true);
    await closing;
    expect(errors).toEqual([]);
    caller.socket.destroy();
  }, 40000);

  test('replies the kernel took at once leave the connection idle: a graceful close does not wait for its timeout', async () => {
    const handler = new EchoService();
    server = createServer({ service: EchoService, handler, engine, onError: () => undefined });
    const port = portOf(await server.listen({ host: '127.0.0.1', port: 0 }));
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, mode: 'mux' });
    for (let i = 0; i < 50; i++) await expect(client.echo({ action: 'a', msg: `m${i}` })).resolves.toEqual({ action: 'a', msg: `m${i}` });
    // A connection left busy would hold the close until its timeout (past this test's own).
    await server.close({ timeout: 120000 });
    expect(server.getStats()).toMatchObject({ connections: 0, inFlight: 0 });
    await client.$close();
  });

  test('a call still running when its batch of input ends keeps the connection from the idle timeout', async () => {
    const handler = new EchoService();
    server = createServer({ service: EchoService, handler, engine, idleTimeout: 100, onError: () => undefined });
    const port = portOf(await server.listen({ host: '127.0.0.1', port: 0 }));
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, mode: 'mux' });
    // Several idle periods long, on one connection: it must not be closed under the call.
    await expect(client.echo({ action: 'sleep', msg: '700' })).resolves.toEqual({ action: 'sleep', msg: '700' });
    expect(server.getStats().accepted).toBe(1);
    // Once idle, it is closed.
    await waitFor(() => server?.getStats().connections === 0, 10000, 'the idle connection to be closed');
    await client.$close();
  });
});

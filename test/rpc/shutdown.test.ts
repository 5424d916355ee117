import { createClient, createServer, RpcOverloadError, type ThriftServer } from '@thriftpoll/rpc';
import type { ServerCallContext } from '@thriftpoll/protocol';
import { EchoService, type Request } from './fixtures/echo-code-first';
import { startChildServer } from './helpers/child';
import { waitFor } from './helpers/wait';

const ENGINES = ['netpoll', 'net'] as const;

function portOf(address: unknown): number {
  return (address as { port: number }).port;
}

describe.each(ENGINES)('graceful shutdown on %s', (engine) => {
  async function serve(handler = new EchoService()): Promise<{ server: ThriftServer; port: number; handler: EchoService }> {
    const server = createServer({ service: EchoService, handler, engine, onError: () => undefined });
    return { server, port: portOf(await server.listen({ host: '127.0.0.1', port: 0 })), handler };
  }

  test.each(['pool', 'mux'] as const)('calls in flight finish, none is lost (%s)', async (mode) => {
    const { server, port, handler } = await serve();
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, mode });
    const idle = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine });
    await idle.ping(); // an idle pooled connection: closed at once by the shutdown
    const calls = Array.from({ length: 20 }, (_, i) => client.echo({ action: 'sleep', msg: `${200 + i}` }));
    await waitFor(() => handler.calls === 20, 10000, 'the calls to start');
    const closing = server.close({ timeout: 10000 });
    const replies = await Promise.all(calls);
    expect(replies.map((r) => r.msg)).toEqual(Array.from({ length: 20 }, (_, i) => `${200 + i}`));
    await closing;
    expect(server.getStats()).toMatchObject({ connections: 0, inFlight: 0 });
    // Nothing listens any more (once the client has seen its connections close).
    await waitFor(() => client.$client.stats().pool.open === 0, 10000, 'the client to see its connections closed');
    await expect(client.echo({ action: 'a', msg: 'late' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await client.$close();
    await idle.$close();
  });

  test('a new request on a connection still draining gets a retry-safe overload error (resent once by default)', async () => {
    const { server, port, handler } = await serve();
    const address = { host: '127.0.0.1', port };
    const client = createClient(EchoService, { address, engine, mode: 'mux', resendUnsent: false });
    const resending = createClient(EchoService, { address, engine, mode: 'mux' });
    const slow = client.echo({ action: 'sleep', msg: '2000' });
    await resending.ping();
    await waitFor(() => handler.calls === 1, 10000, 'the slow call to start');
    const closing = server.close({ timeout: 10000 });
    const error = await client.echo({ action: 'a', msg: 'during shutdown' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcOverloadError);
    expect(error).toMatchObject({ limit: 'shuttingDown', retrySafe: true });
    // By default the refused call goes out once more on a fresh connection: nothing listens any more.
    const resent = await resending.echo({ action: 'a', msg: 'during shutdown' }).catch((e: unknown) => e);
    expect(resent).toMatchObject({ code: 'ECONNREFUSED', retrySafe: true });
    expect(handler.calls).toBe(1);
    await expect(slow).resolves.toEqual({ action: 'sleep', msg: '2000' });
    await closing;
    await client.$close();
    await resending.$close();
  });

  test('past the timeout, running calls are aborted (ctx.signal) and their connections closed', async () => {
    const reasons: unknown[] = [];
    const handler = new EchoService();
    handler.echo = (req: Request, ctx: ServerCallContext) =>
      new Promise((resolve) => {
        handler.calls++;
        ctx.signal.addEventListener('abort', () => {
          reasons.push(ctx.signal.reason);
          resolve({ action: req.action, msg: 'aborted' });
        });
      });
    const { server, port } = await serve(handler);
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, mode: 'mux' });
    const calls = [client.echo({ action: 'wait', msg: '' }).catch((e: unknown) => e), client.echo({ action: 'wait', msg: '' }).catch((e: unknown) => e)];
    await waitFor(() => handler.calls === 2, 10000, 'the calls to start');
    const started = Date.now();
    await server.close({ timeout: 100 });
    expect(Date.now() - started).toBeLessThan(5000);
    for (const outcome of await Promise.all(calls)) expect(outcome).toMatchObject({ code: 'ECONNRESET' });
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toMatchObject({ code: 'ECLOSED', message: 'the server shut down before the call finished (close timeout 100 ms)' });
    await client.$close();
  });
});

describe('a server in another process', () => {
  test('SIGTERM: calls in flight complete, then the process exits 0', async () => {
    const child = await startChildServer();
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port: child.port }, mode: 'mux' });
    const calls = Array.from({ length: 10 }, (_, i) => client.echo({ action: 'sleep', msg: `${300 + i}` }));
    await waitFor(() => child.lines.filter((l) => l.startsWith('call ')).length === 10, 20000, 'the calls to start');
    child.process.kill('SIGTERM');
    const replies = await Promise.all(calls);
    expect(replies.map((r) => r.msg)).toEqual(Array.from({ length: 10 }, (_, i) => `${300 + i}`));
    expect(await child.exited).toBe(0);
    expect(child.lines).toContain('closing');
    await client.$close();
  });

  test.each(['pool', 'mux'] as const)('killed mid-call: pending calls are rejected at once; the client recovers when it is back (%s)', async (mode) => {
    let child = await startChildServer();
    const port = child.port;
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, mode, timeout: 20000 });
    expect(await client.echo({ action: 'a', msg: 'up' })).toEqual({ action: 'a', msg: 'up' });
    const calls = Array.from({ length: 5 }, () => client.echo({ action: 'sleep', msg: '60000' }).catch((e: unknown) => e));
    await waitFor(() => child.lines.filter((l) => l === 'call 60000').length === 5, 20000, 'the calls to start');
    const killedAt = Date.now();
    child.process.kill('SIGKILL');
    const errors = await Promise.all(calls);
    expect(Date.now() - killedAt).toBeLessThan(10000);
    for (const error of errors) expect(error).toMatchObject({ code: 'ECONNRESET', retrySafe: false });
    await child.exited;
    // While it is down: refused, retry-safe.
    await expect(client.echo({ action: 'a', msg: 'down' })).rejects.toMatchObject({ code: 'ECONNREFUSED', retrySafe: true });
    child = await startChildServer(port);
    try {
      expect(await client.echo({ action: 'a', msg: 'back' })).toEqual({ action: 'a', msg: 'back' });
      const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => client.echo({ action: 'a', msg: `b${i}` })));
      expect(burst).toHaveLength(10);
    } finally {
      await client.$close();
      child.process.kill('SIGKILL');
      await child.exited;
    }
  });
});

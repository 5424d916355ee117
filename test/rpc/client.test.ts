import {
  ClientContext,
  createClient,
  createServer,
  RpcError,
  RpcOptionError,
  RpcTimeoutError,
  serviceDescriptor,
  type Middleware,
  type ThriftServer,
} from '@thriftpoll/rpc';
import { binaryProtocol, MessageType, TApplicationException, TApplicationExceptionType } from '@thriftpoll/protocol';
import { getEventListeners } from 'node:events';
import * as net from 'node:net';
import { EchoService } from './fixtures/echo-code-first';
import { framedMessage } from './helpers/raw';
import { sleep, waitFor } from './helpers/wait';

const ENGINES = ['netpoll', 'net'] as const;

function portOf(address: unknown): number {
  return (address as { port: number }).port;
}

/** A port nothing listens on (bound then released), for refused connections. */
async function deadPort(): Promise<number> {
  const server = createServer({ service: EchoService, handler: new EchoService(), engine: 'net' });
  const port = portOf(await server.listen({ host: '127.0.0.1', port: 0 }));
  await server.close();
  return port;
}

describe.each(ENGINES)('client on %s', (engine) => {
  const servers: ThriftServer[] = [];
  const closers: (() => Promise<void>)[] = [];

  async function serve(options: Partial<Parameters<typeof createServer>[0]> = {}): Promise<{ server: ThriftServer; port: number; handler: EchoService }> {
    const handler = new EchoService();
    const server = createServer({ service: EchoService, handler, engine, onError: () => undefined, ...options });
    servers.push(server);
    return { server, port: portOf(await server.listen({ host: '127.0.0.1', port: 0 })), handler };
  }

  function client(port: number | number[], options: Partial<Parameters<typeof createClient>[1]> = {}) {
    const addresses = (Array.isArray(port) ? port : [port]).map((p) => ({ host: '127.0.0.1', port: p }));
    const created = createClient(EchoService, { ...(addresses.length === 1 ? { address: addresses[0] } : { addresses }), engine, ...options });
    closers.push(() => created.$close());
    return created;
  }

  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
    await Promise.all(servers.splice(0).map((server) => server.close({ timeout: 1000 })));
  });

  describe('long-connection pool', () => {
    test('sequential calls reuse one connection', async () => {
      const { port, server } = await serve();
      const echo = client(port);
      for (let i = 0; i < 20; i++) expect(await echo.echo({ action: 'a', msg: `${i}` })).toEqual({ action: 'a', msg: `${i}` });
      expect(server.getStats().accepted).toBe(1);
      expect(echo.$client.stats().pool).toMatchObject({ open: 1, idle: 1 });
    });

    test('a burst opens a connection per concurrent call; maxIdlePerAddress keeps only some', async () => {
      const { port, server } = await serve();
      const echo = client(port, { pool: { maxIdlePerAddress: 3 } });
      await Promise.all(Array.from({ length: 10 }, (_, i) => echo.echo({ action: 'sleep', msg: `${20 + i}` })));
      expect(server.getStats().accepted).toBe(10);
      expect(echo.$client.stats().pool).toMatchObject({ open: 3, idle: 3 });
      await waitFor(() => server.getStats().connections === 3, 10000, 'the surplus connections to close');
    });

    test('maxActivePerAddress makes calls wait for a connection instead of dialing more', async () => {
      const { port, server } = await serve();
      const echo = client(port, { pool: { maxActivePerAddress: 2 } });
      const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => echo.echo({ action: 'sleep', msg: `${10 + i}` })));
      expect(replies).toHaveLength(10);
      expect(server.getStats().accepted).toBe(2);
    });

    test('idle connections are closed after idleTimeout', async () => {
      const { port, server } = await serve();
      const echo = client(port, { pool: { idleTimeout: 50 } });
      await echo.echo({ action: 'a', msg: 'b' });
      expect(server.getStats().connections).toBe(1);
      await waitFor(() => server.getStats().connections === 0, 10000, 'the idle connection to be closed by the pool');
      expect(echo.$client.stats().pool).toMatchObject({ open: 0, idle: 0 });
      expect(await echo.echo({ action: 'a', msg: 'again' })).toEqual({ action: 'a', msg: 'again' });
    });

    test('a connection the server closed while idle is evicted, not used', async () => {
      const { port, server } = await serve({ idleTimeout: 50 });
      const echo = client(port);
      await echo.echo({ action: 'a', msg: 'first' });
      await waitFor(() => server.getStats().connections === 0, 10000, 'the server to close the idle connection');
      await waitFor(() => echo.$client.stats().pool.idle === 0, 10000, 'the pool to evict it');
      expect(await echo.echo({ action: 'a', msg: 'second' })).toEqual({ action: 'a', msg: 'second' });
      expect(server.getStats().accepted).toBe(2);
    });
  });

  describe('multiplexed connections', () => {
    test('many calls share one connection; replies are matched by seqid, out of order', async () => {
      const { port, server } = await serve();
      const echo = client(port, { mode: 'mux', transport: 'framed' });
      const order: number[] = [];
      const calls = Array.from({ length: 200 }, (_, i) => {
        const delay = i === 0 ? 1500 : (i * 7) % 25;
        return echo.echo({ action: 'sleep', msg: `${delay}` }).then((reply) => {
          order.push(i);
          expect(reply.msg).toBe(`${delay}`);
        });
      });
      await Promise.all(calls);
      expect(server.getStats().accepted).toBe(1);
      // The slow first call finished last: the server answered the others without waiting for it.
      expect(order[order.length - 1]).toBe(0);
    });

    test.each(['theader', 'ttheader'] as const)('over %s, with N connections', async (transport) => {
      const { port, server } = await serve();
      const echo = client(port, { mode: 'mux', transport, mux: { connectionsPerAddress: 3 } });
      const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => echo.echo({ action: 'a', msg: `m${i}` })));
      expect(replies.map((r) => r.msg)).toEqual(Array.from({ length: 60 }, (_, i) => `m${i}`));
      expect(server.getStats().accepted).toBe(3);
    });

    test('buffered replies keep request order on the server', async () => {
      const { port } = await serve();
      // A long-pool client over Buffered, sharing nothing, still gets its answers; ordering is the server's
      // promise for pipelining peers (Apache's interop tests pipeline 50 calls over Buffered).
      const echo = client(port, { transport: 'buffered' });
      const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => echo.echo({ action: 'a', msg: `b${i}` })));
      expect(replies.map((r) => r.msg)).toEqual(Array.from({ length: 10 }, (_, i) => `b${i}`));
    });
  });

  test('short connections: one per call, closed after it', async () => {
    const { port, server } = await serve();
    const echo = client(port, { mode: 'short' });
    for (let i = 0; i < 5; i++) await echo.echo({ action: 'a', msg: `${i}` });
    expect(server.getStats().accepted).toBe(5);
    await waitFor(() => server.getStats().connections === 0, 10000, 'short connections to close');
  });

  describe('timeouts and aborts', () => {
    test('a call past its timeout is rejected with RpcTimeoutError; in mux mode the late reply is discarded', async () => {
      const { port } = await serve();
      const echo = client(port, { mode: 'mux' });
      const started = Date.now();
      const error = await echo.echo({ action: 'sleep', msg: '3000' }, { timeout: 50 }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(error).toBeInstanceOf(RpcTimeoutError);
      expect(error).toMatchObject({ code: 'ETIMEDOUT', timeout: 50, retrySafe: false });
      // The first call on a new connection that has heard nothing yet: the message says what that may mean.
      expect((error as Error).message).toBe(
        `EchoServer.echo to 127.0.0.1:${port} timed out after 50 ms (no reply in Framed; the server may speak Buffered (Apache's default): set transport: 'buffered')`,
      );
      await waitFor(() => echo.$client.stats().discardedReplies === 1, 10000, 'the late reply');
      expect(await echo.echo({ action: 'a', msg: 'still fine' })).toEqual({ action: 'a', msg: 'still fine' });
    });

    test('in the long pool a timed-out call does not return its connection to the pool', async () => {
      const { port, server } = await serve();
      const echo = client(port, { timeout: 50 });
      await expect(echo.echo({ action: 'sleep', msg: '3000' })).rejects.toBeInstanceOf(RpcTimeoutError);
      expect(await echo.echo({ action: 'a', msg: 'next' }, { timeout: 5000 })).toEqual({ action: 'a', msg: 'next' });
      expect(server.getStats().accepted).toBe(2);
    });

    test('the server sees the deadline: ctx.signal aborts when the caller stops waiting', async () => {
      const { port } = await serve();
      const echo = client(port, { mode: 'mux', transport: 'ttheader' });
      await expect(echo.echo({ action: 'signal', msg: '' }, { timeout: 100 })).rejects.toBeInstanceOf(RpcTimeoutError);
      // The handler's reply (sent once its signal fired) arrives late and is dropped.
      await waitFor(() => echo.$client.stats().discardedReplies === 1, 10000, 'the late reply');
    });

    test('an AbortSignal rejects the call (ECANCELED, with its reason); an aborted signal makes no call', async () => {
      const { port, handler } = await serve();
      const echo = client(port);
      const controller = new AbortController();
      const pending = echo.echo({ action: 'sleep', msg: '5000' }, { signal: controller.signal });
      await waitFor(() => handler.calls === 1, 10000, 'the call to reach the server');
      const reason = new Error('user navigated away');
      controller.abort(reason);
      await expect(pending).rejects.toMatchObject({ code: 'ECANCELED', reason });
      await expect(echo.echo({ action: 'a', msg: 'x' }, { signal: AbortSignal.abort('early') })).rejects.toMatchObject({ code: 'ECANCELED', reason: 'early' });
      expect(handler.calls).toBe(1);
    });

    test('call options are validated', async () => {
      const { port } = await serve();
      const echo = client(port);
      await expect(echo.echo({ action: 'a', msg: 'b' }, { timeout: -1 })).rejects.toThrow(RpcOptionError);
      await expect(echo.echo({ action: 'a', msg: 'b' }, { headers: { n: 1 as never } })).rejects.toThrow("call option headers['n'] must be a string, got number 1");
    });
  });

  describe('failures', () => {
    test('a refused connection is a retry-safe ECONNREFUSED naming the address', async () => {
      const port = await deadPort();
      const echo = client(port);
      const error = await echo.echo({ action: 'a', msg: 'b' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcError);
      expect(error).toMatchObject({ code: 'ECONNREFUSED', retrySafe: true, address: `127.0.0.1:${port}` });
    });

    test('closing a client fails its calls in flight and later calls with ECLOSED', async () => {
      const { port, handler } = await serve();
      const echo = client(port, { mode: 'mux' });
      const pending = echo.echo({ action: 'sleep', msg: '5000' });
      await waitFor(() => handler.calls === 1, 10000, 'the call to start');
      await echo.$close();
      await expect(pending).rejects.toMatchObject({ code: 'ECLOSED', message: 'the client was closed while the call was in flight', retrySafe: false });
      await expect(echo.echo({ action: 'a', msg: 'b' })).rejects.toMatchObject({ code: 'ECLOSED' });
    });

    test.each(['pool', 'mux'] as const)('calls pending on a connection that dies are rejected at once with ECONNRESET (%s)', async (mode) => {
      const { port, server, handler } = await serve();
      const echo = client(port, { mode });
      const calls = Array.from({ length: 5 }, () => echo.echo({ action: 'sleep', msg: '10000' }).catch((e: unknown) => e));
      await waitFor(() => handler.calls === 5, 10000, 'the calls to reach the server');
      const started = Date.now();
      // Abort the server's calls and close their connections at once: what a crash looks like to callers.
      await server.close({ timeout: 0 });
      const errors = await Promise.all(calls);
      expect(Date.now() - started).toBeLessThan(5000);
      for (const error of errors) expect(error).toMatchObject({ code: 'ECONNRESET', retrySafe: false });
    });
  });

  describe('load balancing, health and retries', () => {
    test('round-robin spreads calls over the addresses', async () => {
      const a = await serve();
      const b = await serve();
      const echo = client([a.port, b.port], { loadBalancer: 'round-robin' });
      for (let i = 0; i < 10; i++) await echo.echo({ action: 'a', msg: `${i}` });
      expect([a.handler.calls, b.handler.calls]).toEqual([5, 5]);
    });

    test('weighted random honours weights (weight 0 never chosen while others are healthy)', async () => {
      const a = await serve();
      const b = await serve();
      const echo = createClient(EchoService, {
        addresses: [
          { address: { host: '127.0.0.1', port: a.port }, weight: 0 },
          { address: { host: '127.0.0.1', port: b.port }, weight: 5 },
        ],
        engine,
      });
      closers.push(() => echo.$close());
      for (let i = 0; i < 20; i++) await echo.echo({ action: 'a', msg: `${i}` });
      expect([a.handler.calls, b.handler.calls]).toEqual([0, 20]);
    });

    test('an address that refuses is skipped after its first failure; retries go elsewhere', async () => {
      const live = await serve();
      const dead = await deadPort();
      let attempts = 0;
      const count: Middleware<ClientContext> = async (ctx, next) => {
        try {
          await next();
        } finally {
          attempts += ctx.attempts;
        }
      };
      const echo = client([dead, live.port], { loadBalancer: 'round-robin', retry: { maxAttempts: 2 }, middleware: [count], health: { cooldown: 60000 } });
      for (let i = 0; i < 20; i++) expect(await echo.echo({ action: 'a', msg: `${i}` })).toEqual({ action: 'a', msg: `${i}` });
      expect(live.handler.calls).toBe(20);
      expect(attempts).toBe(21); // one attempt hit the dead address, once
      expect(echo.$client.stats().unhealthy.map((u) => u.address)).toEqual([`127.0.0.1:${dead}`]);
    });

    test('the retry budget stops retry storms when everything is down', async () => {
      const dead = [await deadPort(), await deadPort(), await deadPort()];
      let attempts = 0;
      const echo = client(dead, {
        retry: { maxAttempts: 3, budgetRatio: 0.1, minRetriesPerSecond: 0 },
        middleware: [
          async (ctx, next) => {
            try {
              await next();
            } finally {
              attempts += ctx.attempts;
            }
          },
        ],
      });
      const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => echo.echo({ action: 'a', msg: `${i}` })));
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      // 100 calls, at most 10% more attempts (not 300).
      expect(attempts).toBeGreaterThanOrEqual(100);
      expect(attempts).toBeLessThanOrEqual(110);
    });

    test('without retry enabled a failure is final', async () => {
      const dead = await deadPort();
      const live = await serve();
      const echo = client([dead, live.port], { loadBalancer: 'round-robin' });
      await expect(echo.echo({ action: 'a', msg: 'b' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(await echo.echo({ action: 'a', msg: 'c' })).toEqual({ action: 'a', msg: 'c' });
    });
  });

  test('client middleware: onion order, headers, result replacement', async () => {
    const { port } = await serve();
    const trail: string[] = [];
    const echo = client(port, {
      transport: 'theader',
      middleware: [
        async (ctx, next) => {
          trail.push(`outer> ${ctx.service}.${ctx.method}`);
          ctx.requestHeaders['trace-id'] = 'abc';
          await next();
          trail.push(`<outer ${ctx.address}`);
        },
        async (ctx, next) => {
          trail.push('inner>');
          if ((ctx.args[0] as { action: string }).action === 'cached') {
            ctx.result = { action: 'cached', msg: 'local' };
            return;
          }
          await next();
          trail.push('<inner');
        },
      ],
    });
    expect(await echo.echo({ action: 'header', msg: 'trace-id' })).toEqual({ action: 'header', msg: 'abc' });
    expect(trail).toEqual(['outer> EchoServer.echo', 'inner>', '<inner', `<outer 127.0.0.1:${port}`]);
    expect(await echo.echo({ action: 'cached', msg: '' })).toEqual({ action: 'cached', msg: 'local' });
  });

  test('metadata given to Buffered/Framed is dropped with a warning, or refused when asked', async () => {
    const { port } = await serve();
    const strict = client(port, { transport: 'framed', droppedHeaders: 'error' });
    await expect(strict.echo({ action: 'a', msg: 'b' }, { headers: { x: 'y' } })).rejects.toMatchObject({
      code: 'METADATA_DROPPED',
      // The option as the client calls it.
      message: expect.stringContaining("set droppedHeaders to 'warn' or 'ignore'"),
    });
    expect(await strict.echo({ action: 'a', msg: 'no headers' })).toEqual({ action: 'a', msg: 'no headers' });
  });

  test('many calls ending every way leave nothing behind (no pending calls, no abort listeners)', async () => {
    const { port, server, handler } = await serve();
    const echo = client(port, { mode: 'mux', mux: { connectionsPerAddress: 2 } });
    await echo.ping(); // connections up: calls timing out while one is dialed would never be sent
    const controller = new AbortController();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 3000 }, (_, i) => {
        if (i % 3 === 0) return echo.echo({ action: 'a', msg: `${i}` }, { timeout: 10000, signal: controller.signal });
        if (i % 3 === 1) return echo.echo({ action: 'sleep', msg: '2000' }, { timeout: 1 });
        return echo.echo({ action: 'fail', msg: `${i}` });
      }),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1000);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(2000);
    expect(echo.$client.stats().inFlight).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await waitFor(() => server.getStats().inFlight === 0, 20000, 'the server to finish the abandoned calls');
    // Every call that reached the server and timed out meanwhile had its late reply dropped.
    const abandoned = handler.calls - 2000;
    expect(abandoned).toBeGreaterThan(0);
    await waitFor(() => echo.$client.stats().discardedReplies === abandoned, 20000, 'the late replies');
  });

  test('oneway calls resolve once sent', async () => {
    const { port, handler } = await serve();
    const echo = client(port, { mode: 'mux' });
    await Promise.all(Array.from({ length: 10 }, (_, i) => echo.notify(`n${i}`)));
    await waitFor(() => handler.notes.length === 10, 10000, 'ten notifications');
    expect(new Set(handler.notes)).toEqual(new Set(Array.from({ length: 10 }, (_, i) => `n${i}`)));
  });

  test('an argument that cannot be encoded fails that call only', async () => {
    const { port } = await serve();
    const echo = client(port, { mode: 'mux' });
    await expect(echo.echo({ action: 'a' } as never)).rejects.toThrow('required field Request.msg (2) is unset');
    expect(await echo.echo({ action: 'a', msg: 'fine' })).toEqual({ action: 'a', msg: 'fine' });
    await sleep(1);
  });
});

test('client options are validated where they enter', () => {
  expect(() => createClient(EchoService, {} as never)).toThrow('give exactly one of address or addresses');
  expect(() => createClient(EchoService, { address: 'localhost' })).toThrow("address must look like 'host:port'");
  expect(() => createClient(EchoService, { address: 'h:1', mode: 'mux', transport: 'buffered' })).toThrow("mode 'mux' needs a transport that frames whole messages");
  expect(() => createClient(EchoService, { address: 'h:1', mux: { connectionsPerAddress: 2 } })).toThrow("mux options apply to mode 'mux' (set mode: 'mux'), not 'pool'");
  expect(() => createClient(EchoService, { address: 'h:1', retry: { maxAttempts: 0 } })).toThrow('retry.maxAttempts must be an integer in [1, 100], got number 0');
  expect(() => createClient(EchoService, { address: 'h:1', timeot: 5 } as never)).toThrow("client options has no option 'timeot'");
});

describe('replies that do not match their call (a raw Framed Binary server)', () => {
  // Answers each call in a way chosen by the request's msg: a reply naming another method, a CALL message
  // instead of a REPLY, or a proper reply. Counts connections: a bad reply must not close anything.
  let server: net.Server;
  let connections = 0;
  beforeAll(async () => {
    server = net.createServer((socket) => {
      connections++;
      let input = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        input = Buffer.concat([input, chunk]);
        while (input.length >= 4 && input.length >= 4 + input.readUInt32BE(0)) {
          const payload = input.subarray(4, 4 + input.readUInt32BE(0));
          input = input.subarray(4 + payload.length);
          const reader = binaryProtocol.createReader(payload);
          const { seqid } = reader.readMessageBegin();
          const echo = serviceDescriptor(EchoService).methods.echo;
          const [request] = echo.readArgs(reader) as [{ action: string; msg: string }];
          if (request.msg === 'nameless-exception') {
            const exception = new TApplicationException(TApplicationExceptionType.INTERNAL_ERROR, 'went wrong');
            socket.write(framedMessage('', MessageType.EXCEPTION, seqid, (w) => exception.write(w)));
            continue;
          }
          const name = request.msg === 'wrong-name' ? 'ping' : 'echo';
          const type = request.msg === 'wrong-type' ? MessageType.CALL : MessageType.REPLY;
          socket.write(framedMessage(name, type, seqid, (w) => echo.writeResult(w, request)));
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a reply for another method is TApplicationException WRONG_METHOD_NAME, a CALL is INVALID_MESSAGE_TYPE; the connection lives on', async () => {
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port: portOf(server.address()) }, transport: 'framed', timeout: 10000 });
    try {
      const wrongName = await client.echo({ action: 'a', msg: 'wrong-name' }).catch((e: unknown) => e);
      expect(wrongName).toBeInstanceOf(TApplicationException);
      expect(wrongName).toMatchObject({ type: TApplicationExceptionType.WRONG_METHOD_NAME, code: 'WRONG_METHOD_NAME' });
      expect((wrongName as Error).message).toMatch(/answered echo \(seqid \d+\) with a reply for "ping"$/);
      const wrongType = await client.echo({ action: 'a', msg: 'wrong-type' }).catch((e: unknown) => e);
      expect(wrongType).toBeInstanceOf(TApplicationException);
      expect(wrongType).toMatchObject({ type: TApplicationExceptionType.INVALID_MESSAGE_TYPE, code: 'INVALID_MESSAGE_TYPE' });
      expect((wrongType as Error).message).toMatch(/with message type CALL \(1\), REPLY \(2\) or EXCEPTION \(3\) expected$/);
      // An exception under another name: WRONG_METHOD_NAME, with what the server said as the cause.
      const nameless = await client.echo({ action: 'a', msg: 'nameless-exception' }).catch((e: unknown) => e);
      expect(nameless).toMatchObject({ code: 'WRONG_METHOD_NAME', cause: { code: 'INTERNAL_ERROR', message: 'went wrong' } });
      expect((nameless as Error).message).toMatch(/with an exception \(INTERNAL_ERROR: went wrong\) for ""$/);
      await expect(client.echo({ action: 'a', msg: 'fine' })).resolves.toEqual({ action: 'a', msg: 'fine' });
      expect(connections).toBe(1);
    } finally {
      await client.$close();
    }
  });
});

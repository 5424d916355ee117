import { createClient, createServer, DEFAULT_CALL_TIMEOUT, RpcAbortError, RpcError, RpcTimeoutError, type ThriftServer } from '@thriftpoll/rpc';
import { apacheServer, generateApache } from './helpers/apache';
import { EchoService } from './fixtures/echo-code-first';
import { waitFor } from './helpers/wait';

/** What a new user meets first: defaults that never hang, and errors that say what probably went wrong. */
const apache = generateApache('echo.thrift', ['EchoServer']);

describe('a client whose server never answers', () => {
  let server: { port: number; close(): Promise<void> };

  beforeAll(async () => {
    const handler = {
      echo(req: { action: string; msg: string }, result: (error: unknown, value?: unknown) => void) {
        result(null, new apache.types.Response({ action: req.action, msg: req.msg }));
      },
    };
    // Apache's tutorial default: Buffered Binary.
    server = await apacheServer(apache.EchoServer, handler, 'buffered', 'binary');
  });

  afterAll(() => server.close());

  test('a default client (Framed) to an Apache Buffered server fails within the default timeout, saying the server may speak Buffered', async () => {
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port: server.port } });
    const started = Date.now();
    const error = await client.echo({ action: 'say', msg: 'hello' }).catch((e: unknown) => e);
    await client.$close();
    expect(error).toBeInstanceOf(RpcError);
    // Apache's server either waits for the rest of what it took for a message (timeout) or gives up on it (reset).
    const failure = error as RpcError;
    expect(['ETIMEDOUT', 'ECONNRESET']).toContain(failure.code);
    if (failure instanceof RpcTimeoutError) expect(failure.timeout).toBe(DEFAULT_CALL_TIMEOUT);
    expect(failure.message).toContain("no reply in Framed; the server may speak Buffered (Apache's default): set transport: 'buffered'");
    expect(Date.now() - started).toBeLessThan(DEFAULT_CALL_TIMEOUT + 5000);
  }, 30000);

  test("with transport: 'buffered' the same server answers", async () => {
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port: server.port }, transport: 'buffered' });
    expect(await client.echo({ action: 'say', msg: 'hello' })).toEqual({ action: 'say', msg: 'hello' });
    await client.$close();
  });
});

describe('options and errors a new user meets', () => {
  let server: ThriftServer;
  let handler: EchoService;
  let port: number;

  beforeAll(async () => {
    handler = new EchoService();
    // 'header' is Apache's (and the examples') name for THeader.
    server = createServer({ service: EchoService, handler, transport: 'header' });
    port = ((await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number }).port;
  });

  afterAll(() => server.close({ timeout: 1000 }));

  test("transport 'header' is accepted for 'theader' by servers and clients", async () => {
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, transport: 'header', headers: { tenant: 'blue' } });
    expect(await client.echo({ action: 'header', msg: 'tenant' })).toEqual({ action: 'header', msg: 'blue' });
    await client.$close();
  });

  test('an aborted call names the call and the address, and keeps the signal reason', async () => {
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, transport: 'theader' });
    const controller = new AbortController();
    // The handler waits until its ctx.signal fires (the connection closes under the abandoned call).
    const pending = client.echo({ action: 'signal', msg: '' }, { signal: controller.signal }).catch((e: unknown) => e);
    const before = handler.calls;
    await waitFor(() => handler.calls > before, 10000, 'the call to reach the server');
    const reason = new Error('user navigated away');
    controller.abort(reason);
    const error = (await pending) as RpcAbortError;
    expect(error).toBeInstanceOf(RpcAbortError);
    expect(error).toMatchObject({ code: 'ECANCELED', address: `127.0.0.1:${port}`, reason, cause: reason });
    expect(error.message).toBe(`EchoServer.echo to 127.0.0.1:${port} was aborted: Error: user navigated away`);
    const early = (await client.echo({ action: 'a', msg: 'x' }, { signal: AbortSignal.abort('early') }).catch((e: unknown) => e)) as RpcAbortError;
    expect(early.message).toBe('EchoServer.echo (not called: the signal was already aborted) was aborted: early');
    expect(early.reason).toBe('early');
    await client.$close();
  });

  test('timeout: Infinity turns the default timeout off, for a client or a call', async () => {
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, transport: 'theader', timeout: Infinity });
    expect(await client.echo({ action: 'say', msg: 'no limit' }, { timeout: Infinity })).toEqual({ action: 'say', msg: 'no limit' });
    await expect(client.echo({ action: 'say', msg: 'x' }, { timeout: Number.NaN })).rejects.toThrow(
      'call option timeout must be a number of milliseconds >= 0 (Infinity for none), got number NaN',
    );
    await client.$close();
  });
});

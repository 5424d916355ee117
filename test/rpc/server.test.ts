import { MessageType, TApplicationException, TType } from '@thriftpoll/protocol';
import { KitexIntKey } from '@thriftpoll/transport';
import {
  createClient,
  createServer,
  RpcOptionError,
  RpcOverloadError,
  type ServerContext,
  type ThriftServer,
  type Middleware,
} from '@thriftpoll/rpc';
import * as net from 'node:net';
import { EchoService, Request } from './fixtures/echo-code-first';
import { converse, decodeFramedReply, echoRequest, emptyStruct, framedMessage, requestWithoutMsg } from './helpers/raw';
import { waitFor } from './helpers/wait';

const ENGINES = ['netpoll', 'net'] as const;

function portOf(address: unknown): number {
  return (address as { port: number }).port;
}

describe.each(ENGINES)('server on %s', (engine) => {
  const servers: ThriftServer[] = [];
  const errors: { error: unknown; what: string }[] = [];

  async function serve(options: Partial<Parameters<typeof createServer>[0]> = {}): Promise<{ server: ThriftServer; port: number; handler: EchoService }> {
    const handler = new EchoService();
    const server = createServer({ service: EchoService, handler, engine, onError: (error, info) => errors.push({ error, what: info.what }), ...options });
    servers.push(server);
    return { server, port: portOf(await server.listen({ host: '127.0.0.1', port: 0 })), handler };
  }

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close({ timeout: 1000 })));
    errors.length = 0;
  });

  test('unknown methods get UNKNOWN_METHOD, and the connection stays usable', async () => {
    const { port } = await serve();
    const { received } = await converse(
      port,
      Buffer.concat([framedMessage('nosuch', MessageType.CALL, 5, emptyStruct), framedMessage('ping', MessageType.CALL, 6, emptyStruct)]),
      { waitClose: false },
    );
    // Both replies may arrive in one read or two; the first is the exception.
    const first = decodeFramedReply(received);
    expect(first).toMatchObject({ name: 'nosuch', type: MessageType.EXCEPTION, seqid: 5 });
    expect(first.exception).toMatchObject({ code: 'UNKNOWN_METHOD', message: "unknown method 'nosuch' (this server has service EchoServer)" });
  });

  test('undecodable arguments get PROTOCOL_ERROR naming the problem', async () => {
    const { port, handler } = await serve();
    const { received } = await converse(port, framedMessage('echo', MessageType.CALL, 9, requestWithoutMsg), { waitClose: false });
    const reply = decodeFramedReply(received);
    expect(reply).toMatchObject({ type: MessageType.EXCEPTION, seqid: 9 });
    expect(reply.exception).toMatchObject({
      code: 'PROTOCOL_ERROR',
      message: 'cannot decode the arguments of EchoServer.echo: required field Request.msg (2) is missing',
    });
    expect(handler.calls).toBe(0);
  });

  test('a REPLY sent to a server gets INVALID_MESSAGE_TYPE', async () => {
    const { port } = await serve();
    const { received } = await converse(port, framedMessage('echo', MessageType.REPLY, 3, emptyStruct), { waitClose: false });
    expect(decodeFramedReply(received).exception).toMatchObject({
      code: 'INVALID_MESSAGE_TYPE',
      message: "message type 2 (REPLY) received for 'echo', CALL (1) or ONEWAY (4) expected",
    });
  });

  test('garbage closes that connection only, reported with what was seen', async () => {
    const { server, port } = await serve();
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine });
    expect(await client.echo({ action: 'a', msg: 'before' })).toEqual({ action: 'a', msg: 'before' });
    const { closed } = await converse(port, Buffer.from('\x00\x00\x00\x05hello world, not thrift'));
    expect(closed).toBe(true);
    expect(await client.echo({ action: 'a', msg: 'after' })).toEqual({ action: 'a', msg: 'after' });
    await waitFor(() => errors.length > 0, 10000, 'the report');
    expect(String((errors[0].error as Error).message)).toMatch(/^closing the connection from 127\.0\.0\.1:\d+: /);
    expect(server.getStats().protocolErrors).toBe(1);
    await client.$close();
  });

  test('an HTTP request gets a one-line explanation and is closed', async () => {
    const { port } = await serve();
    const { received, closed } = await converse(port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(closed).toBe(true);
    expect(received.toString()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  test('protocol fixed to binary: a compact request gets INVALID_PROTOCOL', async () => {
    const { port } = await serve({ protocol: 'binary' });
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, protocol: 'compact' });
    const error = await client.echo({ action: 'a', msg: 'b' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TApplicationException);
    expect(error).toMatchObject({ code: 'INVALID_PROTOCOL', message: 'this server accepts only the binary protocol, the request used compact' });
    await client.$close();
  });

  test('transport fixed to framed: a buffered client is told what it spoke and what is accepted', async () => {
    const { port } = await serve({ transport: 'framed' });
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, transport: 'buffered' });
    const error = await client.echo({ action: 'a', msg: 'b' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TApplicationException);
    expect(error).toMatchObject({ code: 'UNSUPPORTED_CLIENT_TYPE' });
    expect((error as Error).message).toMatch(/peer speaks buffered binary, but this endpoint accepts only framed/);
    await waitFor(() => errors.length > 0, 10000, 'the report');
    expect((errors[0].error as Error).message).toMatch(/peer speaks buffered binary, but this endpoint accepts only framed/);
    expect(errors[0].what).toBe('TRANSPORT_NOT_ALLOWED');
    await client.$close();
  });

  test('middleware runs as an onion around the handler and sees the call', async () => {
    const trail: string[] = [];
    const seen: Partial<ServerContext>[] = [];
    const outer: Middleware<ServerContext> = async (ctx, next) => {
      trail.push('outer>');
      seen.push({ service: ctx.service, method: ctx.method, seqid: ctx.seqid, transport: ctx.transport, protocol: ctx.protocol, peer: ctx.peer });
      await next();
      trail.push('<outer');
      if (ctx.method === 'echo') (ctx.result as { msg: string }).msg += ' (wrapped)';
    };
    const inner: Middleware<ServerContext> = async (ctx, next) => {
      trail.push('inner>');
      if (ctx.method === 'echo') ctx.args = [{ ...(ctx.args[0] as Request), msg: `${(ctx.args[0] as Request).msg}!` }];
      await next();
      trail.push('<inner');
    };
    const { port } = await serve({ middleware: [outer, inner], transport: 'auto' });
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, transport: 'ttheader', protocol: 'compact' });
    expect(await client.echo({ action: 'a', msg: 'hi' })).toEqual({ action: 'a', msg: 'hi! (wrapped)' });
    expect(trail).toEqual(['outer>', 'inner>', '<inner', '<outer']);
    expect(seen[0]).toMatchObject({ service: 'EchoServer', method: 'echo', transport: 'ttheader', protocol: 'compact' });
    expect(seen[0].peer).toMatch(/^127\.0\.0\.1:\d+$/);
    await client.$close();
  });

  test('a middleware can short-circuit with an error or a result', async () => {
    const deny: Middleware<ServerContext> = async (ctx, next) => {
      if ((ctx.args[0] as Request | undefined)?.action === 'deny') throw new Error('denied by policy');
      if ((ctx.args[0] as Request | undefined)?.action === 'cached') {
        ctx.result = { action: 'cached', msg: 'from cache' };
        return;
      }
      await next();
    };
    const { port, handler } = await serve({ middleware: [deny] });
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine });
    await expect(client.echo({ action: 'deny', msg: '' })).rejects.toMatchObject({ code: 'INTERNAL_ERROR', message: 'EchoServer.echo failed: denied by policy' });
    expect(await client.echo({ action: 'cached', msg: '' })).toEqual({ action: 'cached', msg: 'from cache' });
    expect(handler.calls).toBe(0);
    await client.$close();
  });

  test('a result that cannot be encoded becomes INTERNAL_ERROR; the connection stays sound', async () => {
    const handler = new EchoService();
    handler.echo = async () => ({ action: 'only action' }) as never;
    const server = createServer({ service: EchoService, handler, engine, onError: () => undefined });
    servers.push(server);
    const port = portOf(await server.listen({ host: '127.0.0.1', port: 0 }));
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, mode: 'mux' });
    await expect(client.echo({ action: 'a', msg: 'b' })).rejects.toMatchObject({
      code: 'INTERNAL_ERROR',
      message: 'EchoServer.echo returned a result that cannot be encoded: required field Response.msg (2) is unset',
    });
    await expect(client.ping()).resolves.toBeUndefined();
    await client.$close();
  });

  test('headers round trip over THeader and TTHeader; deadlines arrive from the caller\'s timeout', async () => {
    const { port } = await serve();
    for (const transport of ['theader', 'ttheader', 'ttheader-framed', 'framed-theader'] as const) {
      const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, transport, headers: { tenant: 'blue' } });
      expect(await client.echo({ action: 'header', msg: 'trace-id' }, { headers: { 'trace-id': `t-${transport}` } })).toEqual({
        action: 'header',
        msg: `t-${transport}`,
      });
      expect((await client.echo({ action: 'header', msg: 'tenant' })).msg).toBe('blue');
      const left = Number((await client.echo({ action: 'deadline', msg: '' }, { timeout: 5000 })).msg);
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(5000);
      // The client's default timeout (10 s) travels too; a call without a timeout carries no deadline.
      expect(Number((await client.echo({ action: 'deadline', msg: '' })).msg)).toBeLessThanOrEqual(10000);
      expect((await client.echo({ action: 'deadline', msg: '' }, { timeout: Infinity })).msg).toBe('none');
      await client.$close();
    }
  });

  test('response headers and Kitex int keys', async () => {
    let metadata: ServerContext['requestMetadata'] | undefined;
    const capture: Middleware<ServerContext> = async (ctx, next) => {
      metadata = ctx.requestMetadata;
      await next();
    };
    const { port } = await serve({ middleware: [capture] });
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, transport: 'ttheader', serviceName: 'frontend' });
    let responseHeaders: Readonly<Record<string, string>> = {};
    const probe = createClient(EchoService, {
      address: { host: '127.0.0.1', port },
      engine,
      transport: 'ttheader',
      middleware: [
        async (ctx, next) => {
          await next();
          responseHeaders = ctx.responseHeaders;
        },
      ],
    });
    await client.echo({ action: 'a', msg: 'b' }, { timeout: 3000 });
    expect(metadata?.getInt(KitexIntKey.FromService)).toBe('frontend');
    expect(metadata?.getInt(KitexIntKey.ToService)).toBe('EchoServer');
    expect(metadata?.getInt(KitexIntKey.ToMethod)).toBe('echo');
    expect(Number(metadata?.getInt(KitexIntKey.RPCTimeout))).toBeGreaterThan(0);
    await probe.echo({ action: 'respond-header', msg: 'v1' });
    expect(responseHeaders).toEqual({ 'reply-header': 'v1' });
    await client.$close();
    await probe.$close();
  });

  test('maxConcurrentRequestsPerConnection: the extra call gets a typed overload error, the others succeed', async () => {
    const { port, server } = await serve({ maxConcurrentRequestsPerConnection: 2 });
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, mode: 'mux' });
    const slow = [client.echo({ action: 'sleep', msg: '1500' }), client.echo({ action: 'sleep', msg: '1500' })];
    await waitFor(() => server.getStats().inFlight === 2, 10000, 'two calls in flight');
    const error = await client.echo({ action: 'a', msg: 'third' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcOverloadError);
    expect(error).toMatchObject({ code: 'EOVERLOAD', side: 'server', limit: 'maxConcurrentRequestsPerConnection', retrySafe: true });
    expect((error as Error).message).toMatch(/refused the call: overloaded \(maxConcurrentRequestsPerConnection\): 2 requests in flight on this connection, maxConcurrentRequestsPerConnection 2$/);
    await expect(Promise.all(slow)).resolves.toHaveLength(2);
    expect(await client.echo({ action: 'a', msg: 'later' })).toEqual({ action: 'a', msg: 'later' });
    expect(server.getStats().overloaded).toBe(1);
    await client.$close();
  });

  test('maxConcurrentRequests across connections', async () => {
    const { port, server } = await serve({ maxConcurrentRequests: 1 });
    const a = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine });
    const b = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine });
    const slow = a.echo({ action: 'sleep', msg: '1500' });
    await waitFor(() => server.getStats().inFlight === 1, 10000, 'one call in flight');
    await expect(b.echo({ action: 'a', msg: 'b' })).rejects.toMatchObject({ code: 'EOVERLOAD', limit: 'maxConcurrentRequests' });
    await expect(slow).resolves.toEqual({ action: 'sleep', msg: '1500' });
    await a.$close();
    await b.$close();
  });

  test('maxConnections: a connection over the limit is answered with an overload error and closed; others unaffected', async () => {
    const { port, server } = await serve({ maxConnections: 1 });
    const first = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine });
    expect(await first.echo({ action: 'a', msg: '1' })).toEqual({ action: 'a', msg: '1' });
    const second = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine });
    await expect(second.echo({ action: 'a', msg: '2' })).rejects.toMatchObject({ code: 'EOVERLOAD', limit: 'maxConnections' });
    expect(await first.echo({ action: 'a', msg: '3' })).toEqual({ action: 'a', msg: '3' });
    expect(server.getStats().rejectedConnections).toBe(1);
    await first.$close();
    await second.$close();
  });

  test.each(['framed', 'theader', 'ttheader', 'ttheader-framed', 'framed-theader', 'buffered'] as const)(
    'a request over the size limit (%s) gets a typed overload error naming the limit; others are unaffected',
    async (transport) => {
      const { port, server } = await serve({ maxFrameSize: 2048, maxMessageSize: 2048 });
      const big = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, transport });
      const small = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, transport });
      expect(await small.echo({ action: 'a', msg: 'small' })).toEqual({ action: 'a', msg: 'small' });
      const error = await big.echo({ action: 'a', msg: 'x'.repeat(8192) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcOverloadError);
      const limit = transport === 'buffered' ? 'maxMessageSize' : 'maxFrameSize';
      expect(error).toMatchObject({ side: 'server', limit, retrySafe: true });
      expect((error as Error).message).toMatch(transport === 'buffered' ? /maxMessageSize 2048/ : /exceeds maxFrameSize 2048/);
      expect(await small.echo({ action: 'a', msg: 'still fine' })).toEqual({ action: 'a', msg: 'still fine' });
      expect(await big.echo({ action: 'a', msg: 'small again' })).toEqual({ action: 'a', msg: 'small again' });
      expect(server.getStats().protocolErrors).toBe(1);
      await big.$close();
      await small.$close();
    },
  );

  test('readerOptions.recursionLimit also bounds the Buffered end-of-message scan', async () => {
    // An echo call over unframed Binary whose args carry an unknown field nested 80 structs deep, then the request.
    const depth = 80;
    const call = framedMessage('echo', MessageType.CALL, 3, (writer) => {
      writer.writeStructBegin('echo_args');
      writer.writeFieldBegin(TType.STRUCT, 99);
      for (let i = 0; i < depth - 1; i++) writer.writeFieldBegin(TType.STRUCT, 1);
      for (let i = 0; i < depth; i++) writer.writeFieldStop();
      writer.writeFieldBegin(TType.STRUCT, 1);
      writer.writeFieldBegin(TType.STRING, 1);
      writer.writeString('deep');
      writer.writeFieldBegin(TType.STRING, 2);
      writer.writeString('ok');
      writer.writeFieldStop();
      writer.writeFieldStop();
    }).subarray(4);
    const strict = await serve({ transport: 'buffered' });
    const refused = await converse(strict.port, call);
    expect(refused.closed).toBe(true);
    expect(strict.handler.calls).toBe(0);
    const deep = await serve({ transport: 'buffered', readerOptions: { recursionLimit: depth + 2 } });
    const { received } = await converse(deep.port, call, { waitClose: false });
    expect(received.readUInt32BE(0)).toBe((0x80010000 | MessageType.REPLY) >>> 0);
    expect(received.includes(Buffer.from('deep'))).toBe(true);
    expect(deep.handler.calls).toBe(1);
  });

  test("a request over the client's own maxFrameSize is not sent (EMSGSIZE, retry-safe)", async () => {
    const { port, handler } = await serve();
    const echo = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, maxFrameSize: 1024 });
    await expect(echo.echo({ action: 'a', msg: 'x'.repeat(4096) })).rejects.toMatchObject({ code: 'EMSGSIZE', retrySafe: true });
    expect(await echo.echo({ action: 'a', msg: 'fits' })).toEqual({ action: 'a', msg: 'fits' });
    expect(handler.calls).toBe(1);
    await echo.$close();
  });

  test('a caller that does not read its replies is not served more until it does (bounded output)', async () => {
    const big = 'r'.repeat(32 * 1024);
    // A synchronous handler: its replies are written while the requests are read.
    const handler = {
      calls: 0,
      echo(req: Request) {
        handler.calls++;
        return { action: req.action, msg: big };
      },
      ping() {},
      notify() {},
      count: () => 0,
    };
    // Not an EchoService (its echo is async): the runtime only needs the methods.
    const server = createServer({ service: EchoService, handler: handler as unknown as EchoService, engine, writeBufferCap: 64 * 1024, onError: () => undefined });
    servers.push(server);
    const port = portOf(await server.listen({ host: '127.0.0.1', port: 0 }));
    const total = 2000;
    const requests = Buffer.concat(
      Array.from({ length: total }, (_, i) =>
        framedMessage('echo', MessageType.CALL, i + 1, echoRequest({ action: 'a', msg: 'm' })),
      ),
    );
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause();
    socket.write(requests);
    // Without reading: the server answers what fits in the socket buffers and its cap, then waits. Nothing can
    // make it progress while the socket is paused, so the count it stops at is final until we read.
    await waitFor(() => server.getStats().throttled > 0, 20000, 'the server to throttle');
    let last = -1;
    let stableSince = Date.now();
    await waitFor(
      () => {
        if (handler.calls !== last) {
          last = handler.calls;
          stableSince = Date.now();
        }
        return Date.now() - stableSince > 300;
      },
      20000,
      'the server to stop serving',
    );
    expect(handler.calls).toBeLessThan(total);
    // Reading resumes the service: every request is answered.
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.resume();
    await waitFor(() => handler.calls === total, 30000, 'all requests to be served');
    const replyFrame = 4 + Buffer.byteLength(framedMessage('echo', MessageType.REPLY, 1, () => undefined)) - 4;
    await waitFor(() => received >= total * (32 * 1024 + replyFrame), 30000, 'all replies');
    socket.destroy();
  });

  test('readTimeout: a request trickling in is dropped with its connection; other callers are unaffected', async () => {
    const { port } = await serve({ readTimeout: 200 });
    const frame = framedMessage('ping', MessageType.CALL, 1, emptyStruct);
    const socket = net.connect({ host: '127.0.0.1', port });
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    const started = Date.now();
    socket.write(frame.subarray(0, frame.length - 3)); // all but the last 3 bytes, never completed
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine });
    expect(await client.echo({ action: 'a', msg: 'meanwhile' })).toEqual({ action: 'a', msg: 'meanwhile' });
    const at = await closed;
    expect(at - started).toBeGreaterThanOrEqual(150);
    expect(await client.echo({ action: 'a', msg: 'after' })).toEqual({ action: 'a', msg: 'after' });
    await client.$close();
  });

  test('oneway calls get no reply, and their failures are reported', async () => {
    const { port, handler } = await serve();
    handler.notify = (msg: string) => {
      handler.notes.push(msg);
      if (msg === 'boom') throw new Error('oneway boom');
    };
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine });
    await client.notify('one');
    await client.notify('boom');
    await waitFor(() => handler.notes.length === 2, 10000, 'both notifications');
    await waitFor(() => errors.some((e) => e.what === 'oneway handler failed'), 10000, 'the oneway failure report');
    await client.$close();
  });

  test('options are validated where they enter', () => {
    expect(() => createServer({ service: EchoService, handler: {} as EchoService })).toThrow("service.handler for EchoServer lacks methods 'echo', 'ping', 'notify', 'count'");
    expect(() => createServer({ service: EchoService, handler: new EchoService(), maxConnections: 0 })).toThrow(RpcOptionError);
    expect(() => createServer({ service: EchoService, handler: new EchoService(), transport: 'http' as never })).toThrow(
      "transport must be one of 'auto', 'buffered', 'framed', 'theader', 'ttheader', 'ttheader-framed', 'framed-theader', got string \"http\"",
    );
    expect(() => createServer({ service: EchoService, handler: new EchoService(), maxConnection: 5 } as never)).toThrow("createServer options has no option 'maxConnection'");
  });
});

test('several services on one port: multiplexed names, TTHeader ToService, unique names', async () => {
  const a = new EchoService();
  const b = new EchoService();
  const server = createServer({
    services: [
      { service: EchoService, handler: a, name: 'EchoA' },
      { service: EchoService, handler: b, name: 'EchoB' },
    ],
  });
  const port = portOf(await server.listen({ host: '127.0.0.1', port: 0 }));
  const viaA = createClient(EchoService, { address: { host: '127.0.0.1', port }, multiplexed: 'EchoA' });
  const viaB = createClient(EchoService, { address: { host: '127.0.0.1', port }, multiplexed: 'EchoB', transport: 'theader' });
  await viaA.echo({ action: 'a', msg: '1' });
  await viaB.echo({ action: 'a', msg: '2' });
  await viaB.echo({ action: 'a', msg: '3' });
  expect([a.calls, b.calls]).toEqual([1, 2]);
  // Without a prefix the first registered service answers.
  const plain = createClient(EchoService, { address: { host: '127.0.0.1', port } });
  await plain.echo({ action: 'a', msg: '4' });
  expect([a.calls, b.calls]).toEqual([2, 2]);
  const unknown = createClient(EchoService, { address: { host: '127.0.0.1', port }, multiplexed: 'EchoC' });
  await expect(unknown.echo({ action: 'a', msg: '5' })).rejects.toMatchObject({
    code: 'UNKNOWN_METHOD',
    message: "unknown service 'EchoC' in 'EchoC:echo' (this server has services EchoA, EchoB)",
  });
  await Promise.all([viaA.$close(), viaB.$close(), plain.$close(), unknown.$close()]);
  await server.close();
});

test('TType import keeps the raw helpers honest', () => {
  expect(TType.STRUCT).toBe(12);
});

import { type Connection, createEventLoop, dial, NetpollError } from '@thriftpoll/netpoll';

import { echoFrames, engineFactory, frame, MODES, netClient, pattern, readFrame, tempDir, until } from './helpers';

const engines = engineFactory();
afterEach(() => engines.destroyAll());

describe.each(MODES)('connect and accept (%s mode)', (mode) => {
  test('TCP IPv4: dial, echo, addresses, close', async () => {
    const engine = engines.create(mode);
    const accepted: Connection[] = [];
    const loop = createEventLoop({ onConnect: (c) => void accepted.push(c), onRequest: echoFrames }, { engine, keepAlive: 30_000 });
    const bound = await loop.serve({ host: '127.0.0.1', port: 0 });
    expect(bound.family).toBe('IPv4');
    expect(bound.port).toBeGreaterThan(0);

    const client = await dial({ host: '127.0.0.1', port: bound.port }, { engine, timeout: 5000, keepAlive: 10_000, noDelay: false });
    expect(client.isActive()).toBe(true);
    expect(client.remoteAddress).toEqual({ family: 'IPv4', address: '127.0.0.1', port: bound.port });
    client.writer.writeBinary(frame(Buffer.from('hello, engine')));
    await client.writer.flush();
    expect((await readFrame(client)).toString()).toBe('hello, engine');

    expect(accepted).toHaveLength(1);
    expect(accepted[0].remoteAddress.port).toBe(client.localAddress.port);
    expect(accepted[0].localAddress).toEqual({ family: 'IPv4', address: '127.0.0.1', port: bound.port });

    client.close();
    expect(client.isActive()).toBe(false);
    await until(() => accepted[0].isClosed(), 'server side closes after the client closed');
    await loop.shutdown();
  });

  test('TCP IPv6 loopback', async () => {
    const engine = engines.create(mode);
    const loop = createEventLoop({ onRequest: echoFrames }, { engine });
    const bound = await loop.serve({ host: '::1', port: 0 });
    expect(bound.family).toBe('IPv6');
    const client = await dial({ host: '::1', port: bound.port }, { engine });
    expect(client.remoteAddress.family).toBe('IPv6');
    client.writer.writeBinary(frame(Buffer.from('six')));
    await client.writer.flush();
    expect((await readFrame(client)).toString()).toBe('six');
    client.close();
    await loop.shutdown();
  });

  test('Unix socket: serve, dial, echo; the path is removed on shutdown', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const engine = engines.create(mode);
      const socketPath = `${dir}/echo.sock`;
      // TCP-only options are accepted and ignored on Unix sockets.
      const loop = createEventLoop({ onRequest: echoFrames }, { engine, keepAlive: 5000, noDelay: true });
      const bound = await loop.serve({ path: socketPath });
      expect(bound).toEqual({ family: 'unix', address: socketPath, port: 0 });
      const client = await dial({ path: socketPath }, { engine });
      expect(client.remoteAddress.family).toBe('unix');
      const payload = pattern(100_000);
      client.writer.writeBinary(frame(payload));
      await client.writer.flush();
      expect((await readFrame(client)).equals(payload)).toBe(true);
      client.close();
      await loop.shutdown();
      expect(require('node:fs').existsSync(socketPath)).toBe(false);
    } finally {
      cleanup();
    }
  });

  test('a Node net client gets every pipelined frame back in order', async () => {
    const engine = engines.create(mode);
    const loop = createEventLoop({ onRequest: echoFrames }, { engine });
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await netClient({ host: '127.0.0.1', port });
    const frames = Array.from({ length: 200 }, (_, i) => frame(pattern(1 + ((i * 997) % 5000), i)));
    const all = Buffer.concat(frames);
    // Dribble the bytes in odd-sized pieces so frames split across reads.
    for (let offset = 0; offset < all.length; offset += 4099) client.socket.write(all.subarray(offset, offset + 4099));
    await until(() => client.received().length === all.length, 'all frames echoed');
    expect(client.received().equals(all)).toBe(true);
    client.socket.destroy();
    await loop.shutdown();
  });

  test('dial errors are typed: ECONNREFUSED, ENOENT for a missing socket path', async () => {
    const engine = engines.create(mode);
    const loop = createEventLoop({ onRequest: echoFrames }, { engine });
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    await loop.shutdown();
    await expect(dial({ host: '127.0.0.1', port }, { engine })).rejects.toMatchObject({ code: 'ECONNREFUSED', name: 'NetpollError' });
    const missing = dial({ path: '/tmp/thriftpoll-no-such-dir/x.sock' }, { engine });
    await expect(missing).rejects.toBeInstanceOf(NetpollError);
    await expect(missing).rejects.toMatchObject({ code: 'ENOENT', syscall: 'connect' });
  });

  test('listen on a port in use fails with EADDRINUSE', async () => {
    const engine = engines.create(mode);
    const first = createEventLoop({ onRequest: echoFrames }, { engine });
    const { port } = await first.serve({ host: '127.0.0.1', port: 0 });
    const second = createEventLoop({ onRequest: echoFrames }, { engine });
    await expect(second.serve({ host: '127.0.0.1', port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
    await first.shutdown();
  });
});

describe('callback order and handler errors', () => {
  test.each(MODES)('onPrepare -> onConnect -> onRequest -> onDisconnect -> close callbacks (%s)', async (mode) => {
    const engine = engines.create(mode);
    const order: string[] = [];
    const loop = createEventLoop(
      {
        onPrepare(connection) {
          order.push('prepare');
          connection.addCloseCallback(() => order.push('close-callback'));
          return { tag: 'ctx' };
        },
        async onConnect(connection) {
          order.push(`connect:${(connection.context as { tag: string }).tag}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
          order.push('connect-done');
        },
        onRequest(connection) {
          order.push(`request:${connection.reader.len()}`);
          connection.reader.skip(connection.reader.len());
        },
        onDisconnect() {
          order.push('disconnect');
        },
      },
      { engine },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await netClient({ host: '127.0.0.1', port });
    client.socket.end(Buffer.from('12345'));
    await until(() => order.includes('close-callback'), 'connection closed');
    expect(order).toEqual(['prepare', 'connect:ctx', 'connect-done', 'request:5', 'disconnect', 'close-callback']);
    await loop.shutdown();
  });

  test.each(MODES)('a throwing handler closes only its connection and is reported (%s)', async (mode) => {
    const engine = engines.create(mode);
    const errors: Array<{ message: string; id: number | undefined }> = [];
    const loop = createEventLoop(
      {
        onRequest(connection) {
          if (connection.reader.peek(1)[0] === 0x21) throw new Error('bad request byte');
          return echoFrames(connection);
        },
        onError: (error, connection) => void errors.push({ message: error.message, id: connection?.id }),
      },
      { engine },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const good = await dial({ host: '127.0.0.1', port }, { engine });
    const bad = await netClient({ host: '127.0.0.1', port });
    bad.socket.write(Buffer.from('!boom'));
    expect(await bad.closed).toBe(false);
    expect(errors).toEqual([{ message: 'bad request byte', id: expect.any(Number) }]);
    good.writer.writeBinary(frame(Buffer.from('still here')));
    await good.writer.flush();
    expect((await readFrame(good)).toString()).toBe('still here');
    good.close();
    await loop.shutdown();
  });

  test('a rejected async handler closes the connection with that error', async () => {
    const engine = engines.create('inline');
    const closedWith: Array<Error | undefined> = [];
    const loop = createEventLoop(
      {
        async onRequest(connection) {
          connection.addCloseCallback((_c, error) => closedWith.push(error));
          connection.reader.skip(connection.reader.len());
          throw new RangeError('async failure');
        },
        onError: () => undefined,
      },
      { engine },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await netClient({ host: '127.0.0.1', port });
    client.socket.write('x');
    await client.closed;
    await until(() => closedWith.length === 1, 'close callback');
    expect(closedWith[0]).toBeInstanceOf(RangeError);
    await loop.shutdown();
  });
});

import * as net from 'node:net';

import { type Connection, createEventLoop, dial, NetpollError } from '@thriftpoll/netpoll';

import { echoFrames, engineFactory, frame, MODES, netClient, pattern, until } from './helpers';

const engines = engineFactory();
afterEach(() => engines.destroyAll());

describe.each(MODES)('peer behaviour (%s mode)', (mode) => {
  test('half-close: data sent before FIN is delivered and answered, then the connection closes', async () => {
    const engine = engines.create(mode);
    const activeAtDisconnect: boolean[] = [];
    const loop = createEventLoop(
      {
        async onRequest(connection) {
          // A slow handler: the FIN arrives while it works; nothing may be lost.
          await new Promise((resolve) => setTimeout(resolve, 20));
          await echoFrames(connection);
        },
        onDisconnect: (connection) => void activeAtDisconnect.push(connection.isActive()),
      },
      { engine },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await netClient({ host: '127.0.0.1', port });
    const frames = Buffer.concat([frame(pattern(10, 1)), frame(pattern(70_000, 2)), frame(pattern(3, 3))]);
    client.socket.end(frames);
    await client.ended;
    expect(client.received().equals(frames)).toBe(true);
    expect(activeAtDisconnect).toEqual([false]);
    await client.closed;
    await loop.shutdown();
  });

  test('peer reset: the connection closes with ECONNRESET and isActive() turns false', async () => {
    const engine = engines.create(mode);
    const accepted: Connection[] = [];
    const closed: Array<Error | undefined> = [];
    const loop = createEventLoop(
      {
        onRequest: () => undefined,
        onConnect(connection) {
          accepted.push(connection);
          connection.addCloseCallback((_c, error) => closed.push(error));
        },
      },
      { engine },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await netClient({ host: '127.0.0.1', port });
    client.socket.write('partial');
    await until(() => accepted.length === 1 && accepted[0].reader.len() === 7, 'data buffered');
    expect(accepted[0].isActive()).toBe(true);
    client.socket.resetAndDestroy();
    await until(() => closed.length === 1, 'server side closed');
    expect(accepted[0].isActive()).toBe(false);
    expect(closed[0]).toBeInstanceOf(NetpollError);
    expect(closed[0]).toMatchObject({ code: 'ECONNRESET', errno: expect.any(Number) });
    await loop.shutdown();
  });

  test('isActive() is false once the peer closes; waitFor then rejects with EOF; flush fails typed', async () => {
    const engine = engines.create(mode);
    const server = net.createServer((socket) => socket.end('bye', () => socket.destroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const client = await dial({ host: '127.0.0.1', port }, { engine });
      await until(() => !client.isActive(), 'peer hang-up seen');
      expect(client.isClosed()).toBe(false);
      // Data sent before the FIN is still readable.
      expect(client.reader.len()).toBe(3);
      expect(client.reader.readString(3)).toBe('bye');
      await expect(client.waitFor(10)).rejects.toMatchObject({ code: 'EOF' });
      // Writing to a peer that has gone fails with a system error code, not a bare string.
      let failure: unknown;
      for (let i = 0; i < 50 && failure === undefined; i++) {
        client.writer.writeBinary(Buffer.alloc(65536));
        await client.writer.flush().catch((error: unknown) => {
          failure = error;
        });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(failure).toBeInstanceOf(NetpollError);
      expect(['EPIPE', 'ECONNRESET', 'ECLOSED']).toContain((failure as NetpollError).code);
      client.close();
    } finally {
      server.close();
    }
  });

  test('close() rejects pending waits with ECLOSED and runs close callbacks once', async () => {
    const engine = engines.create(mode);
    const loop = createEventLoop({ onRequest: echoFrames }, { engine });
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await dial({ host: '127.0.0.1', port }, { engine });
    let calls = 0;
    client.addCloseCallback(() => calls++);
    const waiting = client.waitFor(100, 0);
    client.close();
    client.close();
    await expect(waiting).rejects.toMatchObject({ code: 'ECLOSED' });
    await expect(client.writer.flush()).rejects.toMatchObject({ code: 'ECLOSED' });
    expect(calls).toBe(1);
    await loop.shutdown();
  });
});

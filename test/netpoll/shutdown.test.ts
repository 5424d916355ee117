import { type Connection, createEventLoop, dial } from '@thriftpoll/netpoll';

import { echoFrames, engineFactory, frame, MODES, netClient, readFrame, until } from './helpers';

const engines = engineFactory();
afterEach(() => engines.destroyAll());

describe.each(MODES)('graceful shutdown (%s mode)', (mode) => {
  test('idle connections close at once; in-flight work finishes and is answered; then it resolves', async () => {
    const engine = engines.create(mode);
    let openGate: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    let started = 0;
    const loop = createEventLoop(
      {
        async onRequest(connection) {
          started++;
          await gate;
          await echoFrames(connection);
        },
      },
      { engine },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const idle = await netClient({ host: '127.0.0.1', port });
    const busy = await dial({ host: '127.0.0.1', port }, { engine });
    busy.writer.writeBinary(frame(Buffer.from('in flight')));
    await busy.writer.flush();
    await until(() => started === 1 && loop.connectionCount() === 2, 'request in progress');

    let resolved = false;
    const stopping = loop.shutdown({ timeout: 20_000 }).then(() => {
      resolved = true;
    });
    await idle.closed;
    expect(resolved).toBe(false);
    expect(loop.connectionCount()).toBe(1);
    // No new connections once shutdown has begun.
    await expect(dial({ host: '127.0.0.1', port }, { engine })).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    openGate?.();
    expect((await readFrame(busy)).toString()).toBe('in flight');
    await stopping;
    expect(resolved).toBe(true);
    expect(loop.connectionCount()).toBe(0);
    await until(() => !busy.isActive(), 'client sees the close');
    busy.close();
  });

  test('a connection marked busy by the layer above is closed only when it turns idle', async () => {
    const engine = engines.create(mode);
    const accepted: Connection[] = [];
    const loop = createEventLoop({ onRequest: echoFrames, onConnect: (c) => void accepted.push(c) }, { engine });
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await netClient({ host: '127.0.0.1', port });
    await until(() => accepted.length === 1, 'accepted');
    accepted[0].markBusy();
    const stopping = loop.shutdown({ timeout: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(accepted[0].isClosed()).toBe(false);
    accepted[0].markIdle();
    await stopping;
    await client.closed;
  });

  test('at the timeout, busy connections are closed with ETIMEDOUT', async () => {
    const engine = engines.create(mode);
    const closed: Array<Error | undefined> = [];
    const loop = createEventLoop(
      {
        onRequest: () => new Promise<void>(() => undefined),
        onConnect: (c) => c.addCloseCallback((_c, error) => closed.push(error)),
      },
      { engine },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await netClient({ host: '127.0.0.1', port });
    client.socket.write('never answered');
    await until(() => loop.connectionCount() === 1, 'accepted');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await loop.shutdown({ timeout: 150 });
    expect(closed).toEqual([expect.objectContaining({ code: 'ETIMEDOUT', message: expect.stringContaining('shutdown timeout') })]);
    await client.closed;
  });
});

import { spawn } from 'node:child_process';

import { type Connection, createEventLoop, dial, NetpollError } from '@thriftpoll/netpoll';

import { echoFrames, engineFactory, frame, MODES, netClient, until } from './helpers';

const engines = engineFactory();
afterEach(() => engines.destroyAll());

/** A listener (python3) that never accepts, with a backlog of 0: once its queue is full, SYNs go unanswered. */
async function startBlackhole(): Promise<{ port: number; stop: () => void }> {
  const child = spawn('python3', [
    '-c',
    'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)',
  ]);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`python3 is required for the connect-timeout test: ${error.message}`)));
    child.stdout.once('data', (data: Buffer) => resolve(Number(data.toString().trim())));
  });
  return { port, stop: () => child.kill('SIGKILL') };
}

describe.each(MODES)('timeouts (%s mode)', (mode) => {
  test('connect timeout: a dial to a full backlog fails with ETIMEDOUT', async () => {
    const engine = engines.create(mode);
    const blackhole = await startBlackhole();
    const opened: Connection[] = [];
    try {
      let failure: unknown;
      for (let attempt = 0; attempt < 16 && failure === undefined; attempt++) {
        try {
          opened.push(await dial({ host: '127.0.0.1', port: blackhole.port }, { engine, timeout: 250 }));
        } catch (error) {
          failure = error;
        }
      }
      expect(failure).toBeInstanceOf(NetpollError);
      expect(failure).toMatchObject({ code: 'ETIMEDOUT', message: expect.stringContaining('timed out after 250 ms') });
      await until(() => engine.stats().connections === opened.length, 'the timed-out socket is freed');
    } finally {
      for (const connection of opened) connection.close();
      blackhole.stop();
    }
  });

  test('read timeout: waitFor rejects with ETIMEDOUT and the connection stays usable', async () => {
    const engine = engines.create(mode);
    const loop = createEventLoop({ onRequest: echoFrames }, { engine });
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await dial({ host: '127.0.0.1', port }, { engine, readTimeout: 100 });
    const started = Date.now();
    await expect(client.waitFor(4)).rejects.toMatchObject({ code: 'ETIMEDOUT', message: expect.stringContaining('read timeout') });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(client.isActive()).toBe(true);
    client.writer.writeBinary(frame(Buffer.from('after timeout')));
    await client.writer.flush();
    await client.waitFor(4 + 13, 10_000);
    client.close();
    await loop.shutdown();
  });

  test('read timeout on the server: an incomplete frame closes the connection', async () => {
    const engine = engines.create(mode);
    const closed: Array<Error | undefined> = [];
    const loop = createEventLoop(
      { onRequest: echoFrames, onPrepare: (c) => c.addCloseCallback((_c, error) => closed.push(error)) },
      { engine, readTimeout: 150 },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await netClient({ host: '127.0.0.1', port });
    const partial = frame(Buffer.alloc(100)).subarray(0, 30);
    client.socket.write(partial);
    await client.closed;
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ code: 'ETIMEDOUT', message: expect.stringContaining('30 of 104 bytes') });
    await loop.shutdown();
  });

  test('idle timeout closes a silent connection; a busy one is not idle', async () => {
    const engine = engines.create(mode);
    const accepted: Connection[] = [];
    const loop = createEventLoop(
      {
        onRequest: echoFrames,
        onConnect(connection) {
          accepted.push(connection);
          // The second connection is busy from the start (before its idle timer can possibly fire).
          if (accepted.length === 2) connection.markBusy();
        },
      },
      { engine, idleTimeout: 150 },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });

    const silent = await netClient({ host: '127.0.0.1', port });
    await silent.closed;

    const busy = await netClient({ host: '127.0.0.1', port });
    await until(() => accepted.length === 2, 'second connection accepted');
    const server = accepted[1];
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(server.isClosed()).toBe(false);
    const closedAt = new Promise<Error | undefined>((resolve) => server.addCloseCallback((_c, error) => resolve(error)));
    server.markIdle();
    expect(await closedAt).toMatchObject({ code: 'ETIMEDOUT', message: expect.stringContaining('idle timeout') });
    await busy.closed;
    await loop.shutdown();
  });

  test('write timeout: a peer that stops reading fails the flush with ETIMEDOUT and closes', async () => {
    const engine = engines.create(mode);
    let flushResult: Promise<void> | undefined;
    const loop = createEventLoop(
      {
        onRequest(connection) {
          connection.reader.skip(connection.reader.len());
          const chunk = Buffer.alloc(1024 * 1024, 1);
          for (let i = 0; i < 48; i++) connection.writer.writeBinary(chunk);
          flushResult = connection.writer.flush();
          flushResult.catch(() => undefined);
        },
      },
      { engine, writeTimeout: 200 },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await netClient({ host: '127.0.0.1', port });
    client.socket.pause();
    client.socket.write('go');
    await until(() => flushResult !== undefined, 'handler ran');
    await expect(flushResult).rejects.toMatchObject({ code: 'ETIMEDOUT', message: expect.stringContaining('write timeout') });
    client.socket.destroy();
    await loop.shutdown();
    await until(() => engine.stats().outputBytes === 0 && engine.stats().connections === 0, 'unsent output dropped');
  });
});

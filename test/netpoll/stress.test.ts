import { type Connection, createEventLoop, dial } from '@thriftpoll/netpoll';

import { echoFrames, engineFactory, frame, pattern, until } from './helpers';

const engines = engineFactory();
afterEach(() => engines.destroyAll());

/** Reads `count` frames from a client connection and checks each against what was sent. */
async function expectFrames(connection: Connection, sent: Buffer[]): Promise<void> {
  for (const expected of sent) {
    await connection.waitFor(4, 30_000);
    const size = connection.reader.peekUint32();
    await connection.waitFor(4 + size, 30_000);
    connection.reader.skip(4);
    const views = connection.reader.nextChunks(size);
    const got = Buffer.concat(views);
    connection.reader.release();
    if (!got.equals(expected)) throw new Error(`frame of ${size} bytes differs from the ${expected.length} sent`);
  }
}

test('several pollers, clients and servers on separate engines: pipelined frames of mixed sizes all echo intact', async () => {
  const serverEngine = engines.create('threads', { pollers: 3, blockSize: 8192 });
  const clientEngine = engines.create('threads', { pollers: 2, blockSize: 4096 });
  const loop = createEventLoop({ onRequest: echoFrames }, { engine: serverEngine, readBufferCap: 32 * 1024 });
  const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
  const clients = await Promise.all(Array.from({ length: 60 }, () => dial({ host: '127.0.0.1', port }, { engine: clientEngine })));
  await Promise.all(
    clients.map(async (client, c) => {
      for (let round = 0; round < 4; round++) {
        const sent: Buffer[] = [];
        for (let i = 0; i < 12; i++) {
          const size = [0, 1, 100, 4095, 4096, 4097, 20_000, 70_000][(c + i + round) % 8];
          const payload = pattern(size, c * 1000 + i + round);
          sent.push(payload);
          client.writer.writeBinary(frame(payload));
          if (i % 5 === 4) void client.writer.flush();
        }
        await client.writer.flush();
        await expectFrames(client, sent);
      }
    }),
  );
  for (const client of clients) client.close();
  await until(() => loop.connectionCount() === 0, 'server connections closed');
  await loop.shutdown();
  await until(() => serverEngine.stats().connections === 0 && clientEngine.stats().connections === 0, 'all freed');
  expect(serverEngine.stats().blocksInUse).toBe(0);
  expect(clientEngine.stats().blocksInUse).toBe(0);
}, 60_000);

import { type Connection, createEventLoop, dial, OutputBuffer } from '@thriftpoll/netpoll';

import { echoFrames, engineFactory, frame, MODES, pattern, readFrame, until } from './helpers';

const engines = engineFactory();
afterEach(() => engines.destroyAll());

describe.each(MODES)('large payloads and many connections (%s mode)', (mode) => {
  test('an 8 MiB frame spans many blocks, is woken once, and echoes intact', async () => {
    const engine = engines.create(mode, { blockSize: 16 * 1024 });
    let calls = 0;
    let chunksSeen = 0;
    const loop = createEventLoop(
      {
        onRequest(connection) {
          calls++;
          const { reader } = connection;
          if (reader.len() < 4) return undefined;
          const size = reader.peekUint32();
          if (reader.len() < 4 + size) {
            connection.wakeAt(4 + size);
            return undefined;
          }
          const chunks = reader.nextChunks(4 + size);
          chunksSeen = chunks.length;
          for (const chunk of chunks) connection.writer.writeBinary(chunk);
          return connection.writer.flush();
        },
      },
      { engine, readBufferCap: 64 * 1024 },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await dial({ host: '127.0.0.1', port }, { engine });
    const payload = pattern(8 * 1024 * 1024, 3);
    client.writer.writeBinary(frame(payload));
    await client.writer.flush();
    const echoed = await readFrame(client, 20_000);
    expect(echoed.equals(payload)).toBe(true);
    // Zero-copy views, one per block the frame touched (16 KiB blocks).
    expect(chunksSeen).toBeGreaterThanOrEqual(Math.ceil((payload.length + 4) / (16 * 1024)));
    // The wake-at threshold held the handler back until the whole frame was buffered, even past the read cap.
    expect(calls).toBeLessThanOrEqual(3);
    client.close();
    await loop.shutdown();
    await until(() => engine.stats().connections === 0, 'connections freed');
    expect(engine.stats().inputBytes).toBe(0);
  });

  test('a writer malloc larger than a block gets a dedicated block', async () => {
    const engine = engines.create(mode, { blockSize: 4096 });
    const loop = createEventLoop({ onRequest: echoFrames }, { engine });
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await dial({ host: '127.0.0.1', port }, { engine });
    const payload = pattern(100_000, 11);
    const region = client.writer.malloc(4 + payload.length);
    Buffer.from(region.buffer, region.byteOffset, region.length).writeUInt32BE(payload.length, 0);
    region.set(payload, 4);
    expect(client.writer.mallocLen()).toBe(4 + payload.length);
    await client.writer.flush();
    expect((await readFrame(client)).equals(payload)).toBe(true);
    // Large mallocs that never lead to a drain (nothing is received) must not pile up cached slab buffers.
    const cachedBefore = engine.stats().cachedSlabs;
    for (let i = 0; i < 50; i++) {
      const staged = new OutputBuffer(engine);
      staged.malloc(20_000).fill(1);
      staged.malloc(30_000).fill(2);
      staged.discard();
    }
    expect(engine.stats().cachedSlabs).toBeLessThanOrEqual(cachedBefore);
    client.close();
    await loop.shutdown();
    await until(() => engine.stats().largeBlocks === 0, 'dedicated blocks freed after sending');
  });

  test('1,000 concurrent connections each echo their own frame', async () => {
    const engine = engines.create(mode);
    const loop = createEventLoop({ onRequest: echoFrames }, { engine, backlog: 1024 });
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const clients: Connection[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const dialed = await Promise.all(Array.from({ length: 100 }, () => dial({ host: '127.0.0.1', port }, { engine, timeout: 20_000 })));
      clients.push(...dialed);
    }
    expect(loop.connectionCount()).toBeGreaterThan(0);
    await until(() => loop.connectionCount() === 1000, '1000 accepted');
    const replies = await Promise.all(
      clients.map(async (client, i) => {
        const payload = pattern(64 + (i % 300), i);
        client.writer.writeBinary(frame(payload));
        await client.writer.flush();
        return (await readFrame(client, 20_000)).equals(payload);
      }),
    );
    expect(replies.every(Boolean)).toBe(true);
    for (const client of clients) client.close();
    await until(() => loop.connectionCount() === 0, 'server connections closed');
    await loop.shutdown();
    await until(() => engine.stats().connections === 0, 'native connections freed');
  });
});

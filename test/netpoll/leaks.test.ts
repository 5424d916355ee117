import { createEventLoop, dial } from '@thriftpoll/netpoll';

import { echoFrames, engineFactory, frame, MODES, openFds, readFrame, until } from './helpers';

const engines = engineFactory();
afterEach(() => engines.destroyAll());

describe.each(MODES)('no leaks (%s mode)', (mode) => {
  test('10,000 open/close cycles leave no file descriptors and no native memory behind', async () => {
    const engine = engines.create(mode);
    const loop = createEventLoop({ onRequest: echoFrames }, { engine, backlog: 1024 });
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    // Warm up once so pools and caches exist before the baseline.
    const warm = await dial({ host: '127.0.0.1', port }, { engine });
    warm.writer.writeBinary(frame(Buffer.from('warm')));
    await warm.writer.flush();
    await readFrame(warm);
    warm.close();
    await until(() => loop.connectionCount() === 0 && engine.stats().connections === 0, 'warm-up closed');
    const fdsBefore = openFds();
    const mappedBefore = engine.stats().mappedBytes;

    const cycles = 10_000;
    const parallel = 50;
    for (let done = 0; done < cycles; done += parallel) {
      await Promise.all(
        Array.from({ length: parallel }, async (_, i) => {
          const client = await dial({ host: '127.0.0.1', port }, { engine, timeout: 20_000 });
          // Every tenth connection also echoes a frame, so blocks are booked and returned too.
          if ((done + i) % 10 === 0) {
            client.writer.writeBinary(frame(Buffer.from(`cycle ${done + i}`)));
            await client.writer.flush();
            await readFrame(client);
          }
          client.close();
        }),
      );
    }
    await until(() => loop.connectionCount() === 0, 'server connections closed');
    await until(() => engine.stats().connections === 0, 'native connections freed');
    const stats = engine.stats();
    expect(stats.jsConnections).toBe(0);
    expect(stats.inputBlocks).toBe(0);
    expect(stats.outputSegments).toBe(0);
    expect(stats.blocksInUse).toBe(0);
    expect(stats.mappedBytes).toBeLessThanOrEqual(mappedBefore + 16 * 1024 * 1024);
    expect(openFds()).toBeLessThanOrEqual(fdsBefore);
    await loop.shutdown();
  }, 120_000);
});

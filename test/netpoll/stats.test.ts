import { createEventLoop, dial, type EngineStats } from '@thriftpoll/netpoll';

import { echoFrames, engineFactory, frame, MODES, readFrame } from './helpers';

const engines = engineFactory();
afterEach(() => engines.destroyAll());

type DispatchCounts = Pick<EngineStats, 'wakeups' | 'batches' | 'events'>;

function dispatchCounts(stats: EngineStats): DispatchCounts {
  return { wakeups: stats.wakeups, batches: stats.batches, events: stats.events };
}

describe.each(MODES)('dispatch counters (%s mode)', (mode) => {
  test('wake-ups, batches and events start at zero and climb with every echoed frame', async () => {
    const engine = engines.create(mode);
    expect(dispatchCounts(engine.stats())).toEqual({ wakeups: 0, batches: 0, events: 0 });
    const loop = createEventLoop({ onRequest: echoFrames }, { engine });
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await dial({ host: '127.0.0.1', port }, { engine });

    // One frame at a time: the client sends frame i+1 only once the echo of frame i was delivered (after that
    // batch), so the server's data event for it comes in a later batch: at least one batch per frame. Every
    // frame is delivered twice (to the server, then its echo to the client): at least two data events. (In
    // threads mode a poller may read the echo while the batch that sent it is still draining, so one batch
    // can carry both.)
    const echo = async (count: number): Promise<DispatchCounts> => {
      for (let i = 0; i < count; i++) {
        client.writer.writeBinary(frame(Buffer.from(`frame ${i}`)));
        await client.writer.flush();
        await readFrame(client);
      }
      return dispatchCounts(engine.stats());
    };
    const frames = 20;
    const first = await echo(frames);
    expect(first.wakeups).toBeGreaterThan(0);
    expect(first.batches).toBeGreaterThanOrEqual(frames);
    expect(first.events).toBeGreaterThanOrEqual(2 * frames);
    const second = await echo(frames);
    expect(second.wakeups).toBeGreaterThan(first.wakeups);
    expect(second.batches).toBeGreaterThanOrEqual(first.batches + frames);
    expect(second.events).toBeGreaterThanOrEqual(first.events + 2 * frames);

    client.close();
    await loop.shutdown();
  }, 60_000);
});

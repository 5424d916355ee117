import { type Engine, OutputBuffer } from '@thriftpoll/netpoll';

import { engineFactory, MODES, until } from './helpers';

const engines = engineFactory();
afterEach(() => engines.destroyAll());

const BLOCK = 4096;

/** Takes `count` blocks out of the pool (one output buffer each, one block-sized malloc). */
function hold(engine: Engine, count: number): OutputBuffer[] {
  return Array.from({ length: count }, () => {
    const buffer = new OutputBuffer(engine);
    buffer.malloc(BLOCK);
    return buffer;
  });
}

/** Gives the blocks back to the native pool (past the JavaScript-side block cache). */
function giveBack(engine: Engine, buffers: OutputBuffer[]): void {
  for (const buffer of buffers) buffer.discard();
  engine.trimCache();
}

describe.each(MODES)('block pool retention (%s mode)', (mode) => {
  // On uring, the provided-buffer ring keeps its blocks out of the pool all the time: one here.
  const ring = mode === 'uring' ? 1 : 0;

  test('blocks freed after a peak stay mapped for the next one, and go back to the system once it has passed', async () => {
    // One block per slab and no floor, so every freed block is a retire decision.
    const engine = engines.create(mode, { blockSize: BLOCK, slabSize: BLOCK, retainBytes: 0, uringBuffers: 1 });
    const peak = 48;

    giveBack(engine, hold(engine, peak));
    let stats = engine.stats();
    expect(stats.blocksInUse).toBe(0);
    expect(stats.slabsCreated).toBe(peak + ring);
    expect(stats.slabs).toBe(peak + ring); // kept for the recent peak, although retainBytes is 0

    // The same demand again is served from the pool: nothing is unmapped and mapped back in between.
    for (let round = 0; round < 5; round++) giveBack(engine, hold(engine, peak));
    stats = engine.stats();
    expect(stats.slabsCreated).toBe(peak + ring);
    expect(stats.slabs).toBe(peak + ring);

    // A smaller demand does not map more, and without demand the memory goes back within two trim periods.
    giveBack(engine, hold(engine, peak / 2));
    expect(engine.stats().slabsCreated).toBe(peak + ring);
    await until(() => engine.stats().slabs === ring, 'slabs held for a past peak returned', 15_000);
    stats = engine.stats();
    expect(stats.mappedBytes).toBe(ring * BLOCK);
    expect(stats.blocksTotal).toBe(ring);

    // Demand after the trim maps memory again (the pool still works), and the floor is respected.
    giveBack(engine, hold(engine, 3));
    expect(engine.stats().slabsCreated).toBe(peak + ring + 3);
  }, 30_000);

  test('retainBytes stays a floor: that much free memory is kept however long the pool is idle', async () => {
    const engine = engines.create(mode, { blockSize: BLOCK, slabSize: BLOCK, retainBytes: 8 * BLOCK, uringBuffers: 1 });
    giveBack(engine, hold(engine, 32));
    expect(engine.stats().slabs).toBe(32 + ring);
    await until(() => engine.stats().slabs === 8 + ring, 'slabs above the floor returned', 15_000);
    // Two more trim periods: the floor is not trimmed.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(engine.stats().slabs).toBe(8 + ring);
    expect(engine.stats().blocksFree).toBe(8);
  }, 30_000);
});

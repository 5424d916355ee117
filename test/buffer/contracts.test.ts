import { BufferSink, DeliveryLoop, LinkBuffer } from '@thriftpoll/buffer';

/** A connection-like owner of a LinkBuffer and a DeliveryLoop, as the engine adapters are. */
function harness(handler: (reader: LinkBuffer, loop: DeliveryLoop) => void | Promise<void>) {
  const released: number[] = [];
  const reader = new LinkBuffer((position) => released.push(position));
  const events = { calls: 0, consumed: 0, failures: [] as unknown[], closed: false };
  const loop: DeliveryLoop = new DeliveryLoop(reader, {
    hasHandler: () => true,
    deliver: () => {
      events.calls++;
      return handler(reader, loop);
    },
    isClosed: () => events.closed,
    failed: (error) => events.failures.push(error),
    consumed: () => events.consumed++,
    resume: () => loop.run(),
  });
  const feed = (bytes: number[]): boolean => {
    reader.append(Uint8Array.from(bytes));
    loop.inputArrived();
    return loop.run();
  };
  return { reader, loop, events, released, feed };
}

/** A length-prefixed (1 byte) frame reader: consumes whole frames, else asks for the rest with wakeAt. */
function frames(seen: number[][]) {
  return (reader: LinkBuffer, loop: DeliveryLoop): void => {
    if (reader.len() < 1) return;
    const size = reader.peek(1)[0];
    if (reader.len() < 1 + size) return loop.wakeAt(1 + size);
    reader.skip(1);
    seen.push([...reader.next(size)]);
  };
}

describe('DeliveryLoop (the loop both engines deliver input with)', () => {
  test('calls the handler once per whole frame, waiting at the wake-at threshold, and releases what each call consumed', () => {
    const seen: number[][] = [];
    const { events, released, feed, loop } = harness(frames(seen));
    expect(feed([3, 1])).toBe(true);
    expect(loop.wanted).toBe(4);
    expect(seen).toEqual([]);
    feed([2]); // still short of the threshold: not called
    expect(events.calls).toBe(1);
    feed([3, 2, 9, 9]);
    expect(seen).toEqual([[1, 2, 3], [9, 9]]);
    expect(released.at(-1)).toBe(7);
    expect(events.consumed).toBe(2);
  });

  test('progress is measured in bytes consumed: input that arrives while an async call is pending does not hide it', async () => {
    let finish: () => void = () => undefined;
    const { reader, loop, events } = harness((r) => {
      r.skip(1);
      return new Promise<void>((resolve) => (finish = resolve));
    });
    reader.append(Uint8Array.from([1]));
    loop.run();
    reader.append(Uint8Array.from([2, 3])); // arrives while the first call is pending: len() grew from 1 to 2
    finish();
    await Promise.resolve();
    await Promise.resolve();
    expect(events.consumed).toBe(1); // the first call's byte counted at once...
    expect(events.calls).toBe(2); // ...and the next call made from the same turn, not a later one
  });

  test('an async handler that keeps settling without consuming is called again from later loop turns, never starving I/O', async () => {
    const { events, feed } = harness(() => Promise.resolve());
    feed([1, 2]);
    // Were the repeat made from the promise job itself, this timer could never fire (microtasks run first, forever).
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events.calls).toBeGreaterThan(1);
    expect(events.failures).toEqual([]);
    events.closed = true; // stops the repeats
    await new Promise((resolve) => setImmediate(resolve));
    const calls = events.calls;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(events.calls).toBe(calls);
  });

  test('a handler that consumes nothing and asks for nothing more stalls until new input (it is not called in a loop)', () => {
    const { events, feed } = harness(() => undefined);
    feed([1, 2]);
    expect(events.calls).toBe(1);
    feed([3]);
    expect(events.calls).toBe(2);
  });

  test('an async handler is not called again before its promise settles; then input left is delivered', async () => {
    const seen: number[][] = [];
    let finish: () => void = () => undefined;
    const sync = frames(seen);
    const { loop, events, feed, released } = harness((reader, self) => {
      sync(reader, self);
      if (seen.length === 1) return new Promise<void>((resolve) => (finish = resolve));
    });
    expect(feed([1, 7, 1, 8])).toBe(false);
    expect(loop.isRunning).toBe(true);
    expect(seen).toEqual([[7]]);
    expect(released).toEqual([]);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(loop.isRunning).toBe(false);
    expect(seen).toEqual([[7], [8]]);
    expect(released.at(-1)).toBe(4);
    expect(events.failures).toEqual([]);
  });

  test('held: nothing is delivered until unhold(); a throw is reported and stops delivery', () => {
    const { loop, events, feed } = harness(() => {
      throw new Error('boom');
    });
    loop.hold();
    expect(feed([1])).toBe(false);
    expect(events.calls).toBe(0);
    loop.unhold();
    expect(loop.run()).toBe(false);
    expect(events.failures).toEqual([new Error('boom')]);
  });
});

describe('BufferSink.takeViews (the net engine sends from it)', () => {
  test('hands the committed bytes over without copying; later writes and reset() never overwrite them', () => {
    const sink = new BufferSink(16);
    sink.malloc(4).set([1, 2, 3, 4]);
    const [taken] = sink.takeViews();
    expect(sink.mallocLen()).toBe(0);
    sink.malloc(4).set([5, 6, 7, 8]);
    sink.reset();
    sink.malloc(4).set([9, 9, 9, 9]);
    expect([...taken]).toEqual([1, 2, 3, 4]);
    expect([...sink.take()]).toEqual([9, 9, 9, 9]);
  });
});

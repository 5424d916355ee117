import { isKnownFulfilled } from '../../packages/rpc/src/server/fulfilled-flush';

/** Lets the promise reactions queued so far run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// One module state for the file: the rejected case runs first, while nothing has been learnt.
describe('recognising a flush promise already fulfilled', () => {
  test('a shared rejected promise is never recognised, and its watch adds no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const failed = Promise.reject(new Error('write failed'));
      failed.catch(() => undefined); // the session's own handler
      expect(isKnownFulfilled(failed)).toBe(false);
      expect(isKnownFulfilled(failed)).toBe(false);
      await settle();
      expect(isKnownFulfilled(failed)).toBe(false);
      await settle();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('fresh promises never are; a fulfilled one returned twice is, once seen fulfilled', async () => {
    expect(isKnownFulfilled(Promise.resolve())).toBe(false);
    expect(isKnownFulfilled(Promise.resolve())).toBe(false);
    await settle();
    // Fresh promises, even fulfilled ones, were never returned twice: nothing was learnt.
    const shared = Promise.resolve();
    expect(isKnownFulfilled(shared)).toBe(false);
    expect(isKnownFulfilled(shared)).toBe(false);
    // Not yet: its fulfilment has not been observed.
    expect(isKnownFulfilled(shared)).toBe(false);
    await settle();
    expect(isKnownFulfilled(shared)).toBe(true);
    // Others are still not.
    expect(isKnownFulfilled(Promise.resolve())).toBe(false);
    const pending = new Promise<void>(() => undefined);
    expect(isKnownFulfilled(pending)).toBe(false);
    expect(isKnownFulfilled(pending)).toBe(false);
    await settle();
    expect(isKnownFulfilled(pending)).toBe(false);
    expect(isKnownFulfilled(shared)).toBe(true);
  });
});

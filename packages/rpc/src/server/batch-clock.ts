import { performance } from 'node:perf_hooks';

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * `performance.now()` read at most once per batch of input: the first reading is reused until the current
 * macrotask's microtasks run (the engine delivers a batch of ready connections in one callback, so every request
 * read in that batch gets the same time, which is when the batch came off the sockets).
 *
 * Why: a server reads one request per connection per batch at typical loads, and `performance.now()` costs about
 * as much as decoding a small request's header.
 */
export class BatchClock {
  private time = 0;
  private fresh = false;
  private readonly expire = (): void => {
    this.fresh = false;
  };

  /** Milliseconds on the `performance.now()` scale, the same for every call within one batch. */
  now(): number {
    if (this.fresh) return this.time;
    this.time = performance.now();
    this.fresh = true;
    // A promise reaction rather than queueMicrotask(): Node wraps the latter in extra bookkeeping per call.
    RESOLVED.then(this.expire);
    return this.time;
  }
}

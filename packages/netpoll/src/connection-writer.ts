import type { Engine } from './engine';
import { errnoError, NetpollError } from './errors';
import { OutputBuffer } from './writer';

/**
 * What ConnectionWriter.flush() returns, exactly when the kernel took every byte flushed so far at once: one shared,
 * already fulfilled promise. A caller may compare with it (`flush() === FLUSHED`) to do its after-send work at once
 * instead of in a promise reaction; any other promise is still waiting for the peer, or rejects.
 */
export const FLUSHED: Promise<void> = Promise.resolve();

/** What the writer needs from its connection. */
export interface WriterOwner {
  readonly id: number;
  readonly label: string;
  /** A write failed (the socket is unusable): the connection closes with this error. */
  writeFailed(error: NetpollError): void;
  /** Everything flushed so far has been sent. */
  writeSettled(): void;
}

interface FlushWaiter {
  target: number;
  deadline: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * A connection's Writer: OutputBuffer plus flush() and backpressure.
 *
 * flush() hands the written segments to the engine, which tries a non-blocking writev at once on this thread;
 * what the kernel does not take waits in the engine (EPOLLOUT) and the returned promise settles when it is
 * sent, or rejects with a NetpollError (ECLOSED, EPIPE, ECONNRESET, ETIMEDOUT for the write timeout). When the
 * kernel took everything at once it returns FLUSHED.
 *
 * Backpressure: pending() is what has been flushed but not yet sent. Past `writeBufferCap`, needsDrain() is
 * true and callers should `await drained()` before writing more; memory then stays bounded by the cap plus
 * one flush. flush() itself never refuses bytes.
 */
export class ConnectionWriter extends OutputBuffer {
  private queued = 0;
  private sent = 0;
  private failure: Error | undefined;
  private readonly flushWaiters: FlushWaiter[] = [];
  private drainWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private timer: NodeJS.Timeout | undefined;
  /** Milliseconds a flush may wait for the peer to take its bytes; 0 = no limit. */
  writeTimeout = 0;

  constructor(
    engine: Engine,
    private readonly owner: WriterOwner,
    /** Unsent bytes above which needsDrain() is true. */
    public writeBufferCap: number,
  ) {
    super(engine);
  }

  /** Sends everything written so far; settles when it is all sent (see the class comment). */
  flush(): Promise<void> {
    if (this.failure !== undefined) {
      this.discard();
      return Promise.reject(this.failure);
    }
    this.cutSegment();
    const segments = this.segments;
    const count = this.segmentCount;
    if (count === 0) return this.queued === this.sent ? FLUSHED : this.waitFor(this.queued);
    const engine = this.engine;
    const descriptors = engine.descriptors;
    const capacity = engine.descriptorCapacity * 4;
    let result = 0;
    let bytes = 0;
    for (let from = 0; from < count; from += capacity) {
      const to = Math.min(count, from + capacity);
      for (let i = from; i < to; i++) descriptors[i - from] = segments[i];
      for (let i = from + 2; i < to; i += 4) bytes += segments[i];
      result = engine.native.flush(this.owner.id, (to - from) / 4, engine.takeCommands());
      if (result < 0) {
        // The engine released what it was given; the rest is ours to free.
        for (let i = to; i < count; i++) segments[i - to] = segments[i];
        this.segmentCount = count - to;
        this.blockInFlight = false;
        this.blockSegmented = false;
        const error = errnoError(-result, 'write', this.owner.label);
        this.fail(error);
        this.owner.writeFailed(error);
        return Promise.reject(error);
      }
    }
    this.segmentCount = 0;
    this.blockSegmented = false;
    this.written = 0;
    this.queued += bytes;
    this.sent = this.queued - result;
    if (result === 0) {
      this.blockInFlight = false;
      this.recycleIdleBlock();
      return FLUSHED;
    }
    this.blockInFlight = this.block !== undefined;
    return this.waitFor(this.queued);
  }

  /** Bytes flushed but not yet taken by the kernel. */
  pending(): number {
    return this.queued - this.sent;
  }

  /** True while pending() exceeds writeBufferCap: await drained() before writing more. */
  needsDrain(): boolean {
    return this.queued - this.sent > this.writeBufferCap;
  }

  /** Resolves once pending() is at or below writeBufferCap (at once if it already is). */
  drained(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (!this.needsDrain()) return FLUSHED;
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /** @internal The engine reports progress. */
  onWrite(sentTotal: number, _unsent: number): void {
    this.sent = sentTotal;
    const waiters = this.flushWaiters;
    let done = 0;
    while (done < waiters.length && waiters[done].target <= sentTotal) done++;
    if (done > 0) {
      const settled = waiters.splice(0, done);
      for (const waiter of settled) waiter.resolve();
      this.armTimer();
    }
    if (!this.needsDrain() && this.drainWaiters.length > 0) {
      const drainers = this.drainWaiters;
      this.drainWaiters = [];
      for (const waiter of drainers) waiter.resolve();
    }
    if (this.sent === this.queued) {
      this.blockInFlight = false;
      if (!this.blockSegmented && this.segmentCount === 0) this.recycleIdleBlock();
      this.owner.writeSettled();
    }
  }

  /** @internal The connection closed: nothing more is sent; waiters reject with `error`. */
  fail(error: Error): void {
    if (this.failure === undefined) this.failure = error;
    // The engine dropped its queue, so no block is in flight any more.
    this.blockInFlight = false;
    this.discard();
    this.detached = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const waiters = this.flushWaiters.splice(0);
    const drainers = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
    for (const waiter of drainers) waiter.reject(error);
  }

  /** A block with nothing unsent goes back to the engine's cache, so idle connections hold no output memory. */
  private recycleIdleBlock(): void {
    const block = this.block;
    if (block === undefined || this.pos !== this.start) return;
    this.block = undefined;
    this.engine.releaseBlock(block);
  }

  private waitFor(target: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const deadline = this.writeTimeout > 0 ? Date.now() + this.writeTimeout : 0;
      this.flushWaiters.push({ target, deadline, resolve, reject });
      if (this.flushWaiters.length === 1) this.armTimer();
    });
  }

  /** One timer, for the oldest waiting flush. */
  private armTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const first = this.flushWaiters[0];
    if (first === undefined || first.deadline === 0) return;
    this.timer = setTimeout(this.onTimeout, Math.max(0, first.deadline - Date.now()));
    this.timer.unref();
  }

  private readonly onTimeout = (): void => {
    this.timer = undefined;
    const first = this.flushWaiters[0];
    if (first === undefined) return;
    if (first.deadline > Date.now()) {
      this.armTimer();
      return;
    }
    const error = new NetpollError(
      'ETIMEDOUT',
      `write timeout on ${this.owner.label}: ${this.pending()} bytes not taken by the peer within ${this.writeTimeout} ms`,
    );
    this.fail(error);
    this.owner.writeFailed(error);
  };
}

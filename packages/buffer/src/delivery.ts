import type { Reader } from './reader';

/** A reader that counts what it has been given, so that progress is measured in bytes consumed (LinkBuffer is one). */
export type CountingReader = Reader & { readonly appendedTotal: number };

/** What a delivery loop needs from the connection it runs for (each engine adapter implements it). */
export interface DeliveryHost {
  /** A request handler is set (without one, input waits in the reader). */
  hasHandler(): boolean;
  /** Calls the connection's request handler once. */
  deliver(): void | PromiseLike<void>;
  /** True once the connection is closed: nothing more is delivered or released. */
  isClosed(): boolean;
  /** The handler threw or its promise rejected: the connection closes with this error. */
  failed(error: unknown): void;
  /** The handler consumed input: the message it waited for is complete (the read timeout stops timing it). */
  consumed(): void;
  /** A handler's promise settled and its input was released: deliver again (the adapter's own entry point). */
  resume(): void;
}

/**
 * The one delivery loop of both engine adapters (netpoll's `Connection.process`, the `net` engine's socket
 * connection): calls the request handler while enough input is buffered, one call at a time, and releases
 * what each call consumed, so the memory it lived in is freed (or given back to the engine's block pool).
 *
 *                      input >= threshold
 *      ┌───────┐ ───────────────────────────────► ┌─────────┐  returned a promise  ┌──────────┐
 *      │ ready │ ◄─── returned: release() ─────── │ running │ ───────────────────► │ awaiting │
 *      └───────┘ ◄───────────────────────────── settled: release(), host.resume() ─ └──────────┘
 *       │    ▲                                       │ returned having consumed nothing and
 *  hold()    │ unhold()                               │ without asking for more bytes than were there
 *       ▼    │                                       ▼
 *      ┌───────┐                                ┌─────────┐
 *      │ held  │                                │ stalled │ ── new input (inputArrived()) ──► ready
 *      └───────┘                                └─────────┘
 *
 *   threshold: wakeAt(n) asks for n buffered bytes before the next call; one-shot (back to 1 at each call).
 *   A throw or rejection goes to host.failed() and nothing more is delivered (the connection closes).
 */
export class DeliveryLoop {
  private threshold = 1;
  private running = false;
  private held = false;
  private stalled = false;

  constructor(
    private readonly reader: CountingReader,
    private readonly host: DeliveryHost,
  ) {}

  /** Bytes that must be buffered before the handler is called again. */
  get wanted(): number {
    return this.threshold;
  }

  /** A handler call is in progress (or its promise has not settled). */
  get isRunning(): boolean {
    return this.running;
  }

  /** Delivery is held (see hold()). */
  get isHeld(): boolean {
    return this.held;
  }

  /** Do not call the handler before n bytes are buffered (validated by the adapter). */
  wakeAt(n: number): void {
    this.threshold = n;
  }

  /** New input arrived: a stalled handler gets another chance. */
  inputArrived(): void {
    this.stalled = false;
  }

  /** Delivers nothing until unhold() (e.g. while the server's onConnect is pending). */
  hold(): void {
    this.held = true;
  }

  /** Ends a hold; the adapter delivers again. */
  unhold(): void {
    this.held = false;
  }

  /**
   * Calls the handler while at least the threshold is buffered. Returns false when the adapter must stop at
   * once — delivery is held, a handler failed or its promise is pending, or the connection closed during a call
   * — and true when the loop ended with nothing left to deliver for now (the adapter then asks the engine for
   * more input, applies its read cap, looks at a peer hang-up).
   */
  run(): boolean {
    if (this.held) return false;
    const reader = this.reader;
    while (!this.running && this.host.hasHandler()) {
      const before = reader.len();
      if (before === 0 || this.stalled || before < this.threshold) break;
      const start = this.readPosition();
      this.threshold = 1;
      let outcome: void | PromiseLike<void>;
      this.running = true;
      try {
        outcome = this.host.deliver();
      } catch (error) {
        this.running = false;
        this.host.failed(error);
        return false;
      }
      if (isPromiseLike(outcome)) {
        outcome.then(
          () => this.settled(start),
          (error: unknown) => {
            this.running = false;
            this.host.failed(error);
          },
        );
        return false;
      }
      this.running = false;
      if (this.host.isClosed()) return false;
      reader.release();
      this.afterCall(start, before);
    }
    return true;
  }

  /**
   * A promise settling is itself news (e.g. the output it waited for drained): the handler is called again while
   * input remains, whether or not the call consumed any — the rpc server session relies on it when it throttles
   * a caller that does not read its replies. A call that consumed nothing is repeated from the next loop turn.
   */
  private settled(start: number): void {
    this.running = false;
    if (this.host.isClosed()) return;
    this.reader.release();
    // Measured by position, not by len(): bytes may have arrived while the promise was pending.
    if (this.readPosition() > start) {
      this.host.consumed();
      this.host.resume();
    } else {
      // No progress: call again from the next loop turn, not from this promise job, so that a handler which keeps
      // settling without consuming can never starve the event loop's I/O (it waits behind it instead).
      setImmediate(this.resumeLater);
    }
  }

  private readonly resumeLater = (): void => {
    if (!this.host.isClosed()) this.host.resume();
  };

  /**
   * After a call that started at read position `start` with `before` bytes buffered. One that consumed nothing and did not ask for more
   * bytes than were there cannot progress on this input: it stalls until more arrives (instead of being called
   * in a loop).
   */
  private afterCall(start: number, before: number): void {
    if (this.readPosition() > start) this.host.consumed();
    else if (this.threshold <= before) this.stalled = true;
  }

  /** Absolute position of the next unread byte. */
  private readPosition(): number {
    return this.reader.appendedTotal - this.reader.len();
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

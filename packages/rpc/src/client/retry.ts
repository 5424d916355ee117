import { RpcOptionError, RpcError } from '../errors';
import { boolOption, checkKnownKeys, functionOption, intOption, msOption, numberOption, objectOption } from '../validate';

/**
 * Retries are off unless `retry` is given to the client. When on, a failed attempt is tried again — on another
 * address when there is one — only if:
 *   1. the error qualifies: by default only errors proving the server did not run the call (`retrySafe`:
 *      refused, connect timeout, overload, closed); with `idempotent: true` also timeouts and resets;
 *   2. attempts remain (`maxAttempts` counts the first one);
 *   3. the call's own timeout/deadline has time left, and it was not aborted;
 *   4. the retry budget allows it: retries over the last 10 seconds stay under `budgetRatio` × calls plus
 *      `minRetriesPerSecond` × 10. When a whole service fails, retries therefore add at most ~10% load instead of
 *      multiplying it (the retry storm of Kitex #1117).
 */
export interface RetryOptions {
  /** Attempts per call including the first, >= 1. Default 2. */
  maxAttempts?: number;
  /** Also retry failures after which the server may have run the call (timeouts, resets). Default false. */
  idempotent?: boolean;
  /** Decides per failure instead of the defaults above (the budget still applies). */
  retryOn?: (error: unknown, attempt: number) => boolean;
  /** Extra load retries (and backup requests, which share the budget) may add, as a fraction of calls, in [0, 1]. Default 0.1. */
  budgetRatio?: number;
  /** Retries always allowed per second, so a quiet client can still retry. Default 10. */
  minRetriesPerSecond?: number;
  /** Delay before retry n: backoff × 2^(n-1), with ±50% jitter, at most maxBackoff. In ms. Default 0. */
  backoff?: number;
  /** Default 1000 ms. */
  maxBackoff?: number;
}

const KNOWN = ['maxAttempts', 'idempotent', 'retryOn', 'budgetRatio', 'minRetriesPerSecond', 'backoff', 'maxBackoff'];
const WINDOW_SLOTS = 10;
const SLOT_MS = 1000;

/** The retry decision of one client; holds the sliding-window budget. */
export class RetryPolicy {
  readonly maxAttempts: number;
  private readonly idempotent: boolean;
  private readonly retryOn: ((error: unknown, attempt: number) => boolean) | undefined;
  private readonly budgetRatio: number;
  private readonly minRetriesPerSecond: number;
  private readonly backoff: number;
  private readonly maxBackoff: number;
  // Ring of per-second counters: calls (first attempts) and retries.
  private readonly calls = new Float64Array(WINDOW_SLOTS);
  private readonly retries = new Float64Array(WINDOW_SLOTS);
  private slotEpoch = -1;

  constructor(options: RetryOptions, private readonly now: () => number = Date.now, private readonly random: () => number = Math.random) {
    const record = objectOption('retry', options);
    if (record === undefined) throw new RpcOptionError('retry must be an object');
    checkKnownKeys('retry', record, KNOWN);
    this.maxAttempts = intOption('retry.maxAttempts', options.maxAttempts, 2, 1, 100);
    this.idempotent = boolOption('retry.idempotent', options.idempotent, false);
    this.retryOn = functionOption('retry.retryOn', options.retryOn);
    this.budgetRatio = numberOption('retry.budgetRatio', options.budgetRatio, 0.1, 0, 1);
    this.minRetriesPerSecond = numberOption('retry.minRetriesPerSecond', options.minRetriesPerSecond, 10, 0, 1e9);
    this.backoff = msOption('retry.backoff', options.backoff, 0) as number;
    this.maxBackoff = msOption('retry.maxBackoff', options.maxBackoff, 1000) as number;
  }

  /** Counts a call (a first attempt) into the budget window. */
  recordCall(): void {
    this.calls[this.slot()]++;
  }

  /**
   * Whether to make attempt `attempt + 1` after `error` ended attempt `attempt` (1-based). Consumes budget when it
   * says yes.
   */
  shouldRetry(error: unknown, attempt: number): boolean {
    if (attempt >= this.maxAttempts) return false;
    if (!this.qualifies(error, attempt)) return false;
    return this.takeBudget();
  }

  /**
   * Takes one extra attempt from the budget if it allows one (retries and backup requests share it, so together
   * they add at most `budgetRatio` extra load).
   */
  takeBudget(): boolean {
    const slot = this.slot();
    let calls = 0;
    let retries = 0;
    for (let i = 0; i < WINDOW_SLOTS; i++) {
      calls += this.calls[i];
      retries += this.retries[i];
    }
    const allowed = this.budgetRatio * calls + this.minRetriesPerSecond * WINDOW_SLOTS;
    if (retries + 1 > allowed) return false;
    this.retries[slot]++;
    return true;
  }

  /** Delay before attempt `attempt + 1`, in ms (0 when no backoff is configured). */
  delay(attempt: number): number {
    if (this.backoff === 0) return 0;
    const base = Math.min(this.maxBackoff, this.backoff * 2 ** (attempt - 1));
    return Math.min(this.maxBackoff, base * (0.5 + this.random()));
  }

  private qualifies(error: unknown, attempt: number): boolean {
    if (this.retryOn !== undefined) return this.retryOn(error, attempt);
    if (!(error instanceof RpcError)) return false;
    if (error.retrySafe) return true;
    return this.idempotent && (error.code === 'ETIMEDOUT' || error.code === 'ECONNRESET');
  }

  /** Advances the ring to the current second, zeroing slots that expired; returns the current slot. */
  private slot(): number {
    const epoch = Math.floor(this.now() / SLOT_MS);
    if (epoch !== this.slotEpoch) {
      const stale = this.slotEpoch < 0 ? WINDOW_SLOTS : Math.min(WINDOW_SLOTS, epoch - this.slotEpoch);
      for (let i = 1; i <= stale; i++) {
        const index = (((this.slotEpoch + i) % WINDOW_SLOTS) + WINDOW_SLOTS) % WINDOW_SLOTS;
        this.calls[index] = 0;
        this.retries[index] = 0;
      }
      this.slotEpoch = epoch;
    }
    return epoch % WINDOW_SLOTS;
  }
}

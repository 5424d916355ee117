import { RpcOptionError } from '../errors';
import { checkKnownKeys, intOption, msOption, numberOption, objectOption } from '../validate';

/** When a breaker opens and how it closes again (defaults: 10% failures over at least 10 samples in 10 s). */
export interface CircuitBreakerOptions {
  /** Failure rate in (0, 1] over the window that opens the breaker. Default 0.1. */
  errorRate?: number;
  /** Samples (finished calls) the window must hold before the rate counts. Default 10. */
  minSamples?: number;
  /** Length of the sliding window, in ms (kept as 10 buckets). Default 10000. */
  window?: number;
  /** How long an open breaker refuses calls before it lets a probe through, in ms. Default 5000. */
  openTimeout?: number;
}

const KNOWN = ['errorRate', 'minSamples', 'window', 'openTimeout'];
const BUCKETS = 10;

/** The validated options, shared by every breaker of a client. */
export class CircuitBreakerSettings {
  readonly errorRate: number;
  readonly minSamples: number;
  readonly bucketMs: number;
  readonly openTimeout: number;

  constructor(options: CircuitBreakerOptions, name: string) {
    const record = objectOption(name, options);
    if (record === undefined) throw new RpcOptionError(`${name} must be an object`);
    checkKnownKeys(name, record, KNOWN);
    this.errorRate = numberOption(`${name}.errorRate`, options.errorRate, 0.1, Number.MIN_VALUE, 1);
    this.minSamples = intOption(`${name}.minSamples`, options.minSamples, 10, 1);
    this.bucketMs = (msOption(`${name}.window`, options.window, 10000, BUCKETS) as number) / BUCKETS;
    this.openTimeout = msOption(`${name}.openTimeout`, options.openTimeout, 5000, 1) as number;
  }
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * One circuit breaker over a sliding window of successes and failures:
 *
 *   closed ──rate >= errorRate over >= minSamples──► open ──openTimeout passes──► half-open (one probe)
 *     ▲                                               ▲                               │
 *     └────────────── the probe succeeds ─────────────┼───────────────────────────────┤
 *                                                     └──────── the probe fails ──────┘
 */
export class CircuitBreaker {
  state: BreakerState = 'closed';
  /** Epoch ms when an open breaker lets a probe through. */
  openUntil = 0;
  private readonly successes = new Float64Array(BUCKETS);
  private readonly failures = new Float64Array(BUCKETS);
  private epoch = -1;
  private probing = false;

  constructor(private readonly settings: CircuitBreakerSettings, private readonly now: () => number = Date.now) {}

  /** Whether a call may go through now. Does not change state: call `admit()` for the call actually sent. */
  allows(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') return this.now() >= this.openUntil;
    return !this.probing;
  }

  /** A call is sent: past the open timeout it becomes the half-open probe. */
  admit(): void {
    if (this.state === 'open' && this.now() >= this.openUntil) this.state = 'half-open';
    if (this.state === 'half-open') this.probing = true;
  }

  record(failed: boolean): void {
    if (this.state !== 'closed') {
      if (!this.probing) return;
      this.probing = false;
      if (failed) this.open();
      else this.close();
      return;
    }
    const bucket = this.bucket();
    if (failed) this.failures[bucket]++;
    else this.successes[bucket]++;
    if (!failed) return;
    let failures = 0;
    let total = 0;
    for (let i = 0; i < BUCKETS; i++) {
      failures += this.failures[i];
      total += this.failures[i] + this.successes[i];
    }
    if (total >= this.settings.minSamples && failures / total >= this.settings.errorRate) this.open();
  }

  private open(): void {
    this.state = 'open';
    this.openUntil = this.now() + this.settings.openTimeout;
  }

  private close(): void {
    this.state = 'closed';
    this.successes.fill(0);
    this.failures.fill(0);
  }

  /** Advances the ring to the current bucket, zeroing those that expired. */
  private bucket(): number {
    const epoch = Math.floor(this.now() / this.settings.bucketMs);
    if (epoch !== this.epoch) {
      const stale = this.epoch < 0 ? BUCKETS : Math.min(BUCKETS, epoch - this.epoch);
      for (let i = 1; i <= stale; i++) {
        const index = (this.epoch + i) % BUCKETS;
        this.successes[index] = 0;
        this.failures[index] = 0;
      }
      this.epoch = epoch;
    }
    return epoch % BUCKETS;
  }
}

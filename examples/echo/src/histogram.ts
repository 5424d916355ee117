/**
 * A latency histogram with bounded memory (HDR style): values under 64 µs get exact buckets; above, each power of
 * two is split into 32 buckets, so a percentile is within 1/32 (3%) of the true value whatever the call count.
 *
 *   value v < 64:          index = v
 *   2^k <= v < 2^(k+1):    shift = k - 5,  index = 32 * shift + (v >> shift)      (v >> shift is in [32, 64))
 */
const MAX_VALUE = 2 ** 36 - 1; // µs, about 19 hours
const BUCKETS = 32 * 31 + 64;

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  private max = 0;

  /** Records one latency in microseconds. */
  record(us: number): void {
    const value = us < 0 ? 0 : us > MAX_VALUE ? MAX_VALUE : Math.floor(us);
    if (value > this.max) this.max = value;
    this.counts[indexOf(value)]++;
    this.count++;
  }

  /** The latency (µs) at or under which `p` percent of the recorded calls fall (a bucket's upper bound). */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(upperBound(i), this.max);
    }
    return this.max;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.max = 0;
  }
}

function indexOf(value: number): number {
  if (value < 64) return value;
  const k = Math.floor(Math.log2(value));
  const shift = k - 5;
  return 32 * shift + Math.floor(value / 2 ** shift);
}

function upperBound(index: number): number {
  if (index < 64) return index;
  const shift = Math.floor((index - 32) / 32);
  const sub = index - 32 * shift;
  return (sub + 1) * 2 ** shift - 1;
}

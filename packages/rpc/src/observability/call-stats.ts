import type { Metric } from 'prom-client';
import type { Registry } from './prom';

/** The counts of one (service, method, code): calls, their total seconds, and calls per latency bucket. */
export interface CallCell {
  readonly labels: Readonly<Record<'service' | 'method' | 'code', string>>;
  count: number;
  sum: number;
  /** Calls per bucket (not cumulative); the last slot is above every bound (+Inf). */
  readonly perBucket: Float64Array;
}

/** What prom-client's Registry reads from a metric when it renders the exposition. */
interface MetricSnapshot {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

/**
 * Calls counted and timed by (service, method, code), for the `*_requests_total` counter and the
 * `*_request_duration_seconds` histogram.
 *
 * Why not prom-client's Counter and Histogram directly: each of their updates hashes the label set (about 1 µs for
 * the pair on this project's machine, as much as the whole server path of a small request). Here a call finds its
 * cell through three small maps and adds to plain numbers; the cells are turned into samples only when the
 * registry renders them, through the same snapshot contract prom-client's own metrics implement (`get()`), so the
 * exposition is prom-client's.
 */
export class CallStats {
  private readonly cells: CallCell[] = [];
  private readonly byService = new Map<string, Map<string, Map<string, CallCell>>>();

  constructor(private readonly bounds: readonly number[]) {}

  /** The cell of a label set, made on first use (bounded by the services' methods times their outcomes). */
  cell(service: string, method: string, code: string): CallCell {
    let methods = this.byService.get(service);
    if (methods === undefined) this.byService.set(service, (methods = new Map()));
    let codes = methods.get(method);
    if (codes === undefined) methods.set(method, (codes = new Map()));
    let cell = codes.get(code);
    if (cell === undefined) {
      cell = { labels: Object.freeze({ service, method, code }), count: 0, sum: 0, perBucket: new Float64Array(this.bounds.length + 1) };
      codes.set(code, cell);
      this.cells.push(cell);
    }
    return cell;
  }

  record(cell: CallCell, seconds: number): void {
    cell.count++;
    cell.sum += seconds;
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]) bucket++;
    cell.perBucket[bucket]++;
  }

  /** Registers the counter and the histogram over these cells in `registry`; returns the counter (to recognise it). */
  register(registry: Registry, counter: { name: string; help: string }, histogram: { name: string; help: string }): object {
    const cells = this.cells;
    const bounds = this.bounds;
    const reset = (): void => {
      for (const cell of cells) {
        cell.count = 0;
        cell.sum = 0;
        cell.perBucket.fill(0);
      }
    };
    const counterMetric = {
      ...counter,
      type: 'counter' as const,
      aggregator: 'sum' as const,
      reset,
      get: (): MetricSnapshot => ({ ...counter, type: 'counter', aggregator: 'sum', values: cells.map((cell) => ({ labels: cell.labels, value: cell.count })) }),
    };
    const histogramMetric = {
      ...histogram,
      type: 'histogram' as const,
      aggregator: 'sum' as const,
      reset,
      get: (): MetricSnapshot => {
        const values: MetricSnapshot['values'] = [];
        for (const cell of cells) {
          let cumulative = 0;
          for (let i = 0; i <= bounds.length; i++) {
            cumulative += cell.perBucket[i];
            values.push({ metricName: `${histogram.name}_bucket`, labels: { le: i < bounds.length ? bounds[i] : '+Inf', ...cell.labels }, value: cumulative });
          }
          values.push({ metricName: `${histogram.name}_sum`, labels: cell.labels, value: cell.sum });
          values.push({ metricName: `${histogram.name}_count`, labels: cell.labels, value: cell.count });
        }
        return { ...histogram, type: 'histogram', aggregator: 'sum', values };
      },
    };
    // prom-client's registry takes any metric that renders itself through get() (its typings name only its classes).
    registry.registerMetric(counterMetric as unknown as Metric);
    registry.registerMetric(histogramMetric as unknown as Metric);
    return counterMetric;
  }
}

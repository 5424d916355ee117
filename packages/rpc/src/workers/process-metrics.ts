import { parseAddress, type Address, type AddressLike } from '../net/address';
import { RpcOptionError } from '../errors';
import { promClient, type Registry } from '../observability/prom';
import { checkKnownKeys, describeValue, msOption } from '../validate';

/** The object form of a worker server's `metrics` option. */
export interface WorkerMetricsOptions {
  /**
   * Also serve `/metrics` (the whole process) and `/healthz` on this separate address, from the main thread,
   * e.g. '127.0.0.1:9464'. Its `/healthz` answers 503 from the moment `close()` begins until the server has closed.
   */
  admin?: AddressLike;
  /**
   * How long a scrape waits for each worker's metrics, in ms. A worker that has not answered by then (its thread
   * busy, or restarting) is left out of that scrape and counted in `thriftpoll_server_workers{state="missing"}`.
   * Default 2000 (below Prometheus' default scrape timeout of 10 s).
   */
  scrapeTimeout?: number;
}

/**
 * A worker server's `metrics` option: `true`, or {@link WorkerMetricsOptions}. A prom-client Registry cannot be
 * given: registries hold functions, which do not cross threads; every worker registers its metrics in a registry
 * of its own, and a scrape sums them.
 */
export type WorkerMetricsOption = boolean | WorkerMetricsOptions;

export interface ResolvedWorkerMetrics {
  readonly admin: Address | undefined;
  readonly scrapeTimeout: number;
}

/** One worker's metrics as prom-client's `getMetricsAsJSON()` gives them (plain data: they cross threads). */
export type MetricsSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

const DEFAULT_SCRAPE_TIMEOUT_MS = 2000;

/** Validates a worker server's `metrics` option (createServer, in the main thread). */
export function resolveWorkerMetrics(value: unknown): ResolvedWorkerMetrics | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { admin: undefined, scrapeTimeout: DEFAULT_SCRAPE_TIMEOUT_MS };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RpcOptionError(`metrics (with handlerModule) must be true, false or { admin?, scrapeTimeout? }, got ${describeValue(value)}`);
  }
  if (typeof (value as { registerMetric?: unknown }).registerMetric === 'function') {
    throw new RpcOptionError(
      'metrics (with handlerModule) cannot be a prom-client Registry: registries cannot cross threads. Give metrics: true ' +
        '(each worker registers its own, and /metrics on any worker returns the whole process summed), or { admin } for a port of the main thread',
    );
  }
  const record = value as Record<string, unknown>;
  checkKnownKeys('metrics', record, ['admin', 'scrapeTimeout']);
  return {
    admin: record.admin === undefined ? undefined : parseAddress(record.admin, 'metrics.admin'),
    scrapeTimeout: msOption('metrics.scrapeTimeout', record.scrapeTimeout, DEFAULT_SCRAPE_TIMEOUT_MS, 1) as number,
  };
}

/**
 * A prom-client Registry whose text exposition (`metrics()`, what `/metrics` answers) is `exposition()` — the
 * whole process's — while its metrics are registered and read (`getMetricsAsJSON()`) as in any registry. A
 * worker's server registers its metrics here; the main thread's admin port uses one with nothing registered.
 */
export function processRegistry(exposition: () => Promise<string>): Registry {
  class ProcessRegistry extends promClient().Registry {
    override metrics(): Promise<string> {
      return exposition();
    }
  }
  return new ProcessRegistry();
}

/**
 * The whole process's exposition from the workers' snapshots (undefined: that worker did not answer), summed
 * by prom-client's AggregatorRegistry (each metric by its `aggregator`, `sum` unless it says otherwise),
 * with `thriftpoll_server_workers{state}` telling how many workers the scrape covered.
 */
export async function aggregateProcess(snapshots: readonly (MetricsSnapshot | undefined)[]): Promise<string> {
  const prom = promClient();
  const answered = snapshots.filter((snapshot): snapshot is MetricsSnapshot => snapshot !== undefined);
  const own = new prom.Registry();
  const workers = new prom.Gauge({
    name: 'thriftpoll_server_workers',
    help: 'Worker threads whose metrics this scrape sums (scraped), or left out: not answering within metrics.scrapeTimeout, or restarting (missing).',
    labelNames: ['state'],
    registers: [own],
  });
  workers.set({ state: 'scraped' }, answered.length);
  workers.set({ state: 'missing' }, snapshots.length - answered.length);
  return prom.AggregatorRegistry.aggregate([...answered, await own.getMetricsAsJSON()]).metrics();
}

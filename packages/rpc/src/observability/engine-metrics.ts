import type { EngineStats } from '@thriftpoll/netpoll';
import type { Counter, Gauge } from 'prom-client';
import { promClient, type Registry } from './prom';

type GaugeStat = 'connections' | 'blocksInUse' | 'blocksTotal' | 'mappedBytes' | 'inputBytes' | 'outputBytes';
type CounterStat = 'slabsCreated' | 'wakeups' | 'batches' | 'events';

const GAUGES: readonly { stat: GaugeStat; name: string; help: string }[] = [
  { stat: 'connections', name: 'thriftpoll_engine_connections', help: 'Connections the native engine holds (servers and clients).' },
  { stat: 'blocksInUse', name: 'thriftpoll_engine_blocks_in_use', help: 'Buffer blocks in use by connections and writers.' },
  { stat: 'blocksTotal', name: 'thriftpoll_engine_blocks', help: 'Buffer blocks in the pool (in use and free).' },
  { stat: 'mappedBytes', name: 'thriftpoll_engine_mapped_bytes', help: 'Bytes of slab memory mapped by the block pool.' },
  { stat: 'inputBytes', name: 'thriftpoll_engine_buffered_input_bytes', help: 'Received bytes not yet consumed.' },
  { stat: 'outputBytes', name: 'thriftpoll_engine_unsent_output_bytes', help: 'Bytes queued for sending and not yet taken by the kernel.' },
];

const COUNTERS: readonly { stat: CounterStat; name: string; help: string }[] = [
  { stat: 'slabsCreated', name: 'thriftpoll_engine_slabs_created_total', help: 'Slabs mapped since the engine started (climbing under steady load means memory churn).' },
  { stat: 'wakeups', name: 'thriftpoll_engine_wakeups_total', help: 'Times the event loop woke the engine to poll or to dispatch a batch.' },
  { stat: 'batches', name: 'thriftpoll_engine_batches_total', help: 'Batches of ready connections dispatched to JavaScript.' },
  { stat: 'events', name: 'thriftpoll_engine_events_total', help: 'Engine events (accepts, data, writes, ends, errors) dispatched to JavaScript.' },
];

/**
 * Metrics of the native netpoll engine (the process's default engine, shared by every server and client on
 * it), read from its counters at scrape time. Registered once per registry.
 */
export function registerEngineMetrics(registry: Registry): void {
  if (registry.getSingleMetric('thriftpoll_engine_blocks_in_use') !== undefined) return;
  const prom = promClient();
  // Loaded only here: a server on the 'net' engine never touches the native engine.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { engineStats } = require('@thriftpoll/netpoll') as { engineStats: () => EngineStats };
  // One read of the engine's counters per scrape, shared by the metrics below.
  let snapshot: EngineStats | undefined;
  const stats = (): EngineStats => {
    if (snapshot === undefined) {
      snapshot = engineStats();
      setImmediate(() => (snapshot = undefined));
    }
    return snapshot;
  };
  for (const { stat, name, help } of GAUGES) {
    new prom.Gauge({
      name,
      help,
      registers: [registry],
      collect(this: Gauge) {
        this.set(stats()[stat]);
      },
    });
  }
  for (const { stat, name, help } of COUNTERS) {
    new prom.Counter({
      name,
      help,
      registers: [registry],
      // The engine's own running total, copied in at scrape time: nothing is counted per request here.
      collect(this: Counter) {
        this.reset();
        this.inc(stats()[stat]);
      },
    });
  }
}

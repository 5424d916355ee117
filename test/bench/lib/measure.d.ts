/** Types of measure.js (the benchmark harness is plain JavaScript; these let TypeScript tests use it). */
import type { LoadgenOptions, LoadgenReport } from './loadgen';
import type { ServerHandle } from './server';

export interface MeasuredPoint extends LoadgenReport {
  server_cpu_us: number | null;
  server_cpu_pct: number | null;
  cpu_us_per_req: number | null;
  server_rss_bytes: number | null;
  /** CPU used by everything but the server and the load generator in the window, % of one core. */
  other_cpu_pct: number | null;
}

export interface IdleMemory {
  connections: number;
  established: number;
  connect_s: number;
  baseline_rss_bytes: number;
  held_rss_bytes: number;
  rss_per_conn_bytes: number;
  fd_delta: number;
  settle_ms: number;
}

export function measurePoint(
  server: ServerHandle,
  load: LoadgenOptions,
  run?: { loadgenCpus?: string; binary?: string },
): Promise<MeasuredPoint>;

export function measureIdleMemory(
  server: ServerHandle,
  options: {
    connections: number;
    host?: string;
    port?: number;
    unix?: string;
    loadgenCpus?: string;
    binary?: string;
    settleMs?: number;
    acceptTimeoutMs?: number;
  },
): Promise<IdleMemory>;

export function round(x: number, digits: number): number;

/** Types of loadgen.js (the benchmark harness is plain JavaScript; these let TypeScript tests use it). */

/** Options of one loadgen run, named like its flags in camelCase (see `loadgen --help`). */
export interface LoadgenOptions {
  host?: string;
  port?: number;
  unix?: string;
  mode?: 'raw' | 'thrift-framed';
  connections?: number;
  idle?: number;
  size?: number;
  pipeline?: number;
  threads?: 1 | 2;
  duration?: number;
  warmup?: number;
  action?: string;
  connectTimeout?: number;
  connectBatch?: number;
  requestTimeout?: number;
  maxFrame?: number;
  /** Fixed rate: each connection sends one request every `interval` ms; latency counts from the scheduled time. */
  interval?: number;
  events?: boolean;
}

export type ErrorKind = 'connect' | 'closed' | 'protocol' | 'reply' | 'timeout';

/** The JSON line a loadgen run prints. Latencies in microseconds. */
export interface LoadgenReport {
  qps: number;
  p50_us: number;
  p99_us: number;
  p999_us: number;
  requests: number;
  errors: number;
  duration_s: number;
  mean_us: number;
  min_us: number;
  max_us: number;
  mode: 'raw' | 'thrift-framed';
  target: string;
  connections: number;
  idle: number;
  established: number;
  pipeline: number;
  threads: number;
  size: number;
  request_bytes: number;
  warmup_s: number;
  connect_s: number;
  cold_at_start: number;
  /** Fixed rate only: the --interval and the rate it offers (connections x 1000 / interval). */
  interval_ms?: number;
  offered_qps?: number;
  loadgen_cpu_us: number;
  loadgen_cpu_pct: number;
  errors_by_kind: Record<ErrorKind, number>;
  first_error?: string;
  stopped_by?: 'SIGINT' | 'SIGTERM';
}

export interface LoadgenEvent {
  event: 'connected' | 'measure_start' | 'measure_end';
  [key: string]: unknown;
}

export interface HeldEvent {
  event: 'held';
  connections: number;
  established: number;
  errors: number;
  connect_s: number;
  errors_by_kind: Record<ErrorKind, number>;
  first_error?: string;
}

export interface ReleasedEvent {
  event: 'released';
  connections: number;
  still_open: number;
  errors: number;
  held_s: number;
  reason: 'signal' | 'stdin line' | 'stdin closed';
  errors_by_kind: Record<ErrorKind, number>;
  first_error?: string;
}

export class LoadgenError extends Error {
  readonly code: 'ENOCC' | 'EBUILD' | 'ESPAWN' | 'ETIMEDOUT' | 'EUSAGE' | 'EFAILED';
  readonly report?: LoadgenReport;
  readonly stderr: string;
}

export const LOADGEN_SOURCE: string;
export const LOADGEN_BINARY: string;
export const OUT_DIR: string;
export const CFLAGS: readonly string[];

export function buildProgram(options: { source: string; binary: string; depends?: string[]; force?: boolean; cc?: string }): {
  binary: string;
  rebuilt: boolean;
  warnings: string;
};
export function buildLoadgen(options?: { force?: boolean; cc?: string }): {
  binary: string;
  rebuilt: boolean;
  warnings: string;
};
export function loadgenVersion(binary?: string): string;
export function loadgenArgs(options: LoadgenOptions & { hold?: boolean }): string[];
export function runLoadgen(
  options: LoadgenOptions,
  run?: { binary?: string; cpus?: string; onEvent?: (event: LoadgenEvent) => void; timeoutMs?: number },
): Promise<LoadgenReport>;
export function holdConnections(
  options: Pick<LoadgenOptions, 'host' | 'port' | 'unix' | 'connections' | 'connectTimeout' | 'connectBatch'>,
  run?: { binary?: string; cpus?: string },
): { pid: number; held: Promise<HeldEvent>; release(): Promise<ReleasedEvent>; kill(): void };

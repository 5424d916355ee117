/** Types of proc.js (the benchmark harness is plain JavaScript; these let TypeScript tests use it). */

export class ProcError extends Error {
  readonly code: 'ENOPROC';
}

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  utimeTicks: number;
  stimeTicks: number;
  startTicks: number;
}

export function clockTicks(): number;
export function readStat(pid: number): ProcStat;
/** User + system CPU time of pid, all threads, in microseconds (clock-tick resolution). */
export function cpuMicros(pid: number): number;
export function rssBytes(pid: number): number;
export function fdCount(pid: number): number;
export function subtree(pid: number): number[];
export function serverProcess(pid: number): number;
export function treeCpuMicros(pid: number): number;
export function treeRssBytes(pid: number): number;
export function machineInfo(): {
  cpuModel: string;
  cores: number;
  loadavg: number[];
  memoryBytes: number;
  kernel: string;
  node: string;
};

/** Busy CPU time of the whole machine since boot (all CPUs, idle and iowait excluded), in microseconds. */
export function machineBusyMicros(): number;

/** Types of server.js (the benchmark harness is plain JavaScript; these let TypeScript tests use it). */
import type { Readable } from 'node:stream';
import type { ChildProcess } from 'node:child_process';

export class ServerError extends Error {
  readonly code: 'ESTARTTIMEOUT' | 'ESPAWN' | 'EEXITEDEARLY' | 'EEXITED';
  readonly output: string;
}

export interface StartServerOptions {
  name: string;
  command: string;
  args?: string[];
  cwd?: string;
  env?: Record<string, string>;
  cpus?: string;
  readyPattern?: RegExp;
  readyTimeoutMs?: number;
}

export class ServerHandle {
  readonly name: string;
  readonly child: ChildProcess;
  readonly launcherPid: number;
  /** The serving process (below any launcher). */
  pid: number;
  address: { host: string; port: number } | { path: string } | null;
  readyLine: string;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null;
  readonly whenExited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  assertAlive(): void;
  cpuMicros(): number;
  rssBytes(): number;
  fdCount(): number;
  stop(options?: { timeoutMs?: number }): Promise<'exited' | 'killed'>;
}

export function startServer(options: StartServerOptions): Promise<ServerHandle>;
export function freePort(host?: string): Promise<number>;
export function onLines(stream: Readable, onLine: (line: string) => void): void;
export function delay(ms: number): Promise<void>;
export function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined>;
export class OutputTail {
  constructor(max?: number);
  push(line: string): void;
  toString(): string;
}
export function trackChild<T extends ChildProcess>(child: T, options?: { group?: boolean }): T;

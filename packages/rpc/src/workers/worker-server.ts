import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { parseAddress, type Address, type AddressLike } from '../net/address';
import { RpcError, RpcOptionError } from '../errors';
import type { CloseOptions } from '../server/server';
import { zeroServerStats, type ServerStats } from '../server/server-runtime';
import { msOption } from '../validate';
import { fromWire, type FromWorker, type ToWorker, type WorkerStart } from './messages';
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerErrorInfo, type WorkerServerOptions } from './options';
import { RpcWorkerError } from './worker-error';

/**
 * The compiled worker entry. From src/workers (jest runs the sources) and from dist/workers alike, it is
 * packages/rpc/dist/workers/worker-main.js: a worker thread runs compiled JavaScript.
 */
const WORKER_ENTRY = path.resolve(__dirname, '..', '..', 'dist', 'workers', 'worker-main.js');
/** How long past its close timeout a worker may take to exit before it is terminated (a handler hogging its thread). */
const CLOSE_GRACE_MS = 2000;

/** One worker thread's view in getStats(). */
export interface WorkerStatus {
  readonly workerIndex: number;
  /** The current thread's id; undefined while the slot waits for a restart. */
  readonly threadId: number | undefined;
  /** Restarts of this slot after crashes. */
  readonly restarts: number;
  /** Counters of the current thread (since it started); undefined while the slot has no thread serving. */
  readonly stats: ServerStats | undefined;
}

/** A worker server's counters: the sums over the workers serving now, and each worker's own. */
export interface WorkerServerStats extends ServerStats {
  readonly workers: readonly WorkerStatus[];
}

/** One worker slot: a thread serving, or waiting for a restart. */
class WorkerSlot {
  worker: Worker | undefined;
  threadId: number | undefined;
  restarts = 0;
  /** Crashes in a row (reset once a worker has served for maxRestartDelay). */
  crashes = 0;
  startedAt = 0;
  serving = false;
  lastError: Error | undefined;
  restartTimer: NodeJS.Timeout | undefined;
  exited: Promise<void> = Promise.resolve();

  constructor(readonly index: number) {}
}

/** Sums every numeric counter of the workers' stats (so counters added to ServerStats aggregate too). */
function sumStats(all: readonly ServerStats[]): ServerStats {
  const total: Record<string, number> = { ...zeroServerStats() };
  for (const stats of all) {
    for (const [key, value] of Object.entries(stats)) if (typeof value === 'number') total[key] = (total[key] ?? 0) + value;
  }
  return total as unknown as ServerStats;
}

function defaultOnWorkerError(error: RpcWorkerError): void {
  console.error(`thriftpoll server: ${error.message}`, error.cause ?? '');
}

/**
 * A server whose handlers run in `workers` worker threads, each with its own engine, its own handler (from
 * `handlerModule`) and its own SO_REUSEPORT listener on the same address: the kernel spreads new connections
 * over the workers. Created by `createServer({ handlerModule, workers })`.
 *
 * - listen() resolves once every worker listens (worker 0 binds first, so port 0 works: the others join its port).
 * - close({ timeout }) drains every worker as ThriftServer.close does (calls that reached a worker finish), and
 *   resolves once every worker thread has exited.
 * - A worker that crashes takes its connections with it (their callers get a connection error at once); the
 *   others are untouched, and it is restarted after restartDelay, doubling per crash in a row.
 */
export class WorkerServer {
  readonly workerCount: number;
  private readonly options: ResolvedWorkerOptions;
  private readonly slots: WorkerSlot[];
  private bound: Address | undefined;
  private listening: Promise<Address> | undefined;
  private closing: Promise<void> | undefined;
  private closeTimeout = 0;
  private serving = false;
  private nextStatsId = 1;
  private readonly pendingStats = new Map<number, { slot: WorkerSlot; resolve: (stats: ServerStats | undefined) => void }>();

  constructor(options: WorkerServerOptions) {
    this.options = resolveWorkerOptions(options);
    this.workerCount = this.options.workers;
    this.slots = Array.from({ length: this.workerCount }, (_, index) => new WorkerSlot(index));
  }

  /** The bound address once listening. */
  get address(): Address | undefined {
    return this.bound;
  }

  /** The threadIds of the worker threads alive now, by slot (undefined for a slot waiting for a restart). */
  get threadIds(): readonly (number | undefined)[] {
    return this.slots.map((slot) => (slot.worker === undefined ? undefined : slot.threadId));
  }

  /** Starts the workers; resolves with the bound address once every one listens. A server listens once. */
  listen(address: AddressLike = { host: '127.0.0.1', port: 0 }): Promise<Address> {
    if (this.listening !== undefined) return Promise.reject(new RpcError('ECLOSED', 'listen() was already called on this server'));
    if (this.closing !== undefined) return Promise.reject(new RpcError('ECLOSED', 'the server is closed'));
    const parsed = parseAddress(address, 'listen address');
    if ('path' in parsed && this.workerCount > 1) {
      return Promise.reject(new RpcOptionError(`workers > 1 need a TCP address (the workers share it with SO_REUSEPORT), got the Unix socket path ${parsed.path}`));
    }
    if (!fs.existsSync(WORKER_ENTRY)) {
      return Promise.reject(new RpcOptionError(`${WORKER_ENTRY} is missing: build @thriftpoll/rpc (npx tsc -b) before using workers`));
    }
    this.listening = (async () => {
      try {
        // Worker 0 binds first: with port 0 the others then join the port it got.
        this.bound = await this.spawn(this.slots[0], parsed);
        await Promise.all(this.slots.slice(1).map((slot) => this.spawn(slot, this.bound as Address)));
      } catch (error) {
        for (const slot of this.slots) void slot.worker?.terminate();
        await Promise.all(this.slots.map((slot) => slot.exited));
        throw error;
      }
      this.serving = true;
      return this.bound;
    })();
    return this.listening;
  }

  /**
   * Graceful shutdown of every worker (see ThriftServer.close): each stops accepting, lets its calls in flight
   * finish within `timeout` and exits. Resolves once every worker thread has exited. Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closeTimeout = msOption('close timeout', options.timeout, 10000) as number;
    this.closing = (async () => {
      try {
        await this.listening;
      } catch {
        // Never listened: the workers are gone already.
      }
      await Promise.all(this.slots.map((slot) => this.closeSlot(slot)));
    })();
    return this.closing;
  }

  /** The workers' counters, summed, with each worker's own (asks every worker thread). */
  async getStats(): Promise<WorkerServerStats> {
    const workers = await Promise.all(
      this.slots.map(async (slot): Promise<WorkerStatus> => {
        const stats = await this.askStats(slot);
        return { workerIndex: slot.index, threadId: slot.worker === undefined ? undefined : slot.threadId, restarts: slot.restarts, stats };
      }),
    );
    const serving = workers.flatMap((status) => (status.stats === undefined ? [] : [status.stats]));
    return { ...sumStats(serving), workers };
  }

  private askStats(slot: WorkerSlot): Promise<ServerStats | undefined> {
    const worker = slot.worker;
    if (worker === undefined || !slot.serving) return Promise.resolve(undefined);
    const id = this.nextStatsId++;
    return new Promise((resolve) => {
      this.pendingStats.set(id, { slot, resolve });
      this.post(worker, { kind: 'stats', id });
    });
  }

  private post(worker: Worker, message: ToWorker): void {
    worker.postMessage(message);
  }

  private spawn(slot: WorkerSlot, address: Address): Promise<Address> {
    const start: WorkerStart = {
      workerIndex: slot.index,
      workerCount: this.workerCount,
      restarts: slot.restarts,
      handlerModule: this.options.handlerModule,
      handlerData: this.options.handlerData,
      serverOptions: this.options.serverOptions,
      address,
    };
    const worker = new Worker(WORKER_ENTRY, { workerData: start });
    slot.worker = worker;
    slot.threadId = worker.threadId;
    slot.startedAt = Date.now();
    slot.serving = false;
    slot.lastError = undefined;
    let exit!: () => void;
    slot.exited = new Promise<void>((resolve) => (exit = resolve));
    return new Promise<Address>((resolve, reject) => {
      const failStart = (message: string, cause: unknown): void => {
        reject(new RpcWorkerError('start', slot.index, worker.threadId, `worker ${slot.index} (thread ${worker.threadId}) could not start: ${message}`, cause));
      };
      worker.on('message', (message: FromWorker) => {
        if (message.kind === 'listening') {
          slot.serving = true;
          resolve(message.address);
          // Asked to close while it was starting: it closes now that it can.
          if (this.closing !== undefined) this.post(worker, { kind: 'close', timeout: this.closeTimeout });
        } else if (message.kind === 'failed') {
          const cause = fromWire(message.error);
          slot.lastError = cause;
          failStart(cause.message, cause);
          void worker.terminate();
        } else if (message.kind === 'stats') {
          const pending = this.pendingStats.get(message.id);
          this.pendingStats.delete(message.id);
          pending?.resolve(message.stats);
        }
      });
      worker.on('error', (error) => {
        slot.lastError = error;
      });
      worker.on('exit', (code) => {
        const wasServing = slot.serving;
        if (slot.worker === worker) {
          slot.worker = undefined;
          slot.serving = false;
        }
        for (const [id, pending] of this.pendingStats) {
          if (pending.slot !== slot) continue;
          this.pendingStats.delete(id);
          pending.resolve(undefined);
        }
        if (!wasServing) failStart(slot.lastError?.message ?? `exited with code ${code} before listening`, slot.lastError);
        exit();
        this.workerExited(slot, code);
      });
    });
  }

  /** A worker thread ended: if the server is serving and did not ask for it, that is a crash: restart it. */
  private workerExited(slot: WorkerSlot, code: number): void {
    if (this.closing !== undefined || !this.serving) return;
    if (Date.now() - slot.startedAt >= this.options.maxRestartDelay) slot.crashes = 0;
    const delay = Math.min(this.options.restartDelay * 2 ** slot.crashes, this.options.maxRestartDelay);
    slot.crashes++;
    const why = slot.lastError === undefined ? `exited with code ${code}` : `crashed: ${slot.lastError.message}`;
    const error = new RpcWorkerError('crash', slot.index, slot.threadId ?? 0, `worker ${slot.index} (thread ${slot.threadId}) ${why}; restarting in ${delay} ms`, slot.lastError);
    const info: WorkerErrorInfo = { restarting: true, restartDelay: delay };
    try {
      (this.options.onWorkerError ?? defaultOnWorkerError)(error, info);
    } catch (reportError) {
      console.error('thriftpoll server: onWorkerError threw:', reportError);
    }
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (this.closing !== undefined) return;
      slot.restarts++;
      // A restart that fails to start exits, and comes back here for the next, longer delay.
      this.spawn(slot, this.bound as Address).catch(() => undefined);
    }, delay);
  }

  private async closeSlot(slot: WorkerSlot): Promise<void> {
    if (slot.restartTimer !== undefined) {
      clearTimeout(slot.restartTimer);
      slot.restartTimer = undefined;
    }
    const worker = slot.worker;
    if (worker === undefined) return;
    // A worker still starting gets the close once it listens (see spawn).
    if (slot.serving) this.post(worker, { kind: 'close', timeout: this.closeTimeout });
    const timer = setTimeout(() => void worker.terminate(), this.closeTimeout + CLOSE_GRACE_MS);
    await slot.exited;
    clearTimeout(timer);
  }
}

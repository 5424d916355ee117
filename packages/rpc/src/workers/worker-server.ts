import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { parseAddress, type Address, type AddressLike } from '../net/address';
import { RpcError, RpcOptionError } from '../errors';
import type { CloseOptions } from '../server/server';
import { zeroServerStats, type ServerStats } from '../server/server-stats';
import { HttpEndpoints } from '../observability/http-endpoints';
import { msOption } from '../validate';
import { fromWire, type FromWorker, type ToWorker, type WorkerStart } from './messages';
import { aggregateProcess, processRegistry, type MetricsSnapshot } from './process-metrics';
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
  private nextRequestId = 1;
  /** Questions to workers awaiting their answer (stats, metrics), by id; an exiting worker's resolve undefined. */
  private readonly pending = new Map<number, { slot: WorkerSlot; resolve: (answer: FromWorker | undefined) => void }>();
  /** /metrics and /healthz on the admin address (metrics.admin), from this thread. */
  private readonly admin: HttpEndpoints | undefined;

  constructor(options: WorkerServerOptions) {
    this.options = resolveWorkerOptions(options);
    this.workerCount = this.options.workers;
    this.slots = Array.from({ length: this.workerCount }, (_, index) => new WorkerSlot(index));
    const admin = this.options.metrics?.admin;
    if (admin !== undefined) this.admin = new HttpEndpoints(processRegistry(() => this.processMetrics()), () => this.serving && this.closing === undefined);
  }

  /** The admin address serving /metrics and /healthz, once listening (`metrics: { admin }`). */
  get adminAddress(): Address | undefined {
    return this.admin?.adminAddress;
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
      const admin = this.options.metrics?.admin;
      if (this.admin !== undefined && admin !== undefined) {
        try {
          await this.admin.listen(admin);
        } catch (error) {
          // The admin port could not listen: the server does not half-start.
          await Promise.all(this.slots.map((slot) => this.closeSlot(slot)));
          throw error;
        }
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
      await this.admin?.close();
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

  /**
   * The whole process's metrics in Prometheus text format: every serving worker's, summed (what `/metrics` on
   * any worker and on the admin port answers). A worker that does not answer within metrics.scrapeTimeout is
   * left out and counted as missing.
   */
  async processMetrics(): Promise<string> {
    const timeout = this.options.metrics?.scrapeTimeout;
    if (timeout === undefined) throw new RpcOptionError('processMetrics() needs metrics on: createServer({ handlerModule, workers, metrics: true })');
    const snapshots = await Promise.all(
      this.slots.map(async (slot) => {
        const answer = await this.ask(slot, (id) => ({ kind: 'metrics', id }), timeout);
        return answer?.kind === 'metrics' ? answer.snapshot : undefined;
      }),
    );
    return aggregateProcess(snapshots satisfies (MetricsSnapshot | undefined)[]);
  }

  private async askStats(slot: WorkerSlot): Promise<ServerStats | undefined> {
    const answer = await this.ask(slot, (id) => ({ kind: 'stats', id }), undefined);
    return answer?.kind === 'stats' ? answer.stats : undefined;
  }

  /** Asks a serving worker; undefined when it is not serving, exits first, or `timeout` ms pass. */
  private ask(slot: WorkerSlot, question: (id: number) => ToWorker, timeout: number | undefined): Promise<FromWorker | undefined> {
    const worker = slot.worker;
    if (worker === undefined || !slot.serving) return Promise.resolve(undefined);
    const id = this.nextRequestId++;
    return new Promise((resolve) => {
      const timer = timeout === undefined ? undefined : setTimeout(() => this.answered(id, undefined), timeout);
      this.pending.set(id, {
        slot,
        resolve: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
      });
      this.post(worker, question(id));
    });
  }

  /** Settles a question (a late answer, after its timeout, finds nothing to settle). */
  private answered(id: number, answer: FromWorker | undefined): void {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    pending?.resolve(answer);
  }

  /** A worker's /metrics asked for the whole process: answer it with the sum. */
  private scrapeFor(worker: Worker, id: number): void {
    void this.processMetrics().then(
      (text) => this.post(worker, { kind: 'process-metrics', id, text }),
      // Only prom-client itself failing gets here: the worker's own timeout answers its scrape with a 500.
      (error: unknown) => console.error('thriftpoll server: cannot aggregate the workers\' metrics:', error),
    );
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
      metrics: this.options.metrics,
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
        } else if (message.kind === 'stats' || message.kind === 'metrics') {
          this.answered(message.id, message);
        } else if (message.kind === 'scrape') {
          this.scrapeFor(worker, message.id);
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
        for (const [id, pending] of this.pending) if (pending.slot === slot) this.answered(id, undefined);
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

import { availableParallelism } from 'node:os';

import { nativeBinding, COMMAND_RELEASE, COMMAND_WIDTH, EventKind, type NativeEngineHandle, type NativeStats } from './binding';
import { errnoError, NetpollError } from './errors';
import { type EngineMode, resolveEngineMode } from './engine-mode';
import { integerOption, knownKeys, objectOption } from './options';

export type { EngineMode } from './engine-mode';

export interface EngineOptions {
  /**
   * Default: THRIFTPOLL_ENGINE_MODE when set (`uring` there falls back to `inline`, with one warning, where
   * io_uring is unavailable), else `uring` where io_uring can run it and `inline` where it cannot, silently
   * (defaultEngineMode(); docs/engine.md has the measurements behind it). An explicit `uring` that cannot run
   * throws `UringUnavailableError` (code `ERR_URING_UNAVAILABLE`).
   */
  mode?: EngineMode;
  /**
   * Poller threads in `threads` mode: default one per four cores, at least 1 and at most 4 (the JavaScript
   * thread consumes what they read, so more rarely helps). Ignored in `inline` mode.
   */
  pollers?: number;
  /** Bytes per LinkBuffer block, a power of two in [4 KiB, 4 MiB]. Default 64 KiB. */
  blockSize?: number;
  /** Bytes per slab (a multiple of blockSize, at most 64 MiB). Default 1 MiB or one block, whichever is larger. */
  slabSize?: number;
  /**
   * Free block memory always kept pooled. On top of it the pool keeps as many blocks as were in use at the
   * recent peak (about the last one to two seconds), so a load that books and frees the same blocks every
   * batch does not unmap and remap them. Default 16 MiB.
   */
  retainBytes?: number;
  /**
   * `uring` mode: blocks lent to the kernel's provided-buffer ring, which the multishot receives fill (a power of
   * two in [1, 32768]; ignored in the other modes). Each completion takes one and the engine lends a fresh one
   * at once; a receive that finds the ring empty ends with ENOBUFS and is re-armed after the refill, so a ring
   * smaller than the number of connections receiving at once costs re-arms, never data (but their replies wait:
   * measured at 1,000 connections x 128 B, p99 about 2x with 256 blocks). The ring's blocks are address space
   * held all the time (1024 x 64 KiB = 64 MiB by default), resident only as far as receives have written into
   * them (a small message touches one page of its block), and are not counted in `blocksInUse`. Default 1024.
   */
  uringBuffers?: number;
}

/** Counters for tests and monitoring. */
export interface EngineStats extends NativeStats {
  mode: EngineMode;
  pollers: number;
  blockSize: number;
  /** Connections the JavaScript side tracks (accepted or dialed, not yet disposed). */
  jsConnections: number;
  /** Output blocks cached on the JavaScript side (counted as in use by the native pool). */
  cachedBlocks: number;
  /** Slab ArrayBuffers cached on the JavaScript side. */
  cachedSlabs: number;
  /** Blocks in use by connections or writers: blocksTotal - blocksFree - cachedBlocks - ringBlocks. */
  blocksInUse: number;
}

/** What the engine calls back into (connections and listeners register themselves). */
export interface EngineClient {
  /** Received bytes (a view valid until released). */
  onData(view: Buffer): void;
  onEof(): void;
  onError(errno: number): void;
  onWrite(sentTotal: number, unsent: number): void;
  /** Runs handlers once the batch's events are applied. */
  process(): void;
  /** Set by the engine while the client is listed for process() in the current batch. */
  engineScheduled: boolean;
}

export interface ListenerClient {
  onAccept(connId: number): EngineClient | undefined;
  onAcceptError(errno: number, backoffMs: number): void;
}

export interface DialClient {
  onConnect(connId: number, errno: number): EngineClient | undefined;
}

/** A block of engine memory lent to a writer: `view` covers the whole block. */
export interface BlockLease {
  slab: number;
  offset: number;
  capacity: number;
  view: Buffer;
}

const EVENT_CAPACITY = 1024;
const COMMAND_CAPACITY = 1024;
const DESCRIPTOR_CAPACITY = 256;
const BLOCK_CACHE_LIMIT = 64;
const MAX_DRAIN_ROUNDS = 16;

/**
 * The JavaScript half of one native engine. Most programs use the process-wide default (`defaultEngine()`),
 * created on first use; a program can create more (for example one per mode in a benchmark) and must then
 * `destroy()` them.
 */
export class Engine {
  readonly mode: EngineMode;
  readonly pollers: number;
  readonly blockSize: number;
  /** @internal */
  readonly native: NativeEngineHandle;
  /** @internal Shared descriptor array used by writers' flush(). */
  readonly descriptors: Float64Array;
  /** @internal Epoch milliseconds at the start of the current dispatch (activity clock for idle timeouts). */
  now = Date.now();

  private readonly events: Float64Array;
  private readonly commands: Float64Array;
  private readonly scratch: Float64Array;
  private readonly eventWidth: number;
  private commandCount = 0;
  private commitScheduled = false;
  private dispatching = false;
  private destroyed = false;
  private refCount = 0;
  private readonly slabs = new Map<number, Buffer>();
  /** The slab of the last view() (0: none; slab ids start at 1). Dropped with the slab when it retires. */
  private lastSlabId = 0;
  private lastSlab: Buffer = Buffer.alloc(0);
  private readonly clients = new Map<number, EngineClient>();
  private readonly listenerClients = new Map<number, ListenerClient>();
  private readonly dialClients = new Map<number, DialClient>();
  private readonly blockCache: BlockLease[] = [];
  private touched: EngineClient[] = [];
  private touchedSpare: EngineClient[] = [];
  private readonly afterBatch: Array<() => void> = [];

  constructor(options: EngineOptions = {}) {
    const checked = objectOption('engine options', options);
    knownKeys('engine options', checked, ['mode', 'pollers', 'blockSize', 'slabSize', 'retainBytes', 'uringBuffers']);
    this.mode = resolveEngineMode(checked.mode);
    this.pollers = integerOption('pollers', checked.pollers, defaultPollers(), 1, 64);
    this.blockSize = integerOption('blockSize', checked.blockSize, 64 * 1024, 4096, 4 * 1024 * 1024);
    if ((this.blockSize & (this.blockSize - 1)) !== 0) {
      throw new NetpollError('ERR_INVALID_OPTION', `blockSize must be a power of two, got ${this.blockSize}`);
    }
    const slabSize = integerOption('slabSize', checked.slabSize, Math.max(this.blockSize, 1024 * 1024), this.blockSize, 64 * 1024 * 1024);
    if (slabSize % this.blockSize !== 0) {
      throw new NetpollError('ERR_INVALID_OPTION', `slabSize must be a multiple of blockSize ${this.blockSize}, got ${slabSize}`);
    }
    const retainBytes = integerOption('retainBytes', checked.retainBytes, 16 * 1024 * 1024, 0, 2 ** 40);
    const uringBuffers = integerOption('uringBuffers', checked.uringBuffers, 1024, 1, 32768);
    if ((uringBuffers & (uringBuffers - 1)) !== 0) {
      throw new NetpollError('ERR_INVALID_OPTION', `uringBuffers must be a power of two, got ${uringBuffers}`);
    }
    const binding = nativeBinding();
    this.eventWidth = binding.eventWidth;
    this.events = new Float64Array(EVENT_CAPACITY * this.eventWidth);
    this.commands = new Float64Array(COMMAND_CAPACITY * COMMAND_WIDTH);
    this.descriptors = new Float64Array(DESCRIPTOR_CAPACITY * binding.descriptorWidth);
    this.scratch = new Float64Array(4);
    this.native = new binding.NativeEngine(
      {
        inline: this.mode === 'inline',
        uring: this.mode === 'uring',
        pollers: this.pollers,
        blockSize: this.blockSize,
        slabSize,
        retainBytes,
        readCap: 4 * 1024 * 1024,
        uringBuffers,
      },
      this.dispatch,
      this.events,
      this.commands,
      this.descriptors,
      this.scratch,
    );
  }

  /** Descriptors a single native flush() call accepts. */
  get descriptorCapacity(): number {
    return DESCRIPTOR_CAPACITY;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /**
   * Stops the pollers and closes every socket at once (no callbacks run). For engines a program created
   * itself; views into engine memory must not be used afterwards.
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.native.destroy();
    this.clients.clear();
    this.listenerClients.clear();
    this.dialClients.clear();
    this.blockCache.length = 0;
    this.slabs.clear();
    this.forgetLastSlab();
  }

  /** Counters, e.g. to prove that nothing leaks. */
  stats(): EngineStats {
    this.commit();
    const native = this.native.stats();
    return {
      ...native,
      mode: this.mode,
      pollers: this.mode === 'threads' ? this.pollers : 0,
      blockSize: this.blockSize,
      jsConnections: this.clients.size,
      cachedBlocks: this.blockCache.length,
      cachedSlabs: this.slabs.size,
      blocksInUse: native.blocksTotal - native.blocksFree - this.blockCache.length - native.ringBlocks,
    };
  }

  /** Returns the pooled output blocks cached in JavaScript to the native pool (tests, memory pressure). */
  trimCache(): void {
    for (const lease of this.blockCache) this.native.freeBlock(lease.slab, lease.offset);
    this.blockCache.length = 0;
  }

  // ---- internal API for connections, listeners and writers ----

  /** @internal Keeps the process alive while at least one ref'd object exists. */
  ref(): void {
    if (this.refCount++ === 0 && !this.destroyed) this.native.setRef(true);
  }

  /** @internal */
  unref(): void {
    if (--this.refCount === 0 && !this.destroyed) this.native.setRef(false);
  }

  /** @internal */
  register(connId: number, client: EngineClient): void {
    this.clients.set(connId, client);
  }

  /** @internal */
  forget(connId: number): void {
    this.clients.delete(connId);
  }

  /** @internal */
  registerListener(listenerId: number, client: ListenerClient): void {
    this.listenerClients.set(listenerId, client);
  }

  /** @internal */
  forgetListener(listenerId: number): void {
    this.listenerClients.delete(listenerId);
  }

  /** @internal */
  registerDial(connId: number, client: DialClient): void {
    this.dialClients.set(connId, client);
  }

  /** @internal */
  forgetDial(connId: number): void {
    this.dialClients.delete(connId);
  }

  /** @internal Marks a connection to be processed once the current batch's events are all applied. */
  touch(client: EngineClient): void {
    this.schedule(client);
  }

  /** @internal Runs `task` after the current batch (or now, outside a dispatch). */
  later(task: () => void): void {
    if (this.dispatching) this.afterBatch.push(task);
    else task();
  }

  /** @internal Queues "input of connId released up to position"; applied with the next native call. */
  queueRelease(connId: number, position: number): void {
    if (this.destroyed) return;
    if (this.commandCount === COMMAND_CAPACITY) this.commit();
    const at = this.commandCount * COMMAND_WIDTH;
    this.commands[at] = COMMAND_RELEASE;
    this.commands[at + 1] = connId;
    this.commands[at + 2] = position;
    this.commandCount++;
    if (!this.dispatching && !this.commitScheduled) {
      this.commitScheduled = true;
      queueMicrotask(this.commitLater);
    }
  }

  /** @internal Pending commands, handed to the next native call (which applies them first). */
  takeCommands(): number {
    const count = this.commandCount;
    this.commandCount = 0;
    return count;
  }

  /** @internal Applies queued commands now. */
  commit(): void {
    if (this.commandCount === 0 || this.destroyed) return;
    this.native.commit(this.takeCommands());
  }

  /** @internal A view over engine memory. */
  view(slabId: number, offset: number, length: number): Buffer {
    // Consecutive reads mostly land in the same slab (the pool hands out blocks slab by slab).
    if (slabId === this.lastSlabId) return this.lastSlab.subarray(offset, offset + length);
    let slab = this.slabs.get(slabId);
    if (slab === undefined) {
      const memory = this.native.slabBuffer(slabId);
      if (memory === undefined) throw new NetpollError('EINVAL', `engine memory slab ${slabId} is not live`);
      slab = Buffer.from(memory);
      this.slabs.set(slabId, slab);
    }
    this.lastSlabId = slabId;
    this.lastSlab = slab;
    return slab.subarray(offset, offset + length);
  }

  /** @internal Lends a block of at least `minSize` bytes (a dedicated one above blockSize). */
  acquireBlock(minSize: number): BlockLease {
    if (minSize <= this.blockSize) {
      const cached = this.blockCache.pop();
      if (cached !== undefined) return cached;
    }
    if (this.destroyed) throw new NetpollError('ECLOSED', 'the engine has been destroyed');
    const slab = this.native.allocBlock(minSize);
    if (slab === 0) throw new NetpollError('ENOMEM', `could not allocate a ${minSize}-byte output block`);
    const offset = this.scratch[0];
    const capacity = this.scratch[1];
    return { slab, offset, capacity, view: this.view(slab, offset, capacity) };
  }

  /** @internal Takes back a block that holds nothing the engine still has to send. */
  releaseBlock(lease: BlockLease): void {
    if (this.destroyed) return;
    if (lease.capacity === this.blockSize && this.blockCache.length < BLOCK_CACHE_LIMIT) {
      this.blockCache.push(lease);
      return;
    }
    this.native.freeBlock(lease.slab, lease.offset);
    this.forgetLarge(lease);
  }

  /**
   * @internal A dedicated block's slab holds only that block: once its writer has let go of it, drop the cached
   * ArrayBuffer at once (waiting for the retire event would let a write-only connection pile them up).
   */
  forgetLarge(lease: BlockLease): void {
    if (lease.capacity <= this.blockSize) return;
    this.slabs.delete(lease.slab);
    if (lease.slab === this.lastSlabId) this.forgetLastSlab();
  }

  private forgetLastSlab(): void {
    this.lastSlabId = 0;
    this.lastSlab = Buffer.alloc(0);
  }

  /** @internal The port the last successful listen() bound. */
  lastBoundPort(): number {
    return this.scratch[0];
  }

  /** @internal Throws the NetpollError for a negative native result. */
  check(result: number, syscall: string, target?: string): number {
    if (result < 0) throw errnoError(-result, syscall, target);
    return result;
  }

  private readonly commitLater = (): void => {
    this.commitScheduled = false;
    this.commit();
  };

  /** Called by the native side once per batch of ready work. */
  private readonly dispatch = (): void => {
    if (this.destroyed || this.dispatching) return;
    this.dispatching = true;
    this.now = Date.now();
    try {
      // Bounded: pollers may keep the queue non-empty forever; what is left wakes us again on the next loop
      // turn (the native side re-arms), so timers and other I/O get their turn in between.
      for (let round = 0; round < MAX_DRAIN_ROUNDS; round++) {
        const count = this.native.drain(this.takeCommands());
        if (count > 0) this.apply(count);
        else if (this.touched.length === 0) break;
        this.runTouched();
        if (this.destroyed) return;
      }
      this.commit();
    } finally {
      this.dispatching = false;
    }
    // Work deferred until the batch was applied (closing connections after their last data, etc.).
    while (this.afterBatch.length > 0) {
      const tasks = this.afterBatch.splice(0);
      for (const task of tasks) task();
    }
  };

  private apply(count: number): void {
    const events = this.events;
    const width = this.eventWidth;
    for (let i = 0; i < count; i++) {
      const at = i * width;
      const kind = events[at];
      const id = events[at + 1];
      switch (kind) {
        case EventKind.Data: {
          const client = this.clients.get(id);
          if (client !== undefined) {
            client.onData(this.view(events[at + 2], events[at + 3], events[at + 4]));
            this.schedule(client);
          }
          break;
        }
        case EventKind.Write:
          this.clients.get(id)?.onWrite(events[at + 2], events[at + 3]);
          break;
        case EventKind.Eof: {
          const client = this.clients.get(id);
          if (client !== undefined) {
            client.onEof();
            this.schedule(client);
          }
          break;
        }
        case EventKind.Error:
          this.clients.get(id)?.onError(events[at + 2]);
          break;
        case EventKind.Accept: {
          const listener = this.listenerClients.get(events[at + 2]);
          const client = listener?.onAccept(id);
          if (client === undefined) this.native.dispose(id);
          else {
            this.clients.set(id, client);
            this.schedule(client);
          }
          break;
        }
        case EventKind.Connect: {
          const dial = this.dialClients.get(id);
          this.dialClients.delete(id);
          const client = dial?.onConnect(id, events[at + 2]);
          if (client === undefined) this.native.dispose(id);
          else {
            this.clients.set(id, client);
            this.schedule(client);
          }
          break;
        }
        case EventKind.AcceptError:
          this.listenerClients.get(id)?.onAcceptError(events[at + 2], events[at + 3]);
          break;
        case EventKind.Retire:
          this.slabs.delete(id);
          if (id === this.lastSlabId) this.forgetLastSlab();
          break;
        default:
          break;
      }
    }
  }

  private runTouched(): void {
    if (this.touched.length === 0) return;
    // Swap lists rather than copy: handlers may schedule connections for the next round meanwhile.
    const batch = this.touched;
    this.touched = this.touchedSpare;
    this.touchedSpare = batch;
    for (let i = 0; i < batch.length; i++) {
      const client = batch[i];
      client.engineScheduled = false;
      client.process();
    }
    // pop() keeps the backing store for the next batch (`length = 0` would drop it and regrow it on push).
    while (batch.length > 0) batch.pop();
  }

  private schedule(client: EngineClient): void {
    if (client.engineScheduled) return;
    client.engineScheduled = true;
    this.touched.push(client);
  }
}

/** One poller per four cores, 1 to 4. */
function defaultPollers(): number {
  return Math.max(1, Math.min(4, Math.floor(availableParallelism() / 4)));
}

let defaultInstance: Engine | undefined;
let defaultOptions: EngineOptions = {};

/**
 * Sets the options of the process-wide default engine. Must be called before anything uses it; afterwards
 * it throws (the engine's mode and pollers cannot change while it runs).
 */
export function configureDefaultEngine(options: EngineOptions): void {
  if (defaultInstance !== undefined) {
    throw new NetpollError('EBUSY', 'configureDefaultEngine: the default engine is already running; configure it before the first listen/dial');
  }
  objectOption('engine options', options);
  defaultOptions = { ...options };
}

/** The process-wide engine every EventLoop and dial() uses unless given another. */
export function defaultEngine(): Engine {
  if (defaultInstance === undefined || defaultInstance.isDestroyed) defaultInstance = new Engine(defaultOptions);
  return defaultInstance;
}

/** Counters of an engine (default: the process-wide one). */
export function engineStats(engine: Engine = defaultEngine()): EngineStats {
  return engine.stats();
}

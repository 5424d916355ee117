/**
 * The shape of the compiled addon (native/src/binding.cc). Only this package talks to it.
 * Numbers returned as `-errno` are failures; ids are positive.
 */
export interface NativeEngineHandle {
  drain(commandCount: number): number;
  commit(commandCount: number): void;
  flush(connId: number, descriptorCount: number, commandCount: number): number;
  listen(where: string, port: number, backlog: number, flags: number): number;
  closeListener(listenerId: number): void;
  dial(where: string, port: number, unix: boolean): number;
  close(connId: number): void;
  dispose(connId: number): void;
  setWakeAt(connId: number, position: number): number;
  setReadCap(connId: number, bytes: number): number;
  setNoDelay(connId: number, enable: boolean): number;
  setKeepAlive(connId: number, enable: boolean, idleSeconds: number, intervalSeconds: number, probes: number): number;
  /** shutdown(SHUT_WR): FIN; the read side stays open. */
  shutdownWrite(connId: number): number;
  addresses(connId: number): [string, string, number, string, string, number] | undefined;
  allocBlock(minSize: number): number;
  freeBlock(slabId: number, offset: number): void;
  slabBuffer(slabId: number): ArrayBuffer | undefined;
  stats(): NativeStats;
  setRef(ref: boolean): void;
  destroy(): void;
}

export interface NativeStats {
  connections: number;
  listeners: number;
  inputBytes: number;
  outputBytes: number;
  inputBlocks: number;
  outputSegments: number;
  /** `uring` mode: blocks lent to the kernel's provided-buffer ring (0 in the other modes). */
  ringBlocks: number;
  /**
   * `uring` mode: multishot receives the kernel ended (no `IORING_CQE_F_MORE`: `ENOBUFS` when the buffer ring ran
   * dry, or another reason) while the connection still wanted input, each re-armed (0 in the other modes).
   */
  receiveRearms: number;
  /** `uring` mode: flushes written at once (the first few of each loop turn), with no ring entry (0 otherwise). */
  directSends: number;
  /** `uring` mode: sends submitted as ring entries, one `io_uring_enter` per loop turn for all of them (0 otherwise). */
  ringSends: number;
  slabs: number;
  blocksTotal: number;
  blocksFree: number;
  largeBlocks: number;
  largeBytes: number;
  mappedBytes: number;
  /** Slabs mapped since the engine started (a figure that keeps climbing under steady load means churn). */
  slabsCreated: number;
  /**
   * Times libuv woke the engine on the JavaScript thread: the epoll fd (`inline`) or the io_uring's fd
   * (`uring`) became readable, a poller
   * signalled ready work (`threads`, coalesced), or work left over from a batch was deferred to the next loop
   * turn (either mode). Counts since the engine started, like `batches` and `events`.
   */
  wakeups: number;
  /** Calls into the JavaScript dispatcher (each drains the ready work and runs the handlers). */
  batches: number;
  /** Event records (accept, data, write, eof, error, connect, ...) drained to JavaScript. */
  events: number;
}

export interface NativeEngineOptions {
  inline: boolean;
  /** Inline, with readiness through io_uring. */
  uring: boolean;
  pollers: number;
  blockSize: number;
  slabSize: number;
  retainBytes: number;
  readCap: number;
  /** `uring` mode: blocks in the provided-buffer ring (a power of two). */
  uringBuffers: number;
}

export interface NativeBinding {
  version: string;
  eventWidth: number;
  descriptorWidth: number;
  /** 0 when the `uring` mode can run in this process, else the errno that stops it. */
  probeUring(): number;
  /** What this build of the addon lacks for the `uring` mode ("<linux/io_uring.h> ..."), or null when it has it. */
  uringBuildMissing: string | null;
  NativeEngine: new (
    options: NativeEngineOptions,
    dispatch: () => void,
    events: Float64Array,
    commands: Float64Array,
    descriptors: Float64Array,
    scratch: Float64Array,
  ) => NativeEngineHandle;
}

let loaded: NativeBinding | undefined;

/**
 * The addon, loaded when the first engine is created (not when this package is imported): the LinkBuffer and
 * everything else that is plain TypeScript must work where the addon is not built (the RPC 'net' engine uses them).
 */
export function nativeBinding(): NativeBinding {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('@thriftpoll/native') as NativeBinding);
}

let loadError: Error | null | undefined;

/**
 * Why the addon cannot load (the loader's error: not built, not installed, built for another Node), or null
 * when it loads. Tried once per process.
 */
export function nativeLoadError(): Error | null {
  if (loadError === undefined) {
    try {
      nativeBinding();
      loadError = null;
    } catch (error) {
      loadError = error instanceof Error ? error : new Error(String(error));
    }
  }
  return loadError;
}

/** Event kinds (native/src/engine.h). */
export enum EventKind {
  Accept = 1,
  Data = 2,
  Eof = 3,
  Error = 4,
  Write = 5,
  Connect = 6,
  AcceptError = 7,
  Retire = 8,
}

/** listen() flags. */
export enum ListenFlag {
  Unix = 1,
  ReusePort = 2,
  Ipv6Only = 4,
  NoDelay = 8,
}

export const COMMAND_WIDTH = 3;
export const COMMAND_RELEASE = 1;

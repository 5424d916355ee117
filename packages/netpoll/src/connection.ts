import { DeliveryLoop, LinkBuffer } from '@thriftpoll/buffer';
import type { SocketAddressInfo } from './address';
import { formatAddress } from './address';
import { ConnectionWriter, type WriterOwner } from './connection-writer';
import type { Engine, EngineClient } from './engine';
import { errnoError, NetpollError } from './errors';
import { booleanOption, integerOption, timeoutOption } from './options';

/**
 * Called when a connection has data (at least its wake-at threshold). If it returns a promise, it is not
 * called again for that connection until the promise settles (one request handler at a time). After each
 * call the reader is released (what the handler consumed is freed) and, if unconsumed data remains and the
 * handler made progress, it is called again. An exception or rejection closes that connection only.
 */
export type RequestHandler = (connection: Connection) => void | Promise<void>;

/** Runs once when the connection is closed, for any reason; `error` says why when it was not a plain close(). */
export type CloseCallback = (connection: Connection, error: Error | undefined) => void;

/** What a connection reports to the server or dialer that owns it. */
export interface ConnectionHost {
  /** A handler threw or rejected, or a close callback threw. */
  reportError(error: Error, connection: Connection): void;
  /** The peer hung up or reset (netpoll's OnDisconnect). */
  disconnected(connection: Connection, error: Error | undefined): void;
  /** The connection is closed. */
  closed(connection: Connection): void;
}

/** Per-connection settings (validated by the EventLoop or dial()). */
export interface ConnectionSettings {
  readTimeout: number;
  writeTimeout: number;
  idleTimeout: number;
  writeBufferCap: number;
  /** Close by itself once the peer has hung up and the handler is done (server side, handler-driven). */
  closeOnPeerClose: boolean;
}

const NO_ADDRESS: SocketAddressInfo = Object.freeze({ family: 'unix', address: '', port: 0 }) as SocketAddressInfo;

interface ReadWaiter {
  n: number;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** Longest wait for the read side to end after a write failed on a reset (it normally ends at once). */
const READ_AFTER_WRITE_FAILURE_MS = 1000;

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(`non-Error thrown: ${String(value)}`);
}

/**
 * One TCP or Unix connection on the engine (netpoll's Connection).
 *
 * Lifecycle:
 *
 *   open --(peer hangs up: isActive() false; buffered data still delivered)--> draining --> closed
 *     \--(close(), error, timeout, handler failure)--------------------------------------> closed
 *
 * Input arrives in `reader` (a LinkBuffer over engine blocks, zero-copy); output is written with `writer`
 * and sent by `writer.flush()`. Closing releases all input: views obtained from the reader are invalid after
 * close() unless a live slice still holds them.
 */
export class Connection implements EngineClient, WriterOwner {
  /** Engine-wide unique id. */
  readonly id: number;
  /** Received bytes. Views are valid until release(). */
  readonly reader: LinkBuffer;
  /** Output: write, then flush(). */
  readonly writer: ConnectionWriter;
  /** Calls the request handler on the reader's input and releases it (@thriftpoll/buffer's one delivery loop). */
  private readonly delivery: DeliveryLoop;
  /** Free for the layer above (e.g. what onPrepare returned). */
  context: unknown = undefined;
  /** @internal Engine bookkeeping: listed for processing in the current batch. */
  engineScheduled = false;

  private readonly engine: Engine;
  private readonly host: ConnectionHost;
  private readonly settings: ConnectionSettings;
  private onRequestHandler: RequestHandler | undefined;
  private closed = false;
  private disposed = false;
  private peerClosed = false;
  private disconnectReported = false;
  private busyCount = 0;
  private closeRequested = false;
  /** A write failed on a peer reset; the read side is read to its end before the connection closes. */
  private writeError: Error | undefined;
  private writeFailureTimer: NodeJS.Timeout | undefined;
  /** shutdownWrite() was asked: FIN goes out once the output is sent. */
  private writeShutdownRequested = false;
  private writeShutDown = false;
  private closeError: Error | undefined;
  private nativeWakeAt = 0;
  private waiter: ReadWaiter | undefined;
  private readTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastActivity: number;
  private closeCallbacks: CloseCallback[] = [];
  private addresses: [SocketAddressInfo, SocketAddressInfo] | undefined;
  private refd = true;

  /** @internal Created by EventLoop (accepted) and dial(). */
  constructor(engine: Engine, id: number, host: ConnectionHost, settings: ConnectionSettings, onRequest?: RequestHandler) {
    this.engine = engine;
    this.id = id;
    this.host = host;
    this.settings = settings;
    this.onRequestHandler = onRequest;
    this.reader = new LinkBuffer(this.onReleased);
    this.writer = new ConnectionWriter(engine, this, settings.writeBufferCap);
    this.delivery = new DeliveryLoop(this.reader, {
      hasHandler: () => this.onRequestHandler !== undefined,
      deliver: () => (this.onRequestHandler as RequestHandler)(this),
      isClosed: () => this.closed,
      failed: (error) => this.handlerFailed(error),
      consumed: () => this.clearReadTimer(),
      resume: () => this.process(),
    });
    this.writer.writeTimeout = settings.writeTimeout;
    this.lastActivity = engine.now;
    engine.ref();
    if (settings.idleTimeout > 0) this.armIdle(settings.idleTimeout);
  }

  /** `remote-address#id`, for messages. */
  get label(): string {
    return `connection ${this.id} (${formatAddress(this.remoteAddress)})`;
  }

  /** This side's address. */
  get localAddress(): SocketAddressInfo {
    return this.fetchAddresses()[0];
  }

  /** The peer's address. */
  get remoteAddress(): SocketAddressInfo {
    return this.fetchAddresses()[1];
  }

  /** True while the connection is open and the peer has not hung up (EPOLLRDHUP, EOF, reset). */
  isActive(): boolean {
    return !this.closed && !this.peerClosed;
  }

  /** True once close() ran (for whatever reason). */
  isClosed(): boolean {
    return this.closed;
  }

  /** Sets or replaces the request handler (client connections from dial() start without one). */
  setOnRequest(handler: RequestHandler | undefined): void {
    if (handler !== undefined && typeof handler !== 'function') {
      throw new NetpollError('ERR_INVALID_OPTION', `setOnRequest expects a function, got ${typeof handler}`);
    }
    this.onRequestHandler = handler;
    if (handler !== undefined) this.engine.later(() => this.process());
  }

  /**
   * Do not call the request handler until at least n bytes are buffered (a framed protocol sets the length
   * of the frame it is waiting for, so it is woken once per whole frame). One-shot: after the handler has
   * been called, the threshold is back to 1. The engine keeps reading until n bytes are buffered even past
   * readBufferCap, so validate a peer-supplied length against your maximum frame size before calling this.
   */
  wakeAt(n: number): void {
    integerOption('wakeAt(n)', n, 1, 1, Number.MAX_SAFE_INTEGER);
    this.delivery.wakeAt(n);
  }

  /**
   * Resolves once at least n bytes are buffered. Rejects with ETIMEDOUT after `timeoutMs` (default: the read
   * timeout; 0 = none), with EOF if the peer hangs up first, with ECLOSED if the connection closes, and with
   * EBUSY if another waitFor() is pending.
   */
  waitFor(n: number, timeoutMs: number = this.settings.readTimeout): Promise<void> {
    integerOption('waitFor(n)', n, 0, 0, Number.MAX_SAFE_INTEGER);
    timeoutOption('waitFor(timeoutMs)', timeoutMs);
    if (this.reader.len() >= n) return Promise.resolve();
    if (this.closed) return Promise.reject(this.closedError('waitFor'));
    if (this.peerClosed) return Promise.reject(this.eofError(n));
    if (this.waiter !== undefined) {
      return Promise.reject(new NetpollError('EBUSY', `waitFor(${n}) on ${this.label}: another waitFor(${this.waiter.n}) is pending`));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: ReadWaiter = { n, resolve, reject, timer: undefined };
      if (timeoutMs > 0) {
        waiter.timer = setTimeout(() => {
          if (this.waiter !== waiter) return;
          this.waiter = undefined;
          reject(new NetpollError('ETIMEDOUT', `read timeout on ${this.label}: ${this.reader.len()} of ${n} bytes after ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.waiter = waiter;
      this.requestWake(n);
    });
  }

  /** Longest wait for bytes that were asked for (waitFor(), or the rest of a frame after wakeAt()). 0 = none. */
  setReadTimeout(ms: number): void {
    this.settings.readTimeout = timeoutOption('readTimeout', ms);
  }

  /** Longest time a flush may wait for the peer to take its bytes; then the connection closes. 0 = none. */
  setWriteTimeout(ms: number): void {
    this.settings.writeTimeout = timeoutOption('writeTimeout', ms);
    this.writer.writeTimeout = this.settings.writeTimeout;
  }

  /**
   * Closes the connection after `ms` without any traffic (an application-level timer, NOT TCP keepalive:
   * see setKeepAlive()). A connection with a request in progress or marked busy is not idle. 0 = none.
   */
  setIdleTimeout(ms: number): void {
    this.settings.idleTimeout = timeoutOption('idleTimeout', ms);
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.settings.idleTimeout > 0 && !this.closed) {
      this.lastActivity = Date.now();
      this.armIdle(this.settings.idleTimeout);
    }
  }

  /**
   * TCP keepalive (SO_KEEPALIVE): the kernel probes a silent peer after `initialDelayMs` and resets the
   * connection if it does not answer. It detects dead peers; it never closes a healthy idle connection.
   * A no-op on Unix sockets.
   */
  setKeepAlive(enable: boolean, initialDelayMs = 60_000): void {
    booleanOption('setKeepAlive(enable)', enable, false);
    integerOption('setKeepAlive(initialDelayMs)', initialDelayMs, 60_000, 1000, 2 ** 31 - 1);
    if (this.closed || this.remoteAddress.family === 'unix') return;
    const idle = Math.max(1, Math.round(initialDelayMs / 1000));
    this.engine.check(this.engine.native.setKeepAlive(this.id, enable, idle, Math.min(idle, 10), 5), 'setsockopt(SO_KEEPALIVE)', this.label);
  }

  /** TCP_NODELAY (on by default for engine connections). */
  setNoDelay(enable = true): void {
    if (this.closed || this.remoteAddress.family === 'unix') return;
    this.engine.check(this.engine.native.setNoDelay(this.id, enable), 'setsockopt(TCP_NODELAY)', this.label);
  }

  /** Unreleased input above which the engine stops reading this connection until the handler releases. */
  setReadBufferCap(bytes: number): void {
    integerOption('readBufferCap', bytes, bytes, 1, 2 ** 40);
    if (!this.closed) this.engine.check(this.engine.native.setReadCap(this.id, bytes), 'setReadBufferCap', this.label);
  }

  /**
   * Marks the connection busy (requests in flight) until a matching markIdle(). Graceful shutdown closes
   * idle connections at once and busy ones when they become idle (or at the timeout). Nests.
   */
  markBusy(): void {
    this.busyCount++;
  }

  markIdle(): void {
    if (this.busyCount === 0) throw new NetpollError('EINVAL', `markIdle() on ${this.label} without a matching markBusy()`);
    this.busyCount--;
    if (this.busyCount === 0) this.checkCloseRequest();
  }

  /** Not running a handler, not marked busy, nothing waiting to be sent. */
  isIdle(): boolean {
    return !this.delivery.isRunning && !this.delivery.isHeld && this.busyCount === 0 && this.writer.pending() === 0;
  }

  /** @internal Holds request processing (while onConnect is pending). */
  hold(): void {
    this.delivery.hold();
  }

  /** @internal */
  unhold(): void {
    this.delivery.unhold();
    if (!this.closed) this.process();
  }

  /** Registers a callback run once when the connection closes (in registration order). */
  addCloseCallback(callback: CloseCallback): void {
    if (typeof callback !== 'function') {
      throw new NetpollError('ERR_INVALID_OPTION', `addCloseCallback expects a function, got ${typeof callback}`);
    }
    if (this.closed) {
      queueMicrotask(() => this.runCloseCallback(callback));
      return;
    }
    this.closeCallbacks.push(callback);
  }

  /** Closes once idle (handler done, not busy, output sent). Used by graceful shutdown. */
  closeWhenIdle(): void {
    this.closeRequested = true;
    this.checkCloseRequest();
  }

  /**
   * Half-closes: once the output flushed so far has been sent, sends FIN (shutdown(SHUT_WR)) and writes nothing
   * more; input keeps arriving until the peer closes too. A graceful close that never leaves unread input behind
   * (closing with unread input makes the kernel answer with a reset, which can destroy replies still in flight).
   */
  shutdownWrite(): void {
    if (this.closed || this.writeShutdownRequested) return;
    this.writeShutdownRequested = true;
    this.checkWriteShutdown();
  }

  /**
   * Closes at once: unsent output is dropped (pending flushes reject with ECLOSED) and input is released.
   * Idempotent.
   */
  close(error?: Error): void {
    if (this.closed) return;
    this.fetchAddresses();
    this.closed = true;
    this.closeError = error ?? this.writeError;
    if (this.readTimer !== undefined) clearTimeout(this.readTimer);
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    if (this.writeFailureTimer !== undefined) clearTimeout(this.writeFailureTimer);
    this.readTimer = this.idleTimer = undefined;
    this.engine.native.close(this.id);
    const reason = error ?? this.closedError('write');
    this.writer.fail(reason);
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter !== undefined) {
      if (waiter.timer !== undefined) clearTimeout(waiter.timer);
      waiter.reject(error ?? this.closedError('waitFor'));
    }
    const unread = this.reader.len();
    if (unread > 0) this.reader.skip(unread);
    this.reader.release();
    if (this.reader.releasedTotal >= this.reader.appendedTotal) this.dispose();
    if (this.refd) {
      this.refd = false;
      this.engine.unref();
    }
    if (this.peerClosed && !this.disconnectReported) {
      this.disconnectReported = true;
      this.host.disconnected(this, error);
    }
    this.host.closed(this);
    const callbacks = this.closeCallbacks;
    this.closeCallbacks = [];
    for (const callback of callbacks) this.runCloseCallback(callback);
  }

  /** Lets the process exit while this connection is open (like net.Socket#unref). */
  unref(): void {
    if (this.refd && !this.closed) {
      this.refd = false;
      this.engine.unref();
    }
  }

  ref(): void {
    if (!this.refd && !this.closed) {
      this.refd = true;
      this.engine.ref();
    }
  }

  // ---- engine callbacks ----

  /** @internal */
  onData(view: Buffer): void {
    this.reader.append(view);
    this.lastActivity = this.engine.now;
    this.delivery.inputArrived();
  }

  /** @internal */
  onEof(): void {
    this.peerClosed = true;
  }

  /** @internal */
  onError(errno: number): void {
    this.peerClosed = true;
    const error = errnoError(errno, 'read', this.label);
    this.engine.later(() => this.close(error));
  }

  /** @internal */
  onWrite(sentTotal: number, unsent: number): void {
    this.lastActivity = this.engine.now;
    this.writer.onWrite(sentTotal, unsent);
  }

  /** @internal */
  writeFailed(error: NetpollError): void {
    if ((error.code === 'EPIPE' || error.code === 'ECONNRESET') && this.onRequestHandler !== undefined && !this.peerClosed && !this.closed) {
      // The peer reset, but what it sent before may still wait in the kernel (replies to calls already sent):
      // read on until the read side ends too (it does at once after a reset), then close with this error.
      this.writeError = error;
      this.writeFailureTimer ??= setTimeout(() => this.close(error), READ_AFTER_WRITE_FAILURE_MS);
      this.writeFailureTimer.unref();
      return;
    }
    this.engine.later(() => this.close(error));
  }

  /** @internal */
  writeSettled(): void {
    this.checkWriteShutdown();
    this.checkCloseRequest();
  }

  /** @internal Runs the waiter and the request handler for whatever is buffered. */
  process(): void {
    if (this.closed) return;
    this.checkWaiter();
    if (!this.delivery.run()) return;
    if (this.closed) return;
    this.awaitMore();
    if (this.peerClosed) this.afterPeerClose();
    this.checkCloseRequest();
  }

  // ---- internals ----

  private handlerFailed(thrown: unknown): void {
    const error = asError(thrown);
    this.host.reportError(error, this);
    this.close(error);
  }

  private checkWaiter(): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    if (this.reader.len() >= waiter.n) {
      this.waiter = undefined;
      if (waiter.timer !== undefined) clearTimeout(waiter.timer);
      waiter.resolve();
    } else if (this.peerClosed) {
      this.waiter = undefined;
      if (waiter.timer !== undefined) clearTimeout(waiter.timer);
      waiter.reject(this.eofError(waiter.n));
    }
  }

  /** A partial frame is buffered: ask the engine to wake us only when the rest is there, and time it. */
  private awaitMore(): void {
    const buffered = this.reader.len();
    const wanted = this.delivery.wanted;
    if (this.onRequestHandler === undefined || this.delivery.isRunning || buffered === 0 || buffered >= wanted) return;
    this.requestWake(wanted);
    if (this.settings.readTimeout > 0 && this.readTimer === undefined && !this.peerClosed) {
      const limit = this.settings.readTimeout;
      this.readTimer = setTimeout(() => {
        this.readTimer = undefined;
        const wanted = this.delivery.wanted;
        if (this.closed || this.reader.len() >= wanted) return;
        this.close(new NetpollError('ETIMEDOUT', `read timeout on ${this.label}: ${this.reader.len()} of ${wanted} bytes after ${limit} ms`));
      }, limit);
      this.readTimer.unref();
    }
  }

  private clearReadTimer(): void {
    if (this.readTimer !== undefined) clearTimeout(this.readTimer);
    this.readTimer = undefined;
  }

  /** Tells the engine not to report data before n bytes (from the read position) are buffered. */
  private requestWake(n: number): void {
    const position = this.reader.appendedTotal - this.reader.len() + n;
    if (position <= this.reader.appendedTotal || position === this.nativeWakeAt) return;
    this.nativeWakeAt = position;
    this.engine.native.setWakeAt(this.id, position);
  }

  private afterPeerClose(): void {
    if (this.delivery.isRunning || this.closed) return;
    if (!this.disconnectReported) {
      this.disconnectReported = true;
      this.host.disconnected(this, undefined);
      if (this.closed) return;
    }
    if (this.settings.closeOnPeerClose || this.onRequestHandler !== undefined) this.closeWhenIdle();
  }

  private checkWriteShutdown(): void {
    if (!this.writeShutdownRequested || this.writeShutDown || this.closed || this.writer.pending() !== 0) return;
    this.writeShutDown = true;
    const result = this.engine.native.shutdownWrite(this.id);
    // ENOTCONN: the peer reset meanwhile; the read side reports it.
    if (result < 0 && -result !== 107) this.host.reportError(errnoError(-result, 'shutdown(SHUT_WR)', this.label), this);
  }

  private checkCloseRequest(): void {
    if (this.closeRequested && !this.closed && this.isIdle()) this.close();
  }

  private armIdle(ms: number): void {
    this.idleTimer = setTimeout(this.onIdleCheck, ms);
    this.idleTimer.unref();
  }

  private readonly onIdleCheck = (): void => {
    this.idleTimer = undefined;
    const limit = this.settings.idleTimeout;
    if (this.closed || limit === 0) return;
    const now = Date.now();
    if (!this.isIdle()) this.lastActivity = now;
    const idle = now - this.lastActivity;
    if (idle >= limit) {
      this.close(new NetpollError('ETIMEDOUT', `idle timeout on ${this.label}: no traffic for ${idle} ms (limit ${limit} ms)`));
      return;
    }
    this.armIdle(limit - idle);
  };

  private readonly onReleased = (position: number): void => {
    if (this.disposed) return;
    this.engine.queueRelease(this.id, position);
    if (this.closed && position >= this.reader.appendedTotal) this.dispose();
  };

  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.engine.native.dispose(this.id);
    this.engine.forget(this.id);
  }

  private fetchAddresses(): [SocketAddressInfo, SocketAddressInfo] {
    if (this.addresses !== undefined) return this.addresses;
    const raw = this.disposed ? undefined : this.engine.native.addresses(this.id);
    if (raw === undefined) return [NO_ADDRESS, NO_ADDRESS];
    this.addresses = [
      { family: raw[0] as SocketAddressInfo['family'], address: raw[1], port: raw[2] },
      { family: raw[3] as SocketAddressInfo['family'], address: raw[4], port: raw[5] },
    ];
    return this.addresses;
  }

  private runCloseCallback(callback: CloseCallback): void {
    try {
      callback(this, this.closeError);
    } catch (error) {
      this.host.reportError(asError(error), this);
    }
  }

  private closedError(operation: string): NetpollError {
    return new NetpollError('ECLOSED', `${operation} on ${this.label}: the connection is closed`);
  }

  private eofError(n: number): NetpollError {
    return new NetpollError('EOF', `${this.label}: the peer closed the connection with ${this.reader.len()} of ${n} bytes buffered`);
  }
}

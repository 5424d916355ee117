import * as net from 'node:net';
import * as tls from 'node:tls';
// @thriftpoll/buffer is TypeScript only: nothing on this engine's path loads the native addon.
import { BufferSink, DeliveryLoop, LinkBuffer } from '@thriftpoll/buffer';
import { formatAddress, type Address } from './address';
import { RpcError, RpcOptionError, RpcTimeoutError } from '../errors';
import type { CloseCallback, ConnectionTuning, DialOptions, ListenOptions, NetConnection, NetEngine, NetListener, NetWriter, RequestHandler } from './net-connection';
import { socketReady } from './socket-ready';
import { connectionInfo, dialTls, tlsAcceptor, type TlsConnectionInfo } from './tls';

/** Why the 'net' engine refuses reusePort. */
export const NET_REUSE_PORT =
  "reusePort needs the 'netpoll' engine: Node 20's net.Server cannot set SO_REUSEPORT (its listen() gained reusePort only in Node 22.12); use engine 'netpoll', or one port per process";

const BLOCK_SIZE = 16 * 1024;
/** Default unsent bytes per connection past which needsDrain() is true (backpressure). */
const DEFAULT_WRITE_BUFFER_CAP = 4 * 1024 * 1024;
/**
 * Unreleased input per connection past which the socket is not read (as the native engine's readBufferCap):
 * a caller that sends faster than its requests are handled is held back by TCP instead of buffered here.
 */
const READ_BUFFER_CAP = 4 * 1024 * 1024;

/**
 * NetWriter over a Node socket: bytes go into a BufferSink's fixed blocks, which never move (so malloc'd regions
 * stay writable until flush), and flush() hands what was written to the socket in one corked batch, without
 * copying (the sink never writes over bytes it handed out).
 */
class SocketWriter extends BufferSink implements NetWriter {
  private writeTimer: NodeJS.Timeout | undefined;
  /** Bytes handed to the socket so far, and the flushes (end position, deadline) whose bytes are not all sent. */
  private handed = 0;
  private readonly unsentFlushes: { end: number; deadline: number }[] = [];

  constructor(
    private readonly socket: net.Socket,
    private readonly cap: number,
    /** ms the peer may leave flushed output untaken before the connection closes; 0: no limit. */
    private readonly writeTimeout = 0,
    private readonly onWriteTimeout: (error: Error) => void = () => undefined,
  ) {
    super(BLOCK_SIZE);
  }

  flush(): Promise<void> {
    const size = this.mallocLen();
    if (size === 0) return Promise.resolve();
    if (this.socket.destroyed) {
      this.discard();
      return Promise.reject(new RpcError('ECLOSED', 'write on a closed connection'));
    }
    this.socket.cork();
    this.handed += size;
    for (const chunk of this.takeViews()) this.socket.write(chunk);
    this.socket.uncork();
    if (this.writeTimeout > 0 && this.socket.writableLength > 0) {
      this.unsentFlushes.push({ end: this.handed, deadline: Date.now() + this.writeTimeout });
      if (this.writeTimer === undefined) this.armWriteTimer();
    }
    return this.needsDrain() ? this.drained() : Promise.resolve();
  }

  /** As the netpoll engine: the bytes of each flush must be taken by the peer within writeTimeout. */
  private armWriteTimer(): void {
    const sent = this.handed - this.socket.writableLength;
    while (this.unsentFlushes.length > 0 && this.unsentFlushes[0].end <= sent) this.unsentFlushes.shift();
    const oldest = this.unsentFlushes[0];
    if (oldest === undefined) return;
    const now = Date.now();
    if (oldest.deadline <= now) {
      const limit = this.writeTimeout;
      this.onWriteTimeout(new RpcTimeoutError('ETIMEDOUT', limit, `write timeout: ${this.socket.writableLength} bytes not taken by the peer within ${limit} ms`));
      return;
    }
    this.writeTimer = setTimeout(() => {
      this.writeTimer = undefined;
      this.armWriteTimer();
    }, oldest.deadline - now);
    this.writeTimer.unref();
  }

  needsDrain(): boolean {
    return this.socket.writableLength > this.cap;
  }

  drained(): Promise<void> {
    if (!this.needsDrain()) return Promise.resolve();
    if (this.socket.destroyed) return Promise.reject(new RpcError('ECONNRESET', 'the connection closed with output unsent'));
    return new Promise((resolve, reject) => {
      const onDrain = (): void => {
        this.socket.off('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        this.socket.off('drain', onDrain);
        reject(new RpcError('ECONNRESET', 'the connection closed with output unsent'));
      };
      this.socket.once('drain', onDrain);
      this.socket.once('close', onClose);
    });
  }

  discard(): void {
    if (this.writeTimer !== undefined) clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    this.unsentFlushes.length = 0;
    this.reset();
  }
}

function socketAddress(host: string | undefined, port: number | undefined, fallback: string): string {
  if (host === undefined || port === undefined) return fallback;
  return formatAddress({ host, port });
}

/** NetConnection over a Node `net.Socket`. */
class SocketConnection implements NetConnection {
  readonly reader = new LinkBuffer();
  readonly writer: SocketWriter;
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly tls: TlsConnectionInfo | undefined;
  private handler: RequestHandler | undefined;
  /** Calls the handler on the reader's input and releases it: @thriftpoll/buffer's loop, as the native engine. */
  private readonly delivery: DeliveryLoop;
  /** The socket is paused because READ_BUFFER_CAP bytes wait unreleased. */
  private readPaused = false;
  private peerEnded = false;
  private closed = false;
  private busy = false;
  private closeError: Error | undefined;
  private readonly closeCallbacks: CloseCallback[] = [];
  private onPeerClosed: (() => void) | undefined;

  private readTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: net.Socket,
    path: string | undefined,
    writeBufferCap = DEFAULT_WRITE_BUFFER_CAP,
    private readonly readTimeout = 0,
    tuning: ConnectionTuning = {},
  ) {
    this.writer = new SocketWriter(socket, writeBufferCap, tuning.writeTimeout ?? 0, (error) => this.fail(error));
    socket.setNoDelay(true);
    if ((tuning.keepAlive ?? 0) > 0 && path === undefined) socket.setKeepAlive(true, tuning.keepAlive);
    this.remoteAddress = path ?? socketAddress(socket.remoteAddress, socket.remotePort, 'unknown');
    this.localAddress = path ?? socketAddress(socket.localAddress, socket.localPort, 'unknown');
    this.tls = socket instanceof tls.TLSSocket ? connectionInfo(socket) : undefined;
    this.delivery = new DeliveryLoop(this.reader, {
      hasHandler: () => this.handler !== undefined,
      deliver: () => (this.handler as RequestHandler)(this),
      isClosed: () => this.closed,
      failed: (error) => this.fail(error),
      consumed: () => this.consumed(),
      resume: () => this.deliver(),
    });
    socket.on('data', (chunk: Buffer) => {
      this.reader.append(chunk);
      this.delivery.inputArrived();
      this.deliver();
    });
    socket.on('end', () => {
      this.peerEnded = true;
      this.onPeerClosed?.();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.closeError = new RpcError('ECONNRESET', `connection to ${this.remoteAddress} failed: ${error.message}`, {
        address: this.remoteAddress,
        cause: error,
      });
    });
    socket.on('close', () => {
      this.closed = true;
      if (this.readTimer !== undefined) clearTimeout(this.readTimer);
      this.writer.discard();
      for (const callback of this.closeCallbacks.splice(0)) callback(this.closeError);
    });
  }

  isActive(): boolean {
    return !this.closed && !this.peerEnded && !this.socket.destroyed;
  }

  setOnRequest(handler: RequestHandler): void {
    this.handler = handler;
    if (this.reader.len() > 0) this.deliver();
  }

  wakeAt(bytes: number): void {
    this.delivery.wakeAt(Math.max(1, bytes));
    const wanted = this.delivery.wanted;
    // A partial message is buffered: it must complete within readTimeout.
    if (this.readTimeout > 0 && this.readTimer === undefined && this.reader.len() > 0 && this.reader.len() < wanted) {
      const limit = this.readTimeout;
      this.readTimer = setTimeout(() => {
        this.readTimer = undefined;
        if (this.reader.len() >= this.delivery.wanted) return;
        this.closeError = new RpcTimeoutError('ETIMEDOUT', limit, `read timeout: ${this.reader.len()} of ${this.delivery.wanted} bytes of a message after ${limit} ms`, {
          address: this.remoteAddress,
        });
        this.close();
      }, limit);
      this.readTimer.unref();
    }
  }

  addCloseCallback(callback: CloseCallback): void {
    if (this.closed) callback(this.closeError);
    else this.closeCallbacks.push(callback);
  }

  setBusy(busy: boolean): void {
    this.busy = busy;
  }

  /** Closes the connection after `ms` without traffic, unless it is busy (calls in flight). */
  setIdleTimeout(ms: number): void {
    const onIdle = (): void => {
      // Busy: wait another period. setTimeout's callback is a one-time listener, so it is passed again.
      if (this.busy) this.socket.setTimeout(ms, onIdle);
      else this.socket.destroy();
    };
    this.socket.setTimeout(ms, onIdle);
  }

  setOnPeerClosed(callback: () => void): void {
    this.onPeerClosed = callback;
  }

  shutdownWrite(): void {
    // end() sends FIN after what was written; 'data' keeps arriving until the peer ends too.
    if (!this.socket.destroyed) this.socket.end();
  }

  close(): void {
    if (!this.socket.destroyed) this.socket.destroy();
  }

  /** The read timeout times one message, from its first bytes until the handler consumes it (see wakeAt). */
  private consumed(): void {
    if (this.readTimer !== undefined) clearTimeout(this.readTimer);
    this.readTimer = undefined;
  }

  /** Delivers what is buffered (see DeliveryLoop), then pauses or resumes reading by what waits unreleased. */
  private deliver(): void {
    if (this.closed) return;
    this.delivery.run();
    if (!this.closed) this.applyReadCap();
  }

  /** Stops reading the socket while too much input waits unreleased (never below the bytes a message needs). */
  private applyReadCap(): void {
    const full = this.reader.len() >= Math.max(READ_BUFFER_CAP, this.delivery.wanted);
    if (full && !this.readPaused) {
      this.readPaused = true;
      this.socket.pause();
    } else if (!full && this.readPaused) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  private fail(error: unknown): void {
    this.closeError = error instanceof Error ? error : new Error(String(error));
    this.close();
  }
}

function dialError(error: NodeJS.ErrnoException, key: string): RpcError {
  if (error.code === 'ECONNREFUSED') return new RpcError('ECONNREFUSED', `connection to ${key} refused`, { address: key, cause: error });
  return new RpcError('EDIAL', `cannot connect to ${key}: ${error.message}`, { address: key, cause: error });
}

/** The Node `net` engine. */
export const socketEngine: NetEngine = {
  name: 'net',

  listen(address: Address, onConnection: (connection: NetConnection) => void, options: ListenOptions = {}): Promise<NetListener> {
    if (options.reusePort === true) return Promise.reject(new RpcOptionError(NET_REUSE_PORT));
    const path = 'path' in address ? address.path : undefined;
    const idleTimeout = options.idleTimeout ?? 0;
    const accept = (socket: net.Socket): void => {
      const connection = new SocketConnection(socket, path, options.writeBufferCap, options.readTimeout, options);
      if (idleTimeout > 0) connection.setIdleTimeout(idleTimeout);
      onConnection(connection);
    };
    const server = net.createServer({ noDelay: true }, options.tls === undefined ? accept : tlsAcceptor(options.tls, accept, options.onError));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const listenOptions: net.ListenOptions = 'path' in address ? { path: address.path } : { host: address.host, port: address.port };
      server.listen({ ...listenOptions, backlog: options.backlog ?? 1024 }, () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        const bound = server.address();
        const boundAddress: Address = typeof bound === 'object' && bound !== null ? { host: bound.address, port: bound.port } : address;
        resolve({
          address: boundAddress,
          // server.close() stops accepting at once; its callback would wait for every connection to end.
          stopAccepting: () => {
            if (server.listening) server.close();
            return Promise.resolve();
          },
        });
      });
    });
  },

  dial(address: Address, timeout: number | undefined, options: DialOptions = {}): Promise<NetConnection> {
    const tlsOptions = options.tls;
    const key = formatAddress(address);
    const path = 'path' in address ? address.path : undefined;
    if (tlsOptions !== undefined) {
      if ('path' in address) return Promise.reject(new RpcError('EDIAL', `tls is for TCP addresses, not the socket path ${key}`, { address: key }));
      return dialTls(address.host, address.port, key, tlsOptions, timeout).then((socket) => new SocketConnection(socket, undefined, undefined, 0, options));
    }
    const connect = (): net.Socket => ('path' in address ? net.connect({ path: address.path }) : net.connect({ host: address.host, port: address.port }));
    return socketReady(connect, 'connect', timeout, (error) => dialError(error, key), `no connection to ${key} within ${timeout} ms (connectTimeout)`, key).then(
      (connected) => new SocketConnection(connected, path, undefined, 0, options),
    );
  },
};


import type { FlushableSink, Reader } from '@thriftpoll/buffer';
import type { Address } from './address';
import type { ResolvedClientTls, ResolvedServerTls, TlsConnectionInfo } from './tls';

/**
 * The network surface the RPC runtime runs on: one interface, two implementations — the native netpoll engine
 * (`netpoll-engine.ts`, the default) and Node's `net` sockets (`socket-engine.ts`, for platforms without the
 * addon and as the comparison baseline). Everything above (sessions, pools, servers, clients) sees only this.
 */

/**
 * Output of a connection: @thriftpoll/buffer's FlushableSink — the protocol `ByteSink` (reserve/commit), netpoll's
 * malloc family (a transport reserves a length prefix and fills it in later; the runtime rolls back a message
 * whose encoding failed half-way) and flush() with backpressure (needsDrain/drained).
 */
export type NetWriter = FlushableSink;

/**
 * What NetWriter.flush() returns when every byte was sent at once (netpoll's one shared, fulfilled promise): a
 * caller comparing with it may do its after-send work at once. Engines that cannot tell (Node's `net`) always
 * return promises of their own.
 */
export { FLUSHED } from '@thriftpoll/netpoll';

/** Called when a connection has input (at least the wake-at threshold); see NetConnection.setOnRequest. */
export type RequestHandler = (connection: NetConnection) => void | Promise<void>;

/** Why a connection closed: undefined for an orderly close (either side), else the error (ECONNRESET ...). */
export type CloseCallback = (error: Error | undefined) => void;

/** One connection, server side (accepted) or client side (dialed). */
export interface NetConnection {
  /** Input received and not yet consumed (netpoll's Reader over a LinkBuffer). */
  readonly reader: Reader;
  readonly writer: NetWriter;
  /** `host:port`, `[v6]:port` or the socket path. */
  readonly remoteAddress: string;
  readonly localAddress: string;
  /** The connection's TLS (protocol, peer certificate); undefined on plaintext. */
  readonly tls?: TlsConnectionInfo;
  /** False once the peer hung up or the connection closed. Input received before the hang-up is still readable. */
  isActive(): boolean;
  /**
   * Sets the input handler. It runs when input arrives (and at least the wake-at threshold is buffered); if it
   * returns a promise it is not called again for this connection until that settles, then again if input
   * remains. A throw or rejection closes the connection.
   */
  setOnRequest(handler: RequestHandler): void;
  /** Do not call the input handler until `bytes` are buffered (0 or 1: on any input). */
  wakeAt(bytes: number): void;
  /** Runs `callback` once when the connection closes, for any reason. Runs at once if already closed. */
  addCloseCallback(callback: CloseCallback): void;
  /**
   * Tells the engine whether the connection has work in flight, so that a graceful shutdown of the listener
   * closes idle connections at once and busy ones once they turn idle.
   */
  setBusy(busy: boolean): void;
  /**
   * Runs `callback` when the peer hangs up (FIN or reset), after the input it sent before was delivered; the
   * connection may still be open then (busy server connections are not closed by the engine on their own).
   */
  setOnPeerClosed(callback: () => void): void;
  /**
   * Half-closes: sends FIN once the output flushed so far has been sent, and nothing more is written. Input keeps
   * arriving (and the engine closes the connection once the peer closes too). See graceful-close.ts.
   */
  shutdownWrite(): void;
  /** Closes the connection at once; unsent output is discarded. Idempotent. */
  close(): void;
}

/** A listening endpoint. */
export interface NetListener {
  /** The bound address (the real port when 0 was asked for). */
  readonly address: Address;
  /** Stops accepting; open connections are left to their owner. Resolves once the listener is closed. */
  stopAccepting(): Promise<void>;
}

/** Options every engine understands for a listener. */
export interface ListenOptions {
  /** Pending connections queued by the kernel. Default 1024. */
  backlog?: number;
  /** Errors of the listener or of connections that nothing else reports (accept failures). */
  onError?: (error: Error) => void;
  /**
   * Closes a connection that has seen no traffic (either way) for this many ms. Application-level: not TCP
   * keepalive. 0 or undefined: never.
   */
  idleTimeout?: number;
  /** Unsent output per connection above which writers should wait (NetWriter.needsDrain). Default 4 MiB. */
  writeBufferCap?: number;
  /**
   * Closes a connection whose partly received message (less than its wake-at threshold) is not complete within
   * this many ms: a peer trickling bytes cannot hold a connection forever. 0 or undefined: no limit.
   */
  readTimeout?: number;
  /** TLS on this port (only the `net` engine supports it). */
  tls?: ResolvedServerTls;
  /** See ConnectionTuning. */
  writeTimeout?: number;
  /** See ConnectionTuning. */
  keepAlive?: number;
  /**
   * SO_REUSEPORT: several listeners (processes or worker threads) bind the same address and the kernel spreads
   * new connections over them. Engines that cannot set it reject the listen with RpcOptionError.
   */
  reusePort?: boolean;
}

/** Socket settings both sides may ask for (listen and dial). */
export interface ConnectionTuning {
  /**
   * Closes a connection whose peer has not taken flushed output for this many ms (it stopped reading). 0 or
   * undefined: no limit.
   */
  writeTimeout?: number;
  /** TCP keepalive probes after this many ms of silence (SO_KEEPALIVE; detects dead peers). 0 or undefined: off. */
  keepAlive?: number;
}

/** Options of a dial beyond its timeout. */
export interface DialOptions extends ConnectionTuning {
  /** TLS to the server (only the `net` engine supports it). */
  tls?: ResolvedClientTls;
  /** Errors of the connection that nothing else reports (an input handler that threw). */
  onError?: (error: Error) => void;
}

/** A network engine: how servers listen and clients dial. */
export interface NetEngine {
  readonly name: 'netpoll' | 'net';
  /** Listens on `address`; `onConnection` runs for every accepted connection, before any input is delivered. */
  listen(address: Address, onConnection: (connection: NetConnection) => void, options?: ListenOptions): Promise<NetListener>;
  /**
   * Dials `address`, failing after `timeout` ms with RpcTimeoutError ECONNTIMEOUT; refused with RpcError
   * ECONNREFUSED; other failures (no such socket path, unreachable host) RpcError EDIAL.
   */
  dial(address: Address, timeout: number | undefined, options?: DialOptions): Promise<NetConnection>;
}

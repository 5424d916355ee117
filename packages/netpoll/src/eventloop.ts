import { type Address, formatAddress, parseAddress, resolveHost, type SocketAddressInfo } from './address';
import { Connection, type ConnectionHost, type RequestHandler } from './connection';
import { defaultEngine, type Engine, type EngineClient, type ListenerClient } from './engine';
import { errnoError, errnoName, NetpollError } from './errors';
import { ListenFlag } from './binding';
import { booleanOption, functionOption, integerOption, knownKeys, objectOption, timeoutOption } from './options';
import {
  CONNECTION_OPTION_KEYS,
  type ConnectionOptions,
  connectionSettings,
  DEFAULT_BUFFER_CAP,
  validateConnectionOptions,
  type ValidatedConnectionOptions,
} from './settings';

/**
 * Server callbacks, in the order netpoll calls them:
 *   onPrepare -> onConnect -> onRequest (each time data is ready) -> onDisconnect (peer hung up) / close callbacks
 */
export interface EventLoopHandlers {
  /** Called first for every accepted connection; its return value becomes `connection.context`. */
  onPrepare?(connection: Connection): unknown;
  /** Called after onPrepare; if it returns a promise, onRequest waits for it. */
  onConnect?(connection: Connection): void | Promise<void>;
  /** Called when data is ready (see RequestHandler for the exact contract). */
  onRequest: RequestHandler;
  /** The peer hung up or reset (after the data it sent was delivered). */
  onDisconnect?(connection: Connection, error: Error | undefined): void;
  /** A handler threw or rejected (that connection is closed), or accepting failed. Default: console.error. */
  onError?(error: Error, connection: Connection | undefined): void;
}

export interface EventLoopOptions extends ConnectionOptions {
  /** The engine to run on. Default: the process-wide engine. */
  engine?: Engine;
  /** listen() backlog. Default 511. */
  backlog?: number;
  /** SO_REUSEPORT, so several processes can serve one port. Default false. */
  reusePort?: boolean;
  /** For `::`: accept IPv6 only (no IPv4-mapped addresses). Default false. */
  ipv6Only?: boolean;
}

export interface ShutdownOptions {
  /** Milliseconds to wait for busy connections before closing them anyway. Default 10000; 0 = wait for as long as they take. */
  timeout?: number;
}

/** What serve() resolves with: the bound address (with the actual port when 0 was asked for). */
export type ListeningAddress = SocketAddressInfo;

interface ListenerEntry {
  id: number;
  address: ListeningAddress;
}

/**
 * A server: accepts connections on one or more addresses and runs the handlers for them.
 *
 *   const loop = createEventLoop({ onRequest }, { idleTimeout: 60_000 });
 *   const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
 *   ...
 *   await loop.shutdown({ timeout: 5000 });
 */
export class EventLoop implements ConnectionHost {
  readonly engine: Engine;
  private readonly handlers: EventLoopHandlers;
  private readonly options: ValidatedConnectionOptions;
  private readonly backlog: number;
  private readonly reusePort: boolean;
  private readonly ipv6Only: boolean;
  private readonly listeners = new Map<number, ListenerEntry>();
  private readonly live = new Set<Connection>();
  private shuttingDown: Promise<void> | undefined;
  private shutdownResolve: (() => void) | undefined;
  private refd = true;
  private refHeld = false;

  constructor(handlers: EventLoopHandlers, options: EventLoopOptions = {}) {
    const checkedHandlers = objectOption('handlers', handlers);
    functionOption('handlers.onRequest', checkedHandlers.onRequest, true);
    for (const name of ['onPrepare', 'onConnect', 'onDisconnect', 'onError']) {
      functionOption(`handlers.${name}`, checkedHandlers[name], false);
    }
    const checked = objectOption('options', options);
    knownKeys('EventLoop options', checked, [...CONNECTION_OPTION_KEYS, 'engine', 'backlog', 'reusePort', 'ipv6Only']);
    this.handlers = handlers;
    this.options = validateConnectionOptions(checked);
    this.backlog = integerOption('backlog', checked.backlog, 511, 1, 65535);
    this.reusePort = booleanOption('reusePort', checked.reusePort, false);
    this.ipv6Only = booleanOption('ipv6Only', checked.ipv6Only, false);
    this.engine = options.engine ?? defaultEngine();
  }

  /** Starts accepting on `address`; resolves with the bound address. May be called for several addresses. */
  async serve(address: Address): Promise<ListeningAddress> {
    const parsed = parseAddress('serve(address)', address, 'listen');
    if (this.shuttingDown !== undefined) throw new NetpollError('ECLOSED', 'serve(): the event loop is shutting down');
    let flags = this.options.noDelay ? ListenFlag.NoDelay : 0;
    if (this.reusePort) flags |= ListenFlag.ReusePort;
    if (this.ipv6Only) flags |= ListenFlag.Ipv6Only;
    let where: string;
    let port = 0;
    if ('path' in parsed) {
      where = parsed.path;
      flags |= ListenFlag.Unix;
    } else {
      where = await resolveHost(parsed.host);
      port = parsed.port;
    }
    const id = this.engine.native.listen(where, port, this.backlog, flags);
    if (id < 0) throw errnoError(-id, 'listen', formatAddress(parsed));
    const bound: ListeningAddress =
      'path' in parsed
        ? { family: 'unix', address: parsed.path, port: 0 }
        : { family: where.includes(':') ? 'IPv6' : 'IPv4', address: where, port: this.engine.lastBoundPort() };
    this.listeners.set(id, { id, address: bound });
    this.engine.registerListener(id, this.listenerClient);
    this.updateRef();
    return bound;
  }

  /** The addresses being served. */
  addresses(): ListeningAddress[] {
    return [...this.listeners.values()].map((entry) => entry.address);
  }

  /** Open connections of this loop. */
  connectionCount(): number {
    return this.live.size;
  }

  /**
   * Stops accepting and leaves the open connections to their handlers (which close them as they see fit, e.g.
   * with a graceful half-close). Idempotent.
   */
  stopAccepting(): void {
    for (const entry of this.listeners.values()) {
      this.engine.native.closeListener(entry.id);
      this.engine.forgetListener(entry.id);
    }
    this.listeners.clear();
    this.updateRef();
  }

  /**
   * Stops accepting, closes idle connections at once, lets busy ones (a handler running, marked busy, or
   * output unsent) finish and closes them when idle; at `timeout` closes whatever is left. Resolves when every
   * connection is closed. Calling it again returns the same promise.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (this.shuttingDown !== undefined) return this.shuttingDown;
    const checked = objectOption('shutdown options', options);
    knownKeys('shutdown options', checked, ['timeout']);
    const timeout = timeoutOption('timeout', checked.timeout, 10_000);
    this.stopAccepting();
    this.shuttingDown = new Promise<void>((resolve) => {
      this.shutdownResolve = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    if (timeout > 0) {
      timer = setTimeout(() => {
        for (const connection of [...this.live]) {
          connection.close(new NetpollError('ETIMEDOUT', `shutdown timeout (${timeout} ms): closing busy ${connection.label}`));
        }
      }, timeout);
    }
    for (const connection of [...this.live]) connection.closeWhenIdle();
    this.checkShutdownDone();
    return this.shuttingDown.finally(() => {
      if (timer !== undefined) clearTimeout(timer);
    });
  }

  /** Lets the process exit while the loop is serving (like net.Server#unref). */
  unref(): void {
    this.refd = false;
    this.updateRef();
  }

  ref(): void {
    this.refd = true;
    this.updateRef();
  }

  // ---- ConnectionHost ----

  /** @internal */
  reportError(error: Error, connection: Connection | undefined): void {
    const onError = this.handlers.onError;
    if (onError === undefined) {
      console.error(`thriftpoll: ${connection === undefined ? 'server' : connection.label}:`, error);
      return;
    }
    try {
      onError.call(this.handlers, error, connection);
    } catch (nested) {
      console.error('thriftpoll: onError threw', nested);
    }
  }

  /** @internal */
  disconnected(connection: Connection, error: Error | undefined): void {
    const onDisconnect = this.handlers.onDisconnect;
    if (onDisconnect === undefined) return;
    try {
      onDisconnect.call(this.handlers, connection, error);
    } catch (thrown) {
      this.reportError(thrown instanceof Error ? thrown : new Error(String(thrown)), connection);
    }
  }

  /** @internal */
  closed(connection: Connection): void {
    this.live.delete(connection);
    this.checkShutdownDone();
  }

  // ---- internals ----

  private readonly listenerClient: ListenerClient = {
    onAccept: (connId: number): EngineClient | undefined => this.accept(connId),
    onAcceptError: (errno: number, backoffMs: number): void => {
      this.reportError(
        new NetpollError(errnoName(errno), `accept failed: ${errnoName(errno)}; not accepting for ${backoffMs} ms, then retrying`, {
          errno,
          syscall: 'accept',
        }),
        undefined,
      );
    },
  };

  private accept(connId: number): EngineClient | undefined {
    if (this.shuttingDown !== undefined) return undefined;
    const connection = new Connection(this.engine, connId, this, connectionSettings(this.options, true), this.handlers.onRequest);
    this.live.add(connection);
    const options = this.options;
    try {
      if (options.keepAlive > 0) connection.setKeepAlive(true, options.keepAlive);
      if (options.readBufferCap !== DEFAULT_BUFFER_CAP) connection.setReadBufferCap(options.readBufferCap);
      if (this.handlers.onPrepare !== undefined) connection.context = this.handlers.onPrepare(connection);
      if (this.handlers.onConnect !== undefined) {
        const result = this.handlers.onConnect(connection);
        if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
          // onRequest waits for onConnect; the connection counts as busy meanwhile.
          connection.hold();
          (result as Promise<void>).then(
            () => connection.unhold(),
            (error: unknown) => {
              const failure = error instanceof Error ? error : new Error(String(error));
              this.reportError(failure, connection);
              connection.close(failure);
            },
          );
        }
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.reportError(failure, connection);
      connection.close(failure);
    }
    return connection;
  }

  private checkShutdownDone(): void {
    if (this.shutdownResolve !== undefined && this.live.size === 0) {
      const resolve = this.shutdownResolve;
      this.shutdownResolve = undefined;
      this.updateRef();
      resolve();
    }
  }

  private updateRef(): void {
    const want = this.refd && this.listeners.size > 0;
    if (want === this.refHeld) return;
    this.refHeld = want;
    if (want) this.engine.ref();
    else this.engine.unref();
  }
}

/** Creates a server (netpoll's NewEventLoop). Handlers and options are validated here. */
export function createEventLoop(handlers: EventLoopHandlers, options?: EventLoopOptions): EventLoop {
  return new EventLoop(handlers, options);
}


import type { Connection, EventLoop } from '@thriftpoll/netpoll';
import { formatAddress, type Address } from './address';
import { RpcError, RpcTimeoutError } from '../errors';
import type { CloseCallback, DialOptions, ListenOptions, NetConnection, NetEngine, NetListener, NetWriter, RequestHandler } from './net-connection';

/**
 * The engine's module, loaded on first use: importing @thriftpoll/rpc must work where the native addon is not
 * built (the 'net' engine then serves).
 */
type NetpollModule = typeof import('@thriftpoll/netpoll');
let netpoll: NetpollModule | undefined;

function load(): NetpollModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (netpoll ??= require('@thriftpoll/netpoll') as NetpollModule);
}

/**
 * NetConnection over a netpoll engine Connection. The engine already speaks the runtime's language (a
 * LinkBuffer reader, a Writer with malloc/mallocAck/flush, wake-at, busy marks); this only adapts names.
 */
class EngineConnection implements NetConnection {
  readonly reader: Connection['reader'];
  readonly writer: NetWriter;
  private handler: RequestHandler | undefined;
  /** @internal Called by the listener's onDisconnect. */
  onPeerClosed: (() => void) | undefined = undefined;
  private remote: string | undefined;
  private local: string | undefined;

  constructor(private readonly raw: Connection) {
    this.reader = raw.reader;
    this.writer = raw.writer;
  }

  get remoteAddress(): string {
    return (this.remote ??= load().formatAddress(this.raw.remoteAddress));
  }

  get localAddress(): string {
    return (this.local ??= load().formatAddress(this.raw.localAddress));
  }

  isActive(): boolean {
    return this.raw.isActive();
  }

  setOnRequest(handler: RequestHandler): void {
    this.handler = handler;
    this.raw.setOnRequest(this.dispatch);
  }

  /** The engine's request handler for this connection. */
  readonly dispatch = (): void | Promise<void> => this.handler?.(this);

  wakeAt(bytes: number): void {
    this.raw.wakeAt(bytes < 1 ? 1 : bytes);
  }

  addCloseCallback(callback: CloseCallback): void {
    this.raw.addCloseCallback((_connection, error) => callback(error));
  }

  setBusy(busy: boolean): void {
    if (busy) this.raw.markBusy();
    else this.raw.markIdle();
  }

  setOnPeerClosed(callback: () => void): void {
    this.onPeerClosed = callback;
  }

  shutdownWrite(): void {
    this.raw.shutdownWrite();
  }

  close(): void {
    this.raw.close();
  }
}

function dialError(error: unknown, key: string, timeout: number | undefined): RpcError {
  const code = error instanceof load().NetpollError ? (error as { code: string }).code : undefined;
  const detail = error instanceof Error ? error.message : String(error);
  if (code === 'ECONNREFUSED') return new RpcError('ECONNREFUSED', `connection to ${key} refused`, { address: key, cause: error });
  if (code === 'ETIMEDOUT' && timeout !== undefined) {
    return new RpcTimeoutError('ECONNTIMEOUT', timeout, `no connection to ${key} within ${timeout} ms (connectTimeout)`, { address: key, cause: error });
  }
  return new RpcError('EDIAL', `cannot connect to ${key}: ${detail}`, { address: key, cause: error });
}

/** The native netpoll engine (the default where the addon is built). */
export const netpollEngine: NetEngine = {
  name: 'netpoll',

  async listen(address: Address, onConnection: (connection: NetConnection) => void, options: ListenOptions = {}): Promise<NetListener> {
    const loop: EventLoop = load().createEventLoop(
      {
        onPrepare: (raw) => {
          const connection = new EngineConnection(raw);
          onConnection(connection);
          return connection;
        },
        onRequest: (raw) => (raw.context as EngineConnection).dispatch(),
        onDisconnect: (raw) => (raw.context as EngineConnection).onPeerClosed?.(),
        onError: (error) => options.onError?.(error),
      },
      {
        backlog: options.backlog ?? 1024,
        reusePort: options.reusePort ?? false,
        idleTimeout: options.idleTimeout === undefined ? 0 : Math.ceil(options.idleTimeout),
        ...(options.writeBufferCap === undefined ? {} : { writeBufferCap: options.writeBufferCap }),
        ...(options.readTimeout === undefined ? {} : { readTimeout: Math.ceil(options.readTimeout) }),
        ...(options.writeTimeout === undefined ? {} : { writeTimeout: Math.ceil(options.writeTimeout) }),
        ...(options.keepAlive === undefined ? {} : { keepAlive: Math.ceil(options.keepAlive) }),
      },
    );
    const bound = await loop.serve(address);
    const boundAddress: Address = bound.family === 'unix' ? { path: bound.address } : { host: bound.address, port: bound.port };
    return {
      address: boundAddress,
      // Only the listener closes: the sessions close their connections themselves, gracefully (graceful-close.ts).
      stopAccepting: () => {
        loop.stopAccepting();
        return Promise.resolve();
      },
    };
  },

  async dial(address: Address, timeout: number | undefined, options: DialOptions = {}): Promise<NetConnection> {
    const key = formatAddress(address);
    const onError = options.onError;
    try {
      const raw = await load().dial(address, {
        timeout: timeout === undefined ? 0 : Math.max(1, Math.ceil(timeout)),
        ...(options.writeTimeout === undefined ? {} : { writeTimeout: Math.ceil(options.writeTimeout) }),
        ...(options.keepAlive === undefined ? {} : { keepAlive: Math.ceil(options.keepAlive) }),
        ...(onError === undefined ? {} : { onError: (error: Error) => onError(error) }),
      });
      return new EngineConnection(raw);
    } catch (error) {
      throw dialError(error, key, timeout);
    }
  },
};

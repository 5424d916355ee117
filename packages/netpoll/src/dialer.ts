import { type Address, formatAddress, parseAddress, resolveHost } from './address';
import { Connection, type ConnectionHost, type RequestHandler } from './connection';
import { defaultEngine, type Engine, type EngineClient } from './engine';
import { errnoError, NetpollError } from './errors';
import { functionOption, knownKeys, objectOption, timeoutOption } from './options';
import { CONNECTION_OPTION_KEYS, type ConnectionOptions, connectionSettings, DEFAULT_BUFFER_CAP, validateConnectionOptions } from './settings';

export interface DialOptions extends ConnectionOptions {
  /** Milliseconds for the connect to complete before it fails with ETIMEDOUT. Default 30000; 0 = no limit. */
  timeout?: number;
  /** The engine to use. Default: the process-wide engine. */
  engine?: Engine;
  /** A request handler from the start (same contract as the server's onRequest). Or set it later. */
  onRequest?: RequestHandler;
  /** Reports handler errors of this connection. Default: console.error. */
  onError?: (error: Error, connection: Connection) => void;
}

const DIAL_OPTION_KEYS = [...CONNECTION_OPTION_KEYS, 'timeout', 'engine', 'onRequest', 'onError'];

/**
 * Connects to a TCP address (IPv4/IPv6, host names resolved first) or a Unix socket path with a non-blocking
 * connect. Rejects with a NetpollError: ECONNREFUSED, ENOENT (no such socket path), ETIMEDOUT (timeout), ...
 */
export async function dial(address: Address, options: DialOptions = {}): Promise<Connection> {
  const parsed = parseAddress('dial(address)', address, 'dial');
  const checked = objectOption('dial options', options);
  knownKeys('dial options', checked, DIAL_OPTION_KEYS);
  const validated = validateConnectionOptions(checked);
  const timeout = timeoutOption('timeout', checked.timeout, 30_000);
  const onRequest = functionOption<RequestHandler>('onRequest', checked.onRequest, false);
  const onError = functionOption<(error: Error, connection: Connection) => void>('onError', checked.onError, false);
  const engine = options.engine ?? defaultEngine();
  const target = formatAddress(parsed);
  let where: string;
  let port = 0;
  const unix = 'path' in parsed;
  if ('path' in parsed) where = parsed.path;
  else {
    where = await resolveHost(parsed.host);
    port = parsed.port;
  }
  const id = engine.native.dial(where, port, unix);
  if (id < 0) throw errnoError(-id, 'connect', target);

  const host: ConnectionHost = {
    reportError(error, connection) {
      if (onError !== undefined) onError(error, connection);
      else console.error(`thriftpoll: ${connection.label}:`, error);
    },
    disconnected() {},
    closed() {},
  };

  engine.ref();
  return new Promise<Connection>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (): void => {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      engine.unref();
    };
    if (timeout > 0) {
      timer = setTimeout(() => {
        if (settled) return;
        finish();
        engine.forgetDial(id);
        engine.native.dispose(id);
        reject(new NetpollError('ETIMEDOUT', `connect ${target} timed out after ${timeout} ms`, { syscall: 'connect' }));
      }, timeout);
    }
    engine.registerDial(id, {
      onConnect(connId: number, errno: number): EngineClient | undefined {
        if (settled) return undefined;
        finish();
        if (errno !== 0) {
          reject(errnoError(errno, 'connect', target));
          return undefined;
        }
        const connection = new Connection(engine, connId, host, connectionSettings(validated, false), onRequest);
        try {
          if (!unix && !validated.noDelay) connection.setNoDelay(false);
          else if (!unix) connection.setNoDelay(true);
          if (validated.keepAlive > 0 && !unix) connection.setKeepAlive(true, validated.keepAlive);
          if (validated.readBufferCap !== DEFAULT_BUFFER_CAP) connection.setReadBufferCap(validated.readBufferCap);
        } catch (error) {
          connection.close(error instanceof Error ? error : undefined);
          reject(error);
          return undefined;
        }
        resolve(connection);
        return connection;
      },
    });
  });
}

import type { ConnectionSettings } from './connection';
import { InvalidOptionError } from './errors';
import { integerOption, timeoutOption } from './options';

/** Options every connection accepts (EventLoop options for accepted ones, dial() options for dialed ones). */
export interface ConnectionOptions {
  /**
   * Milliseconds a waitFor() (or the rest of a frame announced with wakeAt()) may take before it fails with
   * ETIMEDOUT; for a handler-driven connection the connection is then closed. 0 (default) = no limit.
   */
  readTimeout?: number;
  /** Milliseconds a flush may wait for the peer to take its bytes; then the connection closes (ETIMEDOUT). 0 (default) = none. */
  writeTimeout?: number;
  /**
   * Closes a connection that has seen no traffic for this many milliseconds (ETIMEDOUT). Application-level:
   * NOT TCP keepalive (see `keepAlive`). 0 (default) = never.
   */
  idleTimeout?: number;
  /**
   * TCP keepalive probes after this many milliseconds of silence (SO_KEEPALIVE; detects dead peers, never
   * closes a live idle one). 0 (default) = off.
   */
  keepAlive?: number;
  /** TCP_NODELAY. Default true (RPC traffic is latency-bound). */
  noDelay?: boolean;
  /**
   * Received bytes not yet released above which the engine stops reading the connection (EPOLLIN dropped)
   * until the handler releases: a slow handler cannot make input grow without bound. Always at least the
   * wake-at threshold. Default 4 MiB.
   */
  readBufferCap?: number;
  /** Flushed-but-unsent bytes above which writer.needsDrain() is true. Default 4 MiB. */
  writeBufferCap?: number;
}

export const CONNECTION_OPTION_KEYS = [
  'readTimeout',
  'writeTimeout',
  'idleTimeout',
  'keepAlive',
  'noDelay',
  'readBufferCap',
  'writeBufferCap',
] as const;

export const DEFAULT_BUFFER_CAP = 4 * 1024 * 1024;

export interface ValidatedConnectionOptions {
  readTimeout: number;
  writeTimeout: number;
  idleTimeout: number;
  keepAlive: number;
  noDelay: boolean;
  readBufferCap: number;
  writeBufferCap: number;
}

export function validateConnectionOptions(options: Record<string, unknown>): ValidatedConnectionOptions {
  const noDelay = options.noDelay;
  if (noDelay !== undefined && typeof noDelay !== 'boolean') {
    throw new InvalidOptionError(`noDelay must be a boolean, got ${typeof noDelay}`);
  }
  const keepAlive = timeoutOption('keepAlive', options.keepAlive);
  if (keepAlive !== 0 && keepAlive < 1000) {
    // The kernel counts keepalive idle time in whole seconds.
    throw new InvalidOptionError(`keepAlive must be 0 (off) or at least 1000 ms, got ${keepAlive}`);
  }
  return {
    readTimeout: timeoutOption('readTimeout', options.readTimeout),
    writeTimeout: timeoutOption('writeTimeout', options.writeTimeout),
    idleTimeout: timeoutOption('idleTimeout', options.idleTimeout),
    keepAlive,
    noDelay: noDelay ?? true,
    readBufferCap: integerOption('readBufferCap', options.readBufferCap, DEFAULT_BUFFER_CAP, 1, 2 ** 40),
    writeBufferCap: integerOption('writeBufferCap', options.writeBufferCap, DEFAULT_BUFFER_CAP, 0, 2 ** 40),
  };
}

export function connectionSettings(options: ValidatedConnectionOptions, closeOnPeerClose: boolean): ConnectionSettings {
  return {
    readTimeout: options.readTimeout,
    writeTimeout: options.writeTimeout,
    idleTimeout: options.idleTimeout,
    writeBufferCap: options.writeBufferCap,
    closeOnPeerClose,
  };
}

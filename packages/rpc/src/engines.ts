import { RpcOptionError } from './errors';
import type { NetEngine } from './net-connection';
import { netpollEngine } from './netpoll-engine';
import { socketEngine } from './socket-engine';
import { describeValue } from './validate';

/** Engines by name: 'netpoll' (the native engine) and 'net' (Node sockets). */
export type EngineName = 'netpoll' | 'net';

let nativeAvailable: boolean | undefined;

/** True when the native addon is built and loads (then 'netpoll' is the default engine). */
export function netpollAvailable(): boolean {
  if (nativeAvailable === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('@thriftpoll/native');
      nativeAvailable = true;
    } catch {
      nativeAvailable = false;
    }
  }
  return nativeAvailable;
}

/** Resolves an `engine` option: a name, an engine object, or undefined for the default (netpoll when built). */
export function resolveEngine(value: unknown, name: string): NetEngine {
  if (value === undefined) return netpollAvailable() ? netpollEngine : socketEngine;
  if (value === 'net') return socketEngine;
  if (value === 'netpoll') {
    if (!netpollAvailable()) {
      throw new RpcOptionError(`${name} 'netpoll' needs the native addon, which did not load (run npm install to build it), or use engine 'net'`);
    }
    return netpollEngine;
  }
  if (typeof value === 'object' && value !== null && typeof (value as NetEngine).listen === 'function' && typeof (value as NetEngine).dial === 'function') {
    return value as NetEngine;
  }
  throw new RpcOptionError(`${name} must be 'netpoll', 'net' or an engine object, got ${describeValue(value)}`);
}

import { nativeLoadError } from '@thriftpoll/netpoll';
import { RpcOptionError } from '../errors';
import type { NetEngine } from './net-connection';
import { netpollEngine } from './netpoll-engine';
import { socketEngine } from './socket-engine';
import { describeValue } from '../validate';

/** Engines by name: 'netpoll' (the native engine) and 'net' (Node sockets). */
export type EngineName = 'netpoll' | 'net';

/** The environment variable that picks the default engine of every server and client in the process. */
export const ENGINE_VARIABLE = 'THRIFTPOLL_ENGINE';

/** The command that builds the addon, in an application that installed thriftpoll and in this repository. */
export const BUILD_NATIVE_COMMAND = 'npm rebuild @thriftpoll/native';

let fallbackWarned = false;

/** True when the native addon is built and loads (then 'netpoll' is the default engine). */
export function netpollAvailable(): boolean {
  return nativeLoadError() === null;
}

/** Why the addon did not load, in one line (the first line of the loader's message). */
function loadFailure(error: Error): string {
  return error.message.split('\n')[0];
}

/** The default engine: THRIFTPOLL_ENGINE when set, else netpoll where the addon loads, else net (warned once). */
function defaultEngine(name: string): NetEngine {
  const chosen = process.env[ENGINE_VARIABLE];
  if (chosen !== undefined && chosen !== '') {
    if (chosen !== 'net' && chosen !== 'netpoll') {
      throw new RpcOptionError(`${ENGINE_VARIABLE} must be 'netpoll' or 'net', got ${describeValue(chosen)} (unset it for the default)`);
    }
    return resolveEngine(chosen, `${name} (from ${ENGINE_VARIABLE})`);
  }
  const error = nativeLoadError();
  if (error === null) return netpollEngine;
  if (!fallbackWarned) {
    fallbackWarned = true;
    process.emitWarning(
      `the native engine did not load (${loadFailure(error)}); thriftpoll runs on Node's net sockets instead. ` +
        `Build the addon with \`${BUILD_NATIVE_COMMAND}\` (needs python3, make and a C++ compiler), ` +
        `or set ${ENGINE_VARIABLE}=net or engine: 'net' to choose the net engine and silence this warning`,
      { code: 'THRIFTPOLL_NATIVE_UNAVAILABLE' },
    );
  }
  return socketEngine;
}

/**
 * Resolves an `engine` option: a name, an engine object, or undefined for the default (THRIFTPOLL_ENGINE, else
 * netpoll when the addon loads, else net).
 */
export function resolveEngine(value: unknown, name: string): NetEngine {
  if (value === undefined) return defaultEngine(name);
  if (value === 'net') return socketEngine;
  if (value === 'netpoll') {
    const error = nativeLoadError();
    if (error !== null) {
      throw new RpcOptionError(
        `${name} 'netpoll' needs the native addon, which did not load: ${loadFailure(error)}. ` +
          `Build it with \`${BUILD_NATIVE_COMMAND}\` (needs python3, make and a C++ compiler), or use engine 'net'`,
        { cause: error },
      );
    }
    return netpollEngine;
  }
  if (typeof value === 'object' && value !== null && typeof (value as NetEngine).listen === 'function' && typeof (value as NetEngine).dial === 'function') {
    return value as NetEngine;
  }
  throw new RpcOptionError(`${name} must be 'netpoll', 'net' or an engine object, got ${describeValue(value)}`);
}

/** The engine of a TLS server or client: `net` (TLS runs on node:tls); the native engine is refused by name. */
export function resolveTlsEngine(value: unknown, name: string): NetEngine {
  if (value === 'netpoll') {
    throw new RpcOptionError(`tls runs on the 'net' engine (node:tls): remove ${name} 'netpoll' or set ${name}: 'net'`);
  }
  return value === undefined ? socketEngine : resolveEngine(value, name);
}

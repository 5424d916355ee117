import type * as net from 'node:net';
import { RpcTimeoutError } from '../errors';

/**
 * @internal Opens a socket with `connect` (inside the promise, so that a throw rejects it) and resolves with it once it emits `readyEvent` ('connect', or 'secureConnect' for TLS). On an error
 * first, destroys it and rejects with `failure(error)`; after `timeout` ms, destroys it and rejects with
 * ECONNTIMEOUT and `timeoutMessage` (later errors of the destroyed socket are swallowed).
 */
export function socketReady<S extends net.Socket>(
  connect: () => S,
  readyEvent: 'connect' | 'secureConnect',
  timeout: number | undefined,
  failure: (error: NodeJS.ErrnoException) => Error,
  timeoutMessage: string,
  address: string,
): Promise<S> {
  return new Promise((resolve, reject) => {
    const socket = connect();
    let timer: NodeJS.Timeout | undefined;
    const onError = (error: NodeJS.ErrnoException): void => {
      if (timer !== undefined) clearTimeout(timer);
      socket.destroy();
      reject(failure(error));
    };
    socket.once('error', onError);
    if (timeout !== undefined) {
      timer = setTimeout(() => {
        socket.off('error', onError);
        socket.on('error', () => undefined);
        socket.destroy();
        reject(new RpcTimeoutError('ECONNTIMEOUT', timeout, timeoutMessage, { address }));
      }, timeout);
    }
    socket.once(readyEvent, () => {
      if (timer !== undefined) clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

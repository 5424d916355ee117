import { AsyncLocalStorage } from 'node:async_hooks';
import { KITEX_BACKWARD_PREFIX, KITEX_PERSIST_PREFIX } from '@thriftpoll/transport';
import type { ClientContext } from '../client/client-context';
import { RpcTimeoutError } from '../errors';
import type { Middleware } from '../middleware';
import type { ServerContext } from '../server/server-context';

/**
 * Context that travels by itself: while a server with `propagateContext: true` runs a handler, the handler's
 * call is the current "server call" (an AsyncLocalStorage store that follows the handler's awaits, timers and
 * callbacks). A client call made then — by any thriftpoll client in the process — inherits from it:
 *
 *   deadline       the call's timeout is at most the time the upstream caller has left; a call made after the
 *                  deadline passed fails at once with ETIMEDOUT, without being sent
 *   RPC_PERSIST_*  headers the upstream sent with this prefix go on with every downstream call (the whole chain)
 *   RPC_TRANSIT_*  headers with this prefix reach one hop only: they are not passed on
 *   RPC_BACKWARD_* headers a downstream reply carries with this prefix are added to the server call's reply
 *
 * The prefixes are Kitex's metainfo (see `kitexMetainfo` in @thriftpoll/transport), so values cross Kitex
 * services as they would between Kitex services.
 */

const storage = new AsyncLocalStorage<ServerContext>();
/** Set once a server propagates context: until then clients do not even look for a server call. */
let inUse = false;

/** The server middleware that makes each call the current one while its handler runs. */
export function callScopeMiddleware(): Middleware<ServerContext> {
  inUse = true;
  return (context, next) => storage.run(context, next);
}

/** The server call being handled, when a server with `propagateContext` runs this code; undefined otherwise. */
export function currentServerCall(): ServerContext | undefined {
  return inUse ? storage.getStore() : undefined;
}

/**
 * Runs a client call (`run`) made while `upstream` is being handled: applies the deadline and the persistent
 * headers first, and hands the reply's backward headers to the upstream reply after.
 */
export function callWithin<R>(upstream: ServerContext, context: ClientContext, run: () => Promise<R>): Promise<R> {
  const left = upstream.remaining();
  if (left <= 0) {
    return Promise.reject(
      new RpcTimeoutError(
        'ETIMEDOUT',
        0,
        `${context.service}.${context.method} was not called: the deadline of the call being handled (${upstream.service}.${upstream.method} from ${upstream.peer}) passed ${Math.ceil(-left)} ms ago`,
      ),
    );
  }
  if (left !== Infinity && (context.timeout === undefined || context.timeout > left)) context.timeout = Math.max(1, Math.floor(left));
  const incoming = upstream.requestMetadata.isEmpty() ? undefined : upstream.requestHeaders;
  if (incoming !== undefined) {
    let outgoing: Record<string, string> | undefined;
    for (const key of Object.keys(incoming)) {
      if (!key.startsWith(KITEX_PERSIST_PREFIX)) continue;
      outgoing ??= context.requestHeaders;
      // The handler's own value for a key wins over the upstream's.
      if (!(key in outgoing)) outgoing[key] = incoming[key];
    }
  }
  return run().then((result) => {
    const back = context.responseHeaders;
    for (const key of Object.keys(back)) {
      if (key.startsWith(KITEX_BACKWARD_PREFIX)) upstream.responseHeaders[key] = back[key];
    }
    return result;
  });
}

import { TApplicationException, TApplicationExceptionType } from '@thriftpoll/protocol';
import { RpcOverloadError, type OverloadLimit } from './errors';

/**
 * How a server says "over a limit, not executed" on the wire, so that any Thrift client understands it and a
 * thriftpoll client can turn it into a typed `RpcOverloadError` (retrySafe):
 *
 *   EXCEPTION message, TApplicationException { type: INTERNAL_ERROR, message: "overloaded (<limit>): <detail>" }
 *
 * e.g. "overloaded (maxConcurrentRequests): 1000 requests in flight on the server, maxConcurrentRequests 1000".
 * Apache and Kitex clients see an ordinary TApplicationException with that message.
 */
const PREFIX = /^overloaded \((maxConnections|maxConcurrentRequests|maxConcurrentRequestsPerConnection|maxFrameSize|maxMessageSize|shuttingDown)\): /;

export function overloadMessage(limit: OverloadLimit, detail: string): string {
  return `overloaded (${limit}): ${detail}`;
}

/** The typed error for an overload reply, or undefined when `error` is some other TApplicationException. */
export function overloadFromReply(error: TApplicationException, address: string): RpcOverloadError | undefined {
  if (error.type !== TApplicationExceptionType.INTERNAL_ERROR) return undefined;
  const match = PREFIX.exec(error.message);
  if (match === null) return undefined;
  return new RpcOverloadError('server', match[1] as OverloadLimit, `${address} refused the call: ${error.message}`, {
    address,
    cause: error,
  });
}

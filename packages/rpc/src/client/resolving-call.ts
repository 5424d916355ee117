import type { DiscoveredEndpoints } from '../discovery/discovered-endpoints';
import { RpcError } from '../errors';
import type { ClientContext } from './client-context';
import { abortError } from './first-contact';
import { RetryingCall, type RetryRoute } from './retrying-call';

/**
 * A client call is three layers of objects, each knowing only the route object its client built once for it (as
 * grpc-js's resolving → retrying → load-balancing calls); none calls back into RpcClient:
 *
 *   RpcClient.invoke ─► middleware (ClientContext) ─► ResolvingCall            one per call (this file)
 *                                                       │ closed? aborted? deadline; discovery's first list
 *                                                       ▼
 *                                                     RetryingCall             one per call (retrying-call.ts)
 *                                                       │ EndpointPicker (health, breakers, balancer);
 *                                                       │ retries, backup race, resend of unsent calls
 *                                                       ▼
 *                                                     startAttempt → Attempt   one per attempt (attempt.ts)
 *                                                         breaker admission, request headers, timer, abort,
 *                                                         pool → ClientConnection; settles itself
 */
export interface CallRoute extends RetryRoute {
  /** The client's discovered endpoints (a resolver was given), or undefined for a static address list. */
  readonly discovery: DiscoveredEndpoints | undefined;
}

/**
 * The resolving layer of one call: refuses it when the client is closed or its signal already aborted, fixes the
 * call's deadline once (the context's timeout, counted from now: every attempt and wait below shares it), waits for
 * discovery's first instance list when there is none yet (bounded by the timeout: rejects with its ENOINSTANCE
 * error), then hands the call to its RetryingCall. Always answers with a promise; nothing here throws.
 */
export class ResolvingCall {
  constructor(
    private readonly route: CallRoute,
    private readonly context: ClientContext,
  ) {}

  /** The call's outcome: its result, or the error of the layer that ended it. */
  start(): Promise<unknown> {
    const { route, context } = this;
    if (route.closed) return Promise.reject(new RpcError('ECLOSED', `the client is closed; ${context.service}.${context.method} was not called`));
    const signal = context.signal;
    if (signal?.aborted) return Promise.reject(abortError(context, undefined, signal.reason));
    const timeout = context.timeout;
    const deadline = timeout === undefined ? undefined : Date.now() + timeout;
    const discovery = route.discovery;
    if (discovery !== undefined && !discovery.ready) return discovery.whenReady(timeout).then(() => this.retrying(deadline));
    return this.retrying(deadline);
  }

  private retrying(deadline: number | undefined): Promise<unknown> {
    try {
      return new RetryingCall(this.route, this.context, deadline).start();
    } catch (error) {
      // A balancer of the user's (or a consistent-hash keyOf) threw: the call still fails by rejecting.
      return Promise.reject(error);
    }
  }
}

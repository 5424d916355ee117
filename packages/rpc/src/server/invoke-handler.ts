import type { Chain } from '../middleware';
import type { ServerContext } from './server-context';

/**
 * Calls the handler's method for a context: the arguments spread, then the context. Small arities avoid the
 * spread's allocation. The method is looked up at each call, so replacing or spying on it later takes effect.
 * Returns what the method returns (a value or a promise); throws what it throws.
 */
export function callHandler(context: ServerContext): unknown {
  const handler = context.handlerObject;
  const name = context.descriptor.propertyName;
  const fn = handler[name];
  if (typeof fn !== 'function') throw new TypeError(`the handler's ${name} is no longer a function (${typeof fn})`);
  const args = context.args;
  switch (args.length) {
    case 0:
      return fn.call(handler, context);
    case 1:
      return fn.call(handler, args[0], context);
    case 2:
      return fn.call(handler, args[0], args[1], context);
    case 3:
      return fn.call(handler, args[0], args[1], args[2], context);
    default:
      return fn.call(handler, ...args, context);
  }
}

/** What a handler threw, never `undefined` (which would read as success). */
export function thrownBy(context: ServerContext, error: unknown): unknown {
  return error === undefined ? new Error(`${context.service}.${context.method} threw undefined`) : error;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

const RESOLVED = Promise.resolve();

/** The middleware chain's terminal: runs the handler and records its outcome on the context. Never rejects. */
export const invokeHandler: Chain<ServerContext> = (context) => {
  let outcome: unknown;
  try {
    outcome = callHandler(context);
  } catch (error) {
    context.error = thrownBy(context, error);
    return RESOLVED;
  }
  if (isThenable(outcome)) {
    return Promise.resolve(outcome).then(
      (result) => {
        context.result = result;
      },
      (error: unknown) => {
        context.error = thrownBy(context, error);
      },
    );
  }
  context.result = outcome;
  return RESOLVED;
};

/**
 * Onion-style middleware, shared by servers and clients:
 *
 *   const timing: Middleware<ServerContext> = async (ctx, next) => {
 *     const start = performance.now();
 *     await next();                       // the rest of the chain, then the handler (or the network call)
 *     log(ctx.method, performance.now() - start, ctx.error);
 *   };
 *
 *   request  ──► m1 ──► m2 ──► ... ──► terminal (handler / transport)
 *   response ◄── m1 ◄── m2 ◄── ... ◄──┘
 *
 * A middleware may change `ctx` before `next()` (arguments, headers), inspect or replace the outcome after it,
 * short-circuit by not calling `next()` (setting the outcome itself), or throw. Calling `next()` twice is a bug
 * and rejects with an Error.
 */
export type Next = () => Promise<void>;

export type Middleware<Ctx> = (ctx: Ctx, next: Next) => Promise<void> | void;

/** The composed chain: runs every middleware around `terminal`. */
export type Chain<Ctx> = (ctx: Ctx) => Promise<void>;

/**
 * Composes `middleware` (outermost first) around `terminal`. With no middleware the terminal itself is returned,
 * so a server or client without middleware pays nothing for the feature.
 */
export function compose<Ctx>(middleware: readonly Middleware<Ctx>[], terminal: Chain<Ctx>): Chain<Ctx> {
  for (let i = 0; i < middleware.length; i++) {
    if (typeof middleware[i] !== 'function') {
      throw new TypeError(`middleware[${i}] must be a function (ctx, next) => Promise<void>, got ${typeof middleware[i]}`);
    }
  }
  if (middleware.length === 0) return terminal;
  const stack = middleware.slice();
  return (ctx: Ctx): Promise<void> => {
    let last = -1;
    const dispatch = (index: number): Promise<void> => {
      if (index <= last) return Promise.reject(new Error(`middleware[${index - 1}] called next() more than once`));
      last = index;
      if (index === stack.length) return terminal(ctx);
      try {
        return Promise.resolve(stack[index](ctx, () => dispatch(index + 1)));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return dispatch(0);
  };
}

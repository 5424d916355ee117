import { compose, type Middleware } from '@thriftpoll/rpc';

interface Ctx {
  trail: string[];
  result?: string;
}

describe('compose', () => {
  test('runs in onion order around the terminal', async () => {
    const m = (name: string): Middleware<Ctx> => async (ctx, next) => {
      ctx.trail.push(`${name}>`);
      await next();
      ctx.trail.push(`<${name}`);
    };
    const chain = compose<Ctx>([m('a'), m('b')], async (ctx) => {
      ctx.trail.push('terminal');
      ctx.result = 'done';
    });
    const ctx: Ctx = { trail: [] };
    await chain(ctx);
    expect(ctx.trail).toEqual(['a>', 'b>', 'terminal', '<b', '<a']);
    expect(ctx.result).toBe('done');
  });

  test('returns the terminal itself without middleware', () => {
    const terminal = async (): Promise<void> => undefined;
    expect(compose<Ctx>([], terminal)).toBe(terminal);
  });

  test('a middleware can short-circuit and replace the outcome', async () => {
    let reached = false;
    const chain = compose<Ctx>(
      [
        (ctx) => {
          ctx.result = 'cached';
        },
      ],
      async () => {
        reached = true;
      },
    );
    const ctx: Ctx = { trail: [] };
    await chain(ctx);
    expect(reached).toBe(false);
    expect(ctx.result).toBe('cached');
  });

  test('errors propagate outward and can be caught by an outer middleware', async () => {
    const seen: unknown[] = [];
    const chain = compose<Ctx>(
      [
        async (_ctx, next) => {
          try {
            await next();
          } catch (error) {
            seen.push(error);
            throw new Error('wrapped', { cause: error });
          }
        },
        () => {
          throw new Error('sync throw');
        },
      ],
      async () => undefined,
    );
    await expect(chain({ trail: [] })).rejects.toThrow('wrapped');
    expect((seen[0] as Error).message).toBe('sync throw');
  });

  test('calling next() twice rejects', async () => {
    const chain = compose<Ctx>(
      [
        async (_ctx, next) => {
          await next();
          await next();
        },
      ],
      async () => undefined,
    );
    await expect(chain({ trail: [] })).rejects.toThrow('middleware[0] called next() more than once');
  });

  test('non-functions are refused at composition', () => {
    expect(() => compose<Ctx>([42 as unknown as Middleware<Ctx>], async () => undefined)).toThrow(
      'middleware[0] must be a function (ctx, next) => Promise<void>, got number',
    );
  });
});

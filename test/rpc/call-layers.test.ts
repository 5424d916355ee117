import { createClient, createServer, type ClientContext, type Endpoint, type LoadBalancer, type Middleware } from '@thriftpoll/rpc';
import { EchoService } from './fixtures/echo-code-first';

/**
 * The retrying layer (client/retrying-call.ts) against real refused ports: which endpoints each attempt may go to,
 * and where the deadline stops it. The resolving layer's discovery wait is tested on a silent registry in
 * test/discovery/etcd.test.ts.
 */

/** A port on 127.0.0.1 that refuses connections: a real server listened there, then closed. */
async function refusedPort(): Promise<number> {
  const server = createServer({ service: EchoService, handler: new EchoService(), engine: 'net' });
  const address = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
  await server.close({ timeout: 100 });
  return address.port;
}

/** Appends each call's attempt count to `counts` once the call ended. */
function recordAttempts(counts: number[]): Middleware<ClientContext> {
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      counts.push(ctx.attempts);
    }
  };
}

/** Picks the first candidate and records the candidates it was offered. */
class RecordingBalancer implements LoadBalancer {
  readonly name = 'recording';
  readonly offered: string[][] = [];

  pick(candidates: readonly Endpoint[]): Endpoint {
    this.offered.push(candidates.map((endpoint) => endpoint.key));
    return candidates[0];
  }
}

describe('the retrying layer', () => {
  test('retries go to endpoints not yet tried; once every one was tried, all are offered again', async () => {
    const ports = [await refusedPort(), await refusedPort(), await refusedPort()];
    const [a, b, c] = ports.map((port) => `127.0.0.1:${port}`);
    const balancer = new RecordingBalancer();
    const attempts: number[] = [];
    const echo = createClient(EchoService, {
      addresses: ports.map((port) => ({ host: '127.0.0.1', port })),
      engine: 'net',
      loadBalancer: balancer,
      retry: { maxAttempts: 5 },
      middleware: [recordAttempts(attempts)],
    });
    try {
      await expect(echo.echo({ action: 'echo', msg: 'x' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(attempts).toEqual([5]);
      // Each refused once is unhealthy: the candidates are those not tried yet, all again once each was (attempt
      // 4), then again those not tried since (without that reset, attempt 5 would be offered all three).
      expect(balancer.offered).toEqual([[a, b, c], [b, c], [c], [a, b, c], [b, c]]);
    } finally {
      await echo.$close();
    }
  });

  test('a backoff that would outlast the deadline ends the call with the attempt error, without waiting', async () => {
    const port = await refusedPort();
    const attempts: number[] = [];
    const echo = createClient(EchoService, {
      address: { host: '127.0.0.1', port },
      engine: 'net',
      timeout: 2000,
      // The delay before retry 1 is at least 30 s: past the 2 s deadline.
      retry: { maxAttempts: 3, backoff: 60_000, maxBackoff: 60_000 },
      middleware: [recordAttempts(attempts)],
    });
    try {
      // Had it slept, the next attempt would have found its deadline past (ETIMEDOUT) after 30 s.
      await expect(echo.echo({ action: 'echo', msg: 'x' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(attempts).toEqual([1]);
    } finally {
      await echo.$close();
    }
  });

  test('an attempt that times out at the deadline is not retried, even when the error qualifies', async () => {
    const handler = new EchoService();
    const server = createServer({ service: EchoService, handler, engine: 'net', onError: () => undefined });
    const address = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
    const attempts: number[] = [];
    const echo = createClient(EchoService, {
      address: { host: '127.0.0.1', port: address.port },
      engine: 'net',
      timeout: 200,
      retry: { maxAttempts: 3, idempotent: true },
      middleware: [recordAttempts(attempts)],
    });
    try {
      await expect(echo.echo({ action: 'sleep', msg: '500' })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
      expect(attempts).toEqual([1]);
      expect(handler.calls).toBe(1);
    } finally {
      await echo.$close();
      await server.close({ timeout: 100 });
    }
  });
});

describe('aborts and throwing balancers between attempts', () => {
  test('an abort during the retry backoff ends the call at once, with no further attempt', async () => {
    const port = await refusedPort();
    const attempts: number[] = [];
    const echo = createClient(EchoService, {
      address: { host: '127.0.0.1', port },
      engine: 'net',
      timeout: Infinity,
      // The delay before retry 1 is at least 30 s.
      retry: { maxAttempts: 3, backoff: 60_000, maxBackoff: 60_000 },
      middleware: [recordAttempts(attempts)],
    });
    const controller = new AbortController();
    try {
      const call = echo.echo({ action: 'echo', msg: 'x' }, { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('user gave up')), 300);
      await expect(call).rejects.toMatchObject({ code: 'ECANCELED', message: expect.stringContaining('user gave up') });
      expect(attempts).toEqual([1]);
    } finally {
      await echo.$close();
    }
  }, 15_000);

  test('a balancer that throws while choosing the backup endpoint leaves the first attempt to answer', async () => {
    const handler = new EchoService();
    const servers = [0, 1].map(() => createServer({ service: EchoService, handler, engine: 'net' }));
    const ports = await Promise.all(servers.map(async (server) => ((await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number }).port));
    let picks = 0;
    const throwingOnBackup: LoadBalancer = {
      name: 'throws-on-second-pick',
      pick(candidates) {
        picks++;
        if (picks === 2) throw new Error('balancer failed');
        return candidates[0];
      },
    };
    const echo = createClient(EchoService, {
      addresses: ports.map((port) => ({ host: '127.0.0.1', port })),
      engine: 'net',
      loadBalancer: throwingOnBackup,
      backup: { delay: 20 },
    });
    try {
      await expect(echo.echo({ action: 'sleep', msg: '300' })).resolves.toMatchObject({ msg: '300' });
      expect(picks).toBe(2);
      expect(handler.calls).toBe(1);
    } finally {
      await echo.$close();
      await Promise.all(servers.map((server) => server.close({ timeout: 100 })));
    }
  });
});

import { createClient, createServer, raceWithBackup, RpcOptionError, type ClientContext, type Middleware, type ThriftServer } from '@thriftpoll/rpc';
import type { ServerCallContext } from '@thriftpoll/protocol';
import { EchoService, type Request } from './fixtures/echo-code-first';

/** An echo whose every call takes `delay` ms. */
class SlowEcho extends EchoService {
  constructor(private readonly delay: number) {
    super();
  }
  override async echo(req: Request, _ctx: ServerCallContext) {
    this.calls++;
    await new Promise((resolve) => setTimeout(resolve, this.delay));
    return { action: req.action, msg: `${req.msg} after ${this.delay}` };
  }
}

describe('raceWithBackup', () => {
  const settleAfter = <T>(ms: number, value: T, fail = false) => (cancel: AbortSignal) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => (fail ? reject(new Error(String(value))) : resolve(value)), ms);
      cancel.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(cancel.reason);
      });
    });

  test('a slow first attempt loses to the backup, which cancels it', async () => {
    let cancelled: unknown;
    const first = (cancel: AbortSignal) => {
      cancel.addEventListener('abort', () => (cancelled = cancel.reason));
      return settleAfter(1000, 'first')(cancel);
    };
    await expect(raceWithBackup(10, first, () => settleAfter(5, 'backup'))).resolves.toBe('backup');
    expect(cancelled).toMatchObject({ name: 'BackupCancelled' });
  });

  test('no backup when the first answers in time or the budget says no; failures propagate', async () => {
    let asked = 0;
    await expect(raceWithBackup(50, settleAfter(1, 'first'), () => (asked++, settleAfter(1, 'backup')))).resolves.toBe('first');
    await expect(raceWithBackup(5, settleAfter(30, 'first'), () => undefined)).resolves.toBe('first');
    await expect(raceWithBackup(50, settleAfter(1, 'early failure', true), () => (asked++, settleAfter(1, 'backup')))).rejects.toThrow('early failure');
    expect(asked).toBe(0);
    // Both fail: the last failure is reported; one fails, the other succeeds: success.
    await expect(raceWithBackup(5, settleAfter(30, 'first failed', true), () => settleAfter(1, 'backup failed', true))).rejects.toThrow('first failed');
    await expect(raceWithBackup(5, settleAfter(30, 'first', false), () => settleAfter(1, 'backup failed', true))).resolves.toBe('first');
  });
});

describe('backup requests in the client (real servers)', () => {
  const servers: ThriftServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close({ timeout: 100 })));
  });

  async function serve(handler: EchoService): Promise<string> {
    const server = createServer({ service: EchoService, handler, engine: 'net', onError: () => undefined });
    servers.push(server);
    return `127.0.0.1:${((await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number }).port}`;
  }

  const answeredBy = (addresses: string[]): Middleware<ClientContext> => async (ctx, next) => {
    await next();
    addresses.push(ctx.address as string);
  };

  test('a call stuck on a slow instance is answered by the backup on another; the slow attempt is abandoned', async () => {
    const slow = new SlowEcho(800);
    const fast = new SlowEcho(1);
    const slowAddress = await serve(slow);
    const fastAddress = await serve(fast);
    const answered: string[] = [];
    const client = createClient(EchoService, {
      addresses: [slowAddress, fastAddress],
      loadBalancer: 'round-robin',
      engine: 'net',
      backup: { delay: 30 },
      middleware: [answeredBy(answered)],
    });
    try {
      // Round robin starts with the slow one.
      expect((await client.echo({ action: 'echo', msg: 'hi' })).msg).toBe('hi after 1');
      expect(answered).toEqual([fastAddress]);
      expect(slow.calls).toBe(1);
      expect(fast.calls).toBe(1);
      // The cancelled attempt no longer waits: nothing is in flight although the slow server is still at it.
      expect(client.$client.stats().inFlight).toBe(0);
      // A call answered within the delay sends no backup.
      const before = slow.calls + fast.calls;
      const quick = createClient(EchoService, { address: fastAddress, engine: 'net', backup: { delay: 500 } });
      expect((await quick.echo({ action: 'echo', msg: 'quick' })).msg).toBe('quick after 1');
      await quick.$close();
      expect(slow.calls + fast.calls).toBe(before + 1);
    } finally {
      await client.$close();
    }
  });

  test('backups take from the retry budget: with a zero budget none is sent', async () => {
    const slow = new SlowEcho(150);
    const fast = new SlowEcho(1);
    const slowAddress = await serve(slow);
    await serve(fast);
    const answered: string[] = [];
    const client = createClient(EchoService, {
      addresses: [slowAddress, `127.0.0.1:${(servers[1].address as { port: number }).port}`],
      loadBalancer: 'round-robin',
      engine: 'net',
      backup: { delay: 10 },
      retry: { maxAttempts: 1, budgetRatio: 0, minRetriesPerSecond: 0 },
      middleware: [answeredBy(answered)],
    });
    try {
      expect((await client.echo({ action: 'echo', msg: 'hi' })).msg).toBe('hi after 150');
      expect(answered).toEqual([slowAddress]);
      expect(fast.calls).toBe(0);
    } finally {
      await client.$close();
    }
  });

  test('backup options are validated', () => {
    expect(() => createClient(EchoService, { address: '127.0.0.1:1', backup: {} as never })).toThrow(new RpcOptionError('backup.delay is required: the milliseconds to wait before the backup attempt'));
    expect(() => createClient(EchoService, { address: '127.0.0.1:1', backup: { delay: 0 } })).toThrow('backup.delay must be a finite number of milliseconds >= 1, got number 0');
  });
});

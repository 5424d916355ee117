import {
  parseEndpoints,
  type Endpoint,
  RpcOverloadError,
  RpcError,
  LongPool,
  MuxPool,
  ShortPool,
  type PoolConnection,
} from '@thriftpoll/rpc';
import { waitFor } from './helpers/wait';

class FakeConnection implements PoolConnection {
  static nextId = 1;
  readonly id = FakeConnection.nextId++;
  active = true;
  closed = false;
  inFlight = 0;
  constructor(readonly endpoint: Endpoint) {}
  isActive(): boolean {
    return this.active && !this.closed;
  }
  close(): void {
    this.closed = true;
  }
}

function fakeConnector() {
  const dialed: FakeConnection[] = [];
  let fail: RpcError | undefined;
  let gate: Promise<void> | undefined;
  const connector = async (endpoint: Endpoint): Promise<FakeConnection> => {
    if (gate) await gate;
    if (fail) throw fail;
    const connection = new FakeConnection(endpoint);
    dialed.push(connection);
    return connection;
  };
  return {
    connector,
    dialed,
    failWith(error: RpcError | undefined) {
      fail = error;
    },
    hold(): () => void {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

const [a, b] = parseEndpoints(['127.0.0.1:1001', '127.0.0.1:1002']);

describe('LongPool', () => {
  test('reuses a released connection, dials when none is idle', async () => {
    const dialer = fakeConnector();
    const pool = new LongPool(dialer.connector);
    const c1 = await pool.acquire(a);
    const c2 = await pool.acquire(a);
    expect(c1).not.toBe(c2);
    pool.release(a, c1, true);
    expect(pool.stats()).toMatchObject({ open: 2, idle: 1 });
    expect(await pool.acquire(a)).toBe(c1);
    expect(dialed(dialer)).toBe(2);
    pool.close();
  });

  test('checks isActive() before reuse and evicts dead connections', async () => {
    const dialer = fakeConnector();
    const pool = new LongPool(dialer.connector);
    const c1 = await pool.acquire(a);
    pool.release(a, c1, true);
    c1.active = false; // the peer hung up while idle
    const c2 = await pool.acquire(a);
    expect(c2).not.toBe(c1);
    expect(c1.closed).toBe(true);
    expect(pool.stats()).toMatchObject({ open: 1, idle: 0, evicted: 1 });
    pool.close();
  });

  test('evict() drops an idle connection that closed on its own', async () => {
    const dialer = fakeConnector();
    const pool = new LongPool(dialer.connector);
    const c1 = await pool.acquire(a);
    pool.release(a, c1, true);
    pool.evict(a, c1);
    expect(pool.stats()).toMatchObject({ open: 0, idle: 0, evicted: 1 });
    // evict() of a lent connection is left to its call's release().
    const c2 = await pool.acquire(a);
    pool.evict(a, c2);
    expect(pool.stats().open).toBe(1);
    pool.release(a, c2, false);
    expect(pool.stats()).toMatchObject({ open: 0, evicted: 2 });
    pool.close();
  });

  test('unreusable connections are closed on release', async () => {
    const dialer = fakeConnector();
    const pool = new LongPool(dialer.connector);
    const c1 = await pool.acquire(a);
    pool.release(a, c1, false);
    expect(c1.closed).toBe(true);
    expect(pool.stats()).toMatchObject({ open: 0, idle: 0 });
    pool.close();
  });

  test('maxIdlePerAddress and maxIdleGlobal bound the idle connections', async () => {
    const dialer = fakeConnector();
    const pool = new LongPool(dialer.connector, { maxIdlePerAddress: 2, maxIdleGlobal: 3 });
    const fromA = await Promise.all([pool.acquire(a), pool.acquire(a), pool.acquire(a)]);
    const fromB = await Promise.all([pool.acquire(b), pool.acquire(b)]);
    for (const c of fromA) pool.release(a, c, true);
    expect(fromA.map((c) => c.closed)).toEqual([false, false, true]);
    for (const c of fromB) pool.release(b, c, true);
    expect(fromB.map((c) => c.closed)).toEqual([false, true]);
    expect(pool.stats()).toMatchObject({ open: 3, idle: 3 });
    pool.close();
    expect([...fromA, ...fromB].every((c) => c.closed)).toBe(true);
  });

  test('idle connections older than idleTimeout are closed, lazily and by the sweeper', async () => {
    let now = 0;
    const dialer = fakeConnector();
    const pool = new LongPool(dialer.connector, { idleTimeout: 1000 }, () => now);
    const [c1, c2] = await Promise.all([pool.acquire(a), pool.acquire(a)]);
    pool.release(a, c1, true);
    now = 600;
    pool.release(a, c2, true);
    now = 1200;
    pool.sweep();
    expect(c1.closed).toBe(true);
    expect(c2.closed).toBe(false);
    expect(pool.stats()).toMatchObject({ open: 1, idle: 1 });
    now = 1700;
    const c3 = await pool.acquire(a); // c2 aged out on the way
    expect(c3).not.toBe(c2);
    expect(c2.closed).toBe(true);
    pool.close();
  });

  test('the sweeper timer runs by itself', async () => {
    const dialer = fakeConnector();
    const pool = new LongPool(dialer.connector, { idleTimeout: 30 });
    const c1 = await pool.acquire(a);
    pool.release(a, c1, true);
    await waitFor(() => c1.closed, 10000, 'the sweeper to close the idle connection');
    expect(pool.stats()).toMatchObject({ open: 0, idle: 0 });
    pool.close();
  });

  test('maxActivePerAddress queues calls FIFO and hands released connections over', async () => {
    const dialer = fakeConnector();
    const pool = new LongPool(dialer.connector, { maxActivePerAddress: 1, maxWaitingPerAddress: 2 });
    const c1 = await pool.acquire(a);
    const order: number[] = [];
    const w1 = pool.acquire(a).then((c) => (order.push(1), c));
    const w2 = pool.acquire(a).then((c) => (order.push(2), c));
    await expect(pool.acquire(a)).rejects.toBeInstanceOf(RpcOverloadError);
    expect(pool.stats()).toMatchObject({ open: 1, waiting: 2 });
    pool.release(a, c1, true);
    expect(await w1).toBe(c1);
    pool.release(a, c1, false); // unfit: the next waiter gets a fresh dial
    const c2 = await w2;
    expect(c2).not.toBe(c1);
    expect(order).toEqual([1, 2]);
    expect(dialed(dialer)).toBe(2);
    pool.close();
  });

  test('the overload error names the limits', async () => {
    const dialer = fakeConnector();
    const pool = new LongPool(dialer.connector, { maxActivePerAddress: 1, maxWaitingPerAddress: 0 });
    await pool.acquire(a);
    const error = await pool.acquire(a).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EOVERLOAD', side: 'client', limit: 'maxWaitingPerAddress', retrySafe: true });
    expect((error as Error).message).toBe(
      '0 calls already wait for a connection to 127.0.0.1:1001 (maxActivePerAddress 1, maxWaitingPerAddress 0)',
    );
    pool.close();
  });

  test('a failed dial frees its slot and is reported to the caller', async () => {
    const dialer = fakeConnector();
    const pool = new LongPool(dialer.connector, { maxActivePerAddress: 1 });
    dialer.failWith(new RpcError('ECONNREFUSED', 'refused'));
    await expect(pool.acquire(a)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(pool.stats()).toMatchObject({ open: 0, dialing: 0 });
    dialer.failWith(undefined);
    await expect(pool.acquire(a)).resolves.toBeInstanceOf(FakeConnection);
    pool.close();
  });

  test('close() rejects waiters and later acquires with ECLOSED, closes late dials', async () => {
    const dialer = fakeConnector();
    const pool = new LongPool(dialer.connector, { maxActivePerAddress: 1 });
    const open = dialer.hold();
    const dialing = pool.acquire(a);
    const waiting = pool.acquire(a);
    pool.close();
    await expect(waiting).rejects.toMatchObject({ code: 'ECLOSED' });
    open();
    await expect(dialing).rejects.toMatchObject({ code: 'ECLOSED' });
    expect(dialer.dialed[0].closed).toBe(true);
    await expect(pool.acquire(a)).rejects.toThrow("the client's connection pool is closed; no call to 127.0.0.1:1001 was made");
  });

  test('options are validated', () => {
    const dialer = fakeConnector();
    expect(() => new LongPool(dialer.connector, { maxIdlePerAddress: -1 })).toThrow('pool.maxIdlePerAddress must be an integer');
    expect(() => new LongPool(dialer.connector, { idleTimeout: 0 })).toThrow('pool.idleTimeout must be a finite number of milliseconds >= 1, got number 0');
  });
});

describe('MuxPool', () => {
  test('shares N connections round-robin; concurrent first calls join one dial per slot', async () => {
    const dialer = fakeConnector();
    const pool = new MuxPool(dialer.connector, { connectionsPerAddress: 2 });
    const got = await Promise.all(Array.from({ length: 6 }, () => pool.acquire(a)));
    expect(dialed(dialer)).toBe(2);
    expect(new Set(got).size).toBe(2);
    const next = await Promise.all([pool.acquire(a), pool.acquire(a)]);
    expect(new Set(next)).toEqual(new Set(dialer.dialed));
    expect(pool.stats()).toMatchObject({ open: 2, dialing: 0 });
    pool.close();
    expect(dialer.dialed.every((c) => c.closed)).toBe(true);
  });

  test('a dead connection is replaced on next use; evict() forgets it at once', async () => {
    const dialer = fakeConnector();
    const pool = new MuxPool(dialer.connector);
    const c1 = await pool.acquire(a);
    c1.active = false;
    const c2 = await pool.acquire(a);
    expect(c2).not.toBe(c1);
    pool.evict(a, c2);
    expect(pool.stats().open).toBe(0);
    const c3 = await pool.acquire(a);
    expect(c3).not.toBe(c2);
    pool.close();
  });

  test('full connections are skipped; all full means EOVERLOAD', async () => {
    const dialer = fakeConnector();
    const pool = new MuxPool(dialer.connector, { connectionsPerAddress: 2, maxPendingPerConnection: 2 });
    const [c1, c2] = await Promise.all([pool.acquire(a), pool.acquire(a)]);
    c1.inFlight = 2;
    for (let i = 0; i < 4; i++) expect(await pool.acquire(a)).toBe(c2);
    c2.inFlight = 2;
    await expect(pool.acquire(a)).rejects.toThrow('all 2 connections to 127.0.0.1:1001 have 2 calls in flight (mux.maxPendingPerConnection)');
    pool.close();
  });

  test('a failed dial rejects every call that joined it; the next call dials again', async () => {
    const dialer = fakeConnector();
    const pool = new MuxPool(dialer.connector);
    dialer.failWith(new RpcError('ECONNREFUSED', 'refused'));
    const results = await Promise.allSettled([pool.acquire(a), pool.acquire(a)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    dialer.failWith(undefined);
    await expect(pool.acquire(a)).resolves.toBeInstanceOf(FakeConnection);
    pool.close();
  });

  test('release(unfit) closes the connection so its slot redials', async () => {
    const dialer = fakeConnector();
    const pool = new MuxPool(dialer.connector);
    const c1 = await pool.acquire(a);
    pool.release(a, c1, true);
    expect(c1.closed).toBe(false);
    pool.release(a, c1, false);
    expect(c1.closed).toBe(true);
    expect(await pool.acquire(a)).not.toBe(c1);
    pool.close();
  });
});

describe('ShortPool', () => {
  test('a connection per call, closed on release', async () => {
    const dialer = fakeConnector();
    const pool = new ShortPool(dialer.connector);
    const c1 = await pool.acquire(a);
    const c2 = await pool.acquire(a);
    expect(c1).not.toBe(c2);
    expect(pool.stats().open).toBe(2);
    pool.release(a, c1);
    expect(c1.closed).toBe(true);
    pool.close();
    expect(c2.closed).toBe(true);
    await expect(pool.acquire(a)).rejects.toMatchObject({ code: 'ECLOSED' });
  });
});

function dialed(dialer: { dialed: FakeConnection[] }): number {
  return dialer.dialed.length;
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createClient,
  createServer,
  netpollEngine,
  RpcTimeoutError,
  socketEngine,
  type Address,
  type NetConnection,
  type NetEngine,
} from '@thriftpoll/rpc';
import { EchoService } from './fixtures/echo-code-first';

const ENGINES = ['netpoll', 'net'] as const;

describe.each(ENGINES)('endpoints on %s', (engine) => {
  test('a Unix socket', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-rpc-'));
    const socketPath = path.join(dir, 'echo.sock');
    const server = createServer({ service: EchoService, handler: new EchoService(), engine });
    try {
      expect(await server.listen(`unix:${socketPath}`)).toEqual({ path: socketPath });
      for (const mode of ['pool', 'mux'] as const) {
        const client = createClient(EchoService, { address: { path: socketPath }, engine, mode, transport: 'theader' });
        expect(await client.echo({ action: 'header', msg: 'via' }, { headers: { via: 'unix' } })).toEqual({ action: 'header', msg: 'unix' });
        await client.$close();
      }
    } finally {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('IPv6 loopback', async () => {
    const server = createServer({ service: EchoService, handler: new EchoService(), engine });
    const address = (await server.listen('[::1]:0')) as { host: string; port: number };
    expect(address.host).toBe('::1');
    const client = createClient(EchoService, { address: `[::1]:${address.port}`, engine });
    try {
      expect(await client.echo({ action: 'a', msg: 'v6' })).toEqual({ action: 'a', msg: 'v6' });
    } finally {
      await client.$close();
      await server.close();
    }
  });

  test('a missing socket path is a retry-safe EDIAL naming it', async () => {
    const client = createClient(EchoService, { address: { path: '/nonexistent/thriftpoll.sock' }, engine });
    await expect(client.echo({ action: 'a', msg: 'b' })).rejects.toMatchObject({ code: 'EDIAL', retrySafe: true, address: '/nonexistent/thriftpoll.sock' });
    await client.$close();
  });
});

test('a connect timeout is a retry-safe ECONNTIMEOUT: the address is skipped and the retry goes elsewhere', async () => {
  const server = createServer({ service: EchoService, handler: new EchoService() });
  const live = (await server.listen({ host: '127.0.0.1', port: 0 })) as { host: string; port: number };
  // An engine whose dials to port 1 never complete in time (as a black-holed address would), else the real engine.
  const real: NetEngine = netpollEngine;
  let slowDials = 0;
  const engine: NetEngine = {
    name: 'netpoll',
    listen: (...args) => real.listen(...args),
    dial(address: Address, timeout: number | undefined): Promise<NetConnection> {
      if ('port' in address && address.port === 1) {
        slowDials++;
        return new Promise((_, reject) =>
          setTimeout(() => reject(new RpcTimeoutError('ECONNTIMEOUT', timeout ?? 0, `no connection to 127.0.0.1:1 within ${timeout} ms (connectTimeout)`)), timeout ?? 0),
        );
      }
      return real.dial(address, timeout);
    },
  };
  const client = createClient(EchoService, {
    addresses: ['127.0.0.1:1', `127.0.0.1:${live.port}`],
    loadBalancer: 'round-robin',
    connectTimeout: 50,
    retry: { maxAttempts: 2 },
    engine,
  });
  try {
    for (let i = 0; i < 6; i++) expect(await client.echo({ action: 'a', msg: `${i}` })).toEqual({ action: 'a', msg: `${i}` });
    expect(slowDials).toBe(1);
    expect(client.$client.stats().unhealthy.map((u) => u.address)).toEqual(['127.0.0.1:1']);
  } finally {
    await client.$close();
    await server.close();
  }
  expect(socketEngine.name).toBe('net');
});

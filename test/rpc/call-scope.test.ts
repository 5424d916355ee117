import { createClient, createServer, type ClientContext, type ClientHandle, type CodeFirstClient, type Middleware, type ThriftServer, type TransportName } from '@thriftpoll/rpc';
import type { ServerCallContext } from '@thriftpoll/protocol';
import { EchoService, type Request, type Response } from './fixtures/echo-code-first';
import { waitFor } from './helpers/wait';

/*
 * Context that travels by itself: a front server with propagateContext calls a back server from its handler
 * without passing anything on by hand; the back server sees the caller's remaining deadline and its
 * RPC_PERSIST_ headers (not RPC_TRANSIT_), and RPC_BACKWARD_ reply headers come back to the first caller.
 */

function portOf(server: ThriftServer): number {
  return (server.address as { port: number }).port;
}

/** A back service that reports what it received: the deadline left, or a header. */
class Back extends EchoService {
  override async echo(req: Request, ctx: ServerCallContext): Promise<Response> {
    if (req.action === 'backward') {
      (ctx as ServerCallContext & { responseHeaders: Record<string, string> }).responseHeaders.RPC_BACKWARD_seen = `by back: ${req.msg}`;
    }
    return super.echo(req, ctx);
  }
}

type EchoClient = CodeFirstClient<EchoService> & ClientHandle;

/** A front service whose echo goes to `forward`. */
class Front extends EchoService {
  constructor(private readonly forward: (req: Request) => Promise<Response>) {
    super();
  }

  override echo(req: Request): Promise<Response> {
    return this.forward(req);
  }
}

async function frontAndBack(transport: TransportName, propagateContext: boolean, frontEcho: (req: Request, toBack: EchoClient) => Promise<Response> = (req, toBack) => toBack.echo(req)) {
  const back = new Back();
  const backServer = createServer({ service: EchoService, handler: back });
  await backServer.listen('127.0.0.1:0');
  // No timeout of its own (not even the default), so that what the back server sees is only what is inherited.
  const toBack = createClient(EchoService, { address: `127.0.0.1:${portOf(backServer)}`, transport, timeout: Infinity });
  const front: EchoService = new Front((req) => frontEcho(req, toBack));
  const frontServer = createServer({ service: EchoService, handler: front, propagateContext, onError: () => undefined });
  await frontServer.listen('127.0.0.1:0');
  let replyHeaders: Readonly<Record<string, string>> = {};
  const capture: Middleware<ClientContext> = async (ctx, next) => {
    await next();
    replyHeaders = ctx.responseHeaders;
  };
  const caller = createClient(EchoService, { address: `127.0.0.1:${portOf(frontServer)}`, transport, middleware: [capture], timeout: Infinity });
  return {
    back,
    caller,
    replyHeaders: () => replyHeaders,
    close: async () => {
      await caller.$close();
      await toBack.$close();
      await frontServer.close();
      await backServer.close();
    },
  };
}

describe.each(['ttheader', 'theader'] as const)('over %s', (transport) => {
  test('the downstream call inherits the remaining deadline', async () => {
    const chain = await frontAndBack(transport, true);
    try {
      const left = Number((await chain.caller.echo({ action: 'deadline', msg: '' }, { timeout: 5000 })).msg);
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(5000);
      // Without a deadline upstream there is none downstream.
      expect((await chain.caller.echo({ action: 'deadline', msg: '' })).msg).toBe('none');
    } finally {
      await chain.close();
    }
  });

  test('RPC_PERSIST_ headers travel on, RPC_TRANSIT_ ones stop after one hop, RPC_BACKWARD_ ones come back', async () => {
    const chain = await frontAndBack(transport, true);
    try {
      const headers = { RPC_PERSIST_tenant: 't-7', RPC_TRANSIT_hop: 'one', plain: 'p' };
      expect((await chain.caller.echo({ action: 'header', msg: 'RPC_PERSIST_tenant' }, { headers })).msg).toBe('t-7');
      expect((await chain.caller.echo({ action: 'header', msg: 'RPC_TRANSIT_hop' }, { headers })).msg).toBe('<none>');
      expect((await chain.caller.echo({ action: 'header', msg: 'plain' }, { headers })).msg).toBe('<none>');
      await chain.caller.echo({ action: 'backward', msg: 'x' });
      expect(chain.replyHeaders()).toMatchObject({ RPC_BACKWARD_seen: 'by back: x' });
    } finally {
      await chain.close();
    }
  });
});

test('without propagateContext nothing is inherited', async () => {
  const chain = await frontAndBack('ttheader', false);
  try {
    expect((await chain.caller.echo({ action: 'deadline', msg: '' }, { timeout: 5000 })).msg).toBe('none');
    expect((await chain.caller.echo({ action: 'header', msg: 'RPC_PERSIST_tenant' }, { headers: { RPC_PERSIST_tenant: 't' } })).msg).toBe('<none>');
  } finally {
    await chain.close();
  }
});

test('a downstream call made after the deadline passed fails at once, without being sent', async () => {
  let downstream: unknown;
  const chain = await frontAndBack('ttheader', true, async (req, toBack) => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    try {
      return await toBack.echo(req);
    } catch (error) {
      downstream = error;
      throw error;
    }
  });
  try {
    await expect(chain.caller.echo({ action: 'say', msg: 'late' }, { timeout: 100 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await waitFor(() => downstream !== undefined, 10000, 'the front handler to call downstream');
    expect(downstream).toMatchObject({ code: 'ETIMEDOUT' });
    expect((downstream as Error).message).toMatch(/^EchoServer\.echo was not called: the deadline of the call being handled \(EchoServer\.echo from 127\.0\.0\.1:\d+\) passed \d+ ms ago$/);
    expect(chain.back.calls).toBe(0);
  } finally {
    await chain.close();
  }
});

import type { ServerCallContext } from '@thriftpoll/protocol';
import { createClient, createServer } from '@thriftpoll/rpc';
import { EchoService, type Request } from './fixtures/echo-code-first';
import { sleep, waitFor } from './helpers/wait';

/** A caller that disconnects cancels its calls on the server: ctx.signal aborts, the slots are free at once. */

const ENGINES = ['netpoll', 'net'] as const;
const CALLS = 100;

describe.each(ENGINES)('a caller that disconnects (%s)', (engine) => {
  test.each(['pool', 'mux'] as const)('cancels its calls: signals abort, in-flight and connection slots are released, late replies are dropped (%s)', async (mode) => {
    const aborted: unknown[] = [];
    const finished: string[] = [];
    const handler = new EchoService();
    // Half the handlers stop when their signal aborts; the other half ignore it and answer late.
    handler.echo = (req: Request, ctx: ServerCallContext) =>
      new Promise((resolve) => {
        handler.calls++;
        ctx.signal.addEventListener('abort', () => {
          aborted.push(ctx.signal.reason);
          if (req.action === 'obey') resolve({ action: req.action, msg: 'stopped' });
        });
        if (req.action === 'ignore') {
          setTimeout(() => {
            finished.push(req.msg);
            resolve({ action: req.action, msg: 'late' });
          }, 500);
        }
      });
    const errors: unknown[] = [];
    const server = createServer({ service: EchoService, handler, engine, onError: (error) => errors.push(error) });
    const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine, mode });
    const calls = Array.from({ length: CALLS }, (_, i) => client.echo({ action: i % 2 === 0 ? 'obey' : 'ignore', msg: String(i) }).catch((e: unknown) => e));
    await waitFor(() => handler.calls === CALLS, 20000, 'every call to run on the server');
    expect(server.getStats()).toMatchObject({ inFlight: CALLS });
    await client.$close();
    for (const outcome of await Promise.all(calls)) expect(outcome).toMatchObject({ code: 'ECLOSED' });
    await waitFor(() => aborted.length === CALLS, 20000, 'every call to see its signal abort');
    await waitFor(() => server.getStats().connections === 0 && server.getStats().inFlight === 0, 20000, 'the slots to be released');
    for (const reason of aborted) expect(reason).toMatchObject({ code: 'ECONNRESET', message: expect.stringMatching(/^the caller .* disconnected$/) });
    // The handlers that ignored their signal finish later: their replies go nowhere, without an error.
    await waitFor(() => finished.length === CALLS / 2, 20000, 'the late handlers to finish');
    await sleep(50);
    expect(server.getStats()).toMatchObject({ connections: 0, inFlight: 0 });
    expect(errors).toEqual([]);
    await server.close();
  }, 60_000);
});

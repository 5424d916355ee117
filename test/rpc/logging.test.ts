import { consoleLogger, createServer, RpcOptionError, type Logger } from '@thriftpoll/rpc';
import { MessageType } from '@thriftpoll/protocol';
import { LogLimiter } from '../../packages/rpc/src/log-limiter';
import { EchoService } from './fixtures/echo-code-first';
import { converse, echoRequest, framedMessage } from './helpers/raw';

interface Entry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A logger that keeps what it is given. */
function capturingLogger(): Logger & { entries: Entry[] } {
  const entries: Entry[] = [];
  const at = (level: Entry['level']) => (obj: object, msg?: string) => entries.push({ level, obj: obj as Record<string, unknown>, msg });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const ENGINES = ['netpoll', 'net'] as const;
const BAD_PEERS = 200;
const WINDOW_MS = 10_000;

describe.each(ENGINES)('server logs (%s)', (engine) => {
  test(`${BAD_PEERS} peers sending HTTP cost a bounded number of lines, each naming what was seen, what was expected and the peer`, async () => {
    const logger = capturingLogger();
    const server = createServer({ service: EchoService, handler: new EchoService(), engine, logger });
    const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
    const started = Date.now();
    const http = Buffer.from('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
    for (let i = 0; i < BAD_PEERS; i += 20) {
      await Promise.all(Array.from({ length: 20 }, () => converse(port, http)));
    }
    await server.close();
    const windows = Math.ceil((Date.now() - started) / WINDOW_MS) + 1;
    const lines = logger.entries.filter((entry) => entry.level !== 'debug');
    const summaries = lines.filter((entry) => entry.obj.suppressed !== undefined);
    const single = lines.filter((entry) => entry.obj.suppressed === undefined);
    // Every refusal is accounted for: written, or counted in a summary.
    expect(single.length + summaries.reduce((sum, entry) => sum + (entry.obj.suppressed as number), 0)).toBe(BAD_PEERS);
    expect(single.length).toBeLessThanOrEqual(10 * windows);
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    expect(summaries.length).toBeLessThanOrEqual(windows);
    const first = single[0];
    expect(first.level).toBe('warn');
    expect(first.obj).toMatchObject({ peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/), code: expect.any(String), what: expect.any(String) });
    expect(first.msg).toMatch(/^refused a connection from 127\.0\.0\.1:\d+: first bytes 47 45 54 20 .* are an HTTP request; this port speaks Thrift/);
    expect(first.obj.err).toBeUndefined();
    expect(summaries[0].msg).toMatch(/^\d+ more like this in the last 10 s: refused a connection from/);
    // The error itself (stack, cause) only at debug.
    const debug = logger.entries.filter((entry) => entry.level === 'debug');
    expect(debug).toHaveLength(BAD_PEERS);
    expect(debug[0].obj.err).toBeInstanceOf(Error);
  }, 60_000);

  test('a failing handler is logged as an error with peer, method, seqid and code, rate-limited', async () => {
    const logger = capturingLogger();
    const server = createServer({ service: EchoService, handler: new EchoService(), engine, logger });
    const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
    const requests = Buffer.concat(Array.from({ length: 30 }, (_, i) => framedMessage('echo', MessageType.CALL, i + 1, echoRequest({ action: 'crash', msg: `m${i}` }))));
    await converse(port, requests, { timeout: 2000 });
    await server.close();
    const errors = logger.entries.filter((entry) => entry.level === 'error');
    expect(errors[0].obj).toMatchObject({ what: 'handler failed', peer: expect.stringMatching(/^127\.0\.0\.1:/), method: 'EchoServer.echo', seqid: 1, code: 'Error' });
    expect(errors[0].msg).toMatch(/^handler failed \(EchoServer\.echo from 127\.0\.0\.1:\d+\): crashed on m0$/);
    const written = errors.filter((entry) => entry.obj.suppressed === undefined).length;
    const suppressed = errors.reduce((sum, entry) => sum + ((entry.obj.suppressed as number | undefined) ?? 0), 0);
    expect(written + suppressed).toBe(30);
    expect(written).toBeLessThan(30);
  });

  test('onError, when given, still receives every error instead of the logger', async () => {
    const logger = capturingLogger();
    const seen: string[] = [];
    const server = createServer({ service: EchoService, handler: new EchoService(), engine, logger, onError: (_error, info) => seen.push(info.what) });
    const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
    await converse(port, Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await server.close();
    expect(seen).toHaveLength(1);
    expect(logger.entries).toEqual([]);
  });
});

describe('consoleLogger', () => {
  test('writes one line per entry on stderr, without debug entries at the default level', () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const logger = consoleLogger();
      logger.debug({ err: new Error('hidden') }, 'not written');
      logger.warn({ peer: '127.0.0.1:5000', code: 'NOT_THRIFT', seqid: 3 }, 'refused a connection');
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0]).toEqual(['thriftpoll warn: refused a connection peer="127.0.0.1:5000" code="NOT_THRIFT" seqid=3']);
      consoleLogger('debug').debug({ err: new Error('shown') }, 'with stack');
      expect(spy.mock.calls[1][0]).toMatch(/^thriftpoll debug: with stack\nError: shown\n\s+at /);
    } finally {
      spy.mockRestore();
    }
  });

  test('the logger option is validated', () => {
    expect(() => createServer({ service: EchoService, handler: new EchoService(), logger: { info: () => undefined } as unknown as Logger })).toThrow(
      new RpcOptionError('logger must have debug, info, warn and error methods (a pino logger, or consoleLogger()); it lacks debug, warn, error'),
    );
    expect(() => consoleLogger('loud' as 'info')).toThrow(RpcOptionError);
  });
});

describe('LogLimiter', () => {
  test('writes `lines` per window per kind, then one summary per window', () => {
    const logger = capturingLogger();
    let now = 0;
    const limiter = new LogLimiter(logger, { lines: 3, windowMs: 1000 }, () => now);
    for (let i = 0; i < 10; i++) limiter.log('warn', 'a', { i }, `a ${i}`);
    limiter.log('error', 'b', {}, 'b');
    expect(logger.entries.map((entry) => entry.msg)).toEqual(['a 0', 'a 1', 'a 2', 'b']);
    now = 1000;
    limiter.log('warn', 'a', { i: 10 }, 'a 10');
    expect(logger.entries.slice(4).map((entry) => [entry.msg, entry.obj.suppressed])).toEqual([
      ['7 more like this in the last 1 s: a 9', 7],
      ['a 10', undefined],
    ]);
    limiter.log('warn', 'a', { i: 11 }, 'a 11');
    limiter.log('warn', 'a', { i: 12 }, 'a 12');
    limiter.log('warn', 'a', { i: 13 }, 'a 13');
    limiter.flush();
    expect(logger.entries.slice(6).map((entry) => entry.msg)).toEqual(['a 11', 'a 12', '1 more like this in the last 1 s: a 13']);
  });
});

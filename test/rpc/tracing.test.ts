import { context, propagation, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createClient, createServer, RpcOptionError, type ClientHandle, type CodeFirstClient, type ThriftServer, type TransportName } from '@thriftpoll/rpc';
import { EchoService, type Request, type Response } from './fixtures/echo-code-first';

/*
 * OpenTelemetry spans with the real SDK (sdk-trace-base, an in-memory exporter, the AsyncLocalStorage context
 * manager and the W3C propagator): a traced caller calls a front service, whose handler calls a back service;
 * the four spans form one trace, each the child of the one before, across the wire.
 */

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(async () => {
  trace.disable();
  context.disable();
  propagation.disable();
  await provider.shutdown();
});
beforeEach(() => exporter.reset());

function portOf(server: ThriftServer): number {
  return (server.address as { port: number }).port;
}

/** A front service whose echo forwards to another. */
class Front extends EchoService {
  constructor(private readonly forward: (req: Request) => Promise<Response>) {
    super();
  }

  override echo(req: Request): Promise<Response> {
    return this.forward(req);
  }
}

async function twoServices(transport: TransportName): Promise<{ call: CodeFirstClient<EchoService> & ClientHandle; close: () => Promise<void>; backPort: number; frontPort: number }> {
  const back = createServer({ service: EchoService, handler: new EchoService(), tracing: true, onError: () => undefined });
  await back.listen('127.0.0.1:0');
  const toBack = createClient(EchoService, { address: `127.0.0.1:${portOf(back)}`, transport, tracing: true });
  const front = createServer({
    service: EchoService,
    handler: new Front((req) => toBack.echo(req)) as EchoService,
    tracing: true,
    onError: () => undefined,
  });
  await front.listen('127.0.0.1:0');
  const call = createClient(EchoService, { address: `127.0.0.1:${portOf(front)}`, transport, tracing: true });
  return {
    call,
    backPort: portOf(back),
    frontPort: portOf(front),
    close: async () => {
      await call.$close();
      await toBack.$close();
      await front.close();
      await back.close();
    },
  };
}

/** The spans of one call, caller first: CLIENT → SERVER (front) → CLIENT (front → back) → SERVER (back). */
function chain(spans: ReadableSpan[]): ReadableSpan[] {
  const byParent = new Map(spans.map((span) => [span.parentSpanContext?.spanId, span]));
  const ordered: ReadableSpan[] = [];
  for (let span = byParent.get(undefined); span !== undefined; span = byParent.get(span.spanContext().spanId)) ordered.push(span);
  return ordered;
}

describe.each(['ttheader', 'theader'] as const)('traces over %s', (transport) => {
  test('one trace across two services: each span the child of the one before', async () => {
    const services = await twoServices(transport);
    try {
      await services.call.echo({ action: 'say', msg: 'traced' });
      const spans = exporter.getFinishedSpans();
      expect(spans).toHaveLength(4);
      const ordered = chain(spans);
      expect(ordered.map((span) => [span.kind, span.name])).toEqual([
        [SpanKind.CLIENT, 'EchoServer/echo'],
        [SpanKind.SERVER, 'EchoServer/echo'],
        [SpanKind.CLIENT, 'EchoServer/echo'],
        [SpanKind.SERVER, 'EchoServer/echo'],
      ]);
      expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(1);
      const [client, frontServer, , backServer] = ordered;
      expect(client.attributes).toMatchObject({
        'rpc.system': 'apache_thrift',
        'rpc.service': 'EchoServer',
        'rpc.method': 'echo',
        'server.address': '127.0.0.1',
        'server.port': services.frontPort,
        'network.transport': 'tcp',
        'rpc.response.status_code': 'OK',
      });
      expect(backServer.attributes).toMatchObject({ 'rpc.system': 'apache_thrift', 'server.address': '127.0.0.1', 'server.port': services.backPort, 'network.peer.address': '127.0.0.1' });
      expect(typeof frontServer.attributes['network.peer.port']).toBe('number');
      expect(spans.every((span) => span.status.code === SpanStatusCode.UNSET)).toBe(true);
    } finally {
      await services.close();
    }
  });

  test('a declared exception is recorded but is not an error; an undeclared failure is', async () => {
    const services = await twoServices(transport);
    try {
      await expect(services.call.echo({ action: 'fail', msg: 'no' })).rejects.toMatchObject({ name: 'EchoError' });
      for (const span of exporter.getFinishedSpans()) {
        expect(span.status.code).toBe(SpanStatusCode.UNSET);
        expect(span.attributes['rpc.response.status_code']).toBe('EchoError');
        expect(span.events.map((event) => event.name)).toEqual(['exception']);
      }
      exporter.reset();
      await expect(services.call.echo({ action: 'crash', msg: 'x' })).rejects.toMatchObject({ name: 'TApplicationException' });
      const spans = chain(exporter.getFinishedSpans());
      expect(spans.map((span) => [span.status.code, span.attributes['rpc.response.status_code']])).toEqual([
        [SpanStatusCode.ERROR, 'INTERNAL_ERROR'],
        [SpanStatusCode.ERROR, 'INTERNAL_ERROR'],
        [SpanStatusCode.ERROR, 'INTERNAL_ERROR'],
        [SpanStatusCode.ERROR, 'INTERNAL_ERROR'],
      ]);
    } finally {
      await services.close();
    }
  });
});

test('over Framed no context crosses the wire: each server span starts its own trace (in-process children still link)', async () => {
  const services = await twoServices('framed');
  try {
    await services.call.echo({ action: 'say', msg: 'untraced wire' });
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(4);
    // Caller | front SERVER + its CLIENT call | back SERVER.
    expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(3);
    const servers = spans.filter((span) => span.kind === SpanKind.SERVER);
    expect(servers.every((span) => span.parentSpanContext === undefined)).toBe(true);
    const frontCall = spans.find((span) => span.kind === SpanKind.CLIENT && span.parentSpanContext !== undefined);
    expect(frontCall?.spanContext().traceId).toBe(servers.find((span) => span.attributes['server.port'] === services.frontPort)?.spanContext().traceId);
  } finally {
    await services.close();
  }
});

test('tracing options are validated', () => {
  expect(() => createServer({ service: EchoService, handler: new EchoService(), tracing: { tracerProvider: {} as never } })).toThrow(
    new RpcOptionError('tracing.tracerProvider must be an OpenTelemetry TracerProvider (with getTracer()), got an object (Object)'),
  );
  expect(() => createClient(EchoService, { address: '127.0.0.1:1', tracing: { provider: 1 } as never })).toThrow(/tracing has no option 'provider'/);
  expect(() => createClient(EchoService, { address: '127.0.0.1:1', tracing: 'on' as never })).toThrow(new RpcOptionError('tracing must be true, false or { tracerProvider }, got string "on"'));
});

import type * as OtelApi from '@opentelemetry/api';
import type { Address } from '../net/address';
import type { ClientContext } from '../client/client-context';
import { RpcOptionError } from '../errors';
import type { Middleware } from '../middleware';
import type { ServerContext } from '../server/server-context';
import { checkKnownKeys, describeValue, objectOption } from '../validate';
import { clientOutcome, serverOutcome, type Outcome } from './outcome';

/**
 * Tracing options. Spans are made through `@opentelemetry/api` (an optional peer dependency): without an
 * OpenTelemetry SDK registered in the process they are no-ops, and nothing is sent.
 */
export interface TracingOptions {
  /** Where tracers come from. Default: the global provider (`trace.getTracerProvider()`), i.e. the SDK's. */
  tracerProvider?: OtelApi.TracerProvider;
}

/** The `tracing` option of servers and clients. */
export type TracingOption = boolean | TracingOptions;

type Otel = typeof OtelApi;
let otel: Otel | undefined;

function loadOtel(name: string): Otel {
  if (otel !== undefined) return otel;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    otel = require('@opentelemetry/api') as Otel;
  } catch (error) {
    throw new RpcOptionError(`${name} needs the package @opentelemetry/api (npm install @opentelemetry/api, plus an OpenTelemetry SDK to record spans): ${error instanceof Error ? error.message : String(error)}`);
  }
  return otel;
}

const TRACER_NAME = '@thriftpoll/rpc';

/** The tracer a `tracing` option asks for, or undefined when tracing is off. */
export function tracerOption(name: string, value: unknown): { api: Otel; tracer: OtelApi.Tracer } | undefined {
  if (value === undefined || value === false) return undefined;
  if (value !== true) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new RpcOptionError(`${name} must be true, false or { tracerProvider }, got ${describeValue(value)}`);
    }
    const record = objectOption(name, value);
    checkKnownKeys(name, record as Record<string, unknown>, ['tracerProvider']);
    const provider = (record as TracingOptions).tracerProvider;
    if (provider !== undefined && typeof (provider as Partial<OtelApi.TracerProvider>).getTracer !== 'function') {
      throw new RpcOptionError(`${name}.tracerProvider must be an OpenTelemetry TracerProvider (with getTracer()), got ${describeValue(provider)}`);
    }
  }
  const api = loadOtel(name);
  const provider = value === true ? undefined : (value as TracingOptions).tracerProvider;
  return { api, tracer: (provider ?? api.trace.getTracerProvider()).getTracer(TRACER_NAME) };
}

/** Splits `host:port`, `[v6]:port` or a socket path into OTel's address and port attributes. */
function addressAttributes(text: string, addressKey: string, portKey: string): OtelApi.Attributes {
  const match = /^\[?([^[\]]*?)\]?:(\d+)$/.exec(text);
  if (match === null) return { [addressKey]: text, 'network.transport': 'unix' };
  return { [addressKey]: match[1], [portKey]: Number(match[2]), 'network.transport': 'tcp' };
}

/** Headers read and written as W3C trace context (traceparent, tracestate). */
const getter: OtelApi.TextMapGetter<Readonly<Record<string, string>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

function setStatus(api: Otel, span: OtelApi.Span, error: unknown, outcome: Outcome): void {
  span.setAttribute('rpc.response.status_code', outcome.code);
  if (error === undefined) return;
  // A declared exception is an answer of the service's contract: recorded, but the span is not an error.
  if (error instanceof Error) span.recordException(error);
  if (!outcome.declared) span.setStatus({ code: api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/**
 * SERVER spans, per OpenTelemetry's RPC conventions (`rpc.system` "apache_thrift"): parented by the W3C
 * `traceparent`/`tracestate` headers of the request (THeader/TTHeader; Buffered and Framed carry none, so their
 * spans start a new trace), and current while the handler runs, so the handler's own client calls are children.
 */
export function serverTracingMiddleware(api: Otel, tracer: OtelApi.Tracer, local: () => Address | undefined): Middleware<ServerContext> {
  return (ctx, next) => {
    const parent = ctx.requestMetadata.isEmpty() ? api.ROOT_CONTEXT : api.propagation.extract(api.ROOT_CONTEXT, ctx.requestHeaders, getter);
    const address = local();
    const span = tracer.startSpan(
      `${ctx.service}/${ctx.method}`,
      {
        kind: api.SpanKind.SERVER,
        attributes: {
          'rpc.system': 'apache_thrift',
          'rpc.service': ctx.service,
          'rpc.method': ctx.method,
          ...(address === undefined ? {} : 'path' in address ? { 'server.address': address.path } : { 'server.address': address.host, 'server.port': address.port }),
          ...addressAttributes(ctx.peer, 'network.peer.address', 'network.peer.port'),
        },
      },
      parent,
    );
    const finish = (error: unknown): void => {
      setStatus(api, span, error, serverOutcome(ctx.descriptor, error));
      span.end();
    };
    return api.context.with(api.trace.setSpan(parent, span), next).then(
      () => finish(ctx.error),
      (error: unknown) => {
        finish(error);
        throw error;
      },
    );
  };
}

/**
 * CLIENT spans: a child of the active span (inside a traced handler, the SERVER span), with its context injected
 * into the call's headers as `traceparent`/`tracestate` when the transport carries headers (THeader, TTHeader).
 */
export function clientTracingMiddleware(api: Otel, tracer: OtelApi.Tracer, carriesHeaders: boolean): Middleware<ClientContext> {
  return (ctx, next) => {
    const active = api.context.active();
    const span = tracer.startSpan(
      `${ctx.service}/${ctx.method}`,
      { kind: api.SpanKind.CLIENT, attributes: { 'rpc.system': 'apache_thrift', 'rpc.service': ctx.service, 'rpc.method': ctx.method } },
      active,
    );
    const current = api.trace.setSpan(active, span);
    if (carriesHeaders) api.propagation.inject(current, ctx.requestHeaders);
    const finish = (error: unknown): void => {
      // The address is known once an attempt picked one.
      if (ctx.address !== undefined) span.setAttributes(addressAttributes(ctx.address, 'server.address', 'server.port'));
      if (ctx.attempts > 1) span.setAttribute('thriftpoll.attempts', ctx.attempts);
      setStatus(api, span, error, clientOutcome(error));
      span.end();
    };
    return api.context.with(current, next).then(
      () => finish(undefined),
      (error: unknown) => {
        finish(error);
        throw error;
      },
    );
  };
}

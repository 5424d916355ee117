import type { ClientContext } from '../client/client-context';
import type { Middleware } from '../middleware';
import { ClientMetrics, type MeteredClient } from './client-metrics';
import { registryOption, type Registry } from './prom';
import { clientTracingMiddleware, tracerOption, type TracingOption } from './tracing';

/** A client's `metrics` option: `true` (prom-client's default registry) or a prom-client `Registry`. Off by default. */
export type ClientMetricsOption = boolean | Registry;

/** The observability options of createClient. */
export interface ClientObservabilityOptions {
  metrics?: ClientMetricsOption;
  tracing?: TracingOption;
}

/** A client's metrics and traces, made only when one of them is on; its middleware runs outermost. */
export class ClientObserver {
  readonly middleware: readonly Middleware<ClientContext>[];
  private readonly metrics: ClientMetrics | undefined;

  private constructor(
    private readonly client: MeteredClient,
    registry: Registry | undefined,
    tracing: ReturnType<typeof tracerOption>,
    carriesHeaders: boolean,
  ) {
    const middleware: Middleware<ClientContext>[] = [];
    if (registry !== undefined) {
      this.metrics = ClientMetrics.of(registry);
      this.metrics.attach(client);
      middleware.push(this.metrics.middleware());
    }
    if (tracing !== undefined) middleware.push(clientTracingMiddleware(tracing.api, tracing.tracer, carriesHeaders));
    this.middleware = middleware;
  }

  /**
   * The observer of a client, or undefined when nothing is observed. `carriesHeaders`: the transport sends
   * headers (THeader, TTHeader), so trace context can travel with the calls.
   */
  static create(options: ClientObservabilityOptions, client: MeteredClient, carriesHeaders: boolean): ClientObserver | undefined {
    const registry = registryOption('metrics', options.metrics);
    const tracing = tracerOption('tracing', options.tracing);
    if (registry === undefined && tracing === undefined) return undefined;
    return new ClientObserver(client, registry, tracing, carriesHeaders);
  }

  /** The client closed: its gauges leave the registry's sums. */
  closed(): void {
    this.metrics?.detach(this.client);
  }
}

import type { Counter, Gauge } from 'prom-client';
import { performance } from 'node:perf_hooks';
import type { OverloadLimit } from '../errors';
import type { ServerContext } from '../server/server-context';
import type { ServerStats } from '../server/server-stats';
import { serverOutcome } from './outcome';
import { perRegistry } from './per-registry';
import { DURATION_BUCKETS, promClient, type Registry } from './prom';
import { CallStats } from './call-stats';

/** What the metrics read from a server when scraped. */
export interface MeteredServer {
  getStats(): ServerStats;
  /** Open connections by transport ('detecting' until a connection's first message). */
  connectionTransports(): ReadonlyMap<string, number>;
}

type StatCounter = 'accepted' | 'rejectedConnections' | 'unknownMethod' | 'badRequests' | 'protocolErrors' | 'throttled';

/** Counters kept by the server itself (getStats()), exposed as they are at scrape time. */
const STAT_COUNTERS: readonly { stat: StatCounter; name: string; help: string }[] = [
  { stat: 'accepted', name: 'thriftpoll_server_connections_accepted_total', help: 'Connections accepted.' },
  { stat: 'rejectedConnections', name: 'thriftpoll_server_connections_rejected_total', help: 'Connections refused because of maxConnections.' },
  { stat: 'unknownMethod', name: 'thriftpoll_server_unknown_method_total', help: 'Requests for methods the server does not have.' },
  { stat: 'badRequests', name: 'thriftpoll_server_bad_requests_total', help: 'Requests whose arguments could not be decoded.' },
  { stat: 'protocolErrors', name: 'thriftpoll_server_protocol_errors_total', help: 'Connections closed because their input was not Thrift (or not an accepted transport/protocol).' },
  { stat: 'throttled', name: 'thriftpoll_server_throttled_total', help: 'Times a connection was paused because its caller did not read its replies.' },
];

/**
 * The server metrics of one registry. Servers sharing a registry share these metrics: their counts add up, and
 * gauges (connections, requests in flight) sum over the servers open at scrape time.
 *
 * Per request the cost is a few additions (see CallStats); bytes are summed into plain numbers and handed to
 * their counters at scrape time; everything else is read from the servers when Prometheus scrapes.
 */
export class ServerMetrics {
  /** Received and sent bytes not yet added to their counters (added at scrape time). */
  receivedBytes = 0;
  sentBytes = 0;

  private readonly servers = new Set<MeteredServer>();
  /** Counters of servers that closed, so the totals never go down. */
  private readonly retired: Record<StatCounter, number> = { accepted: 0, rejectedConnections: 0, unknownMethod: 0, badRequests: 0, protocolErrors: 0, throttled: 0 };
  private readonly calls = new CallStats(DURATION_BUCKETS);
  /** The registered requests counter, to tell whether the registry still holds these metrics. */
  private readonly requests: object;
  private readonly refusals: Counter<'limit'>;

  /** The metrics of `registry`, registered there the first time. */
  static readonly of = perRegistry('thriftpoll_server_requests_total', (registry) => new ServerMetrics(registry), (metrics) => metrics.requests);

  private constructor(registry: Registry) {
    const prom = promClient();
    const registers = [registry];
    this.requests = this.calls.register(
      registry,
      {
        name: 'thriftpoll_server_requests_total',
        help: 'Requests handled, by service, method and outcome code (OK, a declared exception, a TApplicationException type).',
      },
      { name: 'thriftpoll_server_request_duration_seconds', help: 'Time from reading a request to its handler settling, in seconds.' },
    );
    this.refusals = new prom.Counter({
      name: 'thriftpoll_server_refused_total',
      help: 'Requests refused by a limit before reaching a handler, by limit.',
      labelNames: ['limit'],
      registers,
    });
    const servers = this.servers;
    new prom.Gauge({
      name: 'thriftpoll_server_in_flight_requests',
      help: 'Requests being handled now.',
      registers,
      collect(this: Gauge) {
        let sum = 0;
        for (const server of servers) sum += server.getStats().inFlight;
        this.set(sum);
      },
    });
    new prom.Gauge({
      name: 'thriftpoll_server_connections',
      help: 'Open connections, by transport (detecting: no complete message yet).',
      labelNames: ['transport'],
      registers,
      collect(this: Gauge<'transport'>) {
        this.reset();
        for (const server of servers) {
          for (const [transport, count] of server.connectionTransports()) this.inc({ transport }, count);
        }
      },
    });
    const pending = this;
    new prom.Counter({
      name: 'thriftpoll_server_received_bytes_total',
      help: 'Bytes of requests received (framing included).',
      registers,
      collect(this: Counter) {
        this.inc(pending.receivedBytes);
        pending.receivedBytes = 0;
      },
    });
    new prom.Counter({
      name: 'thriftpoll_server_sent_bytes_total',
      help: 'Bytes of replies sent (framing included).',
      registers,
      collect(this: Counter) {
        this.inc(pending.sentBytes);
        pending.sentBytes = 0;
      },
    });
    const retired = this.retired;
    for (const { stat, name, help } of STAT_COUNTERS) {
      new prom.Counter({
        name,
        help,
        registers,
        collect(this: Counter) {
          let sum = retired[stat];
          for (const server of servers) sum += server.getStats()[stat];
          this.reset();
          this.inc(sum);
        },
      });
    }
  }

  attach(server: MeteredServer): void {
    this.servers.add(server);
  }

  /** A server closed: its counters stay in the totals, its gauges leave them. */
  detach(server: MeteredServer): void {
    if (!this.servers.delete(server)) return;
    const stats = server.getStats();
    for (const { stat } of STAT_COUNTERS) this.retired[stat] += stats[stat];
  }

  /** A call settled: counted by outcome, timed from when its request was read. */
  record(context: ServerContext): void {
    const cell = this.calls.cell(context.service, context.method, serverOutcome(context.descriptor, context.error).code);
    this.calls.record(cell, (performance.now() - context.startTime) / 1000);
  }

  refused(limit: OverloadLimit): void {
    this.refusals.inc({ limit });
  }
}

import type { ByteSink, ByteSource, ProtocolReader, ProtocolWriter, ReaderOptions } from '@thriftpoll/protocol';
import type { EncoderOptions, MessageDecoder, TransportKind } from '@thriftpoll/transport';
import type { BatchClock } from './batch-clock';
import type { Chain } from '../middleware';
import type { ServerObserver } from '../observability/server-observer';
import type { ServiceRegistry } from './registry';
import type { ServerContext } from './server-context';
import type { ServerSession } from './server-session';

/** Counters a server keeps (see `server.stats()`). */
export interface ServerStats {
  /** Connections open now. */
  connections: number;
  /** Requests being handled now. */
  inFlight: number;
  /** Connections accepted since start. */
  accepted: number;
  /** Connections refused because of maxConnections. */
  rejectedConnections: number;
  /** Requests answered with an overload error. */
  overloaded: number;
  /** Requests for methods the server does not have. */
  unknownMethod: number;
  /** Requests whose arguments could not be decoded. */
  badRequests: number;
  /** Connections closed because their input was not Thrift (or not an accepted transport/protocol). */
  protocolErrors: number;
  /** Times a connection's requests were paused because its caller was not reading the replies. */
  throttled: number;
}

/** Every counter of ServerStats at zero: a new server's counters, and the start of a sum over workers. */
export function zeroServerStats(): ServerStats {
  return { connections: 0, inFlight: 0, accepted: 0, rejectedConnections: 0, overloaded: 0, unknownMethod: 0, badRequests: 0, protocolErrors: 0, throttled: 0 };
}

/** What sessions share: the server's configuration and counters. Implemented by the server. */
export interface ServerRuntime {
  readonly registry: ServiceRegistry;
  readonly chain: Chain<ServerContext>;
  /** True without middleware: handlers are called directly, and synchronous ones complete without a promise. */
  readonly direct: boolean;
  readonly readerOptions: ReaderOptions;
  readonly encoderOptions: EncoderOptions;
  readonly replyOrder: 'auto' | 'in-order';
  readonly maxConcurrentRequests: number;
  readonly maxConcurrentRequestsPerConnection: number;
  /** Unsent reply bytes per connection above which its requests are not read (see ServerOptions). */
  readonly writeBufferCap: number;
  /** Protocol ids accepted (0 binary, 2 compact). */
  readonly protocols: ReadonlySet<number>;
  readonly stats: ServerStats;
  /** When the current batch of input was read (ServerContext.startTime). */
  readonly clock: BatchClock;
  inFlight: number;
  shuttingDown: boolean;
  /** Metrics, traces and the call scope; undefined when all are off (sessions then do nothing for them). */
  readonly observer: ServerObserver | undefined;
  /** A decoder for a new connection (detecting), or for `transport` once detected. */
  createDecoder(transport?: TransportKind): MessageDecoder;
  /**
   * The server's protocol reader for `protocol`, reset to `source`. One per protocol for the whole server:
   * decoding is synchronous, and sharing keeps the hot objects few (cache-friendly with many connections).
   */
  reader(protocol: number, source: ByteSource): ProtocolReader;
  /** The server's protocol writer for `protocol`, pointed at `sink` (same sharing as reader()). */
  writer(protocol: number, sink: ByteSink): ProtocolWriter;
  /** Drops a writer whose encoding failed half-way (its state is unknown). */
  discardWriter(protocol: number): void;
  /** Reports a failure that the caller cannot see (or that operators should): onError. */
  report(error: unknown, context: ServerContext | undefined, what: string): void;
  sessionClosed(session: ServerSession): void;
}

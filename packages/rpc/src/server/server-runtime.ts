import type { ByteSink, ByteSource, ProtocolReader, ProtocolWriter, ReaderOptions } from '@thriftpoll/protocol';
import type { EncoderOptions, MessageDecoder, TransportKind } from '@thriftpoll/transport';
import type { BatchClock } from './batch-clock';
import type { Chain } from '../middleware';
import type { ServerObserver } from '../observability/server-observer';
import type { ServiceRegistry } from './registry';
import type { ServerContext } from './server-context';
import type { ServerStats } from './server-stats';

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
}

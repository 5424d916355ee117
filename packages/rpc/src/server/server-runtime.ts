import type { ByteSink, ByteSource, ProtocolReader, ProtocolWriter, ReaderOptions } from '@thriftpoll/protocol';
import type { EncoderOptions, MessageDecoder, TransportKind } from '@thriftpoll/transport';
import type { BatchClock } from './batch-clock';
import type { Chain } from '../middleware';
import type { ServerObserver } from '../observability/server-observer';
import type { ServiceRegistry } from './registry';
import type { ServerContext } from './server-context';

/** The server's resolved configuration that its sessions read (declared once: SessionRuntime takes it as given). */
export interface ServerSettings {
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
  /** Metrics, traces and the call scope; undefined when all are off (sessions then do nothing for them). */
  readonly observer: ServerObserver | undefined;
  /** Reports a failure that the caller cannot see (or that operators should): onError. */
  report(error: unknown, context: ServerContext | undefined, what: string): void;
}

/** Why a session refused a request: each is counted in its ServerStats field of the same name. */
export type RequestRefusal = 'overloaded' | 'unknownMethod' | 'badRequests';

/** What sessions share: the server's configuration and counters (SessionRuntime, owned by the server). */
export interface ServerRuntime extends ServerSettings {
  /** When the current batch of input was read (ServerContext.startTime). */
  readonly clock: BatchClock;
  /** Calls running on the whole server (maxConcurrentRequests). */
  readonly inFlight: number;
  /** True once the server is closing: new requests are refused. */
  readonly shuttingDown: boolean;
  /** A call started running on some session (counted in inFlight). */
  callStarted(): void;
  /** A call counted by callStarted() finished or was released. */
  callEnded(): void;
  /** A request was refused (answered with an exception, or dropped if oneway) for `reason`. */
  requestRefused(reason: RequestRefusal): void;
  /** A connection's requests were paused because its caller was not reading the replies. */
  connectionThrottled(): void;
  /** A connection is being closed because its input was not Thrift (or not an accepted transport/protocol). */
  protocolError(): void;
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
}

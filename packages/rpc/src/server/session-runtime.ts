import { protocolById, type BinaryWriter, type ByteSink, type ByteSource, type CompactWriter, type ProtocolReader, type ProtocolWriter, type ReaderOptions } from '@thriftpoll/protocol';
import type { MessageDecoder, ResolvedDecoderOptions, ResolvedEncoderOptions, TransportKind } from '@thriftpoll/transport';
import { connectionDecoder, serverDecoder, type TransportName } from '../codec';
import type { Chain } from '../middleware';
import type { ServerObserver } from '../observability/server-observer';
import { BatchClock } from './batch-clock';
import type { ServiceRegistry } from './registry';
import type { ServerContext } from './server-context';
import type { ServerRuntime } from './server-runtime';
import { zeroServerStats, type ServerStats } from './server-stats';

/** The server's resolved configuration that its sessions use (see ServerRuntime for each field). */
export interface SessionRuntimeConfig {
  readonly registry: ServiceRegistry;
  readonly chain: Chain<ServerContext>;
  readonly direct: boolean;
  readonly readerOptions: ReaderOptions;
  readonly encoderOptions: ResolvedEncoderOptions;
  readonly decoderOptions: ResolvedDecoderOptions;
  /** The transport option: what a new connection's decoder detects or expects. */
  readonly transport: TransportName | 'auto';
  readonly replyOrder: 'auto' | 'in-order';
  readonly maxConcurrentRequests: number;
  readonly maxConcurrentRequestsPerConnection: number;
  readonly writeBufferCap: number;
  readonly protocols: ReadonlySet<number>;
  readonly observer: ServerObserver | undefined;
  /** The server's onError / logger path. */
  readonly report: (error: unknown, context: ServerContext | undefined, what: string) => void;
}

/**
 * What a ThriftServer shares with its sessions, owned privately by the server: the configuration, the counters,
 * the server-wide call count and shutdown flag, and the shared protocol readers and writers. Sessions see it only
 * through ServerRuntime; the server alone starts the shutdown.
 */
export class SessionRuntime implements ServerRuntime {
  readonly registry: ServiceRegistry;
  readonly chain: Chain<ServerContext>;
  readonly direct: boolean;
  readonly readerOptions: ReaderOptions;
  readonly encoderOptions: ResolvedEncoderOptions;
  readonly replyOrder: 'auto' | 'in-order';
  readonly maxConcurrentRequests: number;
  readonly maxConcurrentRequestsPerConnection: number;
  readonly writeBufferCap: number;
  readonly protocols: ReadonlySet<number>;
  readonly observer: ServerObserver | undefined;
  readonly stats: ServerStats = zeroServerStats();
  readonly clock = new BatchClock();
  readonly report: (error: unknown, context: ServerContext | undefined, what: string) => void;

  private readonly transport: TransportName | 'auto';
  private readonly decoderOptions: ResolvedDecoderOptions;
  private readonly readers: (ProtocolReader | undefined)[] = [];
  private readonly writers: (BinaryWriter | CompactWriter | undefined)[] = [];
  private calls = 0;
  private stopping = false;

  constructor(config: SessionRuntimeConfig) {
    this.registry = config.registry;
    this.chain = config.chain;
    this.direct = config.direct;
    this.readerOptions = config.readerOptions;
    this.encoderOptions = config.encoderOptions;
    this.replyOrder = config.replyOrder;
    this.maxConcurrentRequests = config.maxConcurrentRequests;
    this.maxConcurrentRequestsPerConnection = config.maxConcurrentRequestsPerConnection;
    this.writeBufferCap = config.writeBufferCap;
    this.protocols = config.protocols;
    this.observer = config.observer;
    this.report = config.report;
    this.transport = config.transport;
    this.decoderOptions = config.decoderOptions;
  }

  get inFlight(): number {
    return this.calls;
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  /** From now on sessions refuse new requests (ThriftServer.close). */
  beginShutdown(): void {
    this.stopping = true;
  }

  callStarted(): void {
    this.calls++;
  }

  callEnded(): void {
    this.calls--;
  }

  createDecoder(transport?: TransportKind): MessageDecoder {
    if (transport === undefined) return serverDecoder(this.transport, this.decoderOptions);
    return connectionDecoder(transport, this.decoderOptions);
  }

  reader(protocol: number, source: ByteSource): ProtocolReader {
    const reader = this.readers[protocol];
    if (reader !== undefined) {
      reader.reset(source);
      return reader;
    }
    return (this.readers[protocol] = protocolById(protocol).createReader(source, this.readerOptions));
  }

  writer(protocol: number, sink: ByteSink): ProtocolWriter {
    const writer = this.writers[protocol];
    if (writer !== undefined) {
      writer.reset(sink);
      return writer;
    }
    return (this.writers[protocol] = protocolById(protocol).createWriter(sink));
  }

  discardWriter(protocol: number): void {
    this.writers[protocol] = undefined;
  }
}

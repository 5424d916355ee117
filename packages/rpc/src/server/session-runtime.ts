import { protocolById, type BinaryWriter, type ByteSink, type ByteSource, type CompactWriter, type ProtocolReader, type ProtocolWriter } from '@thriftpoll/protocol';
import type { MessageDecoder, ResolvedDecoderOptions, ResolvedEncoderOptions, TransportKind } from '@thriftpoll/transport';
import { connectionDecoder, serverDecoder, type TransportName } from '../codec';
import { BatchClock } from './batch-clock';
import type { RequestRefusal, ServerRuntime, ServerSettings } from './server-runtime';
import { zeroServerStats, type ServerStats } from './server-stats';

/** What the server gives its runtime: the settings sessions read, plus how new connections are decoded. */
export interface SessionRuntimeConfig extends ServerSettings {
  readonly encoderOptions: ResolvedEncoderOptions;
  readonly decoderOptions: ResolvedDecoderOptions;
  /** The transport option: what a new connection's decoder detects or expects. */
  readonly transport: TransportName | 'auto';
}

// The settings' fields are declared once, in ServerSettings; the constructor copies them onto the runtime.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface SessionRuntime extends ServerSettings {}

/**
 * What a ThriftServer shares with its sessions, owned privately by the server: the configuration, the counters,
 * the server-wide call count and shutdown flag, and the shared protocol readers and writers. Sessions see it only
 * through ServerRuntime, and count through its intention-named methods; the server alone reads the counters and
 * starts the shutdown.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class SessionRuntime implements ServerRuntime {
  readonly clock = new BatchClock();

  private readonly transport: TransportName | 'auto';
  private readonly decoderOptions: ResolvedDecoderOptions;
  private readonly counts: ServerStats = zeroServerStats();
  private readonly readers: (ProtocolReader | undefined)[] = [];
  private readonly writers: (BinaryWriter | CompactWriter | undefined)[] = [];
  private calls = 0;
  private stopping = false;

  constructor(config: SessionRuntimeConfig) {
    const { transport, decoderOptions, ...settings } = config;
    Object.assign(this, settings);
    this.transport = transport;
    this.decoderOptions = decoderOptions;
  }

  /** A snapshot of the counters, with the open connections as the server counts them. */
  stats(connections: number): ServerStats {
    return { ...this.counts, connections, inFlight: this.calls };
  }

  /** The server accepted a connection (counted even if it is then closed or rejected). */
  connectionAccepted(): void {
    this.counts.accepted++;
  }

  /** The server rejected a connection because of maxConnections. */
  connectionRejected(): void {
    this.counts.rejectedConnections++;
  }

  requestRefused(reason: RequestRefusal): void {
    this.counts[reason]++;
  }

  connectionThrottled(): void {
    this.counts.throttled++;
  }

  protocolError(): void {
    this.counts.protocolErrors++;
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

import * as net from 'node:net';
import { LinkBuffer } from '@thriftpoll/netpoll';
import { ProtocolId } from '@thriftpoll/protocol';
import {
  BufferSink,
  createDecoder,
  createEncoder,
  type DecodedMessage,
  type Envelope,
  type MessageDecoder,
  type MessageEncoder,
  type TransportKind,
} from '@thriftpoll/transport';
import { apacheInput, apacheProtocolClass, loadEcho, promise, thrift, type EchoClient } from './apache';
import { bytesOf } from './bytes';
import { writeMessage } from './messages';

/**
 * A client whose framing is this package's (createEncoder/createDecoder over a Node socket and a
 * LinkBuffer) and whose payloads are written and read by Apache's generated Echo client.
 */
export class TransportClient {
  readonly client: EchoClient;
  /** Every reply message as decoded (headers, transport, protocol...). */
  readonly replies: DecodedMessage[] = [];
  /** Headers and envelope fields sent with the next calls. */
  envelope: Omit<Envelope, 'seqid' | 'protocol'> = {};
  error: unknown;

  private readonly reader = new LinkBuffer();
  private readonly out = new BufferSink();
  private readonly encoder: MessageEncoder;
  private readonly decoder: MessageDecoder;

  private constructor(
    private readonly socket: net.Socket,
    transport: TransportKind,
    private readonly protocol: ProtocolId,
  ) {
    const { Echo } = loadEcho();
    this.encoder = createEncoder(transport, this.out, { droppedMetadata: 'ignore' });
    this.decoder = createDecoder(transport);
    const output = new thrift.TBufferedTransport(undefined, (payload) => this.send(Buffer.from(payload)));
    this.client = new Echo.Client(output, apacheProtocolClass(protocol));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => {
      this.error = error;
    });
  }

  static connect(port: number, transport: TransportKind, protocol: ProtocolId = ProtocolId.BINARY): Promise<TransportClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new TransportClient(socket, transport, protocol));
      });
    });
  }

  /** Calls a generated client method (callback style) and resolves with its result. */
  call<T>(invoke: (client: EchoClient, done: (error: unknown, result?: T) => void) => void): Promise<T> {
    return promise((done) => invoke(this.client, done));
  }

  close(): void {
    this.socket.destroy();
  }

  private send(payload: Buffer): void {
    const { rseqid } = apacheInput(this.protocol, payload).readMessageBegin();
    writeMessage(this.encoder, payload, { ...this.envelope, protocol: this.protocol, seqid: rseqid });
    this.socket.write(this.out.take());
  }

  private receive(chunk: Buffer): void {
    this.reader.append(chunk);
    try {
      for (;;) {
        const message = this.decoder.decode(this.reader);
        if (message === undefined) break;
        this.replies.push(message);
        const input = apacheInput(message.protocol, bytesOf(message.payload));
        const { fname, mtype, rseqid } = input.readMessageBegin();
        this.client[`recv_${fname}`](input, mtype, rseqid);
      }
      this.reader.release();
    } catch (error) {
      this.error = error;
      this.socket.destroy();
    }
  }
}


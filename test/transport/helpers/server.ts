import * as net from 'node:net';
import { LinkBuffer } from '@thriftpoll/netpoll';
import {
  BufferSink,
  Metadata,
  TransportError,
  createDecoder,
  createEncoder,
  replyEnvelope,
  type DecodedMessage,
  type DetectingDecoderOptions,
  type EncoderOptions,
  type MessageDecoder,
  type MessageEncoder,
  type TransportKind,
} from '@thriftpoll/transport';
import { apacheInput, apacheProtocolClass, loadEcho, thrift, type EchoHandler, type Payload } from './apache';
import { bytesOf } from './bytes';
import { writeMessage } from './messages';

/** What the server saw on one connection. */
export interface ConnectionRecord {
  messages: {
    transport: TransportKind;
    protocol: number;
    seqid: number | undefined;
    headers: Record<string, string>;
    ints: [number, string][];
    transforms: readonly number[];
  }[];
  error: unknown;
  /** Most bytes ever buffered for this connection (memory bound checks). */
  maxBuffered: number;
  closed: boolean;
}

export interface TestServer {
  readonly port: number;
  readonly connections: ConnectionRecord[];
  /** Resolves once `count` connections have closed. */
  closedConnections(count: number): Promise<void>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** 'detect' (default) or a fixed transport. */
  transport?: TransportKind | 'detect';
  decoder?: DetectingDecoderOptions;
  encoder?: EncoderOptions;
}

/**
 * A Thrift server built from this package's decoders/encoders over Node `net` sockets feeding a LinkBuffer
 * (the engine's pure-JS input buffer), with the payloads processed by Apache's generated Echo processor.
 *
 * Per connection: bytes -> LinkBuffer -> decoder.decode() -> Apache protocol reads the payload -> the
 * processor writes the reply with Apache's protocol -> createEncoder(request.transport) frames it with
 * replyEnvelope(request) -> socket. The `headers` method returns the request's string headers and sends them
 * back as reply headers (plus "server": "thriftpoll").
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { Echo, types } = loadEcho();
  const connections: ConnectionRecord[] = [];
  const closeWaiters: { count: number; resolve: () => void }[] = [];
  let current: { request: DecodedMessage; responseHeaders: Metadata } | undefined;

  const handler: EchoHandler = {
    echo: (text, done) => done(null, text),
    roundtrip: (payload: Payload, done) => done(null, payload),
    headers: (done) => {
      const received = current!.request.headers.toRecord();
      for (const [key, value] of Object.entries(received)) current!.responseHeaders.set(key, value);
      current!.responseHeaders.set('server', 'thriftpoll');
      done(null, { ...received });
    },
    refuse: (reason, done) => done(new types.Refused({ reason }) as unknown as null),
    ping: () => undefined,
  };
  // Callback-style handlers: the generated processor maps a declared exception passed as the callback's
  // error (refuse) into the result struct, and anything else into a TApplicationException.
  const processor = new Echo.Processor(handler);
  const sockets = new Set<net.Socket>();

  const settleClosed = (): void => {
    const closed = connections.filter((c) => c.closed).length;
    for (const waiter of closeWaiters.splice(0)) {
      if (closed >= waiter.count) waiter.resolve();
      else closeWaiters.push(waiter);
    }
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const record: ConnectionRecord = { messages: [], error: undefined, maxBuffered: 0, closed: false };
    connections.push(record);
    const reader = new LinkBuffer();
    const decoder: MessageDecoder = createDecoder(options.transport ?? 'detect', options.decoder);
    const out = new BufferSink();
    const encoders = new Map<TransportKind, MessageEncoder>();

    const fail = (error: unknown): void => {
      record.error = error;
      const reply = error instanceof TransportError ? error.reply : undefined;
      if (reply !== undefined) socket.end(Buffer.from(reply));
      else socket.destroy();
    };

    const handle = (request: DecodedMessage): void => {
      record.messages.push({
        transport: request.transport,
        protocol: request.protocol,
        seqid: request.seqid,
        headers: request.headers.toRecord(),
        ints: [...request.headers.intEntries()],
        transforms: request.transforms,
      });
      let replyPayload: Buffer | undefined;
      const output = new (apacheProtocolClass(request.protocol))(
        new thrift.TBufferedTransport(undefined, (buf) => {
          replyPayload = Buffer.from(buf);
        }),
      );
      current = { request, responseHeaders: new Metadata() };
      processor.process(apacheInput(request.protocol, bytesOf(request.payload)), output);
      const responseHeaders = current.responseHeaders;
      current = undefined;
      if (replyPayload === undefined) return; // oneway
      let encoder = encoders.get(request.transport);
      if (encoder === undefined) {
        encoder = createEncoder(request.transport, out, { droppedMetadata: 'ignore', ...options.encoder });
        encoders.set(request.transport, encoder);
      }
      writeMessage(encoder, replyPayload, replyEnvelope(request, responseHeaders));
      socket.write(out.take());
    };

    socket.on('data', (chunk: Buffer) => {
      if (record.error !== undefined) return;
      reader.append(chunk);
      record.maxBuffered = Math.max(record.maxBuffered, reader.len());
      try {
        for (;;) {
          const message = decoder.decode(reader);
          if (message === undefined) break;
          handle(message);
        }
        reader.release();
      } catch (error) {
        fail(error);
      }
    });
    socket.on('end', () => {
      if (record.error === undefined) {
        try {
          decoder.finish(reader);
        } catch (error) {
          record.error = error;
        }
      }
      socket.end();
    });
    socket.on('error', (error) => {
      if (record.error === undefined) record.error = error;
    });
    socket.on('close', () => {
      record.closed = true;
      settleClosed();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connections,
    closedConnections(count: number): Promise<void> {
      return new Promise((resolve) => {
        closeWaiters.push({ count, resolve });
        settleClosed();
      });
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

import * as net from 'node:net';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { createEventLoop, dial, type Connection, type EventLoop } from '@thriftpoll/netpoll';
import { ProtocolId } from '@thriftpoll/protocol';
import {
  HTTP_REPLY,
  KitexIntKey,
  Metadata,
  THeaderTransform,
  TransportError,
  createDecoder,
  createEncoder,
  replyEnvelope,
  type DecodedMessage,
  type Envelope,
  type MessageDecoder,
  type MessageEncoder,
  type TransportKind,
} from '@thriftpoll/transport';
import { apacheEchoCall, apacheInput, apacheProtocolClass, loadEcho, promise, thrift, type EchoClient } from './helpers/apache';
import { bytesOf } from './helpers/bytes';
import { writeMessage } from './helpers/messages';
import { generatedDir } from './helpers/fixture';

/**
 * The transports on the native engine: decoders reading a Connection's reader (woken with wakeAt(wanted)),
 * encoders writing into its Writer (malloc'd length prefixes back-patched in output blocks), against
 * Apache's npm and Python peers and against engine clients from dial().
 */
const { Echo } = loadEcho();

interface ConnectionState {
  decoder: MessageDecoder;
  encoders: Map<TransportKind, MessageEncoder>;
  messages: DecodedMessage['transport'][];
  headers: Record<string, string>[];
  wakeCalls: number;
  error: unknown;
}

function stateOf(connection: Connection): ConnectionState {
  return connection.context as ConnectionState;
}

/** The Echo service on the engine, framing done by this package, payloads by Apache's generated processor. */
async function startEngineServer(): Promise<{ loop: EventLoop; port: number; states: ConnectionState[] }> {
  const states: ConnectionState[] = [];
  const processor = new Echo.Processor({
    echo: (text, done) => done(null, text),
    roundtrip: (payload, done) => done(null, payload),
    headers: (done) => done(null, {}),
    refuse: (_reason, done) => done(null),
    ping: () => undefined,
  });
  const loop = createEventLoop({
    onPrepare(): ConnectionState {
      const state: ConnectionState = {
        decoder: createDecoder('detect', { maxMessageSize: 32 * 1024 * 1024 }),
        encoders: new Map(),
        messages: [],
        headers: [],
        wakeCalls: 0,
        error: undefined,
      };
      states.push(state);
      return state;
    },
    onRequest(connection) {
      const state = stateOf(connection);
      state.wakeCalls++;
      let wrote = false;
      for (;;) {
        let request: DecodedMessage | undefined;
        try {
          request = state.decoder.decode(connection.reader);
        } catch (error) {
          state.error = error;
          const reply = error instanceof TransportError ? error.reply : undefined;
          if (reply === undefined) {
            connection.close();
            return;
          }
          connection.writer.writeBinary(reply);
          return connection.writer.flush().finally(() => connection.close());
        }
        if (request === undefined) {
          connection.wakeAt(state.decoder.wanted);
          break;
        }
        state.messages.push(request.transport);
        state.headers.push(request.headers.toRecord());
        let reply: Buffer | undefined;
        const output = new (apacheProtocolClass(request.protocol))(
          new thrift.TBufferedTransport(undefined, (buf) => {
            reply = Buffer.from(buf);
          }),
        );
        processor.process(apacheInput(request.protocol, bytesOf(request.payload)), output);
        if (reply === undefined) continue;
        let encoder = state.encoders.get(request.transport);
        if (encoder === undefined) {
          encoder = createEncoder(request.transport, connection.writer);
          state.encoders.set(request.transport, encoder);
        }
        const headers = new Metadata();
        for (const [key, value] of request.headers.entries()) headers.set(key, value);
        for (const [key, value] of request.headers.intEntries()) headers.setInt(key, value);
        writeMessage(encoder, reply, replyEnvelope(request, headers));
        wrote = true;
      }
      return wrote ? connection.writer.flush() : undefined;
    },
    onDisconnect(connection) {
      const state = stateOf(connection);
      if (state.error !== undefined) return;
      try {
        state.decoder.finish(connection.reader);
      } catch (error) {
        state.error = error;
      }
    },
    onError: () => undefined,
  });
  const address = await loop.serve({ host: '127.0.0.1', port: 0 });
  return { loop, port: address.port, states };
}

/** An engine client (dial) framing Apache-encoded calls with this package's encoder/decoder. */
async function engineCall(port: number, transport: TransportKind, protocol: ProtocolId, text: string, envelope: Envelope = {}): Promise<{ result: string; reply: DecodedMessage }> {
  const connection = await dial({ host: '127.0.0.1', port }, { timeout: 10_000 });
  try {
    const encoder = createEncoder(transport, connection.writer);
    const decoder = createDecoder(transport);
    const payload = apacheEchoCall(protocol, text, 41);
    encoder.begin({ ...envelope, protocol, seqid: 41 });
    // Write the payload in pieces, as a protocol writer would, so the frame spans several reservations.
    for (let at = 0; at < payload.length; at += 1000) {
      const piece = payload.subarray(at, at + 1000);
      encoder.sink.reserve(piece.length).set(piece);
      encoder.sink.commit(piece.length);
    }
    encoder.end();
    await connection.writer.flush();
    for (;;) {
      const reply = decoder.decode(connection.reader);
      if (reply !== undefined) {
        const input = apacheInput(reply.protocol, bytesOf(reply.payload));
        const { rseqid } = input.readMessageBegin();
        expect(rseqid).toBe(41);
        // Echo_echo_result { 0: string success }
        input.readStructBegin();
        const field = input.readFieldBegin();
        expect(field.fid).toBe(0);
        return { result: input.readString(), reply };
      }
      await connection.waitFor(decoder.wanted, 10_000);
    }
  } finally {
    connection.close();
  }
}

describe('transports on the native engine', () => {
  let server: { loop: EventLoop; port: number; states: ConnectionState[] };
  beforeAll(async () => {
    server = await startEngineServer();
  });
  afterAll(() => server.loop.shutdown({ timeout: 1000 }));

  test.each([
    ['buffered', 'binary', thrift.TBufferedTransport, ProtocolId.BINARY],
    ['buffered', 'compact', thrift.TBufferedTransport, ProtocolId.COMPACT],
    ['framed', 'binary', thrift.TFramedTransport, ProtocolId.BINARY],
    ['framed', 'compact', thrift.TFramedTransport, ProtocolId.COMPACT],
  ] as const)('Apache npm %s %s client', async (transport, _name, transportClass, protocol) => {
    // The server records a connection when it accepts it, which may be after the client's 'connect'.
    const index = server.states.length;
    const connection = thrift.createConnection('127.0.0.1', server.port, { transport: transportClass, protocol: apacheProtocolClass(protocol) });
    connection.on('error', () => undefined);
    await new Promise<void>((resolve) => connection.on('connect', () => resolve()));
    const client: EchoClient = thrift.createClient(Echo, connection);
    for (const text of ['a', 'ü'.repeat(100), 'x'.repeat(200_000)]) {
      await expect(promise<string>((done) => client.echo(text, done))).resolves.toBe(text);
    }
    connection.end();
    expect(server.states[index].messages).toEqual([transport, transport, transport]);
    expect(server.states[index].error).toBeUndefined();
  });

  test('an 8 MiB frame across many engine blocks: woken for the whole frame, not per read', async () => {
    // The server records a connection when it accepts it, which may be after the client's 'connect'.
    const index = server.states.length;
    const connection = thrift.createConnection('127.0.0.1', server.port, { transport: thrift.TFramedTransport, protocol: thrift.TBinaryProtocol });
    connection.on('error', () => undefined);
    await new Promise<void>((resolve) => connection.on('connect', () => resolve()));
    const client: EchoClient = thrift.createClient(Echo, connection);
    const big = 'thriftpoll!'.repeat(800_000);
    await expect(promise<string>((done) => client.echo(big, done))).resolves.toBe(big);
    connection.end();
    // First call: the length arrives; wakeAt(whole frame); second call: the frame. (A third at most if the
    // first read held fewer than 4 bytes.)
    expect(server.states[index].wakeCalls).toBeLessThanOrEqual(3);
  });

  test('python3-thrift THeader client with zlib and headers', async () => {
    const index = server.states.length;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        '/usr/bin/python3',
        [path.join(__dirname, 'peers', 'python_peer.py'), 'client', '--gen', generatedDir(), '--port', String(server.port), '--zlib', '--protocol', 'compact', '--header', 'k=v'],
        { timeout: 20_000 },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      );
    });
    const report = JSON.parse(stdout) as { echo: string; bigEchoOk: boolean; replyHeaders: Record<string, string> };
    expect(report.echo).toBe('hello from python');
    expect(report.bigEchoOk).toBe(true);
    expect(report.replyHeaders).toEqual({ k: 'v' });
    expect(server.states[index].messages.every((t) => t === 'theader')).toBe(true);
    expect(server.states[index].headers[0]).toEqual({ k: 'v' });
  });

  test.each<[TransportKind, ProtocolId, Envelope]>([
    ['buffered', ProtocolId.BINARY, {}],
    ['framed', ProtocolId.COMPACT, {}],
    ['theader', ProtocolId.COMPACT, { headers: Metadata.from({ trace: 't-1' }), transforms: [THeaderTransform.ZLIB] }],
    ['ttheader', ProtocolId.BINARY, { headers: new Metadata().set('RPC_PERSIST_user', 'u1').setInt(KitexIntKey.ToMethod, 'echo') }],
    ['ttheader-framed', ProtocolId.BINARY, { headers: new Metadata().setInt(KitexIntKey.FromService, 'svc') }],
  ])('engine client -> engine server over %s', async (transport, protocol, envelope) => {
    const index = server.states.length;
    const text = 'engine ↔ engine '.repeat(10_000);
    const { result, reply } = await engineCall(server.port, transport, protocol, text, envelope);
    expect(result).toBe(text);
    expect(reply.transport).toBe(transport);
    expect(reply.protocol).toBe(protocol);
    if (transport === 'theader' || transport === 'ttheader' || transport === 'ttheader-framed') {
      expect(reply.seqid).toBe(41);
      expect(reply.headers.toRecord()).toEqual(envelope.headers!.toRecord());
      expect([...reply.headers.intEntries()]).toEqual(transport === 'theader' ? [] : [...envelope.headers!.intEntries()]);
    }
    if (transport === 'theader') {
      expect(reply.transforms).toEqual([THeaderTransform.ZLIB]);
      expect(reply.wireLength).toBeLessThan(text.length);
    }
    expect(server.states[index].messages).toEqual([transport]);
  });

  test('hostile bytes on the engine: refused and closed; HTTP gets its explanation', async () => {
    const talk = (bytes: Buffer | string, flood: boolean): Promise<Buffer> =>
      new Promise((resolve) => {
        const socket = net.connect(server.port, '127.0.0.1', () => {
          socket.write(bytes);
          if (flood) {
            const chunk = Buffer.alloc(64 * 1024);
            const timer = setInterval(() => socket.writable && socket.write(chunk), 5);
            socket.on('close', () => clearInterval(timer));
          }
        });
        const chunks: Buffer[] = [];
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(Buffer.concat(chunks)));
      });
    let index = server.states.length;
    expect(await talk(Buffer.from([0x7f, 0xff, 0xff, 0xff]), true)).toEqual(Buffer.alloc(0));
    expect((server.states[index].error as TransportError).code).toBe('FRAME_TOO_LARGE');
    index = server.states.length;
    expect(await talk('POST /rpc HTTP/1.1\r\n\r\n', false)).toEqual(Buffer.from(HTTP_REPLY));
    expect((server.states[index].error as TransportError).code).toBe('HTTP_REQUEST');
  });
});

import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { ProtocolId } from '@thriftpoll/protocol';
import { Metadata, THeaderTransform, type TransportKind } from '@thriftpoll/transport';
import { generatedDir } from './helpers/fixture';
import { TransportClient } from './helpers/client';
import { startTestServer, type TestServer } from './helpers/server';
import { requirePythonThrift, runPythonClient as runPython, startPythonServer as startPython } from '../support/python-peer';

/**
 * Live interop with Apache Thrift's Python library (Debian's python3-thrift): its THeaderTransport client
 * and THeaderProtocol server, binary and compact, with string headers and the zlib transform.
 */
const PEER = path.join(__dirname, 'peers', 'python_peer.py');

interface ClientReport {
  headers: Record<string, string>;
  replyHeaders: Record<string, string>;
  echo: string;
  bigEchoOk: boolean;
  roundtrip: { text: string; number: string; numbers: number[]; tags: Record<string, string>; blob: string };
  refused: string | null;
}

function runPythonClient(port: number, protocol: 'binary' | 'compact', zlib: boolean, headers: Record<string, string>): Promise<ClientReport> {
  const args = [PEER, 'client', '--gen', generatedDir(), '--port', String(port), '--protocol', protocol];
  if (zlib) args.push('--zlib');
  for (const [key, value] of Object.entries(headers)) args.push('--header', `${key}=${value}`);
  return runPython<ClientReport>(args, 20_000);
}

function startPythonServer(zlib: boolean): Promise<{ port: number; process: ChildProcess }> {
  const args = [PEER, 'server', '--gen', generatedDir()];
  if (zlib) args.push('--zlib');
  return startPython(args);
}

beforeAll(() => {
  requirePythonThrift(['thrift.transport.THeaderTransport', 'thrift.protocol.THeaderProtocol'], 'the transport interop tests');
  generatedDir();
});

describe('python3-thrift THeader clients -> thriftpoll (detection)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  test.each([
    ['binary', false],
    ['binary', true],
    ['compact', false],
    ['compact', true],
  ] as const)('%s, zlib: %p — calls, headers both ways', async (protocol, zlib) => {
    const first = server.connections.length;
    const report = await runPythonClient(server.port, protocol, zlib, { 'trace-id': 'py-1', ключ: 'значение' });
    expect(report.headers).toEqual({ 'trace-id': 'py-1', ключ: 'значение' });
    expect(report.replyHeaders).toEqual({ 'trace-id': 'py-1', ключ: 'значение', server: 'thriftpoll' });
    expect(report.echo).toBe('hello from python');
    expect(report.bigEchoOk).toBe(true);
    expect(report.roundtrip).toEqual({ text: 'ünïcödé', number: String(-(2 ** 40)), numbers: [1, 2, 3], tags: { k: 'v' }, blob: '00ff' });
    expect(report.refused).toBe('nope');
    await server.closedConnections(first + 1);
    const record = server.connections[first];
    expect(record.error).toBeUndefined();
    const expectedProtocol = protocol === 'compact' ? ProtocolId.COMPACT : ProtocolId.BINARY;
    expect(record.messages.map((m) => [m.transport, m.protocol])).toEqual(Array(5).fill(['theader', expectedProtocol]));
    // Python's generated clients number every call 0; the THeader seqid follows the message's.
    expect(record.messages.map((m) => m.seqid)).toEqual([0, 0, 0, 0, 0]);
    expect(record.messages.every((m) => m.transforms.length === (zlib ? 1 : 0))).toBe(true);
  });
});

describe('thriftpoll transports -> python3-thrift THeaderProtocol server', () => {
  const servers: ChildProcess[] = [];
  afterAll(() => {
    for (const child of servers) child.kill();
  });

  test.each([
    ['binary', 'plain', ProtocolId.BINARY, false],
    ['compact', 'plain', ProtocolId.COMPACT, false],
    ['binary', 'zlib both ways', ProtocolId.BINARY, true],
    ['compact', 'zlib both ways', ProtocolId.COMPACT, true],
  ] as const)('THeader %s, %s', async (_name, _label, protocol, zlib) => {
    const python = await startPythonServer(zlib);
    servers.push(python.process);
    const client = await TransportClient.connect(python.port, 'theader', protocol);
    client.envelope = {
      headers: Metadata.from({ 'trace-id': 'tp-7', ü: 'ö' }),
      transforms: zlib ? [THeaderTransform.ZLIB] : [],
    };
    await expect(client.call<Record<string, string>>((c, done) => c.headers(done))).resolves.toEqual({ 'trace-id': 'tp-7', ü: 'ö' });
    const reply = client.replies[0];
    expect(reply.transport).toBe('theader');
    expect(reply.protocol).toBe(protocol);
    expect(reply.headers.toRecord()).toEqual({ 'trace-id': 'tp-7', ü: 'ö', server: 'python' });
    expect(reply.transforms).toEqual(zlib ? [THeaderTransform.ZLIB] : []);
    const big = 'thriftpoll '.repeat(20_000);
    await expect(client.call<string>((c, done) => c.echo(big, done))).resolves.toBe(big);
    if (zlib) expect(client.replies[1].wireLength).toBeLessThan(big.length / 10);
    expect(client.error).toBeUndefined();
    client.close();
  });

  test.each<[TransportKind, string, ProtocolId]>([
    ['framed', 'binary', ProtocolId.BINARY],
    ['framed', 'compact', ProtocolId.COMPACT],
    ['buffered', 'binary', ProtocolId.BINARY],
    ['buffered', 'compact', ProtocolId.COMPACT],
  ])('%s %s to the Python THeader server (it answers in kind)', async (transport, _name, protocol) => {
    const python = await startPythonServer(false);
    servers.push(python.process);
    const client = await TransportClient.connect(python.port, transport, protocol);
    await expect(client.call<string>((c, done) => c.echo('legacy', done))).resolves.toBe('legacy');
    expect(client.replies[0]).toMatchObject({ transport, protocol });
    client.close();
  });
});

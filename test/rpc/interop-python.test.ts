import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ServiceDescriptor } from '@thriftpoll/protocol';
import { createClient, createServer, type ThriftServer, type TransportName } from '@thriftpoll/rpc';
import { loadGenerated } from './helpers/generated';
import { requirePythonThrift, runPythonClient, startPythonServer } from '../support/python-peer';
import { setFields } from '../support/set-fields';

/*
 * Field presence over the network with Debian's python3-thrift (Apache's Python library), through code generated
 * by `thriftpoll gen` on our side and by Apache's compiler on Python's (fixtures/presence.thrift, peer
 * fixtures/presence_peer.py): what one side leaves unset (None / undefined), empty containers, -0.0 and NaN arrive
 * as they were sent, both ways, over Buffered, Framed and THeader with Binary and Compact.
 */
const PEER = path.join(__dirname, 'fixtures', 'presence_peer.py');
const IDL = path.join(__dirname, 'fixtures', 'presence.thrift');

interface Inner {
  id: number;
  note?: string;
}
interface Sparse {
  flag?: boolean;
  number?: number;
  big?: bigint;
  ratio?: number;
  text?: string;
  blob?: Uint8Array;
  mood?: number;
  ints?: number[];
  names?: Set<string>;
  scores?: Map<string, number>;
  inner?: Inner;
  inners?: Inner[];
  note?: string;
  withDefault?: number;
}
interface MirrorClient {
  mirror(value: Sparse): Promise<Sparse>;
  describeArgs(a: number | undefined, b: string | undefined, c: number[] | undefined): Promise<string>;
  $close(): Promise<void>;
}
type Description = Record<string, string | Record<string, string>>;
type ClientReport = Record<string, { sent: Description; received: Description }> & { args: string };

const generated = loadGenerated('presence.thrift');
const Mirror = generated.modules.presence.Mirror as ServiceDescriptor<MirrorClient>;
let pythonGen: string;

beforeAll(() => {
  requirePythonThrift(['thrift.protocol.THeaderProtocol', 'thrift.transport.TTransport'], 'the presence interop tests');
  pythonGen = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-presence-py-'));
  const run = spawnSync('thrift', ['--gen', 'py', '-out', pythonGen, IDL], { encoding: 'utf8' });
  if (run.error !== undefined || run.status !== 0) {
    throw new Error(`thrift --gen py failed (Debian's thrift-compiler is required): ${run.error?.message ?? run.stderr}`);
  }
});
afterAll(() => {
  generated.remove();
  if (pythonGen !== undefined) fs.rmSync(pythonGen, { recursive: true, force: true });
});

type PythonTransport = 'buffered' | 'framed' | 'header' | 'framed-header';
const MATRIX: [PythonTransport, 'binary' | 'compact'][] = [
  ['buffered', 'binary'],
  ['buffered', 'compact'],
  ['framed', 'binary'],
  ['framed', 'compact'],
  ['header', 'binary'],
  ['header', 'compact'],
  ['framed-header', 'binary'],
  ['framed-header', 'compact'],
];
/** thriftpoll's name for what Python calls a transport (THeader is a protocol there, over a transport). */
const OURS: Record<PythonTransport, TransportName> = { buffered: 'buffered', framed: 'framed', header: 'theader', 'framed-header': 'framed-theader' };

/** The Python peer (fixtures/presence_peer.py) as a client over `transport` and `protocol`: its report. */
function runPeerClient(port: number, transport: string, protocol: string): Promise<ClientReport> {
  return runPythonClient<ClientReport>([PEER, 'client', '--gen', pythonGen, '--port', String(port), '--transport', transport, '--protocol', protocol]);
}

/** The Python peer as a server: `header` answers every transport in kind, `framed-header` THeader inside Framed. */
function startPeerServer(transport: 'header' | 'framed-header'): Promise<{ port: number; process: ChildProcess }> {
  return startPythonServer([PEER, 'server', '--gen', pythonGen, '--transport', transport]);
}

const SPARSE_VALUES: readonly Sparse[] = [
  { withDefault: 7 },
  { text: '', number: 0, ints: [], names: new Set(), scores: new Map(), blob: Buffer.alloc(0), flag: false, withDefault: 7 },
  { ratio: -0, scores: new Map([['nan', Number.NaN], ['neg', -0], ['inf', Number.POSITIVE_INFINITY]]), withDefault: 7 },
  { inner: { id: 1 }, inners: [{ id: 2, note: '' }], mood: 2, big: -(2n ** 63n), withDefault: 0 },
];

describe.each(MATRIX)('python3-thrift client -> thriftpoll server, %s %s', (transport, protocol) => {
  let server: ThriftServer;
  const seen: Sparse[] = [];
  const argsSeen: unknown[][] = [];

  beforeAll(async () => {
    const handler = {
      mirror(value: Sparse): Sparse {
        seen.push(value);
        return value;
      },
      describeArgs(a: number | undefined, b: string | undefined, c: number[] | undefined): string {
        argsSeen.push([a, b, c]);
        return 'ok';
      },
    };
    // Detection on 'auto'; THeader inside Framed is also accepted by a server set to 'theader' (tried with binary).
    server = createServer({ service: Mirror, handler, transport: transport === 'framed-header' && protocol === 'binary' ? 'theader' : 'auto' });
    await server.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => server.close());

  test('what Python leaves unset arrives absent and goes back absent; empty, -0.0 and NaN survive', async () => {
    const address = server.address as { port: number };
    const report = await runPeerClient(address.port, transport, protocol);
    for (const name of ['nothing', 'empty', 'doubles']) expect([name, report[name].received]).toEqual([name, report[name].sent]);
    expect(report.nothing.received).toMatchObject({ text: 'absent', ints: 'absent', inner: 'absent', mood: 'absent', withDefault: '7' });
    expect(report.empty.received).toMatchObject({ text: '""', number: '0', ints: '[]', names: '{}', scores: '{}', blob: '0x', flag: 'false', big: 'absent' });
    expect(report.doubles.received).toMatchObject({ ratio: '-0.0', scores: '{"inf": inf, "nan": nan, "neg": -0.0}' });
    // Python did not send withDefault in "nested": thriftpoll applied the IDL default, as Apache does.
    expect({ ...report.nested.received, withDefault: 'absent' }).toEqual(report.nested.sent);
    expect(report.nested.received.withDefault).toBe('7');
    // The handler saw exactly what Python set: nothing else, no zero values.
    expect(setFields(seen[0])).toEqual({ withDefault: 7 });
    expect(Object.is(seen[2].ratio, -0)).toBe(true);
    expect(Number.isNaN(seen[2].scores?.get('nan'))).toBe(true);
    expect(report.args).toBe('ok');
    expect(argsSeen).toEqual([[undefined, '', undefined]]);
  });
});

describe('thriftpoll client -> python3-thrift THeader servers (one answering every transport in kind, one THeader inside Framed)', () => {
  const python: Partial<Record<'header' | 'framed-header', { port: number; process: ChildProcess }>> = {};
  beforeAll(async () => {
    python.header = await startPeerServer('header');
    python['framed-header'] = await startPeerServer('framed-header');
  });
  afterAll(() => {
    python.header?.process.kill();
    python['framed-header']?.process.kill();
  });

  test.each(MATRIX)('%s %s: absent stays absent, empty stays empty, -0.0 and NaN survive', async (transport, protocol) => {
    const peer = python[transport === 'framed-header' ? 'framed-header' : 'header']!;
    const client = createClient(Mirror, { address: { host: '127.0.0.1', port: peer.port }, transport: OURS[transport], protocol, timeout: 20_000 });
    try {
      for (const value of SPARSE_VALUES) {
        const back = await client.mirror(value);
        expect(setFields(back)).toEqual(setFields(value));
      }
      const doubles = await client.mirror(SPARSE_VALUES[2]);
      expect(Object.is(doubles.ratio, -0)).toBe(true);
      expect(Object.is(doubles.scores?.get('neg'), -0)).toBe(true);
      // Left out, withDefault arrives as its IDL default (Python's generated constructor gives it), the rest absent.
      expect(setFields(await client.mirror({}))).toEqual({ withDefault: 7 });
      expect(JSON.parse(await client.describeArgs(undefined, '', undefined))).toEqual(['absent', '""', 'absent']);
      expect(JSON.parse(await client.describeArgs(0, undefined, []))).toEqual(['0', 'absent', '[]']);
    } finally {
      await client.$close();
    }
  });
});

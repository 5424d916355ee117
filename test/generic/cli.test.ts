import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createServer, type ThriftServer, type TransportName } from '@thriftpoll/rpc';
import { GenericException, loadService, type GenericHandler } from '@thriftpoll/generic';
import { waitFor } from '../rpc/helpers/wait';

/*
 * The real `thriftpoll call` command (node_modules/.bin/thriftpoll, as `npx thriftpoll call` runs it), as a child
 * process: against Apache Thrift's Python library serving the tutorial (a peer nobody here wrote: Debian's
 * python3-thrift and the code Debian's `thrift --gen py` generates, buffered binary), and against thriftpoll
 * servers on every transport and protocol (multiplexed services, headers, failures and their one-line hints).
 */

// Several child processes per test: generous on a loaded machine.
jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'node_modules', '.bin', 'thriftpoll');
const TUTORIAL = '/usr/share/doc/thrift-compiler/examples/tutorial.thrift';
const PYTHON = '/usr/bin/python3';
const SHAPES_IDL = path.join(ROOT, 'test', 'rpc', 'fixtures', 'shapes.thrift');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the command (asynchronously: servers in this process keep answering). */
function thriftpoll(args: readonly string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

function json(run: Run): unknown {
  if (run.status !== 0 && run.status !== 3) throw new Error(`thriftpoll exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'packages', 'thriftpoll', 'dist', 'cli.js'))) {
    throw new Error('packages/thriftpoll/dist/cli.js is missing: build with `npx tsc -b` (npm test builds it) before running this test');
  }
});

test('the bin is declared by the thriftpoll package only and dispatches gen, schema and call', async () => {
  expect(fs.realpathSync(BIN)).toBe(path.join(ROOT, 'packages', 'thriftpoll', 'bin', 'thriftpoll.js'));
  const help = await thriftpoll(['--help']);
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/call Service\.method \[json\]/);
  const none = await thriftpoll([]);
  expect(none.status).toBe(2);
  expect((await thriftpoll(['frobnicate'])).stderr).toContain("unknown command 'frobnicate'");
  const schema = await thriftpoll(['schema', SHAPES_IDL]);
  expect(schema.status).toBe(0);
  expect((JSON.parse(schema.stdout) as { roots: string[] }).roots).toEqual(['shapes']);
  const callHelp = await thriftpoll(['call', '--help']);
  expect(callHelp.status).toBe(0);
  expect(callHelp.stdout).toContain('--describe');
  // The package re-exports the runtime: servers and clients, and generic calls.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const umbrella = require('thriftpoll') as Record<string, unknown>;
  for (const name of ['createServer', 'createClient', 'RpcError', 'loadService', 'createGenericClient', 'GenericException', 'runCallCli']) {
    expect(typeof umbrella[name]).toBe('function');
  }
});

test('-I directories are searched for includes, after the including file\'s own directory', async () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-generic-include-'));
  try {
    fs.mkdirSync(path.join(scratch, 'main'));
    fs.mkdirSync(path.join(scratch, 'lib'));
    fs.copyFileSync(TUTORIAL, path.join(scratch, 'main', 'tutorial.thrift'));
    fs.copyFileSync(path.join(path.dirname(TUTORIAL), 'shared.thrift'), path.join(scratch, 'lib', 'shared.thrift'));
    const idl = path.join(scratch, 'main', 'tutorial.thrift');
    const found = await thriftpoll(['call', '--idl', idl, '-I', path.join(scratch, 'lib'), '--describe', 'SharedService']);
    expect(found).toEqual({ status: 0, stdout: 'service SharedService {\n  SharedStruct getStruct(1: i32 key)\n}\n\nstruct SharedStruct {\n  1: i32 key\n  2: string value\n}\n', stderr: '' });
    const missing = await thriftpoll(['call', '--idl', idl, '--describe', 'SharedService']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('INCLUDE_NOT_FOUND');
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});

describe("against Apache's Python library serving the tutorial (buffered binary)", () => {
  let python: ChildProcess;
  let pythonOut = '';
  let call: (method: string, args?: string, extra?: string[], stdin?: string) => Promise<Run>;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-generic-py-'));

  beforeAll(async () => {
    const probe = spawnSync(PYTHON, ['-c', 'import thrift.transport.TSocket'], { encoding: 'utf8' });
    if (probe.error !== undefined || probe.status !== 0) {
      throw new Error(`python3-thrift is required (${probe.error?.message ?? probe.stderr.trim()}): install Debian's python3-thrift (.ci/run does)`);
    }
    const gen = spawnSync('thrift', ['--gen', 'py', '-r', '-out', scratch, TUTORIAL], { encoding: 'utf8' });
    if (gen.error !== undefined || gen.status !== 0) {
      throw new Error(`Debian's thrift compiler is required to generate the Python tutorial (${gen.error?.message ?? gen.stderr}): install thrift-compiler`);
    }
    python = spawn(PYTHON, [path.join(__dirname, 'peers', 'tutorial_server.py'), '--gen', scratch], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    python.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      python.stdout!.on('data', (chunk: Buffer) => {
        pythonOut += chunk.toString();
        const match = /listening (\d+)/.exec(pythonOut);
        if (match) resolve(Number(match[1]));
      });
      python.on('exit', (code) => reject(new Error(`the Python tutorial server exited (${code}) before listening: ${stderr}`)));
    });
    call = (method, args, extra = [], stdin) =>
      thriftpoll(['call', '--idl', TUTORIAL, '--address', `127.0.0.1:${port}`, '--transport', 'buffered', ...extra, method, ...(args === undefined ? [] : [args])], stdin);
  });

  afterAll(() => {
    python?.kill();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('ping, add, and void results', async () => {
    const ping = await call('Calculator.ping');
    expect(ping).toEqual({ status: 0, stdout: 'null\n', stderr: '' });
    expect(json(await call('Calculator.add', '{"num1": 1, "num2": 2}'))).toBe(3);
    expect(json(await call('Calculator.add', '-', [], '{"num1": -5, "num2": 2}'))).toBe(-3);
  });

  test('calculate: the declared InvalidOperation on division by zero exits 3; results are logged for getStruct', async () => {
    const divide = await call('Calculator.calculate', '{"logid": 1, "w": {"num1": 1, "num2": 0, "op": "DIVIDE"}}');
    expect(divide.status).toBe(3);
    expect(JSON.parse(divide.stdout)).toEqual({ exception: 'InvalidOperation', value: { whatOp: 4, why: 'Cannot divide by 0' } });
    expect(json(await call('Calculator.calculate', '{"logid": 7, "w": {"num1": 15, "num2": 10, "op": "SUBTRACT", "comment": "x"}}'))).toBe(5);
    // The inherited method, through the service that declares it (from the included shared.thrift) and through the derived one.
    expect(json(await call('SharedService.getStruct', '{"key": 7}'))).toEqual({ key: 7, value: '5' });
    expect(json(await call('Calculator.getStruct', '{"key": 7}'))).toEqual({ key: 7, value: '5' });
    // Operation by number works too.
    expect(json(await call('Calculator.calculate', '{"logid": 2, "w": {"num1": 6, "num2": 7, "op": 3}}'))).toBe(42);
  });

  test('oneway zip returns at once and reaches the server', async () => {
    expect(await call('Calculator.zip', '{}')).toEqual({ status: 0, stdout: 'null\n', stderr: '' });
    await waitFor(() => /^zip$/m.test(pythonOut), 10000, 'the Python server to print zip');
  });

  test('bad arguments exit 1 naming the field path, before anything is sent', async () => {
    const bad = await call('Calculator.calculate', '{"logid": 1, "w": {"num1": 1, "num2": 0, "op": "DIVIDEE"}}');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(
      'thriftpoll call: bad arguments for Calculator.calculate: w.op: expected enum Operation, got "DIVIDEE"; one of ADD, SUBTRACT, MULTIPLY, DIVIDE, or an i32 number\n',
    );
    const notJson = await call('Calculator.add', '{num1: 1}');
    expect(notJson.status).toBe(1);
    expect(notJson.stderr).toContain('the arguments are not JSON');
    expect(notJson.stderr).toContain(`e.g. '{"num1": ..., "num2": ...}'`);
    const unknown = await call('Calculator.multiply', '{}');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("service Calculator has no method 'multiply'; its methods are getStruct, ping, add, calculate, zip");
  });

  test('a transport the server does not speak exits 2 with one line saying what to try', async () => {
    const framed = await call('Calculator.add', '{"num1": 1, "num2": 2}', ['--transport', 'framed', '--timeout', '1500']);
    expect(framed.status).toBe(2);
    expect(framed.stderr.trim().split('\n')).toHaveLength(1);
    expect(framed.stderr).toMatch(/timed out after 1500 ms.*try --transport buffered/);
  });

  test('--describe prints the methods with their types, inherited ones included, and the types they use', async () => {
    const described = await thriftpoll(['call', '--idl', TUTORIAL, '--describe', 'Calculator']);
    expect(described.status).toBe(0);
    expect(described.stdout).toContain('service Calculator extends shared.SharedService {');
    expect(described.stdout).toContain('  shared.SharedStruct getStruct(1: i32 key)  // from SharedService');
    expect(described.stdout).toContain('  i32 calculate(1: i32 logid, 2: Work w) throws (1: InvalidOperation ouch)');
    expect(described.stdout).toContain('  oneway void zip()');
    expect(described.stdout).toContain('enum Operation { ADD = 1, SUBTRACT = 2, MULTIPLY = 3, DIVIDE = 4 }');
    expect(described.stdout).toContain('struct Work {\n  1: i32 num1 = 0\n  2: i32 num2\n  3: Operation op\n  4: optional string comment\n}');
    expect(described.stdout).toContain('struct shared.SharedStruct {');
    const all = await thriftpoll(['call', '--idl', TUTORIAL, '--describe']);
    expect(all.stdout.match(/^service .*$/gm)).toEqual(['service Calculator extends shared.SharedService {', 'service SharedService {']);
    const one = await thriftpoll(['call', '--idl', TUTORIAL, '--describe', 'Calculator.add']);
    expect(one.stdout).toBe('service Calculator extends shared.SharedService {\n  i32 add(1: i32 num1, 2: i32 num2)\n}\n');
  });
});

describe('against thriftpoll servers', () => {
  const shapes = loadService(SHAPES_IDL, 'Shapes');
  const handler = (tag: string): GenericHandler => ({
    baseName: () => tag,
    nothing: () => undefined,
    fire: () => undefined,
    roundTrip: ({ value }) => value,
    add: ({ a, b }) => (BigInt(a as string) + BigInt(b as string)).toString(),
    lookup: ({ key }, ctx) => {
      if (key === 'missing') throw new GenericException('NotFound', { key, code: 404 });
      return `${ctx.service}.${ctx.method}:${key as string}:${ctx.requestHeaders.who ?? '-'}`;
    },
    nested: ({ value }) => value,
    choose: ({ c }) => c,
    paint: ({ c }) => c,
    bytes: ({ b }) => b,
    failVoid: () => undefined,
    noArgsDouble: () => 0.5,
  });
  let server: ThriftServer;
  let framedOnly: ThriftServer;
  let address: string;
  let framedAddress: string;
  const framedErrors: unknown[] = [];

  beforeAll(async () => {
    server = createServer({
      services: [
        { service: shapes, handler: handler('A'), name: 'A' },
        { service: shapes, handler: handler('B'), name: 'B' },
        { service: shapes, handler: handler('Shapes') },
      ],
    });
    framedOnly = createServer({ service: shapes, handler: handler('F'), transport: 'framed', onError: (e) => framedErrors.push(e) });
    address = `127.0.0.1:${((await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number }).port}`;
    framedAddress = `127.0.0.1:${((await framedOnly.listen({ host: '127.0.0.1', port: 0 })) as { port: number }).port}`;
  });

  afterAll(async () => {
    await server.close();
    await framedOnly.close();
  });

  const call = (extra: readonly string[], target: string, args?: string): Promise<Run> =>
    thriftpoll(['call', '--idl', SHAPES_IDL, ...extra, target, ...(args === undefined ? [] : [args])]);

  const FLAGS: [string, TransportName][] = [
    ['buffered', 'buffered'],
    ['framed', 'framed'],
    ['header', 'theader'],
    ['ttheader', 'ttheader'],
    ['ttheader-framed', 'ttheader-framed'],
  ];
  test.each(FLAGS.flatMap(([flag]) => ['binary', 'compact'].map((protocol) => [flag, protocol])))('--transport %s --protocol %s', async (transport, protocol) => {
    const run = await call(['-a', address, '-t', transport, '-p', protocol], 'Shapes.roundTrip', '{"value": {"l": "-9223372036854775808", "bin": "AAE=", "series": [["1", [0.5]]], "choice": {"text": "t"}}}');
    expect(json(run)).toEqual({ l: '-9223372036854775808', bin: 'AAE=', series: [['1', [0.5]]], choice: { text: 't' } });
  });

  test('--multiplexed reaches the service registered under that name; --header is sent on header transports', async () => {
    expect(json(await call(['-a', address, '--multiplexed-name', 'B'], 'Shapes.baseName'))).toBe('B');
    expect(json(await call(['-a', address, '--multiplexed'], 'Shapes.lookup', '{"key": "k"}'))).toBe('Shapes.lookup:k:-');
    expect(json(await call(['-a', address, '--multiplexed-name', 'A'], 'Shapes.lookup', '{"key": "k"}'))).toBe('A.lookup:k:-');
    expect(json(await call(['-a', address, '-t', 'header', '-H', 'who=me'], 'Base.baseName'))).toBe('A');
    // TTHeader names the service (Kitex's ToService): the one registered as Shapes answers.
    expect(json(await call(['-a', address, '-t', 'ttheader', '--header', 'who=me'], 'Shapes.lookup', '{"key": "k"}'))).toBe('Shapes.lookup:k:me');
    const dropped = await call(['-a', address, '-H', 'who=me'], 'Shapes.lookup', '{"key": "k"}');
    expect(dropped.status).toBe(1);
    expect(dropped.stderr).toContain('--header needs a transport that carries headers (--transport header or ttheader); framed has none');
  });

  test('i64 prints as a decimal string unless --i64 number', async () => {
    expect((await call(['-a', address], 'Shapes.add', '{"a": "9007199254740993", "b": 0}')).stdout).toBe('"9007199254740993"\n');
    expect((await call(['-a', address, '--i64', 'number'], 'Shapes.add', '{"a": 1, "b": 2}')).stdout).toBe('3\n');
    const unsafe = await call(['-a', address, '--i64', 'number'], 'Shapes.add', '{"a": "9007199254740993", "b": 0}');
    expect(unsafe.status).toBe(2);
    expect(unsafe.stderr).toContain('does not fit a JavaScript number exactly');
  });

  test('declared exceptions exit 3; failures exit 2 with one line; bad usage exits 1 with the usage', async () => {
    const missing = await call(['-a', address], 'Shapes.lookup', '{"key": "missing"}');
    expect(missing.status).toBe(3);
    expect(JSON.parse(missing.stdout)).toEqual({ exception: 'NotFound', value: { key: 'missing', code: 404 } });

    const refused = await call(['-a', framedAddress, '-t', 'buffered'], 'Shapes.baseName');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^thriftpoll call: the server answered Shapes\.baseName with TApplicationException UNSUPPORTED_CLIENT_TYPE: .*buffered.*framed.*\n$/);
    expect(framedErrors).toEqual([expect.objectContaining({ code: 'EPROTO', cause: expect.objectContaining({ code: 'TRANSPORT_NOT_ALLOWED' }) })]);

    const port = await unusedPort();
    const nobody = await call(['-a', `127.0.0.1:${port}`], 'Shapes.baseName');
    expect(nobody).toMatchObject({ status: 2, stderr: `thriftpoll call: 127.0.0.1:${port} refused the connection (nothing listens there); check --address\n` });

    const noTarget = await thriftpoll(['call', '--idl', SHAPES_IDL, '-a', address]);
    expect(noTarget.status).toBe(1);
    expect(noTarget.stderr).toContain('name the method to call: Service.method (or use --describe to list the services)');
    const usage = await thriftpoll(['call', 'Shapes.baseName']);
    expect(usage.status).toBe(1);
    expect(usage.stderr).toContain("required option '--idl <file>' not specified");
    const noMethod = await call(['-a', address], 'Shapes');
    expect(noMethod.status).toBe(1);
    expect(noMethod.stderr).toContain("expected Service.method, got 'Shapes'");
    expect(noMethod.stderr).toContain('Usage: thriftpoll call');
    const noAddress = await call([], 'Shapes.baseName');
    expect(noAddress.stderr).toContain('--address is required to call a method (or use --describe)');
    const badIdl = await thriftpoll(['call', '--idl', path.join(ROOT, 'nope.thrift'), '-a', address, 'Shapes.baseName']);
    expect(badIdl.status).toBe(1);
    expect(badIdl.stderr).toContain('FILE_NOT_FOUND');
  });

  test('a reply in another transport than the one asked for is named', async () => {
    // A peer that answers every request with a Framed binary reply.
    const framedReply = Buffer.from([0, 0, 0, 0x15, 0x80, 1, 0, 2, 0, 0, 0, 8, ...Buffer.from('baseName'), 0, 0, 0, 1, 0]);
    const peer = net.createServer((socket) => socket.on('data', () => socket.write(framedReply)));
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    try {
      const run = await call(['-a', `127.0.0.1:${(peer.address() as net.AddressInfo).port}`, '-t', 'header'], 'Shapes.baseName');
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/^thriftpoll call: the server answered in Framed, not header\/binary \(.*\); try --transport framed\n$/);
    } finally {
      await new Promise((resolve) => peer.close(resolve));
    }
  });
});

function unusedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

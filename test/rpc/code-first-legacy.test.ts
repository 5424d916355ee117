import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { binaryProtocol, GrowableBuffer, type ServiceDescriptor, type StructCodec } from '@thriftpoll/protocol';

/*
 * The legacy flavour (experimentalDecorators + emitDecoratorMetadata, what most code-first TypeScript projects use)
 * cannot be compiled by this test suite's own settings, so the fixture is transpiled here with those options and
 * loaded as JavaScript. It relies on reflect-metadata for types and uses @Arg parameter decorators.
 */
const FIXTURE = `
import { ThriftError } from '@thriftpoll/protocol';
import { Arg, Exception, Field, Method, Service, Struct, serviceDescriptor, structCodec } from '@thriftpoll/rpc';

@Struct()
export class Request {
  @Field(1, undefined, { required: true }) action!: string;
  @Field(2) msg!: string;
  @Field(3) payload?: Uint8Array;
  @Field(4) urgent?: boolean;
  @Field(5) size?: bigint;
}

@Struct()
export class Wrapper {
  @Field(1) inner!: Request;
  @Field(2, 'i32') count = 0;
}

@Exception()
export class Rejected extends ThriftError {
  @Field(1) reason!: string;
}

@Service('EchoServer')
export class Echo {
  @Method({ returns: Request, throws: [Rejected] })
  async echo(@Arg(1) req: Request, ctx?: unknown): Promise<Request> { return req; }

  @Method({ returns: 'string' })
  async inferred(req: Request, flag: boolean, ctx: object): Promise<string> { return req.msg + String(flag); }
}

export const echo = serviceDescriptor(Echo);
export const requestCodec = structCodec(Request);
export const wrapperCodec = structCodec(Wrapper);

let ambiguous: unknown;
try {
  @Struct() class Bad { @Field(1) n!: number; }
  structCodec(Bad).encode({} as never, { n: 1 } as never);
} catch (e) { ambiguous = e; }
export { ambiguous };
`;

interface Fixture {
  echo: ServiceDescriptor;
  requestCodec: StructCodec<Record<string, unknown>>;
  wrapperCodec: StructCodec<Record<string, unknown>>;
  ambiguous: Error;
  Request: new () => object;
}

let fixture: Fixture;
let dir: string;

beforeAll(() => {
  const output = ts.transpileModule(FIXTURE, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      useDefineForClassFields: false,
    },
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-legacy-'));
  const file = path.join(dir, 'fixture.js');
  fs.writeFileSync(file, output.outputText);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  fixture = require(file) as Fixture;
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('legacy decorators infer field and argument types from reflect-metadata', () => {
  const value = { action: 'a', msg: 'm', payload: Uint8Array.from([1, 2]), urgent: true, size: 5n };
  const out = new GrowableBuffer();
  const writer = binaryProtocol.createWriter(out);
  fixture.wrapperCodec.encode(writer, { inner: value, count: 3 });
  writer.commit();
  const decoded = fixture.wrapperCodec.decode(binaryProtocol.createReader(out.toBuffer()));
  expect(decoded.count).toBe(3);
  expect(decoded.inner).toBeInstanceOf(fixture.Request);
  expect({ ...(decoded.inner as object), payload: Buffer.from((decoded.inner as { payload: Uint8Array }).payload) }).toEqual({
    ...value,
    payload: Buffer.from([1, 2]),
  });
});

test('@Arg parameters and inferred parameters (trailing context excluded)', () => {
  const echoArgs = fixture.echo.methods.echo;
  const inferred = fixture.echo.methods.inferred;
  for (const [method, args] of [
    [echoArgs, [{ action: 'x', msg: 'y' }]],
    [inferred, [{ action: 'x', msg: 'y' }, true]],
  ] as const) {
    const out = new GrowableBuffer();
    const writer = binaryProtocol.createWriter(out);
    method.writeArgs(writer, args);
    writer.commit();
    expect(method.readArgs(binaryProtocol.createReader(out.toBuffer()))).toEqual(args);
  }
});

test('number fields must name their Thrift type', () => {
  expect(fixture.ambiguous.message).toBe("Bad.n: type Number is ambiguous (byte, i16, i32 or double): name the Thrift type, e.g. 'i32'");
});

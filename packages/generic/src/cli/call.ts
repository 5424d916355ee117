import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { IdlError, formatDiagnostic } from '@thriftpoll/codegen';
import { serialize } from '@thriftpoll/protocol';
import { RpcOptionError, type ClientOptions, type TransportName } from '@thriftpoll/rpc';
import { createGenericClient } from '../client';
import { describeService } from '../describe';
import { GenericException, GenericLoadError, GenericValueError } from '../errors';
import { GenericIdl } from '../idl';
import { isJsonObject, type JsonObject } from '../json';
import type { GenericMethod, GenericService } from '../service';
import { explainFailure } from './explain';

/**
 * `thriftpoll call`: calls one method of a Thrift service from the shell, with arguments and result as JSON.
 *
 *   thriftpoll call --idl tutorial.thrift --address 127.0.0.1:9090 --transport buffered Calculator.add '{"num1":1,"num2":2}'
 *
 * Exit codes (CALL_EXIT): 0 the result is on stdout; 1 bad usage (options, IDL, names, JSON arguments);
 * 2 the call failed (connection, transport, protocol, timeout, or the server's TApplicationException);
 * 3 the server answered with an exception the IDL declares (`{"exception": ..., "value": ...}` on stdout).
 */

export const CALL_EXIT = { OK: 0, USAGE: 1, FAILED: 2, EXCEPTION: 3 } as const;

export interface CallCliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** All of standard input (for `-` as the arguments). */
  readonly readStdin: () => Promise<string>;
}

const defaultIo: CallCliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

/** `--transport` values: the runtime's names, and `header` for Apache's THeader. */
const TRANSPORTS: Readonly<Record<string, TransportName>> = {
  buffered: 'buffered',
  framed: 'framed',
  header: 'theader',
  theader: 'theader',
  ttheader: 'ttheader',
  'ttheader-framed': 'ttheader-framed',
};

interface CallOptionsParsed {
  idl: string;
  include: string[];
  address?: string;
  transport: string;
  protocol: 'binary' | 'compact';
  header: [string, string][];
  timeout: number;
  connectTimeout: number;
  multiplexed?: boolean;
  multiplexedName?: string;
  i64: 'string' | 'number';
  describe?: boolean;
}

/** Bad input to the command (exit 1); `showUsage` for option and argument mistakes, not for bad values. */
class UsageProblem extends Error {
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

function positiveMs(name: string): (value: string) => number {
  return (value) => {
    const ms = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || !(ms > 0)) throw new InvalidArgumentError(`${name} takes milliseconds > 0, got '${value}'`);
    return ms;
  };
}

function header(value: string, previous: [string, string][]): [string, string][] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`a header is key=value, got '${value}'`);
  return [...previous, [value.slice(0, eq), value.slice(eq + 1)]];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function program(io: CallCliIo): Command {
  return new Command('thriftpoll call')
    .description('call a method of a Thrift service, with the arguments and the result as JSON (the IDL is read at run time)')
    .argument('[Service.method]', 'the method (own or inherited); with --describe, a service, a method, or nothing for every service')
    .argument('[json]', "the arguments as a JSON object keyed by the IDL's argument names, or - to read it from stdin", '{}')
    .requiredOption('--idl <file>', 'the .thrift file that defines (or includes) the service')
    .option('-I, --include <dir>', 'include directory, searched after the including file\'s own directory (repeatable)', collect, [] as string[])
    .option('-a, --address <host:port>', 'the server (host:port, [v6]:port, or a Unix socket path)')
    .addOption(new Option('-t, --transport <transport>', 'buffered, framed, header (THeader), ttheader or ttheader-framed').choices(Object.keys(TRANSPORTS)).default('framed'))
    .addOption(new Option('-p, --protocol <protocol>', 'binary or compact').choices(['binary', 'compact']).default('binary'))
    .option('-H, --header <key=value>', 'a header sent with the call (header and ttheader transports; repeatable)', header, [] as [string, string][])
    .option('--timeout <ms>', 'milliseconds to wait for the reply', positiveMs('--timeout'), 10000)
    .option('--connect-timeout <ms>', 'milliseconds to connect', positiveMs('--connect-timeout'), 3000)
    .option('--multiplexed', "call as Service:method (Apache's TMultiplexedProtocol)")
    .option('--multiplexed-name <name>', 'call as <name>:method, multiplexed under the name the server registered the service with')
    .addOption(new Option('--i64 <format>', 'print i64 values as decimal strings (exact) or numbers').choices(['string', 'number']).default('string'))
    .option('--describe', 'print the service\'s methods with their argument and result types, and the types they use')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run thriftpoll call --help for usage)');
}

/** Runs `thriftpoll call` with `argv` (as `process.argv`: node, script, then the arguments after `call`). */
export async function main(argv: readonly string[], io: CallCliIo = defaultIo): Promise<number> {
  const command = program(io);
  try {
    command.parse([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? CALL_EXIT.OK : CALL_EXIT.USAGE;
    throw error;
  }
  const options = command.opts<CallOptionsParsed>();
  const [target, json] = command.processedArgs as [string | undefined, string];
  try {
    return await run(io, options, target, json);
  } catch (error) {
    const message = usageMessage(error);
    if (message === undefined) throw error;
    io.stderr(`thriftpoll call: ${message}\n`);
    if (error instanceof UsageProblem && error.showUsage) io.stderr(command.helpInformation());
    return CALL_EXIT.USAGE;
  }
}

/** Messages for errors that mean the command was given something wrong (exit 1); undefined for others. */
function usageMessage(error: unknown): string | undefined {
  if (error instanceof IdlError) return `${error.diagnostics.map((d) => formatDiagnostic(d)).join('\n')}\nthe IDL has ${error.errors.length} error(s)`;
  if (error instanceof UsageProblem || error instanceof GenericLoadError || error instanceof RpcOptionError) return error.message;
  const errno = error as NodeJS.ErrnoException;
  if (typeof errno?.code === 'string' && typeof errno.syscall === 'string') return errno.message;
  return undefined;
}

async function run(io: CallCliIo, options: CallOptionsParsed, target: string | undefined, json: string): Promise<number> {
  const idl = GenericIdl.load(options.idl, { includeDirs: options.include, int64: options.i64 });
  if (options.describe === true) {
    if (target === undefined) {
      // Every service of the files given, then of their includes (load order).
      const services = idl.serviceNames().map((name) => describeService(idl.schema, idl.service(name)));
      io.stdout(services.length === 0 ? `${options.idl} defines no service\n` : services.join('\n'));
      return CALL_EXIT.OK;
    }
    const { service, method } = resolveTarget(idl, target, true);
    io.stdout(describeService(idl.schema, service, method?.name));
    return CALL_EXIT.OK;
  }
  if (target === undefined) throw new UsageProblem('name the method to call: Service.method (or use --describe to list the services)');
  const { service, method } = resolveTarget(idl, target, false);
  if (method === undefined) throw new UsageProblem(`name the method to call as Service.method (${service.name} has ${Object.keys(service.methods).join(', ')})`);
  if (options.address === undefined) throw new UsageProblem('--address is required to call a method (or use --describe)');
  const transport = TRANSPORTS[options.transport];
  if (options.header.length > 0 && (transport === 'buffered' || transport === 'framed')) {
    throw new UsageProblem(`--header needs a transport that carries headers (--transport header or ttheader); ${transport} has none`);
  }
  const args = parseArguments(json === '-' ? await io.readStdin() : json, method);
  checkArguments(service, method, args);

  const clientOptions: ClientOptions = {
    address: options.address,
    transport,
    protocol: options.protocol,
    connectTimeout: options.connectTimeout,
    mode: 'short',
  };
  // A flag, not an option with an optional value: `--multiplexed Calculator.add` must not read the method as a name.
  const multiplexed = options.multiplexedName ?? options.multiplexed === true;
  if (multiplexed !== false) clientOptions.multiplexed = multiplexed;
  const client = createGenericClient(service, clientOptions);
  try {
    const headers = Object.fromEntries(options.header);
    const result = await client.call(method.name, args, { timeout: options.timeout, headers });
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return CALL_EXIT.OK;
  } catch (error) {
    if (error instanceof GenericException) {
      io.stdout(`${JSON.stringify(error, null, 2)}\n`);
      return CALL_EXIT.EXCEPTION;
    }
    const attempted = { address: options.address, transport, protocol: options.protocol, multiplexed: multiplexed !== false, service: service.name, method: method.name };
    io.stderr(`thriftpoll call: ${explainFailure(error, attempted)}\n`);
    return CALL_EXIT.FAILED;
  } finally {
    await client.$close();
  }
}

/**
 * `Service.method`, `module.Service.method`, and with --describe also `Service` alone. The service is the one
 * named (a derived service reaches its inherited methods too).
 */
function resolveTarget(idl: GenericIdl, target: string, serviceAlone: boolean): { service: GenericService; method: GenericMethod | undefined } {
  if (serviceAlone) {
    try {
      return { service: idl.service(target), method: undefined };
    } catch (error) {
      if (!(error instanceof GenericLoadError) || !target.includes('.')) throw error;
    }
  }
  const dot = target.lastIndexOf('.');
  if (dot <= 0 || dot === target.length - 1) {
    if (serviceAlone) throw new UsageProblem(`'${target}' is not a service or Service.method`);
    throw new UsageProblem(`expected Service.method, got '${target}'`);
  }
  const service = idl.service(target.slice(0, dot));
  return { service, method: service.method(target.slice(dot + 1)) };
}

function parseArguments(text: string, method: GenericMethod): JsonObject {
  const example = `e.g. '{${method.function.args.map((a) => `"${a.name}": ...`).join(', ')}}'`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageProblem(`the arguments are not JSON (${(error as Error).message}); give an object keyed by argument names, ${example}`, false);
  }
  if (!isJsonObject(value)) {
    throw new UsageProblem(`the arguments must be a JSON object keyed by argument names, ${example}; got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`, false);
  }
  return value;
}

/** Encodes the arguments once before connecting, so a value that does not fit is a usage error naming its path. */
function checkArguments(service: GenericService, method: GenericMethod, args: JsonObject): void {
  try {
    serialize(method.args, args);
  } catch (error) {
    if (error instanceof GenericValueError) throw new UsageProblem(`bad arguments for ${service.name}.${method.name}: ${error.message}`, false);
    throw error;
  }
}

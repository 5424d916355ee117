/** The tiny command-line parser both echo servers share: `--name value` pairs, validated. */

export interface EchoArgs {
  host: string;
  port: number;
  unix: string | undefined;
  maxFrame: number;
  mode: 'threads' | 'inline' | 'uring' | undefined;
  pollers: number | undefined;
}

const USAGE =
  'usage: [--host 127.0.0.1] [--port 0] [--unix PATH] [--max-frame BYTES] [--mode inline|threads|uring] [--pollers K]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function integer(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) fail(`--${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(text)}`);
  return value;
}

export function parseEchoArgs(argv: readonly string[]): EchoArgs {
  const args: EchoArgs = { host: '127.0.0.1', port: 0, unix: undefined, maxFrame: 16_384_000, mode: undefined, pollers: undefined };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) fail(`${flag} needs a value`);
    switch (flag) {
      case '--host':
        args.host = value;
        break;
      case '--port':
        args.port = integer('port', value, 0, 65535);
        break;
      case '--unix':
        args.unix = value;
        break;
      case '--max-frame':
        args.maxFrame = integer('max-frame', value, 1, 0x7fffffff);
        break;
      case '--mode':
        if (value !== 'threads' && value !== 'inline' && value !== 'uring') fail(`--mode must be inline, threads or uring, got ${JSON.stringify(value)}`);
        args.mode = value;
        break;
      case '--pollers':
        args.pollers = integer('pollers', value, 1, 64);
        break;
      default:
        fail(`unknown option ${JSON.stringify(flag)}`);
    }
  }
  return args;
}

/** Runs `stop` on the first SIGTERM/SIGINT, then exits. */
export function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown after ${signal} failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/**
 * The `thriftpoll` command: `gen` and `schema` are the IDL compiler's (@thriftpoll/codegen, docs/codegen.md),
 * `call` is the generic client's (@thriftpoll/generic, docs/generic.md). Each subcommand keeps its own options
 * and exit codes; each package is loaded only when its subcommand runs.
 */

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Exit code for a missing or unknown subcommand (the compiler's usage code). */
export const EXIT_NO_COMMAND = 2;

const USAGE = `Usage: thriftpoll <command> [options]

Commands:
  gen <files...> -o <dir>     generate TypeScript from .thrift files        (thriftpoll gen --help)
  schema <files...>           print the resolved schema model as JSON       (thriftpoll schema --help)
  call Service.method [json]  call a method with JSON arguments, IDL read at run time (thriftpoll call --help)

Options:
  -v, --version               print the version
  -h, --help                  print this help
`;

/** Runs the command with `argv` (as `process.argv`). Resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const [node, script, command, ...rest] = argv;
  switch (command) {
    case 'call': {
      const generic = await import('@thriftpoll/generic');
      return generic.runCallCli([node, script, ...rest]);
    }
    case 'gen':
    case 'schema':
    case '-v':
    case '--version': {
      const codegen = await import('@thriftpoll/codegen');
      return codegen.runCli(argv, io);
    }
    case '-h':
    case '--help':
    case 'help':
      io.stdout(USAGE);
      return 0;
    default:
      io.stderr(command === undefined ? USAGE : `thriftpoll: unknown command '${command}'\n\n${USAGE}`);
      return EXIT_NO_COMMAND;
  }
}

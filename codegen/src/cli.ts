import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { loadSchema } from './compile';
import { formatDiagnostic, IdlError } from './diagnostics';
import { TemplateError, UsageError } from './errors';
import { generate, type ImportExtension } from './generate';
import { detectImportExtension } from './import-extension';

/**
 * The `thriftpoll` command line.
 *
 *   thriftpoll gen <files...> -o <dir> [-I <dir>]... [--int64 bigint|number] [--templates <dir>]
 *                  [--import-extension auto|none|js|ts] [--zero-values]
 *   thriftpoll schema <files...> [-I <dir>]... [-o <file>]
 *
 * Exit codes: 0 success, 1 the IDL (or a template) has errors, 2 usage error (bad options or arguments).
 */

export const EXIT_OK = 0;
export const EXIT_IDL_ERROR = 1;
export const EXIT_USAGE = 2;

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Runs the CLI with `argv` (as `process.argv`: node, script, args...). Resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command('thriftpoll')
    .description('The thriftpoll IDL compiler: Thrift .thrift files to typed TypeScript')
    .version(version(), '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('gen')
    .description('generate one TypeScript module per IDL file (the files given and everything they include)')
    .argument('<files...>', '.thrift files to compile')
    .requiredOption('-o, --out <dir>', 'output directory (created if missing)')
    .option('-I, --include <dir>', 'include directory, searched after the including file\'s own directory (repeatable)', collect, [] as string[])
    .addOption(new Option('--int64 <mode>', 'TypeScript type of i64: bigint (exact) or number (range-checked)').choices(['bigint', 'number']).default('bigint'))
    .option('--templates <dir>', 'directory of .hbs templates overriding the bundled ones of the same name')
    .addOption(
      new Option(
        '--import-extension <ext>',
        'file extension of imports between generated modules: auto (js when the nearest package.json of the output directory has "type": "module", else none), none, js (native ES modules, node16/nodenext) or ts',
      )
        .choices(['auto', 'none', 'js', 'ts'])
        .default('auto'),
    )
    .option('--zero-values', 'Kitex/Go-style: fields without a default decode to zero values when absent (absence is lost); default keeps presence (x?: T)')
    .option('-q, --quiet', 'print errors only (no warnings, no summary)')
    .exitOverride()
    .action((files: string[], opts: { out: string; include: string[]; int64: 'bigint' | 'number'; templates?: string; importExtension: ImportExtension | 'auto'; zeroValues?: boolean; quiet?: boolean }) => {
      exitCode = run(io, opts.quiet === true, () => {
        const { schema, warnings } = loadSchema(files, { includeDirs: opts.include });
        const detected = opts.importExtension === 'auto' ? detectImportExtension(opts.out) : undefined;
        const importExtension = detected?.extension ?? (opts.importExtension as ImportExtension);
        const generated = generate(schema, { int64: opts.int64, templatesDir: opts.templates, importExtension, zeroValues: opts.zeroValues === true });
        fs.mkdirSync(opts.out, { recursive: true });
        for (const file of generated) fs.writeFileSync(path.join(opts.out, file.path), file.contents);
        const imports = detected === undefined ? '' : ` (imports ${detected.extension === 'js' ? "with '.js'" : 'without extension'}: ${detected.reason})`;
        return { warnings, summary: `thriftpoll: wrote ${generated.length} module${generated.length === 1 ? '' : 's'} to ${opts.out}: ${generated.map((g) => g.path).join(', ')}${imports}\n` };
      });
    });

  program
    .command('schema')
    .description('print the resolved schema model (JSON) of IDL files, as the runtime and tools load it')
    .argument('<files...>', '.thrift files to compile')
    .option('-I, --include <dir>', 'include directory (repeatable)', collect, [] as string[])
    .option('-o, --out <file>', 'write the JSON to a file instead of stdout')
    .option('-q, --quiet', 'print errors only')
    .exitOverride()
    .action((files: string[], opts: { include: string[]; out?: string; quiet?: boolean }) => {
      exitCode = run(io, opts.quiet === true, () => {
        const { schema, warnings } = loadSchema(files, { includeDirs: opts.include });
        const json = `${JSON.stringify(schema, null, 2)}\n`;
        if (opts.out === undefined) {
          io.stdout(json);
          return { warnings, summary: '' };
        }
        fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
        fs.writeFileSync(opts.out, json);
        return { warnings, summary: `thriftpoll: wrote the schema of ${Object.keys(schema.files).length} file(s) to ${opts.out}\n` };
      });
    });

  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0; everything else is a usage error.
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    throw e;
  }
  if (argv.length <= 2) {
    io.stderr(program.helpInformation());
    return EXIT_USAGE;
  }
  return exitCode;
}

function run(io: CliIo, quiet: boolean, body: () => { warnings: readonly import('./diagnostics').Diagnostic[]; summary: string }): number {
  try {
    const { warnings, summary } = body();
    if (!quiet) {
      for (const w of warnings) io.stderr(`${formatDiagnostic(w)}\n`);
      io.stdout(summary);
    }
    return EXIT_OK;
  } catch (e) {
    if (e instanceof IdlError) {
      const shown = quiet ? e.diagnostics.filter((d) => d.severity === 'error') : e.diagnostics;
      for (const d of shown) io.stderr(`${formatDiagnostic(d)}\n`);
      const errors = e.errors.length;
      io.stderr(`thriftpoll: ${errors} error${errors === 1 ? '' : 's'}; nothing was generated\n`);
      return EXIT_IDL_ERROR;
    }
    if (e instanceof UsageError) {
      io.stderr(`thriftpoll: ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof TemplateError) {
      io.stderr(`thriftpoll: ${e.message}\n`);
      return EXIT_IDL_ERROR;
    }
    const err = e as NodeJS.ErrnoException;
    if (typeof err?.code === 'string' && typeof err.syscall === 'string') {
      io.stderr(`thriftpoll: cannot write output: ${err.message}\n`);
      return EXIT_IDL_ERROR;
    }
    throw e;
  }
}

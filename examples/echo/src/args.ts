/**
 * A small command-line parser for the examples: `--name value` pairs checked against a spec, and boolean flags
 * (`--name` alone), with errors that say what was seen and what was expected. `--help` prints the usage.
 */
export type ArgSpec =
  | { type: 'boolean'; help: string }
  | { type: 'string'; default?: string; choices?: readonly string[]; help: string }
  | { type: 'integer'; default?: number; min: number; max: number; help: string }
  | { type: 'number'; default?: number; min: number; max: number; help: string };

export type ParsedArgs<S extends Record<string, ArgSpec>> = {
  [K in keyof S]: S[K] extends { type: 'boolean' } ? boolean : S[K] extends { type: 'string' } ? string | undefined : number | undefined;
};

export class UsageError extends Error {}

export function usage(command: string, spec: Record<string, ArgSpec>): string {
  const lines = [`usage: ${command} [options]`, ''];
  for (const [name, entry] of Object.entries(spec)) {
    if (entry.type === 'boolean') {
      lines.push(`  --${name}`.padEnd(44) + entry.help);
      continue;
    }
    const values = entry.type === 'string' ? (entry.choices ? entry.choices.join('|') : 'TEXT') : entry.type === 'integer' ? 'N' : 'X';
    const fallback = entry.default === undefined ? '' : ` (default ${entry.default})`;
    lines.push(`  --${name} ${values}`.padEnd(44) + entry.help + fallback);
  }
  return lines.join('\n');
}

export function parseArgs<S extends Record<string, ArgSpec>>(argv: readonly string[], spec: S): ParsedArgs<S> {
  const result: Record<string, string | number | boolean | undefined> = {};
  for (const [name, entry] of Object.entries(spec)) result[name] = entry.type === 'boolean' ? false : entry.default;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (!flag.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(flag)}: options look like --name value`);
    const name = flag.slice(2);
    const entry = spec[name];
    if (entry === undefined) throw new UsageError(`unknown option --${name} (known: ${Object.keys(spec).map((n) => `--${n}`).join(', ')})`);
    if (entry.type === 'boolean') {
      result[name] = true;
      continue;
    }
    const text = argv[++i];
    if (text === undefined) throw new UsageError(`--${name} needs a value`);
    if (entry.type === 'string') {
      if (entry.choices && !entry.choices.includes(text)) {
        throw new UsageError(`--${name} must be one of ${entry.choices.join(', ')}, got ${JSON.stringify(text)}`);
      }
      result[name] = text;
    } else {
      const value = Number(text);
      const ok = text.trim() !== '' && Number.isFinite(value) && (entry.type === 'number' || Number.isInteger(value));
      if (!ok || value < entry.min || value > entry.max) {
        throw new UsageError(`--${name} must be ${entry.type === 'integer' ? 'an integer' : 'a number'} in [${entry.min}, ${entry.max}], got ${JSON.stringify(text)}`);
      }
      result[name] = value;
    }
  }
  return result as ParsedArgs<S>;
}

/** Runs `main` with parsed arguments; usage errors print the message and the usage, and exit with code 2. */
export function runCli<S extends Record<string, ArgSpec>>(command: string, spec: S, main: (args: ParsedArgs<S>) => Promise<void>): void {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage(command, spec)}\n`);
    return;
  }
  let args: ParsedArgs<S>;
  try {
    args = parseArgs(argv, spec);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${command}: ${error.message}\n${usage(command, spec)}\n`);
    process.exit(2);
  }
  main(args).catch((error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${command}: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${command}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}

/** The CLI's transport names, as the runtime calls them ('header' is Apache's THeader). */
export function transportName(text: string): 'buffered' | 'framed' | 'theader' | 'ttheader' {
  return text === 'header' ? 'theader' : (text as 'buffered' | 'framed' | 'ttheader');
}

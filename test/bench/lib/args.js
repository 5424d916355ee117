'use strict';
/**
 * Command-line options for the benchmark scripts: Node's `util.parseArgs` in strict mode, plus typed values
 * (integers, numbers, choices) validated where they enter, with messages that name the option, what was
 * given and what is accepted.
 *
 * A spec maps each long option name to
 *   { type: 'string' | 'integer' | 'number' | 'boolean', default?, min?, max?, choices?, help, value? }
 * `value` is the placeholder shown in the help text (e.g. 'N', 'SEC').
 */
const { parseArgs } = require('node:util');

/** A bad command line. The message says which option, what was given and what is accepted. */
class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UsageError';
    this.code = 'EUSAGE';
  }
}

function convert(name, spec, raw) {
  if (spec.type === 'boolean' || spec.type === 'string') {
    if (spec.choices && !spec.choices.includes(raw)) {
      throw new UsageError(`--${name} must be one of ${spec.choices.join(', ')}; got '${raw}'`);
    }
    return raw;
  }
  const text = String(raw).trim();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) {
    throw new UsageError(`--${name} expects ${spec.type === 'integer' ? 'an integer' : 'a number'}; got '${raw}'`);
  }
  if (spec.type === 'integer' && !Number.isInteger(value)) {
    throw new UsageError(`--${name} expects an integer; got '${raw}'`);
  }
  if (spec.min !== undefined && value < spec.min) {
    throw new UsageError(`--${name} must be at least ${spec.min}; got ${value}`);
  }
  if (spec.max !== undefined && value > spec.max) {
    throw new UsageError(`--${name} must be at most ${spec.max}; got ${value}`);
  }
  return value;
}

/**
 * Parses argv (without the node and script entries) against spec. Returns an object keyed by the spec's
 * names (camelCased: `--connect-timeout` -> `connectTimeout`) holding the converted value or the default.
 * Throws UsageError for unknown options, missing values, positional arguments and invalid values.
 */
function parseOptions(argv, spec) {
  const options = {};
  for (const [name, s] of Object.entries(spec)) {
    options[name] = { type: s.type === 'boolean' ? 'boolean' : 'string' };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.replace(/\. To specify.*$/s, '') : String(err));
  }
  const out = {};
  for (const [name, s] of Object.entries(spec)) {
    const raw = parsed.values[name];
    out[camel(name)] = raw === undefined ? s.default : convert(name, s, raw);
  }
  return out;
}

function camel(name) {
  return name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/** Renders the options part of a help text from a spec. */
function helpText(spec) {
  const rows = Object.entries(spec).map(([name, s]) => {
    const flag = s.type === 'boolean' ? `--${name}` : `--${name} ${s.value || (s.choices ? s.choices.join('|') : 'X')}`;
    const dflt = s.default === undefined || s.default === false ? '' : ` (default ${s.default})`;
    return [flag, `${s.help}${dflt}`];
  });
  const width = Math.max(...rows.map(([f]) => f.length));
  return rows.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`).join('\n');
}

/**
 * Runs main(options) for a script: parses process.argv against spec, prints the help for --help, and turns a
 * UsageError into a message on stderr and exit status 2. Other errors print their stack and exit 1.
 */
function runCli({ spec, usage, main }) {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n\noptions:\n${helpText(spec)}\n`);
    return;
  }
  let options;
  try {
    options = parseOptions(argv, spec);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n(see --help)\n`);
      process.exit(2);
    }
    throw err;
  }
  Promise.resolve()
    .then(() => main(options))
    .catch((err) => {
      process.stderr.write(`${err instanceof Error && err.stack ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}

module.exports = { UsageError, parseOptions, helpText, runCli };

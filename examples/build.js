#!/usr/bin/env node
'use strict';
/**
 * Builds the RPC examples (echo, microservices, demo) on demand, as a user of thriftpoll would:
 *
 *   1. generate TypeScript from each example's IDL with the `thriftpoll` compiler into its git-ignored gen/
 *      directory (only when the IDL or the compiler changed);
 *   2. compile the examples with `tsc -b examples/tsconfig.json` (incremental: quick when up to date).
 *
 * The npm scripts run it before starting an example (`npm run echo:server`, `npm start`), so a fresh clone needs
 * nothing but `npm install`. Exit code 1 when a step fails.
 *
 *   node examples/build.js [--quiet] [--force] [--regenerate] [--generate-only]
 *
 *   --force          regenerate and recompile everything
 *   --regenerate     run the compiler even if the IDL did not change (files whose content is the same are left
 *                    alone, so tsc does not rebuild for nothing)
 *   --generate-only  skip the TypeScript compilation
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const quiet = process.argv.includes('--quiet');
const force = process.argv.includes('--force');
const regenerate = force || process.argv.includes('--regenerate');
const generateOnly = process.argv.includes('--generate-only');
/** Touched after each generation: the generated files keep their mtimes when their content does not change. */
const STAMP = '.generated';

/** Each example's IDL files and where their generated modules go. */
const GENERATED = [
  { idl: ['idl/echo.thrift'], out: 'examples/echo/gen' },
  { idl: ['examples/microservices/idl/inventory.thrift', 'examples/microservices/idl/orders.thrift'], out: 'examples/microservices/gen' },
];

function log(line) {
  if (!quiet) process.stdout.write(`${line}\n`);
}

function run(command, args, what) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(`examples/build.js: ${what} failed (exit ${result.status ?? result.signal}):\n${result.stdout}${result.stderr}${result.error ? result.error.message : ''}\n`);
    process.exit(1);
  }
  return result;
}

function mtime(file) {
  try {
    return fs.statSync(path.join(root, file)).mtimeMs;
  } catch {
    return 0;
  }
}

/** Newest mtime of the files under `dir` (0 when it does not exist). */
function newest(dir) {
  let latest = 0;
  const walk = (at) => {
    let entries;
    try {
      entries = fs.readdirSync(at, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else latest = Math.max(latest, fs.statSync(full).mtimeMs);
    }
  };
  walk(path.join(root, dir));
  return latest;
}

const compiler = path.join(root, 'packages', 'thriftpoll', 'bin', 'thriftpoll.js');
if (!fs.existsSync(path.join(root, 'codegen', 'dist', 'cli.js')) || !fs.existsSync(path.join(root, 'packages', 'thriftpoll', 'dist', 'cli.js'))) {
  process.stderr.write('examples/build.js: the thriftpoll compiler is not built: run `npm install` (or `npm run build`) at the repository root\n');
  process.exit(1);
}
const compilerTime = newest('codegen/dist');

/**
 * Runs `thriftpoll gen` into a scratch directory and copies only the files whose content changed into `out`, so
 * that regenerating identical code does not make tsc rebuild. Returns the files that changed.
 */
function generate(idl, out) {
  const scratch = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'thriftpoll-examples-'));
  try {
    run(process.execPath, [compiler, 'gen', ...idl, '-o', scratch, '--quiet'], `generating ${out}`);
    const target = path.join(root, out);
    fs.mkdirSync(target, { recursive: true });
    const changed = [];
    const fresh = new Set(fs.readdirSync(scratch));
    for (const name of fresh) {
      const next = fs.readFileSync(path.join(scratch, name));
      let previous;
      try {
        previous = fs.readFileSync(path.join(target, name));
      } catch {
        previous = undefined;
      }
      if (previous === undefined || !previous.equals(next)) {
        fs.writeFileSync(path.join(target, name), next);
        changed.push(name);
      }
    }
    for (const name of fs.readdirSync(target)) {
      if (!fresh.has(name) && name !== STAMP) fs.rmSync(path.join(target, name), { force: true });
    }
    fs.writeFileSync(path.join(target, STAMP), `${new Date().toISOString()}\n`);
    return changed;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

for (const { idl, out } of GENERATED) {
  const generated = newest(out);
  const stale = regenerate || generated === 0 || generated < compilerTime || idl.some((file) => mtime(file) > generated);
  if (!stale) continue;
  log(`thriftpoll gen ${idl.join(' ')} -o ${out}`);
  const changed = generate(idl, out);
  log(changed.length > 0 ? `  updated ${changed.join(', ')}` : '  unchanged');
}

if (generateOnly) process.exit(0);
log('tsc -b examples/tsconfig.json');
run(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '-b', 'examples/tsconfig.json', ...(force ? ['--force'] : [])], 'compiling the examples');

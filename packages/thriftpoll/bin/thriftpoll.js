#!/usr/bin/env node
'use strict';
// The `thriftpoll` command (gen, schema, call): runs the compiled dispatcher in ../dist (built by `tsc -b`).
const path = require('node:path');

let cli;
try {
  cli = require(path.join(__dirname, '..', 'dist', 'cli.js'));
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('cli.js')) {
    process.stderr.write('thriftpoll: the command is not built; run `npm run build` (or `npx tsc -b`) at the repository root\n');
    process.exit(1);
  }
  throw err;
}

cli.main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`thriftpoll: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 70;
  },
);

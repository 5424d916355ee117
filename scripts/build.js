#!/usr/bin/env node
'use strict';
// Builds everything `npm install` needs: the native addon (if it is not built yet) and the TypeScript.
// Usage: node scripts/build.js [--native-only] [--force-native]
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);

function run(cmd, cmdArgs) {
  const result = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const addon = path.join(root, 'native', 'build', 'Release', 'thriftpoll_native.node');
if (args.includes('--force-native') || args.includes('--native-only') || !fs.existsSync(addon)) {
  run(process.execPath, [path.join(__dirname, 'build-native.js')]);
}
if (!args.includes('--native-only')) {
  run(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '-b']);
}

#!/usr/bin/env node
'use strict';
// Builds the native addon with node-gyp against the headers of the Node.js that runs this script.
// Headers are taken from the local installation so that no download is ever needed.
// Usage: node scripts/build-native.js [--debug] [--asan]
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const nativeDir = path.resolve(__dirname, '..', 'native');
const args = process.argv.slice(2);
const debug = args.includes('--debug') || args.includes('--asan');

function localNodeDir() {
  const candidates = [path.resolve(path.dirname(process.execPath), '..'), '/usr', '/usr/local'];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h')));
}

function nodeGypBin() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [nativeDir, path.resolve(__dirname, '..')] });
  } catch {
    return undefined;
  }
}

const gyp = nodeGypBin();
const gypArgs = ['rebuild', '--jobs=max'];
const nodedir = process.env.npm_config_nodedir || localNodeDir();
if (nodedir) gypArgs.push(`--nodedir=${nodedir}`);
if (debug) gypArgs.push('--debug');
const env = { ...process.env };
if (args.includes('--asan')) env.THRIFTPOLL_ASAN = '1';

const cmd = gyp ? process.execPath : 'node-gyp';
const cmdArgs = gyp ? [gyp, ...gypArgs] : gypArgs;
const result = spawnSync(cmd, cmdArgs, { cwd: nativeDir, stdio: 'inherit', env });
if (result.error) {
  console.error(`thriftpoll: could not run node-gyp: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);

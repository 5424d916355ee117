#!/usr/bin/env node
'use strict';
// Builds the addon with node-gyp against the headers of the Node.js that runs this script, taken from the local
// installation (--nodedir) so that nothing is ever downloaded. It is this package's install script, and the
// repository's `npm run build:native`.
//
//   node build.js [--debug] [--asan]
//
// As the install script (npm_lifecycle_event=install) a failed build does not fail the installation: the package
// stays installed with its sources, the runtime falls back to Node's net sockets with one warning, and
// `npm rebuild @thriftpoll/native` retries. A prebuild for this platform in prebuilds/ (prebuildify) skips the build.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const packageDir = __dirname;
const args = process.argv.slice(2);
const debug = args.includes('--debug') || args.includes('--asan');
const installing = process.env.npm_lifecycle_event === 'install';
const REBUILD = 'npm rebuild @thriftpoll/native';

function done(failure) {
  if (failure === undefined) process.exit(0);
  if (installing) {
    console.warn(
      `@thriftpoll/native: the native engine was not built (${failure}). thriftpoll will run on Node's net sockets. ` +
        `Build it later with \`${REBUILD}\` (needs python3, make and a C++ compiler).`,
    );
    process.exit(0);
  }
  console.error(`@thriftpoll/native: build failed: ${failure}`);
  process.exit(1);
}

/** A directory holding include/node/node_api.h for the running Node (never fetched from the network). */
function localNodeDir() {
  const candidates = [path.resolve(path.dirname(process.execPath), '..'), '/usr', '/usr/local'];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h')));
}

/** node-gyp: the one npm runs scripts with, else an installed one, else the one on PATH. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && fs.existsSync(fromNpm)) return { cmd: process.execPath, prefix: [fromNpm] };
  try {
    const script = require.resolve('node-gyp/bin/node-gyp.js', { paths: [packageDir, path.resolve(packageDir, '..')] });
    return { cmd: process.execPath, prefix: [script] };
  } catch {
    return { cmd: 'node-gyp', prefix: [] };
  }
}

function prebuildAvailable() {
  try {
    const found = require('node-gyp-build').path(packageDir);
    return found.startsWith(path.join(packageDir, 'prebuilds'));
  } catch {
    return false;
  }
}

if (installing && prebuildAvailable()) done(undefined);

const nodedir = process.env.npm_config_nodedir || localNodeDir();
if (!nodedir) {
  done(`no Node headers (include/node/node_api.h) next to ${process.execPath}; set npm_config_nodedir to a Node source or headers directory`);
}
const gyp = nodeGyp();
const gypArgs = ['rebuild', '--jobs=max', `--nodedir=${nodedir}`];
if (debug) gypArgs.push('--debug');
const env = { ...process.env };
if (args.includes('--asan')) env.THRIFTPOLL_ASAN = '1';

const result = spawnSync(gyp.cmd, [...gyp.prefix, ...gypArgs], { cwd: packageDir, stdio: 'inherit', env });
if (result.error) done(`could not run node-gyp: ${result.error.message}`);
done(result.status === 0 ? undefined : `node-gyp exited with ${result.status ?? result.signal}`);

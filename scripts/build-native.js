#!/usr/bin/env node
'use strict';
// Builds the native addon: the build script lives in its package (native/build.js), which is also its install
// script. Usage: node scripts/build-native.js [--debug] [--asan]
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const result = spawnSync(process.execPath, [path.resolve(__dirname, '..', 'native', 'build.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);

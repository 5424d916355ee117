'use strict';
// Loads the compiled addon through node-gyp-build: build/Release (built on install by build.js) or a prebuild for
// this platform shipped in prebuilds/ (prebuildify). THRIFTPOLL_NATIVE_BUILD=Debug selects a debug (or ASan) build, an
// absolute path the addon built in that directory (test/netpoll/uring-build.test.ts).
const path = require('node:path');

const flavour = process.env.THRIFTPOLL_NATIVE_BUILD;
module.exports = flavour ? require(path.resolve(__dirname, 'build', flavour, 'thriftpoll_native.node')) : require('node-gyp-build')(__dirname);

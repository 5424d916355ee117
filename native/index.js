'use strict';
// Loads the compiled addon. THRIFTPOLL_NATIVE_BUILD=Debug selects a debug (or ASan) build.
const path = require('node:path');

const flavour = process.env.THRIFTPOLL_NATIVE_BUILD || 'Release';
module.exports = require(path.join(__dirname, 'build', flavour, 'thriftpoll_native.node'));

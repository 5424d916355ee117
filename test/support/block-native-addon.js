'use strict';
// Preload (node --require) that makes every native addon fail to load, as on a machine where the build failed:
// process.dlopen throws for .node files. Attempts are listed in globalThis.blockedAddonLoads, so a test can
// tell "nothing tried to load one" from "a load was tried and the error was handled".
const originalDlopen = process.dlopen;
globalThis.blockedAddonLoads = [];
process.dlopen = function blockedDlopen(module, filename, ...rest) {
  if (String(filename).endsWith('.node')) {
    globalThis.blockedAddonLoads.push(String(filename));
    throw new Error(`blocked by test/support/block-native-addon.js: ${filename}`);
  }
  return originalDlopen.call(this, module, filename, ...rest);
};

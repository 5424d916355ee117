// Every installed package (names in argv) imported from an ES module: Node's named-export detection must find
// the same names CommonJS require() sees. And the one import a new user writes first.
import { createRequire } from 'node:module';
import { createServer } from '@thriftpoll/rpc';

const require = createRequire(import.meta.url);
const packages = {};
for (const name of process.argv.slice(2)) {
  const esm = await import(name);
  const cjs = require(name);
  const names = Object.keys(cjs);
  packages[name] = { names: names.length, missingInEsm: names.filter((key) => esm[key] !== cjs[key]), defaultIsCjs: esm.default === cjs };
}
process.stdout.write(`${JSON.stringify({ createServer: typeof createServer, packages })}\n`);

// Every installed @thriftpoll package imported from an ES module, and required from CommonJS.
import { createRequire } from 'node:module';
import { createServer } from '@thriftpoll/rpc';
import { BinaryWriter } from '@thriftpoll/protocol';
import { detectTransport } from '@thriftpoll/transport';
import { LinkBuffer } from '@thriftpoll/netpoll';
import { generate } from '@thriftpoll/codegen';

const require = createRequire(import.meta.url);
const required = require('@thriftpoll/rpc');
const seen = {
  esm: [createServer, BinaryWriter, detectTransport, LinkBuffer, generate].map((value) => typeof value),
  cjsSame: required.createServer === createServer,
};
process.stdout.write(`${JSON.stringify(seen)}\n`);

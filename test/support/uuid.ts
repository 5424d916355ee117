/**
 * `uuid` for code that jest loads (mapped by `moduleNameMapper` in the root jest.config.js).
 *
 * Apache's npm `thrift` requires `uuid` for its uuid fields, and `uuid` is ESM-only since v12: jest's CommonJS
 * module system cannot load it, but Node 20 can `require()` it. This module hands jest the real package, loaded
 * with Node's own require, so that tests run Apache's library exactly as users get it (including the real
 * package's refusal of strings and bytes that are not RFC 9562 UUIDs) instead of a hand-written imitation.
 *
 * `process.getBuiltinModule` reaches Node's own `module` builtin: jest substitutes its own for a required
 * 'node:module', whose require() would come back here.
 */
import type * as Uuid from 'uuid';

const nodeModule = (process as unknown as { getBuiltinModule(id: string): typeof import('node:module') }).getBuiltinModule('node:module');
const uuid = nodeModule.createRequire(__filename)('uuid') as typeof Uuid;

export = uuid;

/**
 * thriftpoll: Thrift RPC for Node.js and TypeScript. This package gathers the runtime — servers and clients
 * (@thriftpoll/rpc) and generic calls from IDL loaded at run time (@thriftpoll/generic) — and declares the
 * `thriftpoll` command (`gen`, `schema`, `call`). Generated code imports @thriftpoll/protocol.
 *
 * See README.md, docs/rpc.md and docs/generic.md.
 */
export * from '@thriftpoll/rpc';
export * from '@thriftpoll/generic';

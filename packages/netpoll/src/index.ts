/**
 * @thriftpoll/netpoll — the TypeScript face of the native netpoll-style engine.
 *
 * Server (netpoll's EventLoop):
 *
 *   import { createEventLoop } from '@thriftpoll/netpoll';
 *   const loop = createEventLoop({
 *     onRequest(connection) {                        // data is ready (>= the wake-at threshold)
 *       const { reader, writer } = connection;
 *       if (reader.len() < 4) return;               // wait for more (the handler is called again on new data)
 *       const size = reader.peekUint32();
 *       if (reader.len() < 4 + size) { connection.wakeAt(4 + size); return; }   // woken once per whole frame
 *       const frame = reader.next(4 + size);        // zero-copy view, valid until release()
 *       writer.writeBinary(frame);                  // copied into output blocks
 *       return writer.flush();                      // one writev; settles when sent
 *     },                                            // the reader is released after each call
 *   }, { idleTimeout: 60_000 });
 *   const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });   // or { path: '/tmp/x.sock' }
 *   await loop.shutdown({ timeout: 5000 });
 *
 * Client (netpoll's Dialer):
 *
 *   const connection = await dial({ host: '127.0.0.1', port }, { timeout: 1000 });
 *   connection.writer.writeBinary(request); await connection.writer.flush();
 *   await connection.waitFor(4);                    // or connection.setOnRequest(handler)
 *
 * Contracts (details in docs/engine.md):
 * - Reader views are valid until release(); readString()/readBinary() return owned copies; slice() keeps
 *   its bytes valid until the slice is released too.
 * - Writer views from malloc()/reserve() are writable until flush(). flush() settles when the bytes are sent.
 *   Backpressure: `if (writer.needsDrain()) await writer.drained();`
 * - Errors are NetpollError with `code` (ETIMEDOUT, ECONNRESET, ECLOSED, ECONNREFUSED, EADDRINUSE, EOF, ...).
 * - idleTimeout closes idle connections (application-level); keepAlive is TCP keepalive, a separate option.
 */
// The byte contracts live in @thriftpoll/buffer (no native code); re-exported here where they always were.
export { LinkBuffer } from '@thriftpoll/buffer';
export type { Reader, ReleaseListener, Writer } from '@thriftpoll/buffer';
export { OutputBuffer } from './writer';
export { ConnectionWriter, FLUSHED } from './connection-writer';
export { Connection } from './connection';
export type { CloseCallback, RequestHandler } from './connection';
export { createEventLoop, EventLoop } from './eventloop';
export type { EventLoopHandlers, EventLoopOptions, ListeningAddress, ShutdownOptions } from './eventloop';
export { dial } from './dialer';
export type { DialOptions } from './dialer';
export type { ConnectionOptions } from './settings';
export { configureDefaultEngine, defaultEngine, Engine, engineStats } from './engine';
export type { EngineMode, EngineOptions, EngineStats } from './engine';
export { defaultEngineMode, ENGINE_MODE_VARIABLE } from './engine-mode';
export { errnoName, InvalidOptionError, NetpollError, UringUnavailableError } from './errors';
export type { NetpollErrorCode } from './errors';
export { formatAddress } from './address';
export { nativeLoadError } from './binding';
export type { Address, SocketAddressInfo, TcpAddress, UnixAddress } from './address';

/**
 * @thriftpoll/buffer — the byte contracts of thriftpoll, in TypeScript only: nothing here loads a native addon,
 * so the `net` engine and the transports run where the addon did not build.
 *
 * - Reader: what a connection has received; views valid until release(). LinkBuffer implements it over any
 *   Uint8Array chunks (the engines append what they read).
 * - Writer: where output is written; views writable until flush().
 */
export { LinkBuffer } from './linkbuffer';
export type { ReleaseListener } from './linkbuffer';
export type { Reader } from './reader';
export type { Writer } from './writer';

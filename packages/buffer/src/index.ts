/**
 * @thriftpoll/buffer — the byte contracts of thriftpoll, in TypeScript only: nothing here loads a native addon,
 * so the `net` engine and the transports run where the addon did not build.
 *
 * - Reader: what a connection has received; views valid until release(). LinkBuffer implements it over any
 *   Uint8Array chunks (the engines append what they read).
 * - The writer family (ByteSink < OutputSink < FlushableSink, Writer): where output is written; malloc'd views
 *   writable until flush(). BufferSink implements OutputSink in JavaScript memory.
 * - optionValidators/describeValue: the one way every package validates options and shows a refused value.
 * - DeliveryLoop: the one loop both engines call request handlers with (wake-at threshold, release()).
 */
export { DeliveryLoop } from './delivery';
export { describeValue } from './describe';
export { optionValidators } from './options';
export type { OptionErrorFactory, OptionValidators } from './options';
export type { CountingReader, DeliveryHost } from './delivery';
export { LinkBuffer } from './linkbuffer';
export type { ReleaseListener } from './linkbuffer';
export type { Reader } from './reader';
export type { ByteSink, FlushableSink, OutputSink, Writer } from './writer';
export { BufferSink } from './buffer-sink';

export type { Reader } from './reader';
export { LinkBuffer } from './linkbuffer';
export type { ReleaseListener } from './linkbuffer';

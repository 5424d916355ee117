// ByteSink is the narrowest of @thriftpoll/buffer's writer family (see its writer.ts); re-exported where it was.
export type { ByteSink } from '@thriftpoll/buffer';

import { ProtocolId } from '@thriftpoll/protocol';

/**
 * The protocol ids, read once. `@thriftpoll/protocol` re-exports its modules with `export *`, which CommonJS output
 * turns into getters on a dictionary-mode exports object: `ProtocolId.BINARY` written in per-message code would call
 * such a getter (and a megamorphic lookup behind it) every time. Per-message code compares with these instead.
 */
export const BINARY: ProtocolId = ProtocolId.BINARY;
export const COMPACT: ProtocolId = ProtocolId.COMPACT;

import { ProtocolId } from '@thriftpoll/protocol';
import { TransportError } from './errors';
import { Metadata } from './metadata';
import type { Envelope, THeaderTransform } from './message';
import type { DroppedMetadataPolicy } from './options';
import { describe } from './options';

/** An envelope with defaults applied and every field range-checked. */
export interface CheckedEnvelope {
  protocol: ProtocolId;
  seqid: number;
  flags: number;
  headers: Metadata;
  transforms: readonly THeaderTransform[];
}

const NO_TRANSFORMS: readonly THeaderTransform[] = Object.freeze([]);

/**
 * Applies defaults and validates an envelope before anything is written. Throws RangeError/TypeError naming
 * the field, the value and the allowed range.
 */
export function checkEnvelope(transport: string, envelope: Envelope | undefined): CheckedEnvelope {
  if (envelope === undefined) {
    return { protocol: ProtocolId.BINARY, seqid: 0, flags: 0, headers: Metadata.EMPTY, transforms: NO_TRANSFORMS };
  }
  if (typeof envelope !== 'object' || envelope === null) {
    throw new TypeError(`${transport} encoder: envelope must be an object, got ${describe(envelope)}`);
  }
  const { protocol = ProtocolId.BINARY, seqid = 0, flags = 0, headers = Metadata.EMPTY, transforms = NO_TRANSFORMS } = envelope;
  if (protocol !== ProtocolId.BINARY && protocol !== ProtocolId.COMPACT) {
    throw new RangeError(`${transport} encoder: protocol must be ProtocolId.BINARY (0) or ProtocolId.COMPACT (2), got ${describe(protocol)}`);
  }
  if (!Number.isInteger(seqid) || seqid < -0x80000000 || seqid > 0xffffffff) {
    throw new RangeError(`${transport} encoder: seqid must be a 32-bit integer, got ${describe(seqid)}`);
  }
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffff) {
    throw new RangeError(`${transport} encoder: flags must be an integer between 0 and 65535, got ${describe(flags)}`);
  }
  if (!(headers instanceof Metadata)) {
    throw new TypeError(`${transport} encoder: headers must be a Metadata instance (Metadata.from(record) builds one), got ${describe(headers)}`);
  }
  if (!Array.isArray(transforms)) {
    throw new TypeError(`${transport} encoder: transforms must be an array of transform ids, got ${describe(transforms)}`);
  }
  return { protocol, seqid: seqid | 0, flags, headers, transforms };
}

let warned = false;

/**
 * Applies the dropped-metadata policy for a transport that cannot carry `what` (all metadata on Buffered and
 * Framed, int keys on THeader). Returns normally when the metadata may be dropped; throws for `'error'`.
 */
export function dropMetadata(transport: string, policy: DroppedMetadataPolicy, what: string): void {
  if (policy === 'error') {
    throw new TransportError(
      'METADATA_DROPPED',
      `${transport} cannot carry ${what}: use the THeader or TTHeader transport, or set droppedMetadata to 'warn' or 'ignore'`,
    );
  }
  if (policy === 'warn' && !warned) {
    warned = true;
    process.emitWarning(
      `${transport} transport cannot carry ${what}; it was dropped (reported once per process; ` +
        `use THeader or TTHeader to send metadata, or droppedMetadata: 'ignore' to silence this)`,
      { code: 'THRIFTPOLL_METADATA_DROPPED' },
    );
  }
}


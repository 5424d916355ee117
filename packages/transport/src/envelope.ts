import type { ProtocolId } from '@thriftpoll/protocol';
import { TransportError } from './errors';
import { Metadata } from './metadata';
import type { Envelope, THeaderTransform } from './message';
import type { ResolvedEncoderOptions } from './options';
import { describe } from './options';
import { BINARY, COMPACT } from './protocol-ids';

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
 * the field, the value and the allowed range. Returns a copy: encoders that keep the envelope past begin() are not
 * affected when the caller reuses its object.
 */
export function checkEnvelope(transport: string, envelope: Envelope | undefined): CheckedEnvelope {
  if (envelope === undefined) {
    return { protocol: BINARY, seqid: 0, flags: 0, headers: Metadata.EMPTY, transforms: NO_TRANSFORMS };
  }
  const headers = validateEnvelope(transport, envelope);
  const { protocol = BINARY, seqid = 0, flags = 0, transforms = NO_TRANSFORMS } = envelope;
  return { protocol, seqid: seqid | 0, flags, headers, transforms };
}

/**
 * begin() of a transport that carries no metadata at all (Buffered, Framed): validates the envelope as
 * checkEnvelope() does, without copying it, and applies the dropped-metadata policy to the metadata it holds.
 * Returns 1 when metadata was dropped, else 0: what the encoder adds to its `droppedMetadata` count.
 */
export function dropEnvelopeMetadata(transport: string, envelope: Envelope | undefined, options: ResolvedEncoderOptions): number {
  if (envelope === undefined) return 0;
  const headers = validateEnvelope(transport, envelope);
  if (headers.isEmpty()) return 0;
  dropMetadata(transport, options, `metadata (${headers.size} entries)`);
  return 1;
}

/** Checks every field of an envelope (absent ones take their defaults); returns its metadata. */
function validateEnvelope(transport: string, envelope: Envelope): Metadata {
  if (typeof envelope !== 'object' || envelope === null) {
    throw new TypeError(`${transport} encoder: envelope must be an object, got ${describe(envelope)}`);
  }
  const protocol = envelope.protocol;
  if (protocol !== undefined && protocol !== BINARY && protocol !== COMPACT) {
    throw new RangeError(`${transport} encoder: protocol must be ProtocolId.BINARY (0) or ProtocolId.COMPACT (2), got ${describe(protocol)}`);
  }
  const seqid = envelope.seqid;
  if (seqid !== undefined && !(Number.isInteger(seqid) && seqid >= -0x80000000 && seqid <= 0xffffffff)) {
    throw new RangeError(`${transport} encoder: seqid must be a 32-bit integer, got ${describe(seqid)}`);
  }
  const flags = envelope.flags;
  if (flags !== undefined && !(Number.isInteger(flags) && flags >= 0 && flags <= 0xffff)) {
    throw new RangeError(`${transport} encoder: flags must be an integer between 0 and 65535, got ${describe(flags)}`);
  }
  const headers = envelope.headers;
  if (headers !== undefined && !(headers instanceof Metadata)) {
    throw new TypeError(`${transport} encoder: headers must be a Metadata instance (Metadata.from(record) builds one), got ${describe(headers)}`);
  }
  const transforms = envelope.transforms;
  if (transforms !== undefined && !Array.isArray(transforms)) {
    throw new TypeError(`${transport} encoder: transforms must be an array of transform ids, got ${describe(transforms)}`);
  }
  return headers ?? Metadata.EMPTY;
}

let warned = false;

/**
 * Applies the dropped-metadata policy for a transport that cannot carry `what` (all metadata on Buffered and
 * Framed, int keys on THeader). Returns normally when the metadata may be dropped; throws for `'error'`.
 */
export function dropMetadata(transport: string, options: ResolvedEncoderOptions, what: string): void {
  const policy = options.droppedMetadata;
  const option = options.droppedMetadataOption;
  if (policy === 'error') {
    throw new TransportError(
      'METADATA_DROPPED',
      `${transport} cannot carry ${what}: use the THeader or TTHeader transport, or set ${option} to 'warn' or 'ignore'`,
    );
  }
  if (policy === 'warn' && !warned) {
    warned = true;
    process.emitWarning(
      `${transport} transport cannot carry ${what}; it was dropped (reported once per process; ` +
        `use THeader or TTHeader to send metadata, or ${option}: 'ignore' to silence this)`,
      { code: 'THRIFTPOLL_METADATA_DROPPED' },
    );
  }
}


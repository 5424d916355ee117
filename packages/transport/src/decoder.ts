import type { Reader } from '@thriftpoll/buffer';
import { StickyFailure } from './frame';
import type { DecodedMessage } from './message';
import { resolveDecoderOptions, type DecoderOptions, type ResolvedDecoderOptions } from './options';

/**
 * What every single-transport decoder shares (Buffered, Framed, THeader, TTHeader): options validated where they
 * enter, and decode() as the sticky-failure wrapper around the transport's own read().
 *
 *   decode(reader) ──► failed before? ──► throw that error again
 *                  └─► read(reader) ──► message | undefined
 *                            └─ throws ──► latch the error (every later call throws it), rethrow
 *
 * (DetectingDecoder extends StickyFailure itself: its decode() detects, then hands over to one of these.)
 */
export abstract class TransportDecoder extends StickyFailure {
  protected readonly options: ResolvedDecoderOptions;

  /** @param className names the decoder in option errors (InvalidOptionError). */
  constructor(options: DecoderOptions | undefined, className: string) {
    super();
    this.options = resolveDecoderOptions(options, className);
  }

  decode(reader: Reader): DecodedMessage | undefined {
    this.checkFailure();
    try {
      return this.read(reader);
    } catch (error) {
      return this.latchFailure(error);
    }
  }

  /**
   * Takes the next complete message from `reader`, or returns undefined after setting `wanted`. Throws on bytes
   * that can never form a message (decode() latches the error).
   */
  protected abstract read(reader: Reader): DecodedMessage | undefined;
}

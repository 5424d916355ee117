import type { ByteSink } from '@thriftpoll/protocol';
import { TransportError } from './errors';
import type { OutputSink } from './message';
import { resolveEncoderOptions, type EncoderOptions, type ResolvedEncoderOptions } from './options';
import { PayloadSink } from './payloadsink';

/**
 * What every transport encoder shares (Buffered, Framed, THeader, TTHeader): options validated where they
 * enter, the payload sink handed to protocol writers, and the output mark a failed or aborted message is
 * taken back to.
 *
 *   begin() ── mark = out.mallocLen(), prefix malloc'd, payload ──► out
 *   end()   ── payload stopped, prefix back-patched (or the output taken back to `mark` on FRAME_TOO_LARGE)
 *   abort() ── payload stopped, output taken back to `mark`
 */
export abstract class TransportEncoder {
  readonly sink: ByteSink;

  protected readonly payload: PayloadSink;
  protected readonly options: ResolvedEncoderOptions;
  /** out.mallocLen() when the message began: where to take the output back to. */
  protected mark = 0;

  /**
   * @param name names the transport in state errors (`framed encoder: ...`).
   * @param className names the encoder in option errors (InvalidOptionError).
   */
  constructor(
    protected readonly out: OutputSink,
    options: EncoderOptions | undefined,
    private readonly name: string,
    className: string,
  ) {
    this.options = resolveEncoderOptions(options, className);
    this.payload = new PayloadSink(name);
    this.sink = this.payload;
  }

  /** Remembers where the output stands, before anything of the message is malloc'd. */
  protected markOutput(): void {
    this.mark = this.out.mallocLen();
  }

  /** Takes everything malloc'd since markOutput() back out of the output. */
  protected takeBack(): void {
    this.out.mallocAck(this.mark);
  }

  /** ENCODER_STATE: begin() while a message is open. */
  protected beganTwice(): TransportError {
    return new TransportError('ENCODER_STATE', `${this.name} encoder: begin() called twice without end()`);
  }

  /** ENCODER_STATE: end() with no message open. */
  protected endedUnbegun(): TransportError {
    return new TransportError('ENCODER_STATE', `${this.name} encoder: end() called without begin()`);
  }
}

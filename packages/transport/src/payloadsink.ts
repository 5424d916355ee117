import type { ByteSink } from '@thriftpoll/protocol';
import { TransportError } from './errors';

/**
 * The ByteSink an encoder hands to protocol writers. It forwards reserve/commit to the current target (the
 * connection output, or a scratch buffer when a transform needs the whole payload first) and counts the
 * committed bytes, which is how encoders learn the payload length for the frame prefix.
 *
 * Outside begin()/end() it has no target and refuses writes, so stray bytes cannot corrupt the framing.
 */
export class PayloadSink implements ByteSink {
  private target: ByteSink | undefined = undefined;
  /** Bytes committed since the target was set. */
  count = 0;

  constructor(private readonly transport: string) {}

  /** Points the sink at `target` (undefined: refuse writes) and restarts the count. */
  retarget(target: ByteSink | undefined): void {
    this.target = target;
    this.count = 0;
  }

  reserve(size: number): Uint8Array {
    const target = this.target;
    if (target === undefined) throw this.idle();
    return target.reserve(size);
  }

  commit(size: number): void {
    const target = this.target;
    if (target === undefined) throw this.idle();
    target.commit(size);
    this.count += size;
  }

  private idle(): TransportError {
    return new TransportError(
      'ENCODER_STATE',
      `${this.transport} encoder: payload bytes written outside begin()/end() (call encoder.begin() first)`,
    );
  }
}

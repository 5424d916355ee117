import type { ByteSink } from '@thriftpoll/protocol';

/**
 * A ByteSink that hands out small regions (the requested size plus a few bytes, per a size pattern) and checks
 * the contract strictly: commit() only after reserve(), never past the region, once per region. Like a socket
 * writer near the end of its output block, it makes writers cross region boundaries all the time.
 */
export class StingySink implements ByteSink {
  readonly commits: number[] = [];
  private readonly chunks: Buffer[] = [];
  private region: Buffer | undefined;
  private turn = 0;

  constructor(private readonly extras: readonly number[] = [0, 1, 3, 7]) {}

  reserve(size: number): Uint8Array {
    const extra = this.extras[this.turn++ % this.extras.length];
    this.region = Buffer.alloc(size + extra, 0xee);
    return this.region;
  }

  commit(size: number): void {
    if (this.region === undefined) throw new Error('commit() without a reserved region');
    if (size < 0 || size > this.region.length) throw new Error(`commit(${size}) beyond a region of ${this.region.length}`);
    this.chunks.push(Buffer.from(this.region.subarray(0, size)));
    this.commits.push(size);
    this.region = undefined;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

import type { EchoServerClient, Request } from '../gen/echo';
import { LatencyHistogram } from './histogram';

/** Figures of a load run. */
export interface LoadResult {
  /** Calls completed in the measured period. */
  requests: number;
  errors: number;
  qps: number;
  p50_us: number;
  p99_us: number;
  p999_us: number;
  duration_s: number;
  /** CPU time of this process per completed call, µs. */
  cpu_us_per_req: number | null;
  first_error: string | null;
}

export interface LoadOptions {
  client: EchoServerClient;
  /** Call loops running at once. */
  concurrency: number;
  /** Seconds measured. */
  duration: number;
  /** Seconds run before, not measured. Default 0. */
  warmup?: number;
  /** Bytes of Request.msg. */
  size: number;
  /** Called every `progressInterval` ms of the measured period with the running totals. */
  onProgress?: (progress: { elapsed: number; requests: number; errors: number }) => void;
  progressInterval?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Closed-loop load: `concurrency` loops each call echo again as soon as the previous reply arrives. Every reply is
 * checked to be the echo of its request (a mismatch counts as an error). Latencies go into a bounded histogram.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { client, concurrency, size } = options;
  const msg = 'abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(size / 26)).slice(0, size);
  const histogram = new LatencyHistogram();
  let measuring = false;
  let stopping = false;
  let requests = 0;
  let errors = 0;
  let firstError: string | null = null;

  const loop = async (id: number): Promise<void> => {
    const request: Request = { action: `echo-${id}`, msg };
    while (!stopping) {
      const started = performance.now();
      try {
        const reply = await client.echo(request);
        if (reply.action !== request.action || reply.msg !== msg) throw new Error(`loop ${id}: the reply is not the echo of the request`);
        if (measuring) {
          histogram.record((performance.now() - started) * 1000);
          requests++;
        }
      } catch (error) {
        if (measuring) {
          errors++;
          firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        }
        // Do not spin on a server that is down.
        await sleep(10);
      }
    }
  };

  const loops = Array.from({ length: concurrency }, (_, i) => loop(i));
  if ((options.warmup ?? 0) > 0) await sleep((options.warmup ?? 0) * 1000);
  measuring = true;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const durationMs = options.duration * 1000;
  const interval = options.progressInterval ?? 250;
  for (let elapsed = 0; elapsed < durationMs; ) {
    await sleep(Math.min(interval, durationMs - elapsed));
    elapsed = performance.now() - start;
    options.onProgress?.({ elapsed: elapsed / 1000, requests, errors });
  }
  measuring = false;
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  stopping = true;
  await Promise.all(loops);
  const round = (value: number): number => Math.round(value * 10) / 10;
  return {
    requests,
    errors,
    qps: round(requests / elapsed),
    p50_us: histogram.percentile(50),
    p99_us: histogram.percentile(99),
    p999_us: histogram.percentile(99.9),
    duration_s: Math.round(elapsed * 1000) / 1000,
    cpu_us_per_req: requests === 0 ? null : round((cpu.user + cpu.system) / requests),
    first_error: firstError,
  };
}

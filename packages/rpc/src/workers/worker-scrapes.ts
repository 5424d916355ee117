import type { Registry } from '../observability/prom';
import { promClient } from '../observability/prom';
import type { FromWorker, ToWorker } from './messages';
import { processRegistry } from './process-metrics';

/** How much longer than the main thread's scrape timeout a worker waits for the process's exposition. */
const MAIN_THREAD_GRACE_MS = 1000;

/**
 * A worker's side of whole-process scrapes. Its server registers its metrics in `registry`; `/metrics` on this
 * worker asks the main thread, which collects every worker's snapshot (this one's too) and answers with their
 * sum. A snapshot is this registry's metrics plus those of prom-client's default registry in this thread (where a
 * handler's own metrics and its clients' `metrics: true` go), so they are summed over the workers too.
 */
export class WorkerScrapes {
  readonly registry: Registry;
  private nextId = 1;
  private readonly waiting = new Map<number, (text: string) => void>();

  constructor(
    private readonly send: (message: FromWorker) => void,
    private readonly scrapeTimeout: number,
  ) {
    this.registry = processRegistry(() => this.processExposition());
  }

  handle(message: Extract<ToWorker, { kind: 'metrics' | 'process-metrics' }>): void {
    if (message.kind === 'metrics') {
      void this.snapshot().then((snapshot) => this.send({ kind: 'metrics', id: message.id, snapshot }));
      return;
    }
    const resolve = this.waiting.get(message.id);
    this.waiting.delete(message.id);
    resolve?.(message.text);
  }

  private async snapshot(): Promise<Awaited<ReturnType<Registry['getMetricsAsJSON']>>> {
    const [own, defaults] = await Promise.all([this.registry.getMetricsAsJSON(), promClient().register.getMetricsAsJSON()]);
    return [...own, ...defaults];
  }

  private processExposition(): Promise<string> {
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      // The main thread answers within its scrape timeout; this bounds a scrape whose main thread is stuck.
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`the main thread did not answer within ${this.scrapeTimeout + MAIN_THREAD_GRACE_MS} ms`));
      }, this.scrapeTimeout + MAIN_THREAD_GRACE_MS);
      this.waiting.set(id, (text) => {
        clearTimeout(timer);
        resolve(text);
      });
      this.send({ kind: 'scrape', id });
    });
  }
}

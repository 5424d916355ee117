/**
 * The entry of every worker thread of a `createServer({ workers })` server: loads the handler module, calls its
 * `createHandler`, serves with its own engine on the shared port (SO_REUSEPORT), answers stats requests and
 * drains on `close`, then exits.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { RpcOptionError } from '../errors';
import { createServer } from '../server/create-server';
import type { ServerOptions, ThriftServer } from '../server/server';
import { checkKnownKeys, describeValue } from '../validate';
import { SETUP_KEYS, type WorkerHandlerContext, type WorkerHandlerFactory, type WorkerHandlerSetup } from './handler-module';
import { toWire, type FromWorker, type ToWorker, type WorkerStart } from './messages';
import { WorkerScrapes } from './worker-scrapes';

// A real dynamic import (tsc would turn `import()` into require() under CommonJS): handler modules may be ES
// modules, and `handlerModule` is a URL.
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<Record<string, unknown>>;

const port = parentPort;
if (port === null) throw new Error('worker-main.js is the entry of createServer({ workers }) worker threads, not a program');

function send(message: FromWorker): void {
  port?.postMessage(message);
}

async function loadSetup(start: WorkerStart): Promise<WorkerHandlerSetup> {
  const module = await importModule(start.handlerModule);
  const fallback = module.default as Record<string, unknown> | undefined;
  const factory = (module.createHandler ?? fallback?.createHandler) as unknown;
  if (typeof factory !== 'function') {
    throw new RpcOptionError(
      `handlerModule ${start.handlerModule} must export a function createHandler(context) returning { service, handler } or { services }; its exports are: ${Object.keys(module).join(', ') || 'none'}`,
    );
  }
  const context: WorkerHandlerContext = {
    workerIndex: start.workerIndex,
    workerCount: start.workerCount,
    threadId,
    restarts: start.restarts,
    data: start.handlerData,
  };
  const setup = (await (factory as WorkerHandlerFactory)(context)) as unknown;
  if (typeof setup !== 'object' || setup === null) {
    throw new RpcOptionError(`createHandler of ${start.handlerModule} must return { service, handler } or { services }, got ${describeValue(setup)}`);
  }
  checkKnownKeys(`the object createHandler of ${start.handlerModule} returned`, setup as Record<string, unknown>, SETUP_KEYS);
  return setup as WorkerHandlerSetup;
}

async function main(start: WorkerStart): Promise<void> {
  let server: ThriftServer;
  const scrapes = start.metrics === undefined ? undefined : new WorkerScrapes(send, start.metrics.scrapeTimeout);
  try {
    const setup = await loadSetup(start);
    const metrics = scrapes === undefined ? {} : { metrics: scrapes.registry };
    server = createServer({ ...start.serverOptions, ...setup, ...metrics, reusePort: true } as ServerOptions);
    send({ kind: 'listening', address: await server.listen(start.address) });
  } catch (error) {
    send({ kind: 'failed', error: toWire(error) });
    return;
  }
  port?.on('message', (message: ToWorker) => {
    if (message.kind === 'stats') {
      send({ kind: 'stats', id: message.id, stats: server.getStats() });
    } else if (message.kind === 'metrics' || message.kind === 'process-metrics') {
      scrapes?.handle(message);
    } else if (message.kind === 'close') {
      void server.close({ timeout: message.timeout }).then(() => {
        send({ kind: 'closed' });
        // Ends this thread even if the handler left timers or sockets of its own behind.
        process.exit(0);
      });
    }
  });
}

void main(workerData as WorkerStart);

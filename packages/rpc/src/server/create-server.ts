import type { WorkerServerOptions } from '../workers/options';
import { WorkerServer } from '../workers/worker-server';
import { ThriftServer, type ServerOptions } from './server';

/**
 * Creates a server (see ServerOptions); call `listen(address)` to start serving. With `handlerModule`, the
 * handlers run in `workers` worker threads (see WorkerServerOptions and WorkerServer).
 */
export function createServer(options: WorkerServerOptions): WorkerServer;
export function createServer<Handler>(options: ServerOptions<Handler>): ThriftServer;
export function createServer<Handler>(options: ServerOptions<Handler> | WorkerServerOptions): ThriftServer | WorkerServer {
  if (typeof options === 'object' && options !== null && 'handlerModule' in options) return new WorkerServer(options);
  return new ThriftServer(options as ServerOptions);
}

/**
 * The echo handler, and the handler module of `npm run echo:server -- --workers N`: every worker thread loads
 * this file and calls createHandler once (handlers cannot be shared across threads).
 */
import type { ServerContext, WorkerHandlerContext, WorkerHandlerSetup } from '@thriftpoll/rpc';
import { EchoServer, type EchoServerHandler, type Request, type Response } from '../gen/echo';

/** Keeps this thread's CPU busy for `us` microseconds (a stand-in for real request processing, in benchmarks). */
function burnCpu(us: number): void {
  const end = process.hrtime.bigint() + BigInt(Math.round(us * 1000));
  while (process.hrtime.bigint() < end) {
    // spin
  }
}

/** Answers with the request's action and msg, after `workUs` µs of CPU work (0: none). */
export class EchoHandler implements EchoServerHandler<ServerContext> {
  constructor(private readonly workUs = 0) {}

  echo(req: Request): Response {
    if (this.workUs > 0) burnCpu(this.workUs);
    return { action: req.action, msg: req.msg };
  }
}

/** What the server passes every worker (structured-cloned). */
export interface EchoHandlerData {
  workUs: number;
}

export function createHandler(context: WorkerHandlerContext<EchoHandlerData>): WorkerHandlerSetup {
  return { service: EchoServer, handler: new EchoHandler(context.data.workUs) };
}

// A consumer's server, compiled by the consumer's own tsc (tsc --init defaults, skipLibCheck false).
import { createServer, type ServerContext } from '@thriftpoll/rpc';
import { EchoServer, type EchoServerHandler, type Request, type Response } from './gen/echo.js';
import { Refused } from './gen/shared.js';

class EchoHandler implements EchoServerHandler<ServerContext> {
  async echo(req: Request, ctx: ServerContext): Promise<Response> {
    if (req.action === 'refuse') throw new Refused({ why: req.msg });
    return { action: req.action, msg: `${req.msg} (stamped by ${req.stamp?.by ?? 'nobody'}, ${ctx.method})` };
  }
}

const server = createServer({ service: EchoServer, handler: new EchoHandler() });
const address = await server.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${'port' in address ? address.port : address.path}\n`);
process.on('SIGTERM', () => void server.close({ timeout: 1000 }).then(() => process.exit(0)));

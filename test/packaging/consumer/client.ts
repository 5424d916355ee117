// A consumer's client: one call, one declared exception, printed as JSON.
import { createClient } from '@thriftpoll/rpc';
import { EchoServer } from './gen/echo.js';
import { Refused } from './gen/shared.js';

const echo = createClient(EchoServer, { address: `127.0.0.1:${process.argv[2]}`, timeout: 10000 });
const reply = await echo.echo({ action: 'say', msg: 'hi', stamp: { by: 'client', at: 7n } });
let refused = '';
try {
  await echo.echo({ action: 'refuse', msg: 'no' });
} catch (error) {
  if (error instanceof Refused) refused = error.why;
}
await echo.$close();
process.stdout.write(`${JSON.stringify({ reply, refused })}\n`);

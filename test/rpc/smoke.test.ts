import { createClient, createServer } from '@thriftpoll/rpc';
import { EchoService } from './fixtures/echo-code-first';

test('smoke', async () => {
  const server = createServer({ service: EchoService, handler: new EchoService(), });
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  const client = createClient(EchoService, { address, });
  const reply = await client.echo({ action: 'a', msg: 'hello' });
  expect(reply).toEqual({ action: 'a', msg: 'hello' });
  await client.$close();
  await server.close();
});

import { createClient, type ClientHandle, type ClientOptions } from '@thriftpoll/rpc';
import type { GenericClient, GenericService } from './service';

/**
 * A generic client of `service` over the RPC runtime's client: every ClientOptions option (transport, protocol,
 * pools, timeouts, headers, retries, middleware, multiplexing) works as for typed clients.
 *
 *   const client = createGenericClient(loadService('tutorial.thrift', 'Calculator'), { address: '127.0.0.1:9090' });
 *   await client.call('add', { num1: 1, num2: 2 }, { timeout: 500 });   // 3
 *   await client.$close();
 */
export function createGenericClient(service: GenericService, options: ClientOptions): GenericClient & ClientHandle {
  return createClient(service, options);
}

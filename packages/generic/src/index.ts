/**
 * @thriftpoll/generic: Thrift calls from IDL loaded at run time, with JSON-shaped values, and `thriftpoll call`.
 *
 *   const calculator = loadService('tutorial.thrift', 'Calculator', { includeDirs: ['idl'] });
 *   const client = createGenericClient(calculator, { address: '127.0.0.1:9090', transport: 'buffered' });
 *   await client.call('calculate', { logid: 1, w: { num1: 1, num2: 0, op: 'DIVIDE' } }); // GenericException
 *
 * See docs/generic.md.
 */
export { GenericIdl, loadIdl, loadService } from './idl';
export type { LoadIdlOptions } from './idl';
export type { GenericClient, GenericHandler, GenericMethod, GenericMethodHandler, GenericService } from './service';
export { createGenericClient } from './client';
export { describeService } from './describe';
export { GenericException, GenericLoadError, GenericValueError } from './errors';
export type { JsonObject, JsonValue } from './json';
export type { Int64Mode, ValueCodec } from './codecs';
export { main as runCallCli, CALL_EXIT } from './cli/call';

import { describeValue, optionValidators } from '@thriftpoll/buffer';
import { RpcOptionError } from '@thriftpoll/rpc';

/**
 * Option validation where the registry's options enter: @thriftpoll/buffer's one validator, throwing rpc's
 * RpcOptionError (what createServer and createClient throw for their own options).
 */
export const { integerOption, msOption } = optionValidators((message) => new RpcOptionError(message));

export { describeValue };

// The raw binding. Only @thriftpoll/netpoll talks to it; its shape is described there.
declare const binding: Record<string, unknown>;
export = binding;

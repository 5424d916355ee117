export { DEFAULT_INSTANCE_WEIGHT, instanceEndpoint } from './instance';
export type { DiscoveredEndpoint, Instance } from './instance';
export type { Registry, RegistryInfo } from './registry';
export type { Resolver, ResolverListener, ResolverWatch } from './resolver';
export type { RegistryInfoOptions } from './server-registration';

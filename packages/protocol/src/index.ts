export * from './types';
export * from './sink';
export * from './protocol';
export * from './errors';
export * from './service';

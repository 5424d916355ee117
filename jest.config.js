'use strict';
/** Jest runs every test from the root, straight from the TypeScript sources. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }],
  },
  moduleNameMapper: {
    '^@thriftpoll/codegen$': '<rootDir>/codegen/src',
    '^@thriftpoll/(buffer|netpoll|protocol|transport|rpc|generic|registry-etcd)$': '<rootDir>/packages/$1/src',
    // Apache's `thrift` requires the ESM-only `uuid`; this hands jest the real package (see the file).
    '^uuid$': '<rootDir>/test/support/uuid.ts',
  },
  testTimeout: 30000,
};

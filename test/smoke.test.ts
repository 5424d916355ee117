import * as native from '@thriftpoll/native';

test('native addon loads', () => {
  expect(native.version).toBe('0.1.0');
});

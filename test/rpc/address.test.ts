import { formatAddress, parseAddress, parseEndpoints, RpcOptionError } from '@thriftpoll/rpc';

describe('parseAddress', () => {
  test.each([
    ['127.0.0.1:9090', { host: '127.0.0.1', port: 9090 }],
    ['localhost:1', { host: 'localhost', port: 1 }],
    ['[::1]:65535', { host: '::1', port: 65535 }],
    ['unix:/tmp/a.sock', { path: '/tmp/a.sock' }],
    ['/tmp/b.sock', { path: '/tmp/b.sock' }],
    ['./rel.sock', { path: './rel.sock' }],
  ])('%s', (text, expected) => {
    expect(parseAddress(text)).toEqual(expected);
  });

  test('objects are validated', () => {
    expect(parseAddress({ host: '::1', port: 0 })).toEqual({ host: '::1', port: 0 });
    expect(parseAddress({ path: '/x' })).toEqual({ path: '/x' });
    expect(() => parseAddress({ host: 'a', port: 70000 })).toThrow('address.port must be an integer in [0, 65535], got number 70000');
    expect(() => parseAddress({ host: '', port: 1 })).toThrow(RpcOptionError);
  });

  test('bad strings name what was seen', () => {
    expect(() => parseAddress('localhost')).toThrow(`address must look like 'host:port', '[ipv6]:port' or 'unix:/path/to.sock', got "localhost"`);
    expect(() => parseAddress('::1:80')).toThrow(RpcOptionError);
    expect(() => parseAddress('a:99999')).toThrow('port in "a:99999" must be an integer in [0, 65535], got "99999"');
    expect(() => parseAddress('a:x', 'server.address')).toThrow(/^server\.address: port/);
    expect(() => parseAddress('unix:' + '/x'.repeat(60))).toThrow('Unix socket path is 120 bytes, the limit is 107');
    expect(() => parseAddress(42)).toThrow('got number 42');
  });

  test('formatAddress brackets IPv6', () => {
    expect(formatAddress({ host: '::1', port: 80 })).toBe('[::1]:80');
    expect(formatAddress({ host: '10.0.0.1', port: 80 })).toBe('10.0.0.1:80');
    expect(formatAddress({ path: '/s' })).toBe('/s');
  });
});

describe('parseEndpoints', () => {
  test('plain and weighted entries', () => {
    const endpoints = parseEndpoints(['127.0.0.1:1', { address: '127.0.0.1:2', weight: 3 }, { address: { path: '/s' }, weight: 0 }]);
    expect(endpoints.map((e) => [e.key, e.weight])).toEqual([
      ['127.0.0.1:1', 1],
      ['127.0.0.1:2', 3],
      ['/s', 0],
    ]);
  });

  test('rejects duplicates, port 0 and bad weights', () => {
    expect(() => parseEndpoints(['a:1', 'a:1'])).toThrow('addresses lists a:1 twice');
    expect(() => parseEndpoints(['a:0'])).toThrow('addresses[0]: port 0 cannot be dialed (a:0)');
    expect(() => parseEndpoints([{ address: 'a:1', weight: -1 }])).toThrow('addresses[0].weight must be a finite number >= 0, got number -1');
  });
});

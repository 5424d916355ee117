import { KitexIntKey, Metadata } from '@thriftpoll/transport';

describe('Metadata', () => {
  test('string and int entries, insertion order, plain-record view', () => {
    const metadata = new Metadata().set('b', '2').set('a', '1').setInt(KitexIntKey.ToMethod, 'Echo').setInt(0, 'mesh');
    expect(metadata.size).toBe(4);
    expect(metadata.stringCount).toBe(2);
    expect(metadata.intCount).toBe(2);
    expect([...metadata.entries()]).toEqual([
      ['b', '2'],
      ['a', '1'],
    ]);
    expect([...metadata.intEntries()]).toEqual([
      [9, 'Echo'],
      [0, 'mesh'],
    ]);
    expect(metadata.toRecord()).toEqual({ b: '2', a: '1' });
    expect(Object.getPrototypeOf(metadata.toRecord())).toBeNull(); // no inherited keys such as "constructor"
    expect(metadata.delete('b')).toBe(true);
    expect(metadata.deleteInt(0)).toBe(true);
    expect(metadata.has('b')).toBe(false);
    expect(metadata.hasInt(9)).toBe(true);
  });

  test('from() records, iterables and int records; clone() is independent', () => {
    const metadata = Metadata.from({ x: '1' }, { 12: '100' });
    expect(metadata.get('x')).toBe('1');
    expect(metadata.getInt(KitexIntKey.RPCTimeout)).toBe('100');
    const copy = Metadata.from([['y', '2']], [[3, 'svc']]).clone();
    copy.set('z', '3');
    expect(copy.toRecord()).toEqual({ y: '2', z: '3' });
    expect(copy.getInt(3)).toBe('svc');
    expect(metadata.get('z')).toBeUndefined();
  });

  test('validates keys and values; EMPTY is read-only', () => {
    expect(() => new Metadata().setInt(65536, 'x')).toThrow('Metadata int key must be an integer between 0 and 65535, got 65536');
    expect(() => new Metadata().setInt(-1, 'x')).toThrow(RangeError);
    expect(() => new Metadata().set('k', 5 as unknown as string)).toThrow('Metadata value for "k" must be a string, got number');
    expect(() => new Metadata().set(1 as unknown as string, 'v')).toThrow('Metadata key must be a string, got number');
    expect(() => Metadata.EMPTY.set('a', 'b')).toThrow(/Metadata.EMPTY is read-only/);
    expect(Metadata.EMPTY.isEmpty()).toBe(true);
  });
});

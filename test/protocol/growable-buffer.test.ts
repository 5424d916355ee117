import { GrowableBuffer, TProtocolException, TProtocolExceptionType } from '@thriftpoll/protocol';

describe('GrowableBuffer', () => {
  test('reserve() hands out all spare capacity; commit() appends; view() and toBuffer() show the bytes', () => {
    const out = new GrowableBuffer({ initialCapacity: 16 });
    expect(out.capacity).toBe(16);
    const region = out.reserve(4);
    expect(region.length).toBe(16);
    region.set([1, 2, 3]);
    out.commit(3);
    expect(out.length).toBe(3);
    expect([...out.view()]).toEqual([1, 2, 3]);
    const next = out.reserve(1);
    expect(next.length).toBe(13);
    next[0] = 4;
    out.commit(1);
    const copy = out.toBuffer();
    expect([...copy]).toEqual([1, 2, 3, 4]);
    copy[0] = 99;
    expect(out.view()[0]).toBe(1); // toBuffer() is a copy the caller owns
  });

  test('grows by doubling (or to what is needed) and keeps committed bytes', () => {
    const out = new GrowableBuffer({ initialCapacity: 4 });
    out.reserve(4).set([9, 8, 7, 6]);
    out.commit(4);
    const region = out.reserve(1000);
    expect(region.length).toBeGreaterThanOrEqual(1000);
    expect(out.capacity).toBeGreaterThanOrEqual(1004);
    expect([...out.view()]).toEqual([9, 8, 7, 6]);
    out.reserve(1);
    expect(out.capacity).toBeGreaterThanOrEqual(1004);
  });

  test('bytes written but not committed are discarded', () => {
    const out = new GrowableBuffer();
    out.reserve(8).set([1, 2, 3, 4]);
    out.commit(2);
    out.reserve(8).set([5, 6]);
    expect([...out.view()]).toEqual([1, 2]);
  });

  test('reset() forgets the content and keeps memory up to retainCapacity', () => {
    const out = new GrowableBuffer({ initialCapacity: 8, retainCapacity: 1024 });
    out.reserve(32);
    out.commit(32);
    const grown = out.capacity;
    expect(grown).toBeGreaterThanOrEqual(32);
    out.reset();
    expect(out.length).toBe(0);
    expect(out.capacity).toBe(grown);
    out.reserve(5000);
    out.commit(5000);
    out.reset();
    expect(out.capacity).toBe(8);
  });

  test('maxLength bounds growth with SIZE_LIMIT', () => {
    const out = new GrowableBuffer({ initialCapacity: 8, maxLength: 100 });
    out.reserve(100);
    out.commit(60);
    expect(() => out.reserve(41)).toThrow(TProtocolException);
    try {
      out.reserve(41);
    } catch (error) {
      expect((error as TProtocolException).type).toBe(TProtocolExceptionType.SIZE_LIMIT);
      expect((error as Error).message).toBe('GrowableBuffer: 41 more bytes after 60 exceed maxLength 100');
    }
    expect(out.reserve(40).length).toBe(40);
  });

  test('misuse is a RangeError naming the numbers', () => {
    const out = new GrowableBuffer({ initialCapacity: 8 });
    expect(() => out.reserve(-1)).toThrow(/reserve\(size\) needs an integer >= 0, got number -1/);
    expect(() => out.reserve(1.5)).toThrow(RangeError);
    expect(() => out.commit(1)).toThrow(/commit\(number 1\) exceeds the 0 bytes reserved/);
    out.reserve(4);
    expect(() => out.commit(9)).toThrow(/exceeds the 8 bytes reserved/);
  });

  test('options are validated', () => {
    expect(() => new GrowableBuffer({ initialCapacity: -1 })).toThrow(/initialCapacity must be an integer in \[0, 2147483647\], got number -1/);
    expect(() => new GrowableBuffer({ maxLength: 2 ** 31 })).toThrow(RangeError);
    expect(() => new GrowableBuffer({ initalCapacity: 5 } as never)).toThrow(/has no option 'initalCapacity'/);
    expect(() => new GrowableBuffer(null as never)).toThrow(TypeError);
    expect(new GrowableBuffer({ maxLength: 10 }).capacity).toBe(10);
  });
});

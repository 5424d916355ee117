import { LinkBuffer } from '@thriftpoll/netpoll';

function filled(length: number, start: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (start + i) & 0xff;
  return b;
}

describe('LinkBuffer', () => {
  test('reads within and across chunks, zero-copy when contiguous', () => {
    const buf = new LinkBuffer();
    const a = filled(10, 0);
    buf.append(a);
    buf.append(filled(10, 10));
    expect(buf.len()).toBe(20);
    const first = buf.next(4);
    expect(first.buffer).toBe(a.buffer);
    expect([...first]).toEqual([0, 1, 2, 3]);
    const across = buf.next(10);
    expect([...across]).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(buf.peekUint32()).toBe(0x0e0f1011);
    expect(buf.readByte()).toBe(14);
    expect(buf.len()).toBe(5);
    expect(() => buf.next(6)).toThrow(RangeError);
  });

  test('peekUint32 across a boundary and readString', () => {
    const buf = new LinkBuffer();
    buf.append(Buffer.from([0x12, 0x34]));
    buf.append(Buffer.from([0x56, 0x78]));
    buf.append(Buffer.from('héllo'));
    expect(buf.peekUint32().toString(16)).toBe('12345678');
    buf.skip(4);
    expect(buf.readString(Buffer.byteLength('héllo'))).toBe('héllo');
  });

  test('nextChunks returns one view per block', () => {
    const buf = new LinkBuffer();
    buf.append(filled(3, 0));
    buf.append(filled(3, 3));
    buf.append(filled(3, 6));
    buf.skip(1);
    const views = buf.nextChunks(7);
    expect(views.map((v) => v.length)).toEqual([2, 3, 2]);
    expect(buf.len()).toBe(1);
  });

  test('release reports absolute positions; slices hold memory until released', () => {
    const released: number[] = [];
    const buf = new LinkBuffer((position) => released.push(position));
    buf.append(filled(8, 0));
    buf.append(filled(8, 8));
    buf.skip(2);
    const slice = buf.slice(10);
    buf.skip(2);
    buf.release();
    expect(released).toEqual([2]);
    slice.skip(4);
    slice.release();
    expect(released).toEqual([2, 6]);
    slice.skip(6);
    slice.release();
    expect(released).toEqual([2, 6, 14]);
    expect(buf.releasedTotal).toBe(14);
  });
});

import { CompactReader, CompactWriter, GrowableBuffer, TProtocolExceptionType, TType } from '@thriftpoll/protocol';
import type { ProtocolWriter, ReaderOptions } from '@thriftpoll/protocol';
import { hexBytes, protocolError } from './support/expect';

/**
 * Compact field-id deltas across nesting, and varints at the edges of the reader's fast paths.
 *
 * A field header's short form carries the id as a delta from the previous field of the same struct, so the reader
 * keeps each enclosing struct's last id while an inner struct (directly, or as a container element) is read, and
 * restores it at the inner struct's end. These tests nest structs to the recursion limit, through containers and
 * through skip(), with ids that only decode right when every level gets its own id back.
 */

function encode(fill: (w: ProtocolWriter) => void): Buffer {
  const out = new GrowableBuffer();
  const writer = new CompactWriter(out);
  fill(writer);
  writer.commit();
  return Buffer.from(out.view());
}

/**
 * Writes `depth` nested structs. At every level: field `base` (i32 = level), field `base + 1` holding the next
 * level, then field `base + 2` (i32 = -level), so the field after the inner struct is a short-form delta of 1 from
 * the id before it. `base` is 1 for the short form everywhere, or -20 to put negative ids in the long form.
 */
function writeNest(w: ProtocolWriter, level: number, depth: number, base: number): void {
  w.writeStructBegin('Node');
  w.writeFieldBegin(TType.I32, base);
  w.writeI32(level);
  if (level < depth) {
    w.writeFieldBegin(TType.STRUCT, base + 1);
    writeNest(w, level + 1, depth, base);
  }
  w.writeFieldBegin(TType.I32, base + 2);
  w.writeI32(-level);
  w.writeFieldStop();
  w.writeStructEnd();
}

/**
 * Reads what writeNest wrote and returns what it saw, one line per field ("level:id:type:value"), for one
 * comparison with expectedNest (one expect per field is slow at a thousand levels).
 */
function readNest(r: CompactReader, level: number, base: number, seen: string[] = []): string[] {
  r.readStructBegin();
  for (;;) {
    const field = r.readFieldBegin();
    if (field.type === TType.STOP) break;
    if (field.type === TType.STRUCT) {
      seen.push(`${level}:${field.id}:struct`);
      readNest(r, level + 1, base, seen);
    } else {
      seen.push(`${level}:${field.id}:${field.type === TType.I32 ? r.readI32() : `type ${field.type}`}`);
    }
    r.readFieldEnd();
  }
  r.readStructEnd();
  return seen;
}

/** What readNest sees in a correct decode of writeNest(depth, base). */
function expectedNest(depth: number, base: number): string[] {
  const before: string[] = [];
  const after: string[] = [];
  for (let level = 1; level <= depth; level++) {
    before.push(`${level}:${base}:${level}`);
    if (level < depth) before.push(`${level}:${base + 1}:struct`);
    after.unshift(`${level}:${base + 2}:${-level}`);
  }
  return [...before, ...after];
}

describe('Compact field ids across nested structs', () => {
  test.each<[string, number, ReaderOptions | undefined]>([
    ['default recursionLimit 64', 64, undefined],
    ['recursionLimit 1000 (the highest accepted)', 1000, { recursionLimit: 1000 }],
    ['recursionLimit 1', 1, { recursionLimit: 1 }],
  ])('each level gets its last id back, nested to the limit (%s)', (_name, depth, options) => {
    for (const base of [1, -20]) {
      const bytes = encode((w) => writeNest(w, 1, depth, base));
      const r = new CompactReader(bytes, options);
      expect(readNest(r, 1, base)).toEqual(expectedNest(depth, base));
      expect(r.remaining()).toBe(0);
      // One more level is DEPTH_LIMIT, and the reader still decodes the next message from the top.
      const deeper = encode((w) => writeNest(w, 1, depth + 1, base));
      r.reset(deeper);
      const error = protocolError(() => readNest(r, 1, base));
      expect(error.type).toBe(TProtocolExceptionType.DEPTH_LIMIT);
      r.reset(bytes);
      expect(readNest(r, 1, base)).toEqual(expectedNest(depth, base));
    }
  });

  test('skip() restores the ids of the struct it skips inside', () => {
    const bytes = encode((w) => {
      w.writeStructBegin('Outer');
      w.writeFieldBegin(TType.I32, 3);
      w.writeI32(7);
      w.writeFieldBegin(TType.STRUCT, 4);
      writeNest(w, 1, 30, 1);
      w.writeFieldBegin(TType.STRING, 5);
      w.writeString('after');
      w.writeFieldStop();
      w.writeStructEnd();
    });
    const r = new CompactReader(bytes);
    r.readStructBegin();
    expect({ ...r.readFieldBegin() }).toEqual({ type: TType.I32, id: 3 });
    expect(r.readI32()).toBe(7);
    expect({ ...r.readFieldBegin() }).toEqual({ type: TType.STRUCT, id: 4 });
    r.skip(TType.STRUCT);
    // Delta 1 from field 4: only right if skip() gave the outer struct its last id back.
    expect({ ...r.readFieldBegin() }).toEqual({ type: TType.STRING, id: 5 });
    expect(r.readString()).toBe('after');
    expect(r.readFieldBegin().type).toBe(TType.STOP);
    r.readStructEnd();
    expect(r.remaining()).toBe(0);
  });

  test('structs as list, set and map elements: the enclosing struct continues with its own ids', () => {
    const inner = (w: ProtocolWriter, id: number): void => {
      w.writeStructBegin('Inner');
      w.writeFieldBegin(TType.I16, id);
      w.writeI16(id);
      w.writeFieldStop();
      w.writeStructEnd();
    };
    const bytes = encode((w) => {
      w.writeStructBegin('Outer');
      w.writeFieldBegin(TType.LIST, 10);
      w.writeListBegin(TType.STRUCT, 3);
      for (const id of [14, 2, 300]) inner(w, id);
      w.writeListEnd();
      w.writeFieldBegin(TType.MAP, 11);
      w.writeMapBegin(TType.I32, TType.STRUCT, 2);
      for (const id of [9, 1]) {
        w.writeI32(id);
        inner(w, id);
      }
      w.writeMapEnd();
      w.writeFieldBegin(TType.SET, 12);
      w.writeSetBegin(TType.STRUCT, 1);
      inner(w, 5);
      w.writeSetEnd();
      w.writeFieldBegin(TType.BOOL, 13);
      w.writeBool(true);
      w.writeFieldStop();
      w.writeStructEnd();
    });
    const r = new CompactReader(bytes);
    const readInner = (): number => {
      r.readStructBegin();
      const field = r.readFieldBegin();
      expect(field.type).toBe(TType.I16);
      const id = field.id;
      expect(r.readI16()).toBe(id);
      expect(r.readFieldBegin().type).toBe(TType.STOP);
      r.readStructEnd();
      return id;
    };
    r.readStructBegin();
    expect({ ...r.readFieldBegin() }).toEqual({ type: TType.LIST, id: 10 });
    const list = r.readListBegin();
    expect(Array.from({ length: list.size }, readInner)).toEqual([14, 2, 300]);
    r.readListEnd();
    expect({ ...r.readFieldBegin() }).toEqual({ type: TType.MAP, id: 11 });
    const map = r.readMapBegin();
    const entries: [number, number][] = [];
    for (let i = 0; i < map.size; i++) entries.push([r.readI32(), readInner()]);
    expect(entries).toEqual([
      [9, 9],
      [1, 1],
    ]);
    r.readMapEnd();
    expect({ ...r.readFieldBegin() }).toEqual({ type: TType.SET, id: 12 });
    expect(r.readSetBegin().size).toBe(1);
    expect(readInner()).toBe(5);
    r.readSetEnd();
    expect({ ...r.readFieldBegin() }).toEqual({ type: TType.BOOL, id: 13 });
    expect(r.readBool()).toBe(true);
    expect(r.readFieldBegin().type).toBe(TType.STOP);
    r.readStructEnd();
    expect(r.remaining()).toBe(0);
  });

  test('after an error inside nested structs, reset() starts the next message with ids counted from 0', () => {
    const good = encode((w) => writeNest(w, 1, 5, 1));
    const r = new CompactReader(good);
    // Cut the message where the fifth level begins, then reuse the reader.
    r.reset(good.subarray(0, 12));
    const error = protocolError(() => readNest(r, 1, 1));
    expect(error.type).toBe(TProtocolExceptionType.INVALID_DATA);
    expect(error.message).toMatch(/unexpected end of input/);
    r.reset(good);
    expect(readNest(r, 1, 1)).toEqual(expectedNest(5, 1));
    expect(r.remaining()).toBe(0);
  });

  test('an unmatched readStructEnd() leaves deltas counting from 0', () => {
    const r = new CompactReader(hexBytes('35 02 15 04'));
    expect({ ...r.readFieldBegin() }).toEqual({ type: TType.I32, id: 3 });
    expect(r.readI32()).toBe(1);
    r.readStructEnd();
    expect({ ...r.readFieldBegin() }).toEqual({ type: TType.I32, id: 1 });
    expect(r.readI32()).toBe(2);
  });
});

describe('Compact varints at the edges of the fast path', () => {
  // 1- and 2-byte varints are read in line when both bytes are in the current view; everything else (3-5 bytes,
  // the end of a view, the end of input, invalid input) takes the general path. Both must agree.
  const values: [number, string][] = [
    [0, '00'],
    [127, '7f'],
    [128, '8001'],
    [16383, 'ff7f'],
    [16384, '808001'],
    [2097151, 'ffff7f'],
    [0x7fffffff, 'ffffffff07'],
  ];

  // (The 5-byte length, 2 GiB, is a SIZE_LIMIT case below.)
  test.each(values.slice(0, -1))('string length %i (prefix %s) alone and split across views at every byte of the prefix', (length, prefix) => {
    const text = 'x'.repeat(length);
    const bytes = Buffer.concat([hexBytes(prefix), Buffer.from(text)]);
    expect(new CompactReader(bytes).readString()).toBe(text);
    for (let cut = 1; cut < prefix.length / 2 + 1; cut++) {
      const r = new CompactReader([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(r.readString()).toBe(text);
      expect(r.remaining()).toBe(0);
    }
  });

  test.each(values)('i32 zigzag varint %i (raw %s) read alone, followed by more bytes, and split across views', (raw, hex) => {
    const expected = (raw >>> 1) ^ -(raw & 1);
    expect(new CompactReader(hexBytes(hex)).readI32()).toBe(expected);
    const followed = new CompactReader(hexBytes(hex + '0102'));
    expect(followed.readI32()).toBe(expected);
    expect(followed.remaining()).toBe(2);
    const bytes = hexBytes(hex);
    for (let cut = 1; cut < bytes.length; cut++) {
      const r = new CompactReader([bytes.subarray(0, cut), new Uint8Array(0), bytes.subarray(cut)]);
      expect(r.readI32()).toBe(expected);
      expect(r.remaining()).toBe(0);
    }
  });

  test('a varint cut short is INVALID_DATA, at the end of input and of the last view', () => {
    for (const source of [hexBytes('80'), hexBytes('ff ff'), [hexBytes('80'), hexBytes('80')], [hexBytes('ff'), new Uint8Array(0)]]) {
      const error = protocolError(() => new CompactReader(source).readI32());
      expect(error.type).toBe(TProtocolExceptionType.INVALID_DATA);
      expect(error.message).toMatch(/unexpected end of input: varint needs \d bytes/);
    }
  });

  test('two-byte string lengths still meet the limits and the bytes present', () => {
    const tooLong = protocolError(() => new CompactReader(Buffer.concat([hexBytes('8001'), Buffer.alloc(127)])).readString());
    expect(tooLong.type).toBe(TProtocolExceptionType.SIZE_LIMIT);
    expect(tooLong.message).toMatch(/string length 128 exceeds the 127 bytes remaining/);
    const limited = protocolError(() =>
      new CompactReader(Buffer.concat([hexBytes('ff7f'), Buffer.alloc(16383)]), { stringLengthLimit: 16382 }).readString(),
    );
    expect(limited.type).toBe(TProtocolExceptionType.SIZE_LIMIT);
    expect(limited.message).toMatch(/string length 16383 exceeds stringLengthLimit 16382/);
    const huge = protocolError(() => new CompactReader(hexBytes('ffffffff07 61')).readString());
    expect(huge.type).toBe(TProtocolExceptionType.SIZE_LIMIT);
    const negative = protocolError(() => new CompactReader(hexBytes('ffffffff0f 61')).readBinary());
    expect(negative.type).toBe(TProtocolExceptionType.NEGATIVE_SIZE);
  });

  test('two-byte list and map sizes are checked against the bytes present before anything is allocated', () => {
    // list header 0xf5: long size, i32 elements; size 200 needs at least 200 bytes.
    const list = protocolError(() => new CompactReader(hexBytes('f5 c801 00 00')).readListBegin());
    expect(list.type).toBe(TProtocolExceptionType.SIZE_LIMIT);
    expect(list.message).toMatch(/list\/set size 200 needs at least 200 bytes, 2 remain/);
    const map = protocolError(() => new CompactReader(hexBytes('c801 55 00 00')).readMapBegin());
    expect(map.type).toBe(TProtocolExceptionType.SIZE_LIMIT);
    expect(map.message).toMatch(/map size 200 needs at least 400 bytes, 2 remain/);
  });
});

import fc from 'fast-check';
import { ProtocolId } from '@thriftpoll/protocol';
import { apacheEncode, type ApacheProtocol } from './apache';

/**
 * Random Thrift shapes and values (fast-check), encoded by Apache's npm `thrift` protocols, for checking
 * that the Buffered scan finds the exact end of any message, in any split.
 */
export type ThriftType =
  | { kind: 'bool' | 'byte' | 'i16' | 'i32' | 'i64' | 'double' | 'string' | 'binary' | 'uuid' }
  | { kind: 'struct'; fields: { id: number; type: ThriftType }[] }
  | { kind: 'list' | 'set'; element: ThriftType }
  | { kind: 'map'; key: ThriftType; value: ThriftType };

const TTYPE: Record<ThriftType['kind'], number> = {
  bool: 2,
  byte: 3,
  double: 4,
  i16: 6,
  i32: 8,
  i64: 10,
  string: 11,
  binary: 11,
  struct: 12,
  map: 13,
  set: 14,
  list: 15,
  uuid: 16,
};

const primitive: fc.Arbitrary<ThriftType> = fc.constantFrom(
  ...(['bool', 'byte', 'i16', 'i32', 'i64', 'double', 'string', 'binary', 'uuid'] as const).map((kind) => ({ kind })),
);

export const typeArbitrary: fc.Arbitrary<ThriftType> = fc.letrec<{
  type: ThriftType;
  struct: ThriftType;
  list: ThriftType;
  map: ThriftType;
}>((tie) => ({
  type: fc.oneof({ depthSize: 'small', maxDepth: 4 }, primitive, tie('struct'), tie('list'), tie('map')),
  struct: fc
    .uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 400 }), type: tie('type') }), {
      selector: (field) => field.id,
      maxLength: 4,
    })
    .map((fields) => ({ kind: 'struct' as const, fields })),
  list: fc
    .record({ kind: fc.constantFrom('list' as const, 'set' as const), element: tie('type') })
    .map((t) => t as ThriftType),
  map: fc.record({ key: tie('type'), value: tie('type') }).map((t) => ({ kind: 'map' as const, ...t })),
})).type;

export function valueArbitrary(type: ThriftType): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case 'bool':
      return fc.boolean();
    case 'byte':
      return fc.integer({ min: -128, max: 127 });
    case 'i16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'i32':
      return fc.integer({ min: -0x80000000, max: 0x7fffffff });
    case 'i64':
      return fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
    case 'double':
      return fc.double();
    case 'string':
      return fc.fullUnicodeString({ maxLength: 12 });
    case 'binary':
      return fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes));
    case 'uuid':
      return fc.uuid();
    case 'struct':
      return fc.tuple(...type.fields.map((field) => fc.option(valueArbitrary(field.type), { nil: undefined })));
    case 'list':
    case 'set':
      return fc.array(valueArbitrary(type.element), { maxLength: 5 });
    case 'map':
      return fc.array(fc.tuple(valueArbitrary(type.key), valueArbitrary(type.value)), { maxLength: 4 });
  }
}

/** A struct type and a value of it. */
export const structArbitrary: fc.Arbitrary<{ type: ThriftType; value: unknown }> = fc
  .uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 400 }), type: typeArbitrary }), {
    selector: (field) => field.id,
    maxLength: 5,
  })
  .chain((fields) => {
    const type: ThriftType = { kind: 'struct', fields };
    return valueArbitrary(type).map((value) => ({ type, value }));
  });

function writeValue(out: ApacheProtocol, type: ThriftType, value: unknown): void {
  switch (type.kind) {
    case 'bool':
      return out.writeBool(value as boolean);
    case 'byte':
      return out.writeByte(value as number);
    case 'i16':
      return out.writeI16(value as number);
    case 'i32':
      return out.writeI32(value as number);
    case 'i64':
      return out.writeI64(value as number);
    case 'double':
      return out.writeDouble(value as number);
    case 'string':
      return out.writeString(value as string);
    case 'binary':
      return out.writeBinary(value as Buffer);
    case 'uuid':
      return out.writeUuid(value as string);
    case 'struct': {
      out.writeStructBegin('S');
      const values = value as unknown[];
      type.fields.forEach((field, i) => {
        if (values[i] === undefined) return;
        out.writeFieldBegin('f', TTYPE[field.type.kind], field.id);
        writeValue(out, field.type, values[i]);
        out.writeFieldEnd();
      });
      out.writeFieldStop();
      out.writeStructEnd();
      return;
    }
    case 'list':
    case 'set': {
      const items = value as unknown[];
      if (type.kind === 'list') out.writeListBegin(TTYPE[type.element.kind], items.length);
      else out.writeSetBegin(TTYPE[type.element.kind], items.length);
      for (const item of items) writeValue(out, type.element, item);
      if (type.kind === 'list') out.writeListEnd();
      else out.writeSetEnd();
      return;
    }
    case 'map': {
      const entries = value as [unknown, unknown][];
      out.writeMapBegin(TTYPE[type.key.kind], TTYPE[type.value.kind], entries.length);
      for (const [k, v] of entries) {
        writeValue(out, type.key, k);
        writeValue(out, type.value, v);
      }
      out.writeMapEnd();
      return;
    }
  }
}

/** Encodes a whole message (CALL `name`, body = the struct) with Apache's protocol. */
export function encodeMessage(protocol: ProtocolId, type: ThriftType, value: unknown, name = 'call', seqid = 7): Buffer {
  return apacheEncode(protocol, (output) => {
    output.writeMessageBegin(name, 1, seqid);
    writeValue(output, type, value);
    output.writeMessageEnd();
  });
}

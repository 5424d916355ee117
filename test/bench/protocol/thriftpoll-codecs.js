'use strict';
// thriftpoll codecs for the benchmark structs, written the way @thriftpoll/codegen generates them: plain objects,
// Map/Set/bigint, one encode and one decode function per struct, `switch` on the field id with a type check.
//
//   struct Request { 1: string action, 2: string msg }
//   struct Sub     { 1: i32 id, 2: string name, 3: double score, 4: list<i64> tags, 5: bool active }
//   struct Inner   { 1: string label, 2: Sub sub, 3: i16 level, 4: string note }
//   struct Complex { 1: map<string,Sub> byName, 2: list<Sub> items, 3: set<string> labels, 4: Inner inner,
//                    5: i64 createdAt, 6: binary blob }
const { TType } = require('@thriftpoll/protocol');

const Request = {
  encode(w, v) {
    w.writeStructBegin('Request');
    if (v.action !== undefined) {
      w.writeFieldBegin(TType.STRING, 1);
      w.writeString(v.action);
      w.writeFieldEnd();
    }
    if (v.msg !== undefined) {
      w.writeFieldBegin(TType.STRING, 2);
      w.writeString(v.msg);
      w.writeFieldEnd();
    }
    w.writeFieldStop();
    w.writeStructEnd();
  },
  decode(r) {
    let action;
    let msg;
    r.readStructBegin();
    for (;;) {
      const field = r.readFieldBegin();
      const type = field.type;
      if (type === TType.STOP) break;
      switch (field.id) {
        case 1:
          if (type === TType.STRING) action = r.readString();
          else r.skip(type);
          break;
        case 2:
          if (type === TType.STRING) msg = r.readString();
          else r.skip(type);
          break;
        default:
          r.skip(type);
      }
      r.readFieldEnd();
    }
    r.readStructEnd();
    return { action, msg };
  },
};

const Sub = {
  encode(w, v) {
    w.writeStructBegin('Sub');
    if (v.id !== undefined) {
      w.writeFieldBegin(TType.I32, 1);
      w.writeI32(v.id);
      w.writeFieldEnd();
    }
    if (v.name !== undefined) {
      w.writeFieldBegin(TType.STRING, 2);
      w.writeString(v.name);
      w.writeFieldEnd();
    }
    if (v.score !== undefined) {
      w.writeFieldBegin(TType.DOUBLE, 3);
      w.writeDouble(v.score);
      w.writeFieldEnd();
    }
    if (v.tags !== undefined) {
      w.writeFieldBegin(TType.LIST, 4);
      w.writeListBegin(TType.I64, v.tags.length);
      for (const e of v.tags) w.writeI64(e);
      w.writeListEnd();
      w.writeFieldEnd();
    }
    if (v.active !== undefined) {
      w.writeFieldBegin(TType.BOOL, 5);
      w.writeBool(v.active);
      w.writeFieldEnd();
    }
    w.writeFieldStop();
    w.writeStructEnd();
  },
  decode(r) {
    let id;
    let name;
    let score;
    let tags;
    let active;
    r.readStructBegin();
    for (;;) {
      const field = r.readFieldBegin();
      const type = field.type;
      if (type === TType.STOP) break;
      switch (field.id) {
        case 1:
          if (type === TType.I32) id = r.readI32();
          else r.skip(type);
          break;
        case 2:
          if (type === TType.STRING) name = r.readString();
          else r.skip(type);
          break;
        case 3:
          if (type === TType.DOUBLE) score = r.readDouble();
          else r.skip(type);
          break;
        case 4:
          if (type === TType.LIST) {
            const h = r.readListBegin();
            const size = h.size;
            tags = new Array(size);
            for (let i = 0; i < size; i++) tags[i] = r.readI64();
            r.readListEnd();
          } else r.skip(type);
          break;
        case 5:
          if (type === TType.BOOL) active = r.readBool();
          else r.skip(type);
          break;
        default:
          r.skip(type);
      }
      r.readFieldEnd();
    }
    r.readStructEnd();
    return { id, name, score, tags, active };
  },
};

const Inner = {
  encode(w, v) {
    w.writeStructBegin('Inner');
    if (v.label !== undefined) {
      w.writeFieldBegin(TType.STRING, 1);
      w.writeString(v.label);
      w.writeFieldEnd();
    }
    if (v.sub !== undefined) {
      w.writeFieldBegin(TType.STRUCT, 2);
      Sub.encode(w, v.sub);
      w.writeFieldEnd();
    }
    if (v.level !== undefined) {
      w.writeFieldBegin(TType.I16, 3);
      w.writeI16(v.level);
      w.writeFieldEnd();
    }
    if (v.note !== undefined) {
      w.writeFieldBegin(TType.STRING, 4);
      w.writeString(v.note);
      w.writeFieldEnd();
    }
    w.writeFieldStop();
    w.writeStructEnd();
  },
  decode(r) {
    let label;
    let sub;
    let level;
    let note;
    r.readStructBegin();
    for (;;) {
      const field = r.readFieldBegin();
      const type = field.type;
      if (type === TType.STOP) break;
      switch (field.id) {
        case 1:
          if (type === TType.STRING) label = r.readString();
          else r.skip(type);
          break;
        case 2:
          if (type === TType.STRUCT) sub = Sub.decode(r);
          else r.skip(type);
          break;
        case 3:
          if (type === TType.I16) level = r.readI16();
          else r.skip(type);
          break;
        case 4:
          if (type === TType.STRING) note = r.readString();
          else r.skip(type);
          break;
        default:
          r.skip(type);
      }
      r.readFieldEnd();
    }
    r.readStructEnd();
    return { label, sub, level, note };
  },
};

const Complex = {
  encode(w, v) {
    w.writeStructBegin('Complex');
    if (v.byName !== undefined) {
      w.writeFieldBegin(TType.MAP, 1);
      w.writeMapBegin(TType.STRING, TType.STRUCT, v.byName.size);
      for (const [k, e] of v.byName) {
        w.writeString(k);
        Sub.encode(w, e);
      }
      w.writeMapEnd();
      w.writeFieldEnd();
    }
    if (v.items !== undefined) {
      w.writeFieldBegin(TType.LIST, 2);
      w.writeListBegin(TType.STRUCT, v.items.length);
      for (const e of v.items) Sub.encode(w, e);
      w.writeListEnd();
      w.writeFieldEnd();
    }
    if (v.labels !== undefined) {
      w.writeFieldBegin(TType.SET, 3);
      w.writeSetBegin(TType.STRING, v.labels.size);
      for (const e of v.labels) w.writeString(e);
      w.writeSetEnd();
      w.writeFieldEnd();
    }
    if (v.inner !== undefined) {
      w.writeFieldBegin(TType.STRUCT, 4);
      Inner.encode(w, v.inner);
      w.writeFieldEnd();
    }
    if (v.createdAt !== undefined) {
      w.writeFieldBegin(TType.I64, 5);
      w.writeI64(v.createdAt);
      w.writeFieldEnd();
    }
    if (v.blob !== undefined) {
      w.writeFieldBegin(TType.STRING, 6);
      w.writeBinary(v.blob);
      w.writeFieldEnd();
    }
    w.writeFieldStop();
    w.writeStructEnd();
  },
  decode(r) {
    let byName;
    let items;
    let labels;
    let inner;
    let createdAt;
    let blob;
    r.readStructBegin();
    for (;;) {
      const field = r.readFieldBegin();
      const type = field.type;
      if (type === TType.STOP) break;
      switch (field.id) {
        case 1:
          if (type === TType.MAP) {
            const h = r.readMapBegin();
            const size = h.size;
            byName = new Map();
            for (let i = 0; i < size; i++) {
              const k = r.readString();
              byName.set(k, Sub.decode(r));
            }
            r.readMapEnd();
          } else r.skip(type);
          break;
        case 2:
          if (type === TType.LIST) {
            const h = r.readListBegin();
            const size = h.size;
            items = new Array(size);
            for (let i = 0; i < size; i++) items[i] = Sub.decode(r);
            r.readListEnd();
          } else r.skip(type);
          break;
        case 3:
          if (type === TType.SET) {
            const h = r.readSetBegin();
            const size = h.size;
            labels = new Set();
            for (let i = 0; i < size; i++) labels.add(r.readString());
            r.readSetEnd();
          } else r.skip(type);
          break;
        case 4:
          if (type === TType.STRUCT) inner = Inner.decode(r);
          else r.skip(type);
          break;
        case 5:
          if (type === TType.I64) createdAt = r.readI64();
          else r.skip(type);
          break;
        case 6:
          if (type === TType.STRING) blob = r.readBinary();
          else r.skip(type);
          break;
        default:
          r.skip(type);
      }
      r.readFieldEnd();
    }
    r.readStructEnd();
    return { byName, items, labels, inner, createdAt, blob };
  },
};

module.exports = { Request, Sub, Inner, Complex };

'use strict';
// Apache Thrift codecs for the benchmark structs, written as `thrift --gen js:node` (0.17) generates them:
// constructor functions with read/write on the prototype, objects for maps, arrays for sets, node-int64 for i64.
// Same IDL as thriftpoll-codecs.js.
const thrift = require('thrift');
const Thrift = thrift.Thrift;

const Request = function (args) {
  this.action = null;
  this.msg = null;
  if (args) {
    if (args.action !== undefined && args.action !== null) this.action = args.action;
    if (args.msg !== undefined && args.msg !== null) this.msg = args.msg;
  }
};
Request.prototype = {};
Request.prototype.read = function (input) {
  input.readStructBegin();
  while (true) {
    const ret = input.readFieldBegin();
    const ftype = ret.ftype;
    const fid = ret.fid;
    if (ftype == Thrift.Type.STOP) break;
    switch (fid) {
      case 1:
        if (ftype == Thrift.Type.STRING) this.action = input.readString();
        else input.skip(ftype);
        break;
      case 2:
        if (ftype == Thrift.Type.STRING) this.msg = input.readString();
        else input.skip(ftype);
        break;
      default:
        input.skip(ftype);
    }
    input.readFieldEnd();
  }
  input.readStructEnd();
};
Request.prototype.write = function (output) {
  output.writeStructBegin('Request');
  if (this.action !== null && this.action !== undefined) {
    output.writeFieldBegin('action', Thrift.Type.STRING, 1);
    output.writeString(this.action);
    output.writeFieldEnd();
  }
  if (this.msg !== null && this.msg !== undefined) {
    output.writeFieldBegin('msg', Thrift.Type.STRING, 2);
    output.writeString(this.msg);
    output.writeFieldEnd();
  }
  output.writeFieldStop();
  output.writeStructEnd();
};

const Sub = function (args) {
  this.id = null;
  this.name = null;
  this.score = null;
  this.tags = null;
  this.active = null;
  if (args) {
    if (args.id !== undefined && args.id !== null) this.id = args.id;
    if (args.name !== undefined && args.name !== null) this.name = args.name;
    if (args.score !== undefined && args.score !== null) this.score = args.score;
    if (args.tags !== undefined && args.tags !== null) this.tags = Thrift.copyList(args.tags, [null]);
    if (args.active !== undefined && args.active !== null) this.active = args.active;
  }
};
Sub.prototype = {};
Sub.prototype.read = function (input) {
  input.readStructBegin();
  while (true) {
    const ret = input.readFieldBegin();
    const ftype = ret.ftype;
    const fid = ret.fid;
    if (ftype == Thrift.Type.STOP) break;
    switch (fid) {
      case 1:
        if (ftype == Thrift.Type.I32) this.id = input.readI32();
        else input.skip(ftype);
        break;
      case 2:
        if (ftype == Thrift.Type.STRING) this.name = input.readString();
        else input.skip(ftype);
        break;
      case 3:
        if (ftype == Thrift.Type.DOUBLE) this.score = input.readDouble();
        else input.skip(ftype);
        break;
      case 4:
        if (ftype == Thrift.Type.LIST) {
          this.tags = [];
          const _rtmp31 = input.readListBegin();
          const _size0 = _rtmp31.size || 0;
          for (let _i2 = 0; _i2 < _size0; ++_i2) {
            let elem3 = null;
            elem3 = input.readI64();
            this.tags.push(elem3);
          }
          input.readListEnd();
        } else input.skip(ftype);
        break;
      case 5:
        if (ftype == Thrift.Type.BOOL) this.active = input.readBool();
        else input.skip(ftype);
        break;
      default:
        input.skip(ftype);
    }
    input.readFieldEnd();
  }
  input.readStructEnd();
};
Sub.prototype.write = function (output) {
  output.writeStructBegin('Sub');
  if (this.id !== null && this.id !== undefined) {
    output.writeFieldBegin('id', Thrift.Type.I32, 1);
    output.writeI32(this.id);
    output.writeFieldEnd();
  }
  if (this.name !== null && this.name !== undefined) {
    output.writeFieldBegin('name', Thrift.Type.STRING, 2);
    output.writeString(this.name);
    output.writeFieldEnd();
  }
  if (this.score !== null && this.score !== undefined) {
    output.writeFieldBegin('score', Thrift.Type.DOUBLE, 3);
    output.writeDouble(this.score);
    output.writeFieldEnd();
  }
  if (this.tags !== null && this.tags !== undefined) {
    output.writeFieldBegin('tags', Thrift.Type.LIST, 4);
    output.writeListBegin(Thrift.Type.I64, this.tags.length);
    for (let iter4 in this.tags) {
      if (this.tags.hasOwnProperty(iter4)) {
        iter4 = this.tags[iter4];
        output.writeI64(iter4);
      }
    }
    output.writeListEnd();
    output.writeFieldEnd();
  }
  if (this.active !== null && this.active !== undefined) {
    output.writeFieldBegin('active', Thrift.Type.BOOL, 5);
    output.writeBool(this.active);
    output.writeFieldEnd();
  }
  output.writeFieldStop();
  output.writeStructEnd();
};

const Inner = function (args) {
  this.label = null;
  this.sub = null;
  this.level = null;
  this.note = null;
  if (args) {
    if (args.label !== undefined && args.label !== null) this.label = args.label;
    if (args.sub !== undefined && args.sub !== null) this.sub = new Sub(args.sub);
    if (args.level !== undefined && args.level !== null) this.level = args.level;
    if (args.note !== undefined && args.note !== null) this.note = args.note;
  }
};
Inner.prototype = {};
Inner.prototype.read = function (input) {
  input.readStructBegin();
  while (true) {
    const ret = input.readFieldBegin();
    const ftype = ret.ftype;
    const fid = ret.fid;
    if (ftype == Thrift.Type.STOP) break;
    switch (fid) {
      case 1:
        if (ftype == Thrift.Type.STRING) this.label = input.readString();
        else input.skip(ftype);
        break;
      case 2:
        if (ftype == Thrift.Type.STRUCT) {
          this.sub = new Sub();
          this.sub.read(input);
        } else input.skip(ftype);
        break;
      case 3:
        if (ftype == Thrift.Type.I16) this.level = input.readI16();
        else input.skip(ftype);
        break;
      case 4:
        if (ftype == Thrift.Type.STRING) this.note = input.readString();
        else input.skip(ftype);
        break;
      default:
        input.skip(ftype);
    }
    input.readFieldEnd();
  }
  input.readStructEnd();
};
Inner.prototype.write = function (output) {
  output.writeStructBegin('Inner');
  if (this.label !== null && this.label !== undefined) {
    output.writeFieldBegin('label', Thrift.Type.STRING, 1);
    output.writeString(this.label);
    output.writeFieldEnd();
  }
  if (this.sub !== null && this.sub !== undefined) {
    output.writeFieldBegin('sub', Thrift.Type.STRUCT, 2);
    this.sub.write(output);
    output.writeFieldEnd();
  }
  if (this.level !== null && this.level !== undefined) {
    output.writeFieldBegin('level', Thrift.Type.I16, 3);
    output.writeI16(this.level);
    output.writeFieldEnd();
  }
  if (this.note !== null && this.note !== undefined) {
    output.writeFieldBegin('note', Thrift.Type.STRING, 4);
    output.writeString(this.note);
    output.writeFieldEnd();
  }
  output.writeFieldStop();
  output.writeStructEnd();
};

const Complex = function (args) {
  this.byName = null;
  this.items = null;
  this.labels = null;
  this.inner = null;
  this.createdAt = null;
  this.blob = null;
  if (args) {
    if (args.byName !== undefined && args.byName !== null) this.byName = Thrift.copyMap(args.byName, [Sub]);
    if (args.items !== undefined && args.items !== null) this.items = Thrift.copyList(args.items, [Sub]);
    if (args.labels !== undefined && args.labels !== null) this.labels = Thrift.copyList(args.labels, [null]);
    if (args.inner !== undefined && args.inner !== null) this.inner = new Inner(args.inner);
    if (args.createdAt !== undefined && args.createdAt !== null) this.createdAt = args.createdAt;
    if (args.blob !== undefined && args.blob !== null) this.blob = args.blob;
  }
};
Complex.prototype = {};
Complex.prototype.read = function (input) {
  input.readStructBegin();
  while (true) {
    const ret = input.readFieldBegin();
    const ftype = ret.ftype;
    const fid = ret.fid;
    if (ftype == Thrift.Type.STOP) break;
    switch (fid) {
      case 1:
        if (ftype == Thrift.Type.MAP) {
          this.byName = {};
          const _rtmp36 = input.readMapBegin();
          const _size5 = _rtmp36.size || 0;
          for (let _i7 = 0; _i7 < _size5; ++_i7) {
            let key8 = null;
            let val9 = null;
            key8 = input.readString();
            val9 = new Sub();
            val9.read(input);
            this.byName[key8] = val9;
          }
          input.readMapEnd();
        } else input.skip(ftype);
        break;
      case 2:
        if (ftype == Thrift.Type.LIST) {
          this.items = [];
          const _rtmp311 = input.readListBegin();
          const _size10 = _rtmp311.size || 0;
          for (let _i12 = 0; _i12 < _size10; ++_i12) {
            let elem13 = null;
            elem13 = new Sub();
            elem13.read(input);
            this.items.push(elem13);
          }
          input.readListEnd();
        } else input.skip(ftype);
        break;
      case 3:
        if (ftype == Thrift.Type.SET) {
          this.labels = [];
          const _rtmp315 = input.readSetBegin();
          const _size14 = _rtmp315.size || 0;
          for (let _i16 = 0; _i16 < _size14; ++_i16) {
            let elem17 = null;
            elem17 = input.readString();
            this.labels.push(elem17);
          }
          input.readSetEnd();
        } else input.skip(ftype);
        break;
      case 4:
        if (ftype == Thrift.Type.STRUCT) {
          this.inner = new Inner();
          this.inner.read(input);
        } else input.skip(ftype);
        break;
      case 5:
        if (ftype == Thrift.Type.I64) this.createdAt = input.readI64();
        else input.skip(ftype);
        break;
      case 6:
        if (ftype == Thrift.Type.STRING) this.blob = input.readBinary();
        else input.skip(ftype);
        break;
      default:
        input.skip(ftype);
    }
    input.readFieldEnd();
  }
  input.readStructEnd();
};
Complex.prototype.write = function (output) {
  output.writeStructBegin('Complex');
  if (this.byName !== null && this.byName !== undefined) {
    output.writeFieldBegin('byName', Thrift.Type.MAP, 1);
    output.writeMapBegin(Thrift.Type.STRING, Thrift.Type.STRUCT, Thrift.objectLength(this.byName));
    for (const kiter23 in this.byName) {
      if (this.byName.hasOwnProperty(kiter23)) {
        const viter24 = this.byName[kiter23];
        output.writeString(kiter23);
        viter24.write(output);
      }
    }
    output.writeMapEnd();
    output.writeFieldEnd();
  }
  if (this.items !== null && this.items !== undefined) {
    output.writeFieldBegin('items', Thrift.Type.LIST, 2);
    output.writeListBegin(Thrift.Type.STRUCT, this.items.length);
    for (let iter25 in this.items) {
      if (this.items.hasOwnProperty(iter25)) {
        iter25 = this.items[iter25];
        iter25.write(output);
      }
    }
    output.writeListEnd();
    output.writeFieldEnd();
  }
  if (this.labels !== null && this.labels !== undefined) {
    output.writeFieldBegin('labels', Thrift.Type.SET, 3);
    output.writeSetBegin(Thrift.Type.STRING, this.labels.length);
    for (let iter26 in this.labels) {
      if (this.labels.hasOwnProperty(iter26)) {
        iter26 = this.labels[iter26];
        output.writeString(iter26);
      }
    }
    output.writeSetEnd();
    output.writeFieldEnd();
  }
  if (this.inner !== null && this.inner !== undefined) {
    output.writeFieldBegin('inner', Thrift.Type.STRUCT, 4);
    this.inner.write(output);
    output.writeFieldEnd();
  }
  if (this.createdAt !== null && this.createdAt !== undefined) {
    output.writeFieldBegin('createdAt', Thrift.Type.I64, 5);
    output.writeI64(this.createdAt);
    output.writeFieldEnd();
  }
  if (this.blob !== null && this.blob !== undefined) {
    output.writeFieldBegin('blob', Thrift.Type.STRING, 6);
    output.writeBinary(this.blob);
    output.writeFieldEnd();
  }
  output.writeFieldStop();
  output.writeStructEnd();
};

module.exports = { Request, Sub, Inner, Complex };

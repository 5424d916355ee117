'use strict';
/**
 * EchoServer (echo.thrift) for Apache's npm `thrift` library, written by hand to the library's contracts:
 *
 * - structs have `read(protocol)` / `write(protocol)`;
 * - a service Client is constructed as `new Client(transport, ProtocolClass)`, keeps `_seqid` and `_reqs`
 *   (seqid -> callback), and the library's Connection calls `recv_<method>(protocol, messageType, seqid)`
 *   for each reply;
 * - a Processor is constructed with the handler and the server calls `process(input, output)` per message.
 *
 * It does what `thrift --gen js:node` output does for this IDL. It is hand-written because Debian's thrift
 * compiler (0.17) emits calls to `thrift.Q`, which npm `thrift` 0.24 no longer exports, so generated code
 * works there only with callback-style handlers and calls; this module has no such gap and needs no compiler
 * at benchmark time. The Apache figures measure the library's transports, protocol and connection handling,
 * which this module uses exactly as generated code does.
 */
const thrift = require('thrift');

const { Type, MessageType, TApplicationException, TApplicationExceptionType, TProtocolException,
  TProtocolExceptionType } = thrift.Thrift;

/** Reads a struct of string fields 1 (action) and 2 (msg); other fields are skipped. */
function readActionMsg(target, input, structName) {
  input.readStructBegin();
  for (;;) {
    const { ftype, fid } = input.readFieldBegin();
    if (ftype === Type.STOP) break;
    if (fid === 1 && ftype === Type.STRING) target.action = input.readString();
    else if (fid === 2 && ftype === Type.STRING) target.msg = input.readString();
    else input.skip(ftype);
    input.readFieldEnd();
  }
  input.readStructEnd();
  for (const field of ['action', 'msg']) {
    if (target[field] === null) {
      throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `${structName}.${field} is required but was not received`);
    }
  }
}

function writeActionMsg(source, output, structName) {
  output.writeStructBegin(structName);
  for (const [field, id] of [['action', 1], ['msg', 2]]) {
    if (source[field] === null || source[field] === undefined) {
      throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `${structName}.${field} is required but unset`);
    }
    output.writeFieldBegin(field, Type.STRING, id);
    output.writeString(source[field]);
    output.writeFieldEnd();
  }
  output.writeFieldStop();
  output.writeStructEnd();
}

class Request {
  constructor(args) {
    this.action = args && args.action != null ? args.action : null;
    this.msg = args && args.msg != null ? args.msg : null;
  }
  read(input) {
    readActionMsg(this, input, 'Request');
  }
  write(output) {
    writeActionMsg(this, output, 'Request');
  }
}

class Response {
  constructor(args) {
    this.action = args && args.action != null ? args.action : null;
    this.msg = args && args.msg != null ? args.msg : null;
  }
  read(input) {
    readActionMsg(this, input, 'Response');
  }
  write(output) {
    writeActionMsg(this, output, 'Response');
  }
}

/** echo's argument struct: { 1: Request req }. */
class EchoArgs {
  constructor(req) {
    this.req = req || null;
  }
  read(input) {
    input.readStructBegin();
    for (;;) {
      const { ftype, fid } = input.readFieldBegin();
      if (ftype === Type.STOP) break;
      if (fid === 1 && ftype === Type.STRUCT) {
        this.req = new Request();
        this.req.read(input);
      } else {
        input.skip(ftype);
      }
      input.readFieldEnd();
    }
    input.readStructEnd();
  }
  write(output) {
    output.writeStructBegin('EchoServer_echo_args');
    if (this.req) {
      output.writeFieldBegin('req', Type.STRUCT, 1);
      this.req.write(output);
      output.writeFieldEnd();
    }
    output.writeFieldStop();
    output.writeStructEnd();
  }
}

/** echo's result struct: { 0: Response success }. */
class EchoResult {
  constructor(success) {
    this.success = success || null;
  }
  read(input) {
    input.readStructBegin();
    for (;;) {
      const { ftype, fid } = input.readFieldBegin();
      if (ftype === Type.STOP) break;
      if (fid === 0 && ftype === Type.STRUCT) {
        this.success = new Response();
        this.success.read(input);
      } else {
        input.skip(ftype);
      }
      input.readFieldEnd();
    }
    input.readStructEnd();
  }
  write(output) {
    output.writeStructBegin('EchoServer_echo_result');
    if (this.success) {
      output.writeFieldBegin('success', Type.STRUCT, 0);
      this.success.write(output);
      output.writeFieldEnd();
    }
    output.writeFieldStop();
    output.writeStructEnd();
  }
}

/** The client half, driven by Apache's Connection (see the module comment for the contract). */
class Client {
  constructor(output, pClass) {
    this.output = output;
    this.pClass = pClass;
    this._seqid = 0;
    this._reqs = {};
  }
  seqid() {
    return this._seqid;
  }
  new_seqid() {
    this._seqid += 1;
    return this._seqid;
  }
  /**
   * Calls echo. With a callback `(err, response)` it returns nothing; without one it returns a Promise.
   * Throws synchronously only if the request cannot be encoded.
   */
  echo(req, callback) {
    if (callback === undefined) {
      return new Promise((resolve, reject) => this.echo(req, (err, res) => (err ? reject(err) : resolve(res))));
    }
    const seqid = this.new_seqid();
    this._reqs[seqid] = callback;
    this.send_echo(req, seqid);
    return undefined;
  }
  send_echo(req, seqid = this.seqid()) {
    const output = new this.pClass(this.output);
    try {
      output.writeMessageBegin('echo', MessageType.CALL, seqid);
      new EchoArgs(req instanceof Request ? req : new Request(req)).write(output);
      output.writeMessageEnd();
      return this.output.flush();
    } catch (err) {
      delete this._reqs[seqid];
      if (typeof output.reset === 'function') output.reset();
      throw err;
    }
  }
  recv_echo(input, mtype, rseqid) {
    const callback = this._reqs[rseqid] || (() => {});
    delete this._reqs[rseqid];
    if (mtype === MessageType.EXCEPTION) {
      const x = new TApplicationException();
      x.read(input);
      input.readMessageEnd();
      return callback(x);
    }
    const result = new EchoResult();
    result.read(input);
    input.readMessageEnd();
    if (result.success !== null) return callback(null, result.success);
    return callback(new TApplicationException(TApplicationExceptionType.MISSING_RESULT, 'echo returned no result'));
  }
}

/**
 * The server half. `handler.echo(req, done)` answers through `done(err, response)`; a handler declared with
 * one parameter may instead return the response or a Promise of it.
 */
class Processor {
  constructor(handler) {
    this._handler = handler;
  }
  process(input, output) {
    const header = input.readMessageBegin();
    if (header.fname === 'echo') {
      this.process_echo(header.rseqid, input, output);
      return;
    }
    input.skip(Type.STRUCT);
    input.readMessageEnd();
    const x = new TApplicationException(TApplicationExceptionType.UNKNOWN_METHOD, `Unknown function ${header.fname}`);
    output.writeMessageBegin(header.fname, MessageType.EXCEPTION, header.rseqid);
    x.write(output);
    output.writeMessageEnd();
    output.flush();
  }
  process_echo(seqid, input, output) {
    const args = new EchoArgs();
    args.read(input);
    input.readMessageEnd();
    const reply = (err, response) => {
      if (err == null) {
        output.writeMessageBegin('echo', MessageType.REPLY, seqid);
        new EchoResult(response instanceof Response ? response : new Response(response)).write(output);
      } else {
        output.writeMessageBegin('echo', MessageType.EXCEPTION, seqid);
        new TApplicationException(TApplicationExceptionType.UNKNOWN, err.message).write(output);
      }
      output.writeMessageEnd();
      output.flush();
    };
    if (this._handler.echo.length === 1) {
      Promise.resolve()
        .then(() => this._handler.echo(args.req))
        .then((res) => reply(null, res), (err) => reply(err));
    } else {
      this._handler.echo(args.req, reply);
    }
  }
}

module.exports = { Request, Response, EchoServer: { Client, Processor }, Client, Processor };

'use strict';
/**
 * Apache's npm `thrift` echo server: the RPC benchmark's reference peer. `thrift.createServer` with the
 * EchoServer processor (service.js), framed transport and binary protocol by default, as issue #6 asks.
 *
 *   node test/bench/apache-echo/server.js [--host 127.0.0.1] [--port 0] [--transport framed|buffered]
 *                                         [--protocol binary|compact] [--tls-cert F --tls-key F]
 *
 * Prints `apache-echo listening on <address>` when ready; runs until SIGTERM or SIGINT. Errors on single
 * connections (a malformed frame, a reset) are logged and close that connection only; without the 'error'
 * listener Apache's server would let them end the process.
 */
const fs = require('node:fs');
const thrift = require('thrift');
const { runCli } = require('../lib/args');
const { EchoServer, Response } = require('./service');

const spec = {
  host: { type: 'string', default: '127.0.0.1', value: 'ADDR', help: 'address to bind' },
  port: { type: 'integer', default: 0, min: 0, max: 65535, value: 'N', help: 'TCP port, 0 for any free one' },
  transport: { type: 'string', default: 'framed', choices: ['framed', 'buffered'], help: 'Thrift transport' },
  protocol: { type: 'string', default: 'binary', choices: ['binary', 'compact'], help: 'Thrift protocol' },
  'tls-cert': { type: 'string', value: 'FILE', help: 'serve TLS with this certificate (PEM; Apache passes tls options to tls.createServer)' },
  'tls-key': { type: 'string', value: 'FILE', help: 'private key of --tls-cert (PEM)' },
};

const handler = {
  echo(req, done) {
    done(null, new Response({ action: req.action, msg: req.msg }));
  },
};

function main(options) {
  const server = thrift.createServer(EchoServer.Processor, handler, {
    transport: options.transport === 'framed' ? thrift.TFramedTransport : thrift.TBufferedTransport,
    protocol: options.protocol === 'binary' ? thrift.TBinaryProtocol : thrift.TCompactProtocol,
    ...(options.tlsCert === undefined ? {} : { tls: { cert: fs.readFileSync(options.tlsCert), key: fs.readFileSync(options.tlsKey) } }),
  });
  let reported = 0;
  server.on('error', (err) => {
    // Resets are routine at the end of a benchmark; report anything else, but only the first few.
    if (err && err.code === 'ECONNRESET') return;
    if (reported++ < 5) process.stderr.write(`apache-echo: ${err && err.message ? err.message : err}\n`);
  });
  server.listen({ port: options.port, host: options.host, backlog: 4096 }, () => {
    const a = server.address();
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    process.stdout.write(`apache-echo listening on ${host}:${a.port} (${options.transport} ${options.protocol}${options.tlsCert === undefined ? '' : ', TLS'})\n`);
  });
  const stop = () => {
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

runCli({ spec, usage: 'usage: node test/bench/apache-echo/server.js [options]', main });

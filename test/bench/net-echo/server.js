'use strict';
/**
 * The Node `net` raw echo server: the peer every engine figure is compared with.
 *
 * Framing is the engine echo's: a 4-byte big-endian length, then that many payload bytes; every whole frame
 * is written back as received. Written the way a careful Node developer would write it, so the comparison is
 * fair: no copy while a chunk holds whole frames (the frames are written back as one slice of it), chunks
 * are joined only once a split frame is complete, the socket is paused while the kernel refuses more output
 * (bounded memory against a peer that does not read), and a length over --max-frame closes the connection
 * at once instead of buffering it.
 *
 *   node test/bench/net-echo/server.js [--host 127.0.0.1] [--port 0] [--unix PATH] [--max-frame N]
 *
 * Prints `net-echo listening on <address>` when ready; runs until SIGTERM or SIGINT.
 */
const net = require('node:net');
const fs = require('node:fs');
const { runCli } = require('../lib/args');

const spec = {
  host: { type: 'string', default: '127.0.0.1', value: 'ADDR', help: 'address to bind' },
  port: { type: 'integer', default: 0, min: 0, max: 65535, value: 'N', help: 'TCP port, 0 for any free one' },
  unix: { type: 'string', value: 'PATH', help: 'listen on a Unix socket instead of TCP' },
  'max-frame': {
    type: 'integer',
    default: 16384000,
    min: 1,
    max: 0x7fffffff,
    value: 'BYTES',
    help: 'largest payload accepted; a longer declared frame closes the connection',
  },
};

/** Serves one connection. */
function echoConnection(socket, maxFrame) {
  socket.setNoDelay(true);
  /** Chunks of an incomplete frame, and how many bytes they hold. */
  let parts = [];
  let partBytes = 0;
  /** Bytes needed before the held parts contain a whole frame (4 while the length is unknown). */
  let needed = 4;

  /** Writes back the whole frames at the start of buf; returns the unconsumed tail (or null). */
  const consume = (buf) => {
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32BE(off);
      if (len > maxFrame) {
        process.stderr.write(`net-echo: frame length ${len} exceeds --max-frame ${maxFrame}; closing connection\n`);
        socket.destroy();
        return null;
      }
      if (buf.length - off - 4 < len) {
        needed = 4 + len - (buf.length - off);
        break;
      }
      off += 4 + len;
      needed = 4;
    }
    if (buf.length - off < 4 && buf.length - off > 0) needed = 4 - (buf.length - off);
    if (off > 0 && !socket.write(off === buf.length ? buf : buf.subarray(0, off))) socket.pause();
    return off < buf.length ? buf.subarray(off) : null;
  };

  const hold = (rest) => {
    if (rest) {
      parts = [rest];
      partBytes = rest.length;
    }
  };
  socket.on('data', (chunk) => {
    if (partBytes === 0) {
      hold(consume(chunk));
      return;
    }
    parts.push(chunk);
    partBytes += chunk.length;
    if (chunk.length < needed) {
      needed -= chunk.length;
      return;
    }
    const joined = Buffer.concat(parts, partBytes);
    parts = [];
    partBytes = 0;
    hold(consume(joined));
  });
  socket.on('drain', () => socket.resume());
  // A peer that resets is routine for a benchmark server (the load generator closes abruptly at the end).
  socket.on('error', () => socket.destroy());
}

function main(options) {
  const maxFrame = options.maxFrame;
  const server = net.createServer((socket) => echoConnection(socket, maxFrame));
  server.on('error', (err) => {
    process.stderr.write(`net-echo: ${err.message}\n`);
    process.exit(1);
  });
  const onListening = () => {
    const a = server.address();
    const where = typeof a === 'string' ? `unix:${a}` : `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    process.stdout.write(`net-echo listening on ${where}\n`);
  };
  if (options.unix) {
    if (fs.existsSync(options.unix)) fs.unlinkSync(options.unix);
    server.listen({ path: options.unix, backlog: 4096 }, onListening);
  } else {
    server.listen({ host: options.host, port: options.port, backlog: 4096 }, onListening);
  }
  const stop = () => {
    server.close();
    if (options.unix) fs.rmSync(options.unix, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  runCli({ spec, usage: 'usage: node test/bench/net-echo/server.js [options]', main });
}

module.exports = { echoConnection };

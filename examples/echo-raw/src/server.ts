/**
 * Raw echo server on the thriftpoll engine: every frame (4-byte big-endian length + payload) is written back
 * as received.
 *
 *   npm run echo-raw:server -- --host 127.0.0.1 --port 9000 [--unix PATH] [--mode inline|threads|uring] [--pollers K]
 *
 * Prints `echo-raw (thriftpoll engine, <mode>) listening on <address>` when ready; SIGTERM/SIGINT shut it down
 * gracefully (in-flight echoes finish).
 */
import { configureDefaultEngine, type Connection, createEventLoop, formatAddress } from '@thriftpoll/netpoll';

import { onSignals, parseEchoArgs } from './cli';

const args = parseEchoArgs(process.argv.slice(2));
if (args.mode !== undefined || args.pollers !== undefined) {
  configureDefaultEngine({ mode: args.mode, pollers: args.pollers });
}

function onRequest(connection: Connection): Promise<void> | undefined {
  const { reader, writer } = connection;
  let framesOut = 0;
  while (reader.len() >= 4) {
    const size = reader.peekUint32();
    if (size > args.maxFrame) {
      throw new Error(`frame length ${size} exceeds --max-frame ${args.maxFrame}`);
    }
    if (reader.len() < 4 + size) {
      connection.wakeAt(4 + size); // woken once, when the whole frame is here
      break;
    }
    // The frame is one view into the input block (no copy) unless it spans blocks; the writer copies it
    // into an output block and the reader is released after this handler returns.
    for (const chunk of reader.nextChunks(4 + size)) writer.writeBinary(chunk);
    framesOut++;
  }
  if (framesOut === 0) return undefined;
  const sent = writer.flush();
  // Only a slow peer makes us wait (one handler at a time per connection keeps memory bounded).
  return writer.pending() > 0 ? sent : undefined;
}

async function main(): Promise<void> {
  const loop = createEventLoop(
    {
      onRequest,
      onError(error, connection) {
        process.stderr.write(`echo-raw: ${connection?.label ?? 'server'}: ${error.message}\n`);
      },
    },
    { noDelay: true },
  );
  const bound = await loop.serve(args.unix !== undefined ? { path: args.unix } : { host: args.host, port: args.port });
  const where = bound.family === 'unix' ? `unix:${bound.address}` : formatAddress(bound);
  const engine = loop.engine;
  process.stdout.write(`echo-raw (thriftpoll engine, ${engine.mode}${engine.mode === 'threads' ? ` x${engine.pollers}` : ''}) listening on ${where}\n`);
  onSignals(() => loop.shutdown({ timeout: 5000 }));
}

main().catch((error: unknown) => {
  process.stderr.write(`echo-raw: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

import { GrowableBuffer } from './growable-buffer';
import { binaryProtocol } from './protocols';
import type { ByteSource, Protocol, ReaderOptions, WriterOptions } from './protocol';
import type { StructCodec } from './service';

/**
 * Encodes one struct (no message header) into a new Buffer the caller owns. For hot paths, keep a writer and a
 * GrowableBuffer and reuse them instead.
 * @throws what the codec and the writer throw (TProtocolException for invalid values).
 */
export function serialize<T>(codec: StructCodec<T>, value: T, protocol: Protocol = binaryProtocol, options?: WriterOptions): Buffer {
  const out = new GrowableBuffer();
  const writer = protocol.createWriter(out, options);
  codec.encode(writer, value);
  writer.commit();
  return out.toBuffer();
}

/**
 * Decodes one struct (no message header) from `source`. Bytes after the struct are ignored.
 * @throws TProtocolException for malformed input or broken limits.
 */
export function deserialize<T>(codec: StructCodec<T>, source: ByteSource, protocol: Protocol = binaryProtocol, options?: ReaderOptions): T {
  return codec.decode(protocol.createReader(source, options));
}

import type { NetConnection } from '../net/net-connection';

/**
 * A shutting-down server closes an idle connection once its caller has been quiet (no request, no reply) this
 * long, in ms: a caller that is still sending gets the shutting-down refusal of its next call instead of a FIN
 * racing that call (which would leave it unknown whether the call ran).
 */
export const SHUTDOWN_QUIET_MS = 1000;

/** How long a half-closed connection waits for its peer to close before it is closed anyway, in ms. */
export const GRACEFUL_CLOSE_LINGER = 2000;

/**
 * Closes a connection without ever leaving unread input behind:
 *
 *   FIN once the output already flushed has been sent ─► discard whatever still arrives ─► peer closes ─► closed
 *                                                                  └── or `lingerMs` pass ──► closed
 *
 * Closing a socket whose input was not all read makes the kernel answer with a reset (RST) instead of FIN, and a
 * reset can destroy replies that were sent but not yet delivered: the peer would see its calls fail although they
 * ran. Input read after the FIN is dropped unread — the caller decided nothing more is executed on this connection.
 */
export function closeGracefully(connection: NetConnection, lingerMs: number = GRACEFUL_CLOSE_LINGER): void {
  connection.setOnRequest((drained) => {
    const reader = drained.reader;
    const unread = reader.len();
    if (unread > 0) reader.skip(unread);
    reader.release();
  });
  connection.setOnPeerClosed(() => connection.close());
  connection.shutdownWrite();
  const timer = setTimeout(() => connection.close(), lingerMs);
  timer.unref();
  connection.addCloseCallback(() => clearTimeout(timer));
}

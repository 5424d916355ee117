import type { TransportName } from './codec';

/**
 * What probably happened when a connection that never received a byte times out or is reset: the peer does not
 * speak the client's transport. (An Apache server defaults to Buffered, a client here to Framed: the server waits
 * for the rest of a "message" that is really a frame length, and the call hangs until its timeout.)
 */
export function silentPeerHint(transport: TransportName): string {
  switch (transport) {
    case 'framed':
      return "no reply in Framed; the server may speak Buffered (Apache's default): set transport: 'buffered'";
    case 'buffered':
      return "no reply in Buffered; the server may expect Framed, THeader or TTHeader: set transport: 'framed' (or what it speaks)";
    case 'theader':
      return "no reply in THeader; the server may not speak it: set transport: 'framed' or 'buffered' (what it speaks)";
    case 'ttheader':
    case 'ttheader-framed':
      return "no reply in TTHeader; the server may not be a Kitex/TTHeader server: set transport: 'framed' or 'buffered' (what it speaks)";
  }
}

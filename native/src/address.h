// Socket addresses between JavaScript strings and sockaddr.
#pragma once

#include <string>

#include "conn.h"

namespace thriftpoll {

/** Parses an IPv4 or IPv6 literal (no host names: JavaScript resolves those first). Returns false if invalid. */
bool ParseIp(const std::string& host, int port, SocketAddress* out);
/** Fills a Unix socket address. Returns 0, or ENAMETOOLONG when the path does not fit sockaddr_un. */
int ParseUnixPath(const std::string& path, SocketAddress* out);

struct AddressParts {
  std::string family;  // "IPv4", "IPv6" or "unix"
  std::string address; // IP literal or socket path ("" for an unnamed Unix socket)
  int port = 0;
};
AddressParts FormatAddress(const SocketAddress& address);

}  // namespace thriftpoll

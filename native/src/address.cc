#include "address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace thriftpoll {

bool ParseIp(const std::string& host, int port, SocketAddress* out) {
  std::memset(&out->storage, 0, sizeof out->storage);
  sockaddr_in* v4 = reinterpret_cast<sockaddr_in*>(&out->storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    out->length = sizeof(sockaddr_in);
    return true;
  }
  sockaddr_in6* v6 = reinterpret_cast<sockaddr_in6*>(&out->storage);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    out->length = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

int ParseUnixPath(const std::string& path, SocketAddress* out) {
  std::memset(&out->storage, 0, sizeof out->storage);
  sockaddr_un* un = reinterpret_cast<sockaddr_un*>(&out->storage);
  if (path.size() >= sizeof un->sun_path) return ENAMETOOLONG;
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  out->length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return 0;
}

AddressParts FormatAddress(const SocketAddress& address) {
  AddressParts parts;
  char text[INET6_ADDRSTRLEN] = {0};
  switch (address.storage.ss_family) {
    case AF_INET: {
      const sockaddr_in* v4 = reinterpret_cast<const sockaddr_in*>(&address.storage);
      inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
      parts.family = "IPv4";
      parts.address = text;
      parts.port = ntohs(v4->sin_port);
      break;
    }
    case AF_INET6: {
      const sockaddr_in6* v6 = reinterpret_cast<const sockaddr_in6*>(&address.storage);
      inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
      parts.family = "IPv6";
      parts.address = text;
      parts.port = ntohs(v6->sin6_port);
      break;
    }
    case AF_UNIX: {
      const sockaddr_un* un = reinterpret_cast<const sockaddr_un*>(&address.storage);
      parts.family = "unix";
      size_t max = address.length > offsetof(sockaddr_un, sun_path) ? address.length - offsetof(sockaddr_un, sun_path) : 0;
      parts.address = std::string(un->sun_path, strnlen(un->sun_path, std::min(max, sizeof un->sun_path)));
      break;
    }
    default:
      parts.family = "unknown";
  }
  return parts;
}

}  // namespace thriftpoll

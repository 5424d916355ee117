/*
 * What the two limit echo servers (epoll-echo.c, uring-echo.c) share: options, the listening socket, and the
 * per-connection byte handling. They are the physical limit rows of `npm run bench`: one receive and one send
 * per request and nothing else, so every thriftpoll figure can be read as a ratio to what the kernel costs.
 *
 *   --wire raw            every byte received is sent back as it is (the raw echo's frames pass through)
 *   --wire thrift-framed  whole frames (u32 BE length | strict Binary CALL "echo" | args{1: Request}) are
 *                         answered with the same bytes as a REPLY whose result is field 0 (the Response has
 *                         the Request's fields): a valid EchoServer.echo reply, at the cost of two byte patches
 *
 * Usage: <server> [--host 127.0.0.1] --port N [--wire raw|thrift-framed]. Prints `<name> listening on
 * HOST:PORT`; exits on SIGTERM/SIGINT. Loopback only, like the load generator.
 */
#pragma once
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum wire { WIRE_RAW, WIRE_THRIFT_FRAMED };

struct limit_options {
  const char *host;
  int port;
  enum wire wire;
};

static volatile sig_atomic_t limit_stop;

static void limit_on_signal(int sig) {
  (void)sig;
  limit_stop = 1;
}

static void limit_fail(const char *what) {
  fprintf(stderr, "%s: %s\n", what, strerror(errno));
  exit(1);
}

static struct limit_options limit_parse(int argc, char **argv, const char *name) {
  struct limit_options o = {"127.0.0.1", -1, WIRE_RAW};
  for (int i = 1; i < argc; i++) {
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(argv[i], "--host") == 0 && value) o.host = argv[++i];
    else if (strcmp(argv[i], "--port") == 0 && value) o.port = atoi(argv[++i]);
    else if (strcmp(argv[i], "--wire") == 0 && value && strcmp(value, "raw") == 0) o.wire = WIRE_RAW, i++;
    else if (strcmp(argv[i], "--wire") == 0 && value && strcmp(value, "thrift-framed") == 0) o.wire = WIRE_THRIFT_FRAMED, i++;
    else {
      fprintf(stderr, "%s: unexpected argument '%s'\nusage: %s [--host 127.0.0.1] --port N [--wire raw|thrift-framed]\n",
              name, argv[i], name);
      exit(2);
    }
  }
  if (o.port < 0 || o.port > 65535) {
    fprintf(stderr, "%s: --port N (0..65535) is required\n", name);
    exit(2);
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = limit_on_signal; /* no SA_RESTART: the wait returns EINTR */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  return o;
}

/** A non-blocking (flags) listening socket on host:port; prints the ready line. */
static int limit_listen(const struct limit_options *o, const char *name, int flags) {
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)o->port);
  if (inet_pton(AF_INET, o->host, &addr.sin_addr) != 1 || (ntohl(addr.sin_addr.s_addr) >> 24) != 127) {
    fprintf(stderr, "%s: --host must be a loopback IPv4 address, got '%s'\n", name, o->host);
    exit(2);
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
  if (fd < 0) limit_fail("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) limit_fail("bind");
  if (listen(fd, 511) != 0) limit_fail("listen");
  socklen_t len = sizeof addr;
  getsockname(fd, (struct sockaddr *)&addr, &len);
  printf("%s listening on %s:%d\n", name, o->host, ntohs(addr.sin_port));
  fflush(stdout);
  return fd;
}

static void limit_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static uint32_t limit_be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/*
 * thrift-framed: turns the whole frames at the start of buf[0, len) into replies in place and returns how many
 * bytes they cover (the rest is an incomplete frame). Returns (size_t)-1 for bytes that are not an echo CALL.
 */
static size_t limit_reply_frames(uint8_t *buf, size_t len) {
  size_t off = 0;
  while (len - off >= 4) {
    size_t total = 4 + (size_t)limit_be32(buf + off);
    if (len - off < total) break;
    uint8_t *m = buf + off + 4;
    /* version 0x8001 0001 (CALL) | name length | name | seqid | 0x0C struct field 1 */
    if (total < 4 + 12 || m[0] != 0x80 || m[1] != 0x01 || m[3] != 1) return (size_t)-1;
    size_t name = limit_be32(m + 4);
    size_t field = 8 + name + 4;
    if (4 + field + 3 > total || m[field] != 0x0C) return (size_t)-1;
    m[3] = 2;          /* REPLY */
    m[field + 1] = 0;  /* field id 1 (args.request) -> 0 (result.success) */
    m[field + 2] = 0;
    off += total;
  }
  return off;
}

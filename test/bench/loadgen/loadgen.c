/*
 * loadgen: the closed-loop load generator of the thriftpoll benchmarks.
 *
 * It opens N connections to one loopback server and keeps a fixed number of requests in flight on each
 * (1 = ping-pong), for a warm-up period and then a measured period, and prints one JSON line with the
 * throughput and the latency percentiles of the measured period. Written in C on purpose: the servers under
 * test are Node processes, and the load must come from something that is not itself a Node event loop.
 *
 * Wire modes
 *   raw            request  = u32 BE length S | S payload bytes; the reply must be the same bytes (an echo).
 *   thrift-framed  request  = u32 BE frame length | strict Binary CALL "echo", seqid | echo_args{1: Request{
 *                             1: string action, 2: string msg}}; the seqid is patched into a pre-encoded
 *                             message for every call. Replies are read by frame length and must be a strict
 *                             Binary REPLY "echo" with an in-flight seqid whose result is field 0, a Response
 *                             carrying the same action and msg. An EXCEPTION reply, a wrong seqid or a changed
 *                             payload is counted as an error.
 *
 * Threads: one by default; --threads 2 splits the connections between two epoll loops. A coordinating main
 * thread owns the clock (warm-up, measured window, end), the signals and the report.
 *
 *   main:     parse -> start workers ----barrier(connected)----> set window ----barrier(go)----> sleep to end
 *   worker:                connect its share ----^                   run ping-pong until end or signal
 *
 * --interval MS switches to fixed rate (an open loop): each connection sends one request every MS milliseconds
 * (staggered across connections), whatever the server's speed, and a request's latency is measured from the
 * time it was scheduled, not the time it left, so a server that falls behind cannot hide it (coordinated
 * omission). A request due while --pipeline requests are still in flight leaves when one is answered. A
 * timerfd per worker wakes it for the next due request.
 *
 * --hold opens the connections, prints {"event":"held",...} and keeps them silent until SIGTERM/SIGINT, a line
 * on stdin or stdin's end, then prints {"event":"released",...}: the memory scenario's driver.
 *
 * Exit status: 0 when a report was printed (the report's "errors" says whether the run was clean), 1 when the
 * run could not take place (no connection could be established, a system call failed), 2 for a usage error.
 *
 * Only loopback addresses and Unix sockets are accepted: this is a benchmark tool, not a traffic generator.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LOADGEN_VERSION "1.0.0"
#define MAX_THREADS 2
#define MAX_CONNECTIONS 100000
#define EPOLL_BATCH 512
#define READ_BUFFER_MIN 16384
/* How often a worker looks at the clock and the stop flag when no event arrives. */
#define POLL_SLICE_MS 20

/* ------------------------------------------------------------------------------------------------------ */
/* Small helpers                                                                                          */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static uint16_t get_be16(const uint8_t *p) { return (uint16_t)(((unsigned)p[0] << 8) | (unsigned)p[1]); }

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "loadgen: out of memory allocating %zu bytes\n", n);
    exit(1);
  }
  return p;
}

static void *xcalloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p) {
    fprintf(stderr, "loadgen: out of memory allocating %zu x %zu bytes\n", count, size);
    exit(1);
  }
  return p;
}

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("loadgen: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputs(" (see loadgen --help)\n", stderr);
  va_end(ap);
  exit(2);
}

static void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fatal(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("loadgen: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

/* Writes s as a JSON string literal (with quotes) to f. */
static void json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') {
      fputc('\\', f);
      fputc(*p, f);
    } else if (*p < 0x20) {
      fprintf(f, "\\u%04x", *p);
    } else {
      fputc(*p, f);
    }
  }
  fputc('"', f);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Latency histogram                                                                                      */

/*
 * HDR-style log-linear buckets over nanoseconds: values below 128 have a bucket each; above, every power of
 * two is split into 64 equal sub-buckets, so a bucket's width is at most 1/64 (1.6%) of its value. 3,776
 * counters cover the whole uint64 range; recording is a count-leading-zeros and an increment.
 *
 *   value  0..127              -> index value
 *   value  2^m .. 2^(m+1)-1    -> index 64*(m-6) + (value >> (m-6)),  m >= 7
 */
#define HIST_SUB_BITS 6
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS (HIST_SUB * (64 - HIST_SUB_BITS) + 2 * HIST_SUB)

struct histogram {
  uint64_t counts[HIST_BUCKETS];
  uint64_t total;
  uint64_t min_ns, max_ns;
  long double sum_ns;
};

static unsigned hist_index(uint64_t v) {
  if (v < 2 * HIST_SUB) return (unsigned)v;
  unsigned msb = 63u - (unsigned)__builtin_clzll(v);
  unsigned shift = msb - HIST_SUB_BITS;
  return HIST_SUB * shift + (unsigned)(v >> shift);
}

/* Smallest value that maps to index i, and the width of that bucket. */
static uint64_t hist_lower(unsigned i, uint64_t *width) {
  if (i < 2 * HIST_SUB) {
    *width = 1;
    return i;
  }
  unsigned shift = i / HIST_SUB - 1;
  uint64_t sub = (uint64_t)(i - HIST_SUB * shift);
  *width = (uint64_t)1 << shift;
  return sub << shift;
}

static void hist_init(struct histogram *h) {
  memset(h, 0, sizeof *h);
  h->min_ns = UINT64_MAX;
}

static void hist_record(struct histogram *h, uint64_t v) {
  h->counts[hist_index(v)]++;
  h->total++;
  h->sum_ns += (long double)v;
  if (v < h->min_ns) h->min_ns = v;
  if (v > h->max_ns) h->max_ns = v;
}

static void hist_merge(struct histogram *into, const struct histogram *from) {
  for (unsigned i = 0; i < HIST_BUCKETS; i++) into->counts[i] += from->counts[i];
  into->total += from->total;
  into->sum_ns += from->sum_ns;
  if (from->min_ns < into->min_ns) into->min_ns = from->min_ns;
  if (from->max_ns > into->max_ns) into->max_ns = from->max_ns;
}

/* The value at quantile q (0 < q <= 1): the middle of the bucket holding the ceil(q*total)-th sample. */
static double hist_quantile_ns(const struct histogram *h, double q) {
  if (h->total == 0) return 0;
  uint64_t rank = (uint64_t)ceil(q * (double)h->total);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (unsigned i = 0; i < HIST_BUCKETS; i++) {
    seen += h->counts[i];
    if (seen >= rank) {
      uint64_t width;
      uint64_t lower = hist_lower(i, &width);
      double mid = (double)lower + (double)(width - 1) / 2.0;
      if (mid > (double)h->max_ns) mid = (double)h->max_ns;
      if (mid < (double)h->min_ns) mid = (double)h->min_ns;
      return mid;
    }
  }
  return (double)h->max_ns;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Options                                                                                                */

enum wire_mode { MODE_RAW, MODE_THRIFT_FRAMED };

struct options {
  const char *host;
  int port;
  const char *unix_path;
  enum wire_mode mode;
  int connections;
  int idle;
  int size;
  int pipeline;
  int threads;
  double duration_s;
  double warmup_s;
  int hold;
  int events;
  const char *action;
  int connect_timeout_ms;
  int connect_batch;
  int request_timeout_ms;
  uint32_t max_frame;
  double interval_ms;   /* fixed rate: one request per connection every interval_ms (0: closed loop) */
};

static struct options opt = {
    .host = "127.0.0.1",
    .port = -1,
    .unix_path = NULL,
    .mode = MODE_RAW,
    .connections = 100,
    .idle = 0,
    .size = 1024,
    .pipeline = 1,
    .threads = 1,
    .duration_s = 10,
    .warmup_s = 2,
    .hold = 0,
    .events = 0,
    .action = "echo",
    .connect_timeout_ms = 5000,
    .connect_batch = 256,
    .request_timeout_ms = 5000,
    .max_frame = 16384000,
    .interval_ms = 0,
};

static void print_help(void) {
  puts(
      "loadgen " LOADGEN_VERSION " - closed-loop load generator for thriftpoll benchmarks\n"
      "\n"
      "usage: loadgen (--port N [--host ADDR] | --unix PATH) [options]\n"
      "\n"
      "target (loopback only):\n"
      "  --host ADDR             loopback IPv4/IPv6 address or 'localhost' (default 127.0.0.1)\n"
      "  --port N                TCP port, 1..65535\n"
      "  --unix PATH             Unix socket path instead of TCP\n"
      "load:\n"
      "  --mode raw|thrift-framed  wire format (default raw)\n"
      "  --connections N         connections carrying requests (default 100)\n"
      "  --pipeline D            requests in flight per connection (default 1 = ping-pong)\n"
      "  --size S                raw: payload bytes; thrift-framed: msg bytes (default 1024)\n"
      "  --action STR            thrift-framed: Request.action (default 'echo')\n"
      "  --interval MS           fixed rate: each connection sends one request every MS ms (fractions allowed);\n"
      "                          latency counts from the scheduled send time (default: closed loop)\n"
      "  --idle N                extra connections that connect and stay silent (default 0)\n"
      "  --threads 1|2           epoll loops (default 1)\n"
      "  --duration SEC          measured period (default 10)\n"
      "  --warmup SEC            period before it, excluded from figures (default 2)\n"
      "  --hold                  open --connections connections, print {\"event\":\"held\"}, stay silent until\n"
      "                          SIGTERM/SIGINT, a line on stdin or stdin's end\n"
      "tuning:\n"
      "  --connect-timeout MS    per connection (default 5000)\n"
      "  --connect-batch N       connects in progress at once (default 256)\n"
      "  --request-timeout MS    a request unanswered this long at the end is an error (default 5000)\n"
      "  --max-frame BYTES       largest reply frame accepted (default 16384000)\n"
      "  --events                progress events as JSON lines on stderr (connected, measure_start, measure_end)\n"
      "\n"
      "output: one JSON line on stdout:\n"
      "  {\"qps\":..,\"p50_us\":..,\"p99_us\":..,\"p999_us\":..,\"requests\":..,\"errors\":..,\"duration_s\":..,...}\n"
      "exit status: 0 report printed (check \"errors\"), 1 run impossible, 2 usage error");
}

static long parse_int(const char *name, const char *text, long min, long max) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || end == text || *end != '\0') usage_error("%s expects an integer, got '%s'", name, text);
  if (v < min || v > max) usage_error("%s must be in [%ld, %ld], got %ld", name, min, max, v);
  return v;
}

static double parse_seconds(const char *name, const char *text, double min, double max) {
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (errno || end == text || *end != '\0' || !isfinite(v))
    usage_error("%s expects a number of seconds, got '%s'", name, text);
  if (v < min || v > max) usage_error("%s must be in [%g, %g] seconds, got %g", name, min, max, v);
  return v;
}

static void parse_options(int argc, char **argv) {
  enum {
    O_HOST = 1000, O_PORT, O_UNIX, O_MODE, O_CONNECTIONS, O_IDLE, O_SIZE, O_PIPELINE, O_THREADS, O_DURATION,
    O_WARMUP, O_HOLD, O_EVENTS, O_ACTION, O_CONNECT_TIMEOUT, O_CONNECT_BATCH, O_REQUEST_TIMEOUT, O_MAX_FRAME,
    O_INTERVAL, O_HELP, O_VERSION
  };
  static const struct option longopts[] = {
      {"host", required_argument, 0, O_HOST},
      {"port", required_argument, 0, O_PORT},
      {"unix", required_argument, 0, O_UNIX},
      {"mode", required_argument, 0, O_MODE},
      {"connections", required_argument, 0, O_CONNECTIONS},
      {"idle", required_argument, 0, O_IDLE},
      {"size", required_argument, 0, O_SIZE},
      {"pipeline", required_argument, 0, O_PIPELINE},
      {"threads", required_argument, 0, O_THREADS},
      {"duration", required_argument, 0, O_DURATION},
      {"warmup", required_argument, 0, O_WARMUP},
      {"hold", no_argument, 0, O_HOLD},
      {"events", no_argument, 0, O_EVENTS},
      {"action", required_argument, 0, O_ACTION},
      {"connect-timeout", required_argument, 0, O_CONNECT_TIMEOUT},
      {"connect-batch", required_argument, 0, O_CONNECT_BATCH},
      {"request-timeout", required_argument, 0, O_REQUEST_TIMEOUT},
      {"max-frame", required_argument, 0, O_MAX_FRAME},
      {"interval", required_argument, 0, O_INTERVAL},
      {"help", no_argument, 0, O_HELP},
      {"version", no_argument, 0, O_VERSION},
      {0, 0, 0, 0},
  };
  opterr = 0;
  for (;;) {
    int c = getopt_long(argc, argv, "", longopts, NULL);
    if (c == -1) break;
    switch (c) {
      case O_HOST: opt.host = optarg; break;
      case O_PORT: opt.port = (int)parse_int("--port", optarg, 1, 65535); break;
      case O_UNIX: opt.unix_path = optarg; break;
      case O_MODE:
        if (strcmp(optarg, "raw") == 0) opt.mode = MODE_RAW;
        else if (strcmp(optarg, "thrift-framed") == 0) opt.mode = MODE_THRIFT_FRAMED;
        else usage_error("--mode must be 'raw' or 'thrift-framed', got '%s'", optarg);
        break;
      case O_CONNECTIONS: opt.connections = (int)parse_int("--connections", optarg, 1, MAX_CONNECTIONS); break;
      case O_IDLE: opt.idle = (int)parse_int("--idle", optarg, 0, MAX_CONNECTIONS); break;
      case O_SIZE: opt.size = (int)parse_int("--size", optarg, 0, 16 * 1024 * 1024); break;
      case O_PIPELINE: opt.pipeline = (int)parse_int("--pipeline", optarg, 1, 1024); break;
      case O_THREADS: opt.threads = (int)parse_int("--threads", optarg, 1, MAX_THREADS); break;
      case O_DURATION: opt.duration_s = parse_seconds("--duration", optarg, 0.05, 86400); break;
      case O_WARMUP: opt.warmup_s = parse_seconds("--warmup", optarg, 0, 3600); break;
      case O_HOLD: opt.hold = 1; break;
      case O_EVENTS: opt.events = 1; break;
      case O_ACTION: opt.action = optarg; break;
      case O_CONNECT_TIMEOUT:
        opt.connect_timeout_ms = (int)parse_int("--connect-timeout", optarg, 1, 600000);
        break;
      case O_CONNECT_BATCH: opt.connect_batch = (int)parse_int("--connect-batch", optarg, 1, 65536); break;
      case O_REQUEST_TIMEOUT:
        opt.request_timeout_ms = (int)parse_int("--request-timeout", optarg, 1, 3600000);
        break;
      case O_MAX_FRAME: opt.max_frame = (uint32_t)parse_int("--max-frame", optarg, 64, 0x7fffffff); break;
      case O_INTERVAL: opt.interval_ms = parse_seconds("--interval", optarg, 0.01, 3600000); break;
      case O_HELP: print_help(); exit(0);
      case O_VERSION: puts(LOADGEN_VERSION); exit(0);
      case ':': usage_error("option '%s' needs a value", argv[optind - 1]);
      default: usage_error("unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc) usage_error("unexpected argument '%s'", argv[optind]);
  if (opt.unix_path && opt.port != -1) usage_error("--unix and --port are exclusive; give one target");
  if (!opt.unix_path && opt.port == -1) usage_error("a target is required: --port N (with --host) or --unix PATH");
  if (opt.unix_path && strlen(opt.unix_path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
    usage_error("--unix path is %zu bytes, longer than the %zu a socket address holds", strlen(opt.unix_path),
                sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
  if (opt.hold && opt.threads != 1) usage_error("--hold runs on one thread; drop --threads %d", opt.threads);
  if (opt.hold && opt.idle) usage_error("--hold already keeps every connection idle; drop --idle");
  if ((long)opt.connections + opt.idle > MAX_CONNECTIONS)
    usage_error("--connections + --idle is %ld, more than %d", (long)opt.connections + opt.idle, MAX_CONNECTIONS);
  if (opt.mode == MODE_THRIFT_FRAMED && strlen(opt.action) > 65536)
    usage_error("--action is %zu bytes; keep it under 64 KiB", strlen(opt.action));
  if (opt.hold && opt.interval_ms > 0) usage_error("--hold sends nothing; drop --interval");
  if (!opt.hold && opt.threads > opt.connections)
    usage_error("--threads %d needs at least as many --connections, got %d", opt.threads, opt.connections);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Target address                                                                                         */

static struct sockaddr_storage target;
static socklen_t target_len;
static int target_family;
static char target_text[160];

static int is_loopback(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return 1;
    return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
  }
  return 0;
}

static void resolve_target(void) {
  if (opt.unix_path) {
    struct sockaddr_un *un = (struct sockaddr_un *)&target;
    memset(un, 0, sizeof *un);
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, opt.unix_path, strlen(opt.unix_path) + 1);
    target_len = (socklen_t)sizeof *un;
    target_family = AF_UNIX;
    snprintf(target_text, sizeof target_text, "unix:%s", opt.unix_path);
    return;
  }
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  char port[16];
  snprintf(port, sizeof port, "%d", opt.port);
  int rc = getaddrinfo(opt.host, port, &hints, &res);
  if (rc != 0) usage_error("cannot resolve --host '%s': %s", opt.host, gai_strerror(rc));
  const struct addrinfo *chosen = NULL;
  for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    if (is_loopback(ai->ai_addr)) {
      chosen = ai;
      break;
    }
  }
  if (!chosen) {
    freeaddrinfo(res);
    usage_error("--host '%s' is not a loopback address; this load generator only targets 127.0.0.0/8, ::1 "
                "or a Unix socket",
                opt.host);
  }
  memcpy(&target, chosen->ai_addr, chosen->ai_addrlen);
  target_len = chosen->ai_addrlen;
  target_family = chosen->ai_family;
  char addr[INET6_ADDRSTRLEN] = "?";
  if (target_family == AF_INET)
    inet_ntop(AF_INET, &((struct sockaddr_in *)&target)->sin_addr, addr, sizeof addr);
  else
    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&target)->sin6_addr, addr, sizeof addr);
  snprintf(target_text, sizeof target_text, target_family == AF_INET6 ? "[%s]:%d" : "%s:%d", addr, opt.port);
  freeaddrinfo(res);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Request template and reply checks                                                                      */

/*
 * The request every connection sends, encoded once. In thrift-framed mode:
 *
 *   0        4            8            12     16      20                    ...
 *   | len    | 80 01 00 01 | 00 00 00 04 | echo | seqid | 0C 00 01 | 0B 00 01 alen action | 0B 00 02 mlen msg | 00 | 00
 *     frame    strict CALL   name length          ^ patched per call       Request.action      Request.msg   stops
 */
static uint8_t *request_template;
static size_t request_len;
static size_t seqid_offset;      /* thrift-framed: where the seqid sits in the request */
static const uint8_t *payload;   /* raw: the payload (after the length); thrift: the msg bytes */
static size_t payload_len;
static size_t action_len;
static const char *const METHOD = "echo";

static void build_request(void) {
  if (opt.mode == MODE_RAW) {
    request_len = 4 + (size_t)opt.size;
    request_template = xmalloc(request_len);
    put_be32(request_template, (uint32_t)opt.size);
    for (int i = 0; i < opt.size; i++) request_template[4 + i] = (uint8_t)(i * 31 + 7);
    payload = request_template + 4;
    payload_len = (size_t)opt.size;
    return;
  }
  size_t name_len = strlen(METHOD);
  action_len = strlen(opt.action);
  size_t body = 4 + 4 + name_len + 4                 /* message header */
                + 3                                  /* field 1: struct */
                + 3 + 4 + action_len                 /* Request.action */
                + 3 + 4 + (size_t)opt.size           /* Request.msg */
                + 1 + 1;                             /* Request stop, args stop */
  request_len = 4 + body;
  request_template = xmalloc(request_len);
  uint8_t *p = request_template;
  put_be32(p, (uint32_t)body), p += 4;
  put_be32(p, 0x80010001u), p += 4;
  put_be32(p, (uint32_t)name_len), p += 4;
  memcpy(p, METHOD, name_len), p += name_len;
  seqid_offset = (size_t)(p - request_template);
  put_be32(p, 0), p += 4;
  *p++ = 12, *p++ = 0, *p++ = 1;
  *p++ = 11, *p++ = 0, *p++ = 1;
  put_be32(p, (uint32_t)action_len), p += 4;
  memcpy(p, opt.action, action_len), p += action_len;
  *p++ = 11, *p++ = 0, *p++ = 2;
  put_be32(p, (uint32_t)opt.size), p += 4;
  payload = p;
  /* Printable ASCII: the msg is a Thrift string, which servers decode as UTF-8. */
  for (int i = 0; i < opt.size; i++) *p++ = (uint8_t)('a' + i % 26);
  payload_len = (size_t)opt.size;
  *p++ = 0;
  *p++ = 0;
}

/* Outcome of checking one reply. */
enum reply_status {
  REPLY_OK,
  REPLY_BAD,     /* counted as an error; the request is complete and the stream is still in step */
  REPLY_FATAL,   /* counted as an error; the stream cannot be trusted any more, the connection is closed */
};

/* A bounded cursor over one reply frame. */
struct cursor {
  const uint8_t *p, *end;
};

static int cur_need(struct cursor *c, size_t n) { return (size_t)(c->end - c->p) >= n; }

/* Finds the message of a TApplicationException body, for the error text. */
static void read_exception_message(struct cursor c, char *out, size_t out_size) {
  snprintf(out, out_size, "(no message)");
  while (cur_need(&c, 1)) {
    uint8_t type = *c.p++;
    if (type == 0 || !cur_need(&c, 2)) return;
    uint16_t id = get_be16(c.p);
    c.p += 2;
    if (type == 11) {
      if (!cur_need(&c, 4)) return;
      uint32_t len = get_be32(c.p);
      c.p += 4;
      if (!cur_need(&c, len)) return;
      if (id == 1) {
        int shown = len > 200 ? 200 : (int)len;
        snprintf(out, out_size, "'%.*s'", shown, (const char *)c.p);
        return;
      }
      c.p += len;
    } else if (type == 8) {
      if (!cur_need(&c, 4)) return;
      c.p += 4;
    } else {
      return;
    }
  }
}

/*
 * Checks a thrift-framed reply (frame payload, without the length). On success *seqid is the reply's seqid.
 * why[] receives a message naming what was seen and what was expected.
 */
static enum reply_status check_thrift_reply(const uint8_t *frame, size_t len, uint32_t *seqid, char *why,
                                            size_t why_size) {
  struct cursor c = {frame, frame + len};
  if (!cur_need(&c, 4)) {
    snprintf(why, why_size, "reply frame of %zu bytes is too short for a message header", len);
    return REPLY_FATAL;
  }
  uint32_t word = get_be32(c.p);
  c.p += 4;
  if ((word & 0xffff0000u) != 0x80010000u) {
    snprintf(why, why_size, "reply starts with 0x%08x, expected a strict Binary header 0x8001000x", word);
    return REPLY_FATAL;
  }
  unsigned type = word & 0xffu;
  if (!cur_need(&c, 4)) goto truncated;
  uint32_t name_len = get_be32(c.p);
  c.p += 4;
  if (!cur_need(&c, (size_t)name_len + 4)) goto truncated;
  const uint8_t *name = c.p;
  c.p += name_len;
  *seqid = get_be32(c.p);
  c.p += 4;
  if (name_len != strlen(METHOD) || memcmp(name, METHOD, name_len) != 0) {
    snprintf(why, why_size, "reply names method '%.*s', expected '%s'", name_len > 64 ? 64 : (int)name_len,
             (const char *)name, METHOD);
    return REPLY_BAD;
  }
  if (type == 3) {
    char message[208]; /* the message is shown up to 200 bytes */
    read_exception_message(c, message, sizeof message);
    snprintf(why, why_size, "server answered EXCEPTION (TApplicationException %s), expected REPLY", message);
    return REPLY_BAD;
  }
  if (type != 2) {
    snprintf(why, why_size, "reply has message type %u, expected REPLY (2)", type);
    return REPLY_BAD;
  }
  /* echo_result: field 0 (success) must be a Response struct. */
  if (!cur_need(&c, 1)) goto truncated;
  uint8_t ftype = *c.p++;
  if (ftype == 0) {
    snprintf(why, why_size, "reply result is empty, expected field 0 (success)");
    return REPLY_BAD;
  }
  if (!cur_need(&c, 2)) goto truncated;
  uint16_t fid = get_be16(c.p);
  c.p += 2;
  if (ftype != 12 || fid != 0) {
    snprintf(why, why_size, "reply result holds field %u of type %u, expected field 0 (success) of type 12",
             fid, ftype);
    return REPLY_BAD;
  }
  int seen_action = 0, seen_msg = 0;
  for (;;) {
    if (!cur_need(&c, 1)) goto truncated;
    ftype = *c.p++;
    if (ftype == 0) break;
    if (!cur_need(&c, 2)) goto truncated;
    fid = get_be16(c.p);
    c.p += 2;
    if (ftype != 11) {
      snprintf(why, why_size, "Response field %u has type %u, expected 11 (string)", fid, ftype);
      return REPLY_BAD;
    }
    if (!cur_need(&c, 4)) goto truncated;
    uint32_t slen = get_be32(c.p);
    c.p += 4;
    if (!cur_need(&c, slen)) goto truncated;
    if (fid == 1) {
      if (slen != action_len || memcmp(c.p, opt.action, slen) != 0) {
        snprintf(why, why_size, "Response.action differs from the request's (%u bytes back, %zu sent)", slen,
                 action_len);
        return REPLY_BAD;
      }
      seen_action = 1;
    } else if (fid == 2) {
      if (slen != payload_len || memcmp(c.p, payload, slen) != 0) {
        snprintf(why, why_size, "Response.msg differs from the request's (%u bytes back, %zu sent)", slen,
                 payload_len);
        return REPLY_BAD;
      }
      seen_msg = 1;
    }
    c.p += slen;
  }
  if (!seen_action || !seen_msg) {
    snprintf(why, why_size, "Response lacks %s", !seen_action ? "field 1 (action)" : "field 2 (msg)");
    return REPLY_BAD;
  }
  if (!cur_need(&c, 1) || *c.p != 0) {
    snprintf(why, why_size, "reply result is not closed by a STOP after field 0");
    return REPLY_BAD;
  }
  return REPLY_OK;
truncated:
  snprintf(why, why_size, "reply frame of %zu bytes ends inside the message", len);
  return REPLY_FATAL;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Connections and workers                                                                                */

enum conn_state { C_UNUSED, C_CONNECTING, C_OPEN, C_CLOSED };

enum error_kind { E_CONNECT, E_CLOSED, E_PROTOCOL, E_REPLY, E_TIMEOUT, E_KINDS };
static const char *const error_kind_names[E_KINDS] = {"connect", "closed", "protocol", "reply", "timeout"};

struct conn {
  int fd;
  enum conn_state state;
  int active;           /* carries requests (else idle: connects and stays silent) */
  int cold;             /* active and open, and no reply received yet */
  int want_out;         /* EPOLLOUT currently requested */
  uint64_t connect_start_ns;
  /* output: bytes [wpos, wlen) of wbuf are unsent */
  uint8_t *wbuf;
  size_t wcap, wpos, wlen;
  /* input: bytes [0, rlen) of rbuf are unparsed */
  uint8_t *rbuf;
  size_t rcap, rlen;
  /* in-flight requests, a ring of `pipeline` slots starting at head */
  uint64_t *sent_ns;
  uint32_t *seqids;
  int head, inflight;
  uint32_t next_seqid;
  uint64_t next_due_ns; /* fixed rate: when the next request is scheduled */
};

struct worker {
  int index;
  pthread_t thread;
  int epfd;
  struct conn *conns;
  int nconns;
  int connected;
  int cold;             /* connections with c->cold set; written by this worker, read by main (atomic) */
  struct histogram hist;
  uint64_t requests;
  uint64_t errors[E_KINDS];
  uint64_t first_error_ns;
  char first_error[320];
  int timerfd;                /* fixed rate: wakes the worker when the next request is due */
  uint64_t timer_at_ns;       /* what the timer is armed for (0: disarmed) */
  struct conn timer_marker;   /* the epoll tag of the timerfd */
};

static struct worker workers[MAX_THREADS];
static pthread_barrier_t barrier_connected, barrier_go;
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t stop_signal;
/*
 * The measured window. Main opens it once the warm-up has passed and every connection has been answered
 * once, and closes it early on a stop request; workers read both edges atomically.
 */
static uint64_t window_start_ns = UINT64_MAX, window_end_ns = UINT64_MAX;

static void on_signal(int sig) {
  stop_signal = sig;
  stop_requested = 1;
}

static void count_error(struct worker *w, enum error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void count_error(struct worker *w, enum error_kind kind, const char *fmt, ...) {
  w->errors[kind]++;
  if (w->first_error[0] == '\0') {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->first_error, sizeof w->first_error, fmt, ap);
    va_end(ap);
    w->first_error_ns = now_ns();
  }
}

/* A connection leaves the cold set on its first reply or when it closes. */
static void conn_warm(struct worker *w, struct conn *c) {
  if (!c->cold) return;
  c->cold = 0;
  __atomic_store_n(&w->cold, w->cold - 1, __ATOMIC_RELAXED);
}

static void conn_close(struct worker *w, struct conn *c) {
  if (c->fd >= 0) {
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
  }
  c->fd = -1;
  if (c->state == C_OPEN) w->connected--;
  conn_warm(w, c);
  c->state = C_CLOSED;
  c->inflight = 0;
}

static void conn_free(struct conn *c) {
  free(c->wbuf);
  free(c->rbuf);
  free(c->sent_ns);
  free(c->seqids);
  c->wbuf = c->rbuf = NULL;
  c->sent_ns = NULL;
  c->seqids = NULL;
}

static int set_interest(struct worker *w, struct conn *c, int want_out) {
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN | EPOLLRDHUP | (want_out ? EPOLLOUT : 0);
  ev.data.ptr = c;
  if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0) return -1;
  c->want_out = want_out;
  return 0;
}

/* Starts a non-blocking connect. Returns 0 when under way or done, -1 when it failed (error counted). */
static int conn_start(struct worker *w, struct conn *c, int conn_no) {
  int fd = socket(target_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    count_error(w, E_CONNECT, "connection %d: socket(): %s", conn_no, strerror(errno));
    c->state = C_CLOSED;
    return -1;
  }
  if (target_family != AF_UNIX) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  c->fd = fd;
  c->connect_start_ns = now_ns();
  int rc = connect(fd, (struct sockaddr *)&target, target_len);
  if (rc != 0 && errno != EINPROGRESS && errno != EAGAIN) {
    count_error(w, E_CONNECT, "connection %d: connect to %s: %s", conn_no, target_text, strerror(errno));
    close(fd);
    c->fd = -1;
    c->state = C_CLOSED;
    return -1;
  }
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  /* Unix sockets report EAGAIN when the listener's backlog is full: wait for writability and retry. */
  ev.events = rc == 0 ? (EPOLLIN | EPOLLRDHUP) : EPOLLOUT;
  ev.data.ptr = c;
  if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) fatal("epoll_ctl(ADD): %s", strerror(errno));
  c->want_out = 0;
  if (rc == 0) {
    c->state = C_OPEN;
    w->connected++;
  } else {
    c->state = C_CONNECTING;
  }
  return 0;
}

/* Resolves a connect that reported writability. */
static void conn_finish_connect(struct worker *w, struct conn *c) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == 0 && target_family == AF_UNIX) {
    /* A Unix connect that returned EAGAIN has not happened yet: try it again now. */
    int rc = connect(c->fd, (struct sockaddr *)&target, target_len);
    if (rc != 0 && errno == EAGAIN) return;
    if (rc != 0 && errno != EISCONN) err = errno;
  }
  if (err != 0) {
    count_error(w, E_CONNECT, "connect to %s: %s", target_text, strerror(err));
    conn_close(w, c);
    return;
  }
  c->state = C_OPEN;
  w->connected++;
  set_interest(w, c, 0);
}

/* Appends one request to the output buffer and records it in flight. */
static void conn_enqueue(struct conn *c, uint64_t t) {
  if (c->wpos == c->wlen) c->wpos = c->wlen = 0;
  if (c->wlen + request_len > c->wcap) {
    memmove(c->wbuf, c->wbuf + c->wpos, c->wlen - c->wpos);
    c->wlen -= c->wpos;
    c->wpos = 0;
  }
  uint8_t *dst = c->wbuf + c->wlen;
  memcpy(dst, request_template, request_len);
  uint32_t seqid = c->next_seqid++;
  if (opt.mode == MODE_THRIFT_FRAMED) put_be32(dst + seqid_offset, seqid);
  c->wlen += request_len;
  int slot = (c->head + c->inflight) % opt.pipeline;
  c->sent_ns[slot] = t;
  c->seqids[slot] = seqid;
  c->inflight++;
}

/* Writes what the kernel takes; asks for EPOLLOUT when something is left. Returns -1 if the connection died. */
static int conn_flush(struct worker *w, struct conn *c) {
  while (c->wpos < c->wlen) {
    ssize_t n = send(c->fd, c->wbuf + c->wpos, c->wlen - c->wpos, MSG_NOSIGNAL);
    if (n > 0) {
      c->wpos += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!c->want_out) set_interest(w, c, 1);
      return 0;
    }
    count_error(w, E_CLOSED, "send: %s", n < 0 ? strerror(errno) : "wrote nothing");
    conn_close(w, c);
    return -1;
  }
  if (c->want_out) set_interest(w, c, 0);
  return 0;
}

static uint64_t window_end(void) { return __atomic_load_n(&window_end_ns, __ATOMIC_RELAXED); }

static int time_in_window(uint64_t t) {
  return t >= __atomic_load_n(&window_start_ns, __ATOMIC_RELAXED) && t < window_end();
}


/* Takes in-flight slot k (relative to head) as answered at time t. */
static void complete_slot(struct worker *w, struct conn *c, int k, uint64_t t, int ok) {
  int slot = (c->head + k) % opt.pipeline;
  uint64_t sent = c->sent_ns[slot];
  if (k != 0) {
    /* Out of order (thrift replies may be): move the head entry into the freed slot. */
    c->sent_ns[slot] = c->sent_ns[c->head];
    c->seqids[slot] = c->seqids[c->head];
  }
  c->head = (c->head + 1) % opt.pipeline;
  c->inflight--;
  conn_warm(w, c);
  if (ok && time_in_window(t)) {
    hist_record(&w->hist, t - sent);
    w->requests++;
  }
}

/*
 * Parses every whole reply in rbuf. Returns the number of requests completed, or -1 if the connection was
 * closed for a protocol error.
 */
static int conn_parse(struct worker *w, struct conn *c, uint64_t t) {
  size_t off = 0;
  int completed = 0;
  while (c->rlen - off >= 4) {
    uint32_t flen = get_be32(c->rbuf + off);
    if (c->inflight == 0) {
      count_error(w, E_PROTOCOL, "received %zu bytes with no request in flight", c->rlen - off);
      conn_close(w, c);
      return -1;
    }
    if (opt.mode == MODE_RAW && flen != (uint32_t)opt.size) {
      count_error(w, E_PROTOCOL, "reply length prefix %u, expected %d (the request's)", flen, opt.size);
      conn_close(w, c);
      return -1;
    }
    if (flen > opt.max_frame) {
      count_error(w, E_PROTOCOL, "reply frame length %u exceeds --max-frame %u", flen, opt.max_frame);
      conn_close(w, c);
      return -1;
    }
    size_t total = 4 + (size_t)flen;
    if (c->rlen - off < total) {
      if (total > c->rcap) {
        /* Make room for the whole frame before reading on. */
        memmove(c->rbuf, c->rbuf + off, c->rlen - off);
        c->rlen -= off;
        off = 0;
        c->rbuf = realloc(c->rbuf, total);
        if (!c->rbuf) fatal("out of memory growing a read buffer to %zu bytes", total);
        c->rcap = total;
      }
      break;
    }
    const uint8_t *frame = c->rbuf + off + 4;
    if (opt.mode == MODE_RAW) {
      int ok = memcmp(frame, payload, flen) == 0;
      if (!ok) count_error(w, E_REPLY, "echoed payload differs from the %d bytes sent", opt.size);
      complete_slot(w, c, 0, t, ok);
    } else {
      uint32_t seqid = 0;
      char why[288];
      enum reply_status st = check_thrift_reply(frame, flen, &seqid, why, sizeof why);
      if (st == REPLY_FATAL) {
        count_error(w, E_PROTOCOL, "%s", why);
        conn_close(w, c);
        return -1;
      }
      int k = -1;
      for (int i = 0; i < c->inflight; i++) {
        if (c->seqids[(c->head + i) % opt.pipeline] == seqid) {
          k = i;
          break;
        }
      }
      if (k < 0) {
        count_error(w, E_PROTOCOL, "reply seqid %u matches no request in flight (oldest is %u)%s%s", seqid,
                    c->seqids[c->head], st == REPLY_BAD ? "; " : "", st == REPLY_BAD ? why : "");
        conn_close(w, c);
        return -1;
      }
      if (st == REPLY_BAD) count_error(w, E_REPLY, "%s", why);
      complete_slot(w, c, k, t, st == REPLY_OK);
    }
    completed++;
    off += total;
  }
  if (off > 0) {
    memmove(c->rbuf, c->rbuf + off, c->rlen - off);
    c->rlen -= off;
  }
  return completed;
}

/* Handles readability of an open connection; sends the follow-up requests while sending is allowed. */
/* Input on a connection that expects none (idle, held, or not yet sending): data or a close is an error. */
static void conn_on_unexpected_input(struct worker *w, struct conn *c) {
  char scratch[256];
  ssize_t n = recv(c->fd, scratch, sizeof scratch, 0);
  if (n > 0) count_error(w, E_PROTOCOL, "silent connection received %zd unexpected bytes", n);
  else if (n == 0) count_error(w, E_CLOSED, "server closed a connection that had sent nothing");
  else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
  else count_error(w, E_CLOSED, "silent connection: %s", strerror(errno));
  conn_close(w, c);
}

static void conn_on_readable(struct worker *w, struct conn *c, int may_send) {
  if (!c->active) {
    conn_on_unexpected_input(w, c);
    return;
  }
  for (;;) {
    size_t space = c->rcap - c->rlen;
    ssize_t n = recv(c->fd, c->rbuf + c->rlen, space, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      count_error(w, E_CLOSED, "recv: %s (%d request(s) in flight)", strerror(errno), c->inflight);
      conn_close(w, c);
      return;
    }
    if (n == 0) {
      count_error(w, E_CLOSED, "server closed the connection with %d request(s) in flight", c->inflight);
      conn_close(w, c);
      return;
    }
    uint64_t t = now_ns();
    c->rlen += (size_t)n;
    int done = conn_parse(w, c, t);
    if (done < 0) return;
    if (done > 0 && may_send) {
      for (int i = 0; i < done; i++) conn_enqueue(c, t);
      if (conn_flush(w, c) < 0) return;
    }
    /* A full buffer may mean more is waiting; anything less means the socket is drained. */
    if ((size_t)n < space) return;
  }
}

static void worker_connect_phase(struct worker *w) {
  int next = 0, pending = 0;
  struct epoll_event events[EPOLL_BATCH];
  uint64_t timeout_ns = (uint64_t)opt.connect_timeout_ms * 1000000u;
  for (;;) {
    while (next < w->nconns && pending < opt.connect_batch && !stop_requested) {
      struct conn *c = &w->conns[next];
      int conn_no = w->index + next * opt.threads;
      next++;
      if (conn_start(w, c, conn_no) == 0 && c->state == C_CONNECTING) pending++;
    }
    if (pending == 0 && (next >= w->nconns || stop_requested)) break;
    int n = epoll_wait(w->epfd, events, EPOLL_BATCH, POLL_SLICE_MS);
    if (n < 0 && errno != EINTR) fatal("epoll_wait: %s", strerror(errno));
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if (c->state != C_CONNECTING) {
        /* Already open: the server closed or wrote before traffic began. */
        if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) conn_on_unexpected_input(w, c);
        continue;
      }
      conn_finish_connect(w, c);
      if (c->state != C_CONNECTING) pending--;
    }
    uint64_t t = now_ns();
    for (int i = 0; i < next; i++) {
      struct conn *c = &w->conns[i];
      if (c->state == C_CONNECTING && t - c->connect_start_ns > timeout_ns) {
        count_error(w, E_CONNECT, "connect to %s timed out after %d ms", target_text, opt.connect_timeout_ms);
        conn_close(w, c);
        pending--;
      }
    }
  }
  /* Connections left unstarted by a stop request count as never connected. */
  for (int i = next; i < w->nconns; i++) w->conns[i].state = C_CLOSED;
}

static uint64_t interval_ns(void) { return (uint64_t)(opt.interval_ms * 1e6); }

/*
 * Fixed rate: sends every request that is due (as far as --pipeline allows), each stamped with its scheduled
 * time, and arms the worker's timer for the next one.
 */
static void send_due(struct worker *w, uint64_t t) {
  uint64_t next = UINT64_MAX;
  for (int i = 0; i < w->nconns; i++) {
    struct conn *c = &w->conns[i];
    if (c->state != C_OPEN || !c->active) continue;
    int queued = 0;
    while (c->next_due_ns <= t && c->inflight < opt.pipeline) {
      conn_enqueue(c, c->next_due_ns);
      c->next_due_ns += interval_ns();
      queued = 1;
    }
    if (queued && conn_flush(w, c) < 0) continue;
    if (c->inflight < opt.pipeline && c->next_due_ns < next) next = c->next_due_ns;
  }
  if (next == w->timer_at_ns || next == UINT64_MAX) return;
  struct itimerspec spec = {{0, 0}, {(time_t)(next / 1000000000u), (long)(next % 1000000000u)}};
  if (timerfd_settime(w->timerfd, TFD_TIMER_ABSTIME, &spec, NULL) != 0) fatal("timerfd_settime: %s", strerror(errno));
  w->timer_at_ns = next;
}

static void worker_traffic_phase(struct worker *w) {
  struct epoll_event events[EPOLL_BATCH];
  uint64_t start = now_ns();
  int fixed_rate = opt.interval_ms > 0;
  int active_no = 0;
  for (int i = 0; i < w->nconns; i++) {
    struct conn *c = &w->conns[i];
    if (c->state != C_OPEN || !c->active) continue;
    if (fixed_rate) {
      /* Staggered over one interval, so the connections do not all send at the same instant. */
      int per_worker = opt.connections / opt.threads + 1;
      c->next_due_ns = start + interval_ns() * (uint64_t)active_no++ / (uint64_t)per_worker;
      continue;
    }
    for (int k = 0; k < opt.pipeline; k++) conn_enqueue(c, start);
    conn_flush(w, c);
  }
  if (fixed_rate) {
    w->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (w->timerfd < 0) fatal("timerfd_create: %s", strerror(errno));
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &w->timer_marker};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->timerfd, &ev) != 0) fatal("epoll_ctl(timerfd): %s", strerror(errno));
    send_due(w, now_ns());
  }
  for (;;) {
    uint64_t t = now_ns();
    uint64_t end_at = window_end();
    if (stop_requested || t >= end_at) break;
    uint64_t left_ms = (end_at - t) / 1000000u + 1;
    int timeout = left_ms < POLL_SLICE_MS ? (int)left_ms : POLL_SLICE_MS;
    int n = epoll_wait(w->epfd, events, EPOLL_BATCH, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      fatal("epoll_wait: %s", strerror(errno));
    }
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if (c == &w->timer_marker) {
        uint64_t expirations;
        ssize_t ignored = read(w->timerfd, &expirations, sizeof expirations);
        (void)ignored;
        w->timer_at_ns = 0;
        continue;
      }
      if (c->state != C_OPEN) continue;
      uint32_t ev = events[i].events;
      if (ev & EPOLLOUT) {
        if (conn_flush(w, c) < 0) continue;
      }
      if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) conn_on_readable(w, c, !fixed_rate);
    }
    if (fixed_rate) send_due(w, now_ns());
  }
  if (fixed_rate) close(w->timerfd);
  /* Requests still unanswered long after they were sent mean a stalled server, not a slow one. */
  uint64_t end = now_ns();
  uint64_t limit = (uint64_t)opt.request_timeout_ms * 1000000u;
  for (int i = 0; i < w->nconns; i++) {
    struct conn *c = &w->conns[i];
    if (c->state != C_OPEN || !c->active) continue;
    for (int k = 0; k < c->inflight; k++) {
      uint64_t sent = c->sent_ns[(c->head + k) % opt.pipeline];
      if (end - sent > limit)
        count_error(w, E_TIMEOUT, "request unanswered after %.1f s (--request-timeout %d ms)",
                    (double)(end - sent) / 1e9, opt.request_timeout_ms);
    }
  }
}

/* Every open active connection starts cold; counted before main can look (it waits on the barrier). */
static void mark_cold(struct worker *w) {
  for (int i = 0; i < w->nconns; i++) {
    struct conn *c = &w->conns[i];
    if (c->state != C_OPEN || !c->active) continue;
    c->cold = 1;
    __atomic_store_n(&w->cold, w->cold + 1, __ATOMIC_RELAXED);
  }
}

static void *worker_main(void *arg) {
  struct worker *w = arg;
  worker_connect_phase(w);
  mark_cold(w);
  pthread_barrier_wait(&barrier_connected);
  pthread_barrier_wait(&barrier_go);
  worker_traffic_phase(w);
  for (int i = 0; i < w->nconns; i++) {
    struct conn *c = &w->conns[i];
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    conn_free(c);
  }
  close(w->epfd);
  return NULL;
}

/* Gives worker t its share of connections: every threads-th active one, then every threads-th idle one. */
static void setup_workers(void) {
  for (int t = 0; t < opt.threads; t++) {
    struct worker *w = &workers[t];
    memset(w, 0, sizeof *w);
    w->index = t;
    hist_init(&w->hist);
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd < 0) fatal("epoll_create1: %s", strerror(errno));
    int active = opt.connections / opt.threads + (t < opt.connections % opt.threads);
    int idle = opt.idle / opt.threads + (t < opt.idle % opt.threads);
    w->nconns = active + idle;
    w->conns = xcalloc((size_t)w->nconns, sizeof(struct conn));
    for (int i = 0; i < w->nconns; i++) {
      struct conn *c = &w->conns[i];
      c->fd = -1;
      c->state = C_UNUSED;
      c->active = i < active && !opt.hold;
      if (c->active) {
        c->wcap = request_len * (size_t)opt.pipeline;
        c->wbuf = xmalloc(c->wcap);
        size_t reply = opt.mode == MODE_RAW ? request_len : request_len + 64;
        c->rcap = reply * 2 > READ_BUFFER_MIN ? reply * 2 : READ_BUFFER_MIN;
        c->rbuf = xmalloc(c->rcap);
        c->sent_ns = xcalloc((size_t)opt.pipeline, sizeof(uint64_t));
        c->seqids = xcalloc((size_t)opt.pipeline, sizeof(uint32_t));
        c->next_seqid = 1;
      }
    }
  }
}

/* Makes room for every socket, or explains why there is none. */
static void raise_fd_limit(long needed) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if ((rlim_t)needed <= rl.rlim_cur) return;
  if (rl.rlim_max != RLIM_INFINITY && (rlim_t)needed > rl.rlim_max)
    fatal("%ld sockets need a file descriptor limit of %ld, but the hard limit (ulimit -Hn) is %lu", needed - 32,
          needed, (unsigned long)rl.rlim_max);
  rl.rlim_cur = (rlim_t)needed;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
    fatal("cannot raise the file descriptor limit to %ld: %s", needed, strerror(errno));
}

static uint64_t cpu_time_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec +
         (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
}

static void emit_event(const char *name) {
  if (!opt.events) return;
  fprintf(stderr, "{\"event\":\"%s\",\"t_ms\":%.3f}\n", name, (double)now_ns() / 1e6);
  fflush(stderr);
}

/* Sleeps until the monotonic clock reads t, or a signal asks to stop. */
static void sleep_until(uint64_t t) {
  struct timespec ts = {.tv_sec = (time_t)(t / 1000000000u), .tv_nsec = (long)(t % 1000000000u)};
  while (!stop_requested) {
    int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    if (rc == 0) return;
    if (rc != EINTR) return;
  }
}

static void install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: sleeps and epoll_wait return EINTR */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

static void print_error_fields(uint64_t errors[E_KINDS], const char *first_error) {
  printf(",\"errors_by_kind\":{");
  for (int k = 0; k < E_KINDS; k++) printf("%s\"%s\":%llu", k ? "," : "", error_kind_names[k],
                                           (unsigned long long)errors[k]);
  printf("}");
  if (first_error && first_error[0]) {
    printf(",\"first_error\":");
    json_string(stdout, first_error);
  }
}

/* ------------------------------------------------------------------------------------------------------ */
/* --hold                                                                                                  */

static int run_hold(void) {
  struct worker *w = &workers[0];
  uint64_t t0 = now_ns();
  worker_connect_phase(w);
  uint64_t errors_at_hold = 0;
  for (int k = 0; k < E_KINDS; k++) errors_at_hold += w->errors[k];
  printf("{\"event\":\"held\",\"connections\":%d,\"established\":%d,\"errors\":%llu,\"connect_s\":%.3f",
         opt.connections, w->connected, (unsigned long long)errors_at_hold, (double)(now_ns() - t0) / 1e9);
  print_error_fields(w->errors, w->first_error);
  printf("}\n");
  fflush(stdout);
  if (w->connected == 0) return 1;

  /* stdin: a line or its end releases the connections. Not every stdin can be watched (e.g. /dev/null). */
  struct conn stdin_marker;
  memset(&stdin_marker, 0, sizeof stdin_marker);
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.ptr = &stdin_marker;
  (void)epoll_ctl(w->epfd, EPOLL_CTL_ADD, STDIN_FILENO, &ev);

  uint64_t held_at = now_ns();
  const char *reason = "signal";
  struct epoll_event events[EPOLL_BATCH];
  while (!stop_requested) {
    int n = epoll_wait(w->epfd, events, EPOLL_BATCH, 200);
    if (n < 0) {
      if (errno == EINTR) continue;
      fatal("epoll_wait: %s", strerror(errno));
    }
    int release = 0;
    for (int i = 0; i < n; i++) {
      if (events[i].data.ptr == &stdin_marker) {
        char line[256];
        ssize_t r = read(STDIN_FILENO, line, sizeof line);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        release = 1;
        reason = r > 0 ? "stdin line" : "stdin closed";
        continue;
      }
      struct conn *c = events[i].data.ptr;
      if (c->state == C_OPEN) conn_on_unexpected_input(w, c);
    }
    if (release) break;
  }
  double held_s = (double)(now_ns() - held_at) / 1e9;
  int still_open = w->connected;
  uint64_t errors = 0;
  for (int k = 0; k < E_KINDS; k++) errors += w->errors[k];
  for (int i = 0; i < w->nconns; i++) {
    if (w->conns[i].fd >= 0) close(w->conns[i].fd);
    w->conns[i].fd = -1;
  }
  printf("{\"event\":\"released\",\"connections\":%d,\"still_open\":%d,\"errors\":%llu,\"held_s\":%.3f,"
         "\"reason\":\"%s\"",
         opt.connections, still_open, (unsigned long long)errors, held_s, reason);
  print_error_fields(w->errors, w->first_error);
  printf("}\n");
  fflush(stdout);
  return 0;
}

/* ------------------------------------------------------------------------------------------------------ */

int main(int argc, char **argv) {
  parse_options(argc, argv);
  resolve_target();
  build_request();
  raise_fd_limit((long)opt.connections + opt.idle + 32);
  install_signals();
  setup_workers();

  if (opt.hold) return run_hold();

  /* Workers take no signals: main sleeps through the run and is the one woken by SIGINT/SIGTERM. */
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  pthread_barrier_init(&barrier_connected, NULL, (unsigned)opt.threads + 1);
  pthread_barrier_init(&barrier_go, NULL, (unsigned)opt.threads + 1);
  for (int t = 0; t < opt.threads; t++) {
    int rc = pthread_create(&workers[t].thread, NULL, worker_main, &workers[t]);
    if (rc != 0) fatal("pthread_create: %s", strerror(rc));
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);

  uint64_t t_connect = now_ns();
  pthread_barrier_wait(&barrier_connected);
  int established = 0;
  for (int t = 0; t < opt.threads; t++) established += workers[t].connected;
  double connect_s = (double)(now_ns() - t_connect) / 1e9;
  if (opt.events) {
    fprintf(stderr, "{\"event\":\"connected\",\"established\":%d,\"wanted\":%d,\"connect_s\":%.3f}\n",
            established, opt.connections + opt.idle, connect_s);
    fflush(stderr);
  }
  if (established == 0) stop_requested = 1;
  uint64_t begin = now_ns();
  pthread_barrier_wait(&barrier_go);

  sleep_until(begin + (uint64_t)(opt.warmup_s * 1e9));
  /*
   * The warm-up also lasts until every connection has had one reply (at most --connect-timeout more): a
   * connection the server has not accepted yet (its accept queue overflowed, the kernel retransmits the
   * handshake a second later) would otherwise stall inside the measured window.
   */
  uint64_t cold_deadline = now_ns() + (uint64_t)opt.connect_timeout_ms * 1000000u;
  int cold = 0;
  for (;;) {
    cold = 0;
    for (int t = 0; t < opt.threads; t++) cold += __atomic_load_n(&workers[t].cold, __ATOMIC_RELAXED);
    if (cold == 0 || stop_requested || now_ns() >= cold_deadline) break;
    struct timespec pause = {0, 2000000};
    nanosleep(&pause, NULL);
  }
  uint64_t opened = now_ns();
  double warmup_done_s = (double)(opened - begin) / 1e9;
  __atomic_store_n(&window_end_ns, opened + (uint64_t)(opt.duration_s * 1e9), __ATOMIC_RELAXED);
  __atomic_store_n(&window_start_ns, opened, __ATOMIC_RELAXED);
  uint64_t cpu_start = cpu_time_us();
  uint64_t measured_from = now_ns();
  if (!stop_requested) emit_event("measure_start");
  sleep_until(window_end_ns);
  uint64_t measured_to = now_ns();
  uint64_t cpu_end = cpu_time_us();
  if (measured_to > window_end_ns) measured_to = window_end_ns;
  if (stop_requested) {
    /* Ended early: the window closes now, for workers and figures alike. */
    if (measured_to < window_end_ns) __atomic_store_n(&window_end_ns, measured_to, __ATOMIC_RELAXED);
  } else {
    emit_event("measure_end");
  }
  for (int t = 0; t < opt.threads; t++) pthread_join(workers[t].thread, NULL);

  struct histogram *all = xmalloc(sizeof *all);
  hist_init(all);
  uint64_t requests = 0, errors[E_KINDS] = {0}, error_total = 0;
  const char *first_error = NULL;
  uint64_t first_error_ns = UINT64_MAX;
  for (int t = 0; t < opt.threads; t++) {
    struct worker *w = &workers[t];
    hist_merge(all, &w->hist);
    requests += w->requests;
    for (int k = 0; k < E_KINDS; k++) errors[k] += w->errors[k], error_total += w->errors[k];
    if (w->first_error[0] && w->first_error_ns < first_error_ns) {
      first_error = w->first_error;
      first_error_ns = w->first_error_ns;
    }
  }
  double duration_s = measured_to > window_start_ns ? (double)(measured_to - window_start_ns) / 1e9 : 0;
  if (established > 0 && requests == 0 && duration_s > 0 && !stop_signal) {
    /* Connected, measured, and not one reply: the server speaks another protocol or is stuck. */
    errors[E_TIMEOUT]++;
    error_total++;
    if (!first_error) first_error = "no request completed in the measured window";
  }
  double cpu_us = (double)(cpu_end - cpu_start);
  double window_us = (double)(measured_to - measured_from) / 1e3;
  printf("{\"qps\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"requests\":%llu,\"errors\":%llu,"
         "\"duration_s\":%.3f",
         duration_s > 0 ? (double)requests / duration_s : 0.0, hist_quantile_ns(all, 0.50) / 1e3,
         hist_quantile_ns(all, 0.99) / 1e3, hist_quantile_ns(all, 0.999) / 1e3, (unsigned long long)requests,
         (unsigned long long)error_total, duration_s);
  printf(",\"mean_us\":%.1f,\"min_us\":%.1f,\"max_us\":%.1f",
         all->total ? (double)(all->sum_ns / all->total) / 1e3 : 0.0,
         all->total ? (double)all->min_ns / 1e3 : 0.0, (double)all->max_ns / 1e3);
  printf(",\"mode\":\"%s\",\"target\":", opt.mode == MODE_RAW ? "raw" : "thrift-framed");
  json_string(stdout, target_text);
  printf(",\"connections\":%d,\"idle\":%d,\"established\":%d,\"pipeline\":%d,\"threads\":%d,\"size\":%d,"
         "\"request_bytes\":%zu,\"warmup_s\":%.3f,\"connect_s\":%.3f,\"cold_at_start\":%d",
         opt.connections, opt.idle, established, opt.pipeline, opt.threads, opt.size, request_len, warmup_done_s,
         connect_s, cold);
  if (opt.interval_ms > 0)
    printf(",\"interval_ms\":%g,\"offered_qps\":%.1f", opt.interval_ms, opt.connections * 1000.0 / opt.interval_ms);
  printf(",\"loadgen_cpu_us\":%.0f,\"loadgen_cpu_pct\":%.1f", cpu_us,
         window_us > 0 && duration_s > 0 ? 100.0 * cpu_us / window_us : 0.0);
  if (stop_signal) printf(",\"stopped_by\":\"%s\"", stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
  print_error_fields(errors, first_error);
  printf("}\n");
  fflush(stdout);
  free(all);
  free(request_template);
  for (int t = 0; t < opt.threads; t++) free(workers[t].conns);
  if (established == 0) {
    fprintf(stderr, "loadgen: no connection to %s could be established%s%s\n", target_text,
            first_error ? ": " : "", first_error ? first_error : "");
    return 1;
  }
  return 0;
}

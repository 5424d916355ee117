/*
 * The C epoll limit of `npm run bench`: a minimal echo server on level-triggered epoll (see limit-echo.h).
 * Per request: one recv, one send (EPOLLOUT only when the kernel refuses output), one epoll_wait per batch.
 */
#include "limit-echo.h"

#include <sys/epoll.h>

#define BATCH 256

struct conn {
  int fd;
  uint8_t *in;
  size_t in_len, in_cap;
  uint8_t *out;
  size_t out_pos, out_len, out_cap;
};

static void conn_close(int ep, struct conn *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->in);
  free(c->out);
  free(c);
}

static void append_out(struct conn *c, const uint8_t *data, size_t n) {
  if (c->out_pos == c->out_len) c->out_pos = c->out_len = 0;
  if (c->out_len + n > c->out_cap) {
    c->out_cap = (c->out_len + n) * 2;
    c->out = realloc(c->out, c->out_cap);
    if (!c->out) limit_fail("realloc");
  }
  memcpy(c->out + c->out_len, data, n);
  c->out_len += n;
}

/* Sends what the kernel takes. Returns 0, or -1 when the connection died. */
static int flush_out(int ep, struct conn *c) {
  while (c->out_pos < c->out_len) {
    ssize_t n = send(c->fd, c->out + c->out_pos, c->out_len - c->out_pos, MSG_NOSIGNAL);
    if (n > 0) {
      c->out_pos += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
      epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
      return 0;
    }
    return -1;
  }
  return 0;
}

static void on_readable(int ep, struct conn *c, enum wire wire) {
  for (;;) {
    if (c->in_cap - c->in_len < 4096) {
      c->in_cap = c->in_cap ? c->in_cap * 2 : 65536;
      c->in = realloc(c->in, c->in_cap);
      if (!c->in) limit_fail("realloc");
    }
    size_t room = c->in_cap - c->in_len;
    ssize_t n = recv(c->fd, c->in + c->in_len, room, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      conn_close(ep, c);
      return;
    }
    if (n < 0) return;
    c->in_len += (size_t)n;
    size_t ready = c->in_len;
    if (wire == WIRE_THRIFT_FRAMED) {
      ready = limit_reply_frames(c->in, c->in_len);
      if (ready == (size_t)-1) {
        conn_close(ep, c);
        return;
      }
    }
    if (ready > 0) {
      if (c->out_pos == c->out_len) {
        /* The common case: nothing queued, so send straight from the input buffer. */
        ssize_t sent = send(c->fd, c->in, ready, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
          conn_close(ep, c);
          return;
        }
        size_t done = sent > 0 ? (size_t)sent : 0;
        if (done < ready) append_out(c, c->in + done, ready - done);
      } else {
        append_out(c, c->in, ready);
      }
      memmove(c->in, c->in + ready, c->in_len - ready);
      c->in_len -= ready;
      if (c->out_pos < c->out_len && flush_out(ep, c) < 0) {
        conn_close(ep, c);
        return;
      }
    }
    if ((size_t)n < room) return; /* drained: less than the room we offered */
  }
}

int main(int argc, char **argv) {
  struct limit_options o = limit_parse(argc, argv, "epoll-echo");
  int lfd = limit_listen(&o, "epoll-echo", SOCK_NONBLOCK);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) limit_fail("epoll_create1");
  struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
  struct epoll_event events[BATCH];
  while (!limit_stop) {
    int n = epoll_wait(ep, events, BATCH, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      limit_fail("epoll_wait");
    }
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if (c == NULL) {
        for (;;) {
          int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;
          limit_nodelay(fd);
          struct conn *nc = calloc(1, sizeof *nc);
          if (!nc) limit_fail("calloc");
          nc->fd = fd;
          struct epoll_event ev = {.events = EPOLLIN, .data.ptr = nc};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        }
        continue;
      }
      if (events[i].events & EPOLLOUT) {
        if (flush_out(ep, c) < 0) {
          conn_close(ep, c);
          continue;
        }
        if (c->out_pos == c->out_len) {
          struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
          epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        }
      }
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(ep, c, o.wire);
    }
  }
  return 0;
}

/*
 * The C io_uring limit of `npm run bench`: a minimal echo server on io_uring (see limit-echo.h), over the
 * kernel's UAPI and raw system calls like the engine's `uring` mode (no liburing). Multishot accept, multishot
 * receive into a provided-buffer ring, sends as ring entries, and one io_uring_enter per loop turn that submits
 * everything queued and waits for the next completions (SINGLE_ISSUER | DEFER_TASKRUN when the kernel has them).
 */
#include "limit-echo.h"

#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define RING_ENTRIES 4096
#define BUFFERS 1024        /* provided receive buffers, a power of two */
#define BUFFER_SIZE 16384
#define BUFFER_GROUP 1
#define TAG_RECV 1u
#define TAG_SEND 2u

struct conn {
  int fd;
  int closing;        /* EOF or error seen; freed once nothing of it is in flight */
  int recv_armed;     /* the multishot receive still runs */
  int send_inflight;
  uint8_t *in;        /* thrift-framed: bytes of an incomplete frame */
  size_t in_len, in_cap;
  uint8_t *out;       /* bytes being sent (the kernel reads them: never moved while a send is in flight) */
  size_t out_pos, out_len, out_cap;
  uint8_t *next;      /* replies made while a send is in flight; they go next */
  size_t next_len, next_cap;
};

static struct {
  int fd;
  unsigned *sq_tail, *sq_head, *sq_array, sq_mask, sq_local_tail;
  struct io_uring_sqe *sqes;
  unsigned *cq_head, *cq_tail, cq_mask;
  struct io_uring_cqe *cqes;
  struct io_uring_buf_ring *buf_ring;
  uint8_t *buffers;
  unsigned buf_tail;
} ring;

static struct io_uring_sqe *get_sqe(void) {
  unsigned head = __atomic_load_n(ring.sq_head, __ATOMIC_ACQUIRE);
  if (ring.sq_local_tail - head >= RING_ENTRIES) return NULL;
  unsigned index = ring.sq_local_tail & ring.sq_mask;
  struct io_uring_sqe *sqe = &ring.sqes[index];
  memset(sqe, 0, sizeof *sqe);
  ring.sq_array[index] = index;
  ring.sq_local_tail++;
  return sqe;
}

static void setup_ring(void) {
  struct io_uring_params p;
  unsigned flag_choices[] = {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_COOP_TASKRUN, 0};
  for (unsigned i = 0; i < 3; i++) {
    memset(&p, 0, sizeof p);
    p.flags = flag_choices[i];
    ring.fd = (int)syscall(__NR_io_uring_setup, RING_ENTRIES, &p);
    if (ring.fd >= 0 || errno != EINVAL) break;
  }
  if (ring.fd < 0) limit_fail("io_uring_setup");
  size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  if (cq_size > sq_size) sq_size = cq_size; /* IORING_FEAT_SINGLE_MMAP (5.4+): one mapping for both */
  uint8_t *sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring.fd, IORING_OFF_SQ_RING);
  if (sq == MAP_FAILED) limit_fail("mmap(sq ring)");
  ring.sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                   ring.fd, IORING_OFF_SQES);
  if (ring.sqes == MAP_FAILED) limit_fail("mmap(sqes)");
  ring.sq_head = (unsigned *)(sq + p.sq_off.head);
  ring.sq_tail = (unsigned *)(sq + p.sq_off.tail);
  ring.sq_mask = *(unsigned *)(sq + p.sq_off.ring_mask);
  ring.sq_array = (unsigned *)(sq + p.sq_off.array);
  ring.sq_local_tail = *ring.sq_tail;
  ring.cq_head = (unsigned *)(sq + p.cq_off.head);
  ring.cq_tail = (unsigned *)(sq + p.cq_off.tail);
  ring.cq_mask = *(unsigned *)(sq + p.cq_off.ring_mask);
  ring.cqes = (struct io_uring_cqe *)(sq + p.cq_off.cqes);

  /* The provided-buffer ring (IORING_REGISTER_PBUF_RING, 5.19+) and its buffers. */
  ring.buf_ring = mmap(NULL, BUFFERS * sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ring.buffers = malloc((size_t)BUFFERS * BUFFER_SIZE);
  if (ring.buf_ring == MAP_FAILED || !ring.buffers) limit_fail("buffer ring memory");
  struct io_uring_buf_reg reg;
  memset(&reg, 0, sizeof reg);
  reg.ring_addr = (uint64_t)(uintptr_t)ring.buf_ring;
  reg.ring_entries = BUFFERS;
  reg.bgid = BUFFER_GROUP;
  if (syscall(__NR_io_uring_register, ring.fd, IORING_REGISTER_PBUF_RING, &reg, 1) != 0) limit_fail("IORING_REGISTER_PBUF_RING");
  for (unsigned bid = 0; bid < BUFFERS; bid++) {
    struct io_uring_buf *b = &ring.buf_ring->bufs[(ring.buf_tail + bid) & (BUFFERS - 1)];
    b->addr = (uint64_t)(uintptr_t)(ring.buffers + (size_t)bid * BUFFER_SIZE);
    b->len = BUFFER_SIZE;
    b->bid = (uint16_t)bid;
  }
  ring.buf_tail += BUFFERS;
  __atomic_store_n(&ring.buf_ring->tail, (uint16_t)ring.buf_tail, __ATOMIC_RELEASE);
}

static void recycle_buffer(unsigned bid) {
  struct io_uring_buf *b = &ring.buf_ring->bufs[ring.buf_tail & (BUFFERS - 1)];
  b->addr = (uint64_t)(uintptr_t)(ring.buffers + (size_t)bid * BUFFER_SIZE);
  b->len = BUFFER_SIZE;
  b->bid = (uint16_t)bid;
  ring.buf_tail++;
  __atomic_store_n(&ring.buf_ring->tail, (uint16_t)ring.buf_tail, __ATOMIC_RELEASE);
}

static void arm_accept(int lfd) {
  struct io_uring_sqe *sqe = get_sqe();
  if (!sqe) limit_fail("submission queue full");
  sqe->opcode = IORING_OP_ACCEPT;
  sqe->fd = lfd;
  sqe->ioprio = IORING_ACCEPT_MULTISHOT;
  sqe->accept_flags = SOCK_CLOEXEC;
  sqe->user_data = 0;
}

static void arm_recv(struct conn *c) {
  struct io_uring_sqe *sqe = get_sqe();
  if (!sqe) limit_fail("submission queue full");
  sqe->opcode = IORING_OP_RECV;
  sqe->fd = c->fd;
  sqe->ioprio = IORING_RECV_MULTISHOT;
  sqe->flags = IOSQE_BUFFER_SELECT;
  sqe->buf_group = BUFFER_GROUP;
  sqe->user_data = (uint64_t)(uintptr_t)c | TAG_RECV;
  c->recv_armed = 1;
}

static void start_send(struct conn *c) {
  if (c->send_inflight || c->closing) return;
  if (c->out_pos == c->out_len) {
    /* Everything sent: the replies made meanwhile become the buffer to send. */
    uint8_t *spare = c->out;
    size_t spare_cap = c->out_cap;
    c->out = c->next, c->out_cap = c->next_cap, c->out_len = c->next_len, c->out_pos = 0;
    c->next = spare, c->next_cap = spare_cap, c->next_len = 0;
  }
  if (c->out_len == 0) return;
  struct io_uring_sqe *sqe = get_sqe();
  if (!sqe) limit_fail("submission queue full");
  sqe->opcode = IORING_OP_SEND;
  sqe->fd = c->fd;
  sqe->addr = (uint64_t)(uintptr_t)(c->out + c->out_pos);
  sqe->len = (unsigned)(c->out_len - c->out_pos);
  sqe->msg_flags = MSG_NOSIGNAL;
  sqe->user_data = (uint64_t)(uintptr_t)c | TAG_SEND;
  c->send_inflight = 1;
}

static void append(uint8_t **buf, size_t *len, size_t *cap, const uint8_t *data, size_t n) {
  if (*len + n > *cap) {
    *cap = (*len + n) * 2;
    *buf = realloc(*buf, *cap);
    if (!*buf) limit_fail("realloc");
  }
  memcpy(*buf + *len, data, n);
  *len += n;
}

static void maybe_free(struct conn *c) {
  if (!c->closing || c->recv_armed || c->send_inflight) return;
  close(c->fd);
  free(c->in);
  free(c->out);
  free(c->next);
  free(c);
}

static void begin_close(struct conn *c) {
  if (c->closing) return;
  c->closing = 1;
  shutdown(c->fd, SHUT_RDWR); /* ends the multishot receive */
}

static void on_recv(struct conn *c, const struct io_uring_cqe *cqe, enum wire wire) {
  if (!(cqe->flags & IORING_CQE_F_MORE)) c->recv_armed = 0;
  if (cqe->res > 0 && (cqe->flags & IORING_CQE_F_BUFFER)) {
    unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
    const uint8_t *data = ring.buffers + (size_t)bid * BUFFER_SIZE;
    if (!c->closing) {
      if (wire == WIRE_RAW) {
        append(&c->next, &c->next_len, &c->next_cap, data, (size_t)cqe->res);
      } else {
        append(&c->in, &c->in_len, &c->in_cap, data, (size_t)cqe->res);
        size_t ready = limit_reply_frames(c->in, c->in_len);
        if (ready == (size_t)-1) {
          begin_close(c);
        } else if (ready > 0) {
          append(&c->next, &c->next_len, &c->next_cap, c->in, ready);
          memmove(c->in, c->in + ready, c->in_len - ready);
          c->in_len -= ready;
        }
      }
      start_send(c);
    }
    recycle_buffer(bid);
  } else if (cqe->res == -ENOBUFS && !c->closing) {
    /* Every buffer was taken at that instant: the multishot stopped; start it again. */
  } else {
    begin_close(c);
  }
  if (!c->recv_armed && !c->closing) arm_recv(c);
  maybe_free(c);
}

static void on_send(struct conn *c, const struct io_uring_cqe *cqe) {
  c->send_inflight = 0;
  if (cqe->res < 0) {
    begin_close(c);
  } else {
    c->out_pos += (size_t)cqe->res; /* a short send goes on from there */
    start_send(c);
  }
  maybe_free(c);
}

int main(int argc, char **argv) {
  struct limit_options o = limit_parse(argc, argv, "uring-echo");
  setup_ring();
  int lfd = limit_listen(&o, "uring-echo", 0);
  arm_accept(lfd);
  while (!limit_stop) {
    unsigned to_submit = ring.sq_local_tail - *ring.sq_tail;
    __atomic_store_n(ring.sq_tail, ring.sq_local_tail, __ATOMIC_RELEASE);
    int r = (int)syscall(__NR_io_uring_enter, ring.fd, to_submit, 1, IORING_ENTER_GETEVENTS, NULL, 0);
    if (r < 0 && errno != EINTR && errno != EBUSY && errno != EAGAIN) limit_fail("io_uring_enter");
    unsigned head = *ring.cq_head;
    unsigned tail = __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE);
    for (; head != tail; head++) {
      const struct io_uring_cqe *cqe = &ring.cqes[head & ring.cq_mask];
      if (cqe->user_data == 0) {
        if (cqe->res >= 0) {
          limit_nodelay(cqe->res);
          struct conn *c = calloc(1, sizeof *c);
          if (!c) limit_fail("calloc");
          c->fd = cqe->res;
          arm_recv(c);
        }
        if (!(cqe->flags & IORING_CQE_F_MORE)) arm_accept(lfd);
        continue;
      }
      struct conn *c = (struct conn *)(uintptr_t)(cqe->user_data & ~(uint64_t)3);
      if ((cqe->user_data & 3) == TAG_RECV) on_recv(c, cqe, o.wire);
      else on_send(c, cqe);
    }
    __atomic_store_n(ring.cq_head, head, __ATOMIC_RELEASE);
  }
  return 0;
}

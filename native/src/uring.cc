#include "uring.h"

#include <cerrno>

namespace thriftpoll {

const char* UringBuildMissing() {
#if THRIFTPOLL_URING
  return nullptr;
#else
  return THRIFTPOLL_URING_MISSING;
#endif
}

}  // namespace thriftpoll

#if !THRIFTPOLL_URING
namespace thriftpoll {
int ProbeUring() { return EOPNOTSUPP; }
}  // namespace thriftpoll
#else

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace thriftpoll {

namespace {

int Setup(uint32_t entries, io_uring_params* params) {
  return static_cast<int>(syscall(__NR_io_uring_setup, entries, params));
}

int EnterRaw(int fd, uint32_t toSubmit, uint32_t minComplete, uint32_t flags) {
  return static_cast<int>(syscall(__NR_io_uring_enter, fd, toSubmit, minComplete, flags, nullptr, 0));
}

int RegisterRaw(int fd, uint32_t opcode, const void* arg, uint32_t count) {
  return static_cast<int>(syscall(__NR_io_uring_register, fd, opcode, arg, count));
}

/** Opcodes the engine submits; a kernel without one of them cannot run the `uring` mode. */
// IORING_OP_SEND_ZC is not used; it stands for Linux 6.0, which added the multishot receive (IORING_RECV_MULTISHOT)
// that no opcode probe can see.
constexpr uint8_t kNeededOps[] = {IORING_OP_POLL_ADD, IORING_OP_POLL_REMOVE, IORING_OP_ACCEPT, IORING_OP_ASYNC_CANCEL,
                                  IORING_OP_RECV,     IORING_OP_SEND,        IORING_OP_SENDMSG, IORING_OP_SEND_ZC};

/**
 * Setup flags to try, best first: each later entry drops what an older kernel may refuse (EINVAL).
 * Not DEFER_TASKRUN: its completions are posted only inside our own io_uring_enter, and while libuv sleeps in
 * epoll_wait nothing enters, so a quiet connection's receive waited for an unrelated wake-up (measured with the
 * fixed-rate benchmark: 10 connections x 1 call/ms fell to 630 calls/s, p50 1.9 s; without it p50 is 69 us).
 */
constexpr uint32_t kFlagChoices[] = {
    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN,
    IORING_SETUP_COOP_TASKRUN,
    0,
};

}  // namespace

int ProbeUring() {
  Uring ring;
  int error = ring.Init(8);
  if (error != 0) return error;
  // The provided-buffer ring the receives select from (IORING_REGISTER_PBUF_RING, Linux 5.19).
  size_t size = 4096;
  void* memory = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return errno;
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(memory);
  reg.ring_entries = 1;
  reg.bgid = 0;
  error = ring.Register(IORING_REGISTER_PBUF_RING, &reg, 1) == 0 ? 0 : errno;
  if (error == 0) ring.Register(IORING_UNREGISTER_PBUF_RING, &reg, 1);
  munmap(memory, size);
  return error == EINVAL ? EOPNOTSUPP : error;
}

int Uring::Register(uint32_t opcode, const void* arg, uint32_t count) { return RegisterRaw(ringFd_, opcode, arg, count); }

Uring::~Uring() {
  if (sqes_ != nullptr) munmap(sqes_, sqesSize_);
  if (cqRing_ != nullptr && cqRing_ != sqRing_) munmap(cqRing_, cqRingSize_);
  if (sqRing_ != nullptr) munmap(sqRing_, sqRingSize_);
  if (ringFd_ >= 0) close(ringFd_);
}

int Uring::Init(uint32_t entries) {
  io_uring_params params;
  int fd = -1;
  for (uint32_t flags : kFlagChoices) {
    std::memset(&params, 0, sizeof params);
    params.flags = flags;
    fd = Setup(entries, &params);
    if (fd >= 0) {
      setupFlags_ = flags;
      break;
    }
    if (errno != EINVAL) return errno;  // ENOSYS (no io_uring), EPERM (io_uring_disabled, seccomp), ENOMEM
  }
  if (fd < 0) return errno;
  ringFd_ = fd;
  if ((params.features & IORING_FEAT_NODROP) == 0) return EOPNOTSUPP;  // < 5.5: completions could be lost

  sqRingSize_ = params.sq_off.array + params.sq_entries * sizeof(uint32_t);
  cqRingSize_ = params.cq_off.cqes + params.cq_entries * sizeof(io_uring_cqe);
  bool single = (params.features & IORING_FEAT_SINGLE_MMAP) != 0;
  if (single && cqRingSize_ > sqRingSize_) sqRingSize_ = cqRingSize_;
  sqRing_ = mmap(nullptr, sqRingSize_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
  if (sqRing_ == MAP_FAILED) {
    sqRing_ = nullptr;
    return errno;
  }
  if (single) {
    cqRing_ = sqRing_;
  } else {
    cqRing_ = mmap(nullptr, cqRingSize_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
    if (cqRing_ == MAP_FAILED) {
      cqRing_ = nullptr;
      return errno;
    }
  }
  sqesSize_ = params.sq_entries * sizeof(io_uring_sqe);
  void* sqes = mmap(nullptr, sqesSize_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
  if (sqes == MAP_FAILED) return errno;
  sqes_ = static_cast<io_uring_sqe*>(sqes);

  char* sq = static_cast<char*>(sqRing_);
  sqHead_ = reinterpret_cast<uint32_t*>(sq + params.sq_off.head);
  sqTailShared_ = reinterpret_cast<uint32_t*>(sq + params.sq_off.tail);
  sqMask_ = *reinterpret_cast<uint32_t*>(sq + params.sq_off.ring_mask);
  sqEntries_ = params.sq_entries;
  sqArray_ = reinterpret_cast<uint32_t*>(sq + params.sq_off.array);
  sqFlags_ = reinterpret_cast<uint32_t*>(sq + params.sq_off.flags);
  sqTail_ = submitted_ = *sqTailShared_;
  char* cq = static_cast<char*>(cqRing_);
  cqHead_ = reinterpret_cast<uint32_t*>(cq + params.cq_off.head);
  cqTail_ = reinterpret_cast<uint32_t*>(cq + params.cq_off.tail);
  cqMask_ = *reinterpret_cast<uint32_t*>(cq + params.cq_off.ring_mask);
  cqes_ = reinterpret_cast<io_uring_cqe*>(cq + params.cq_off.cqes);

  // The operations the engine needs (IORING_REGISTER_PROBE, 5.6+).
  size_t probeSize = sizeof(io_uring_probe) + 256 * sizeof(io_uring_probe_op);
  alignas(io_uring_probe) unsigned char probeBuffer[sizeof(io_uring_probe) + 256 * sizeof(io_uring_probe_op)];
  std::memset(probeBuffer, 0, probeSize);
  io_uring_probe* probe = reinterpret_cast<io_uring_probe*>(probeBuffer);
  if (RegisterRaw(fd, IORING_REGISTER_PROBE, probe, 256) != 0) return errno;
  for (uint8_t op : kNeededOps) {
    if (op > probe->last_op || (probe->ops[op].flags & IO_URING_OP_SUPPORTED) == 0) return EOPNOTSUPP;
  }
  return 0;
}

io_uring_sqe* Uring::GetSqe() {
  uint32_t head = __atomic_load_n(sqHead_, __ATOMIC_ACQUIRE);
  if (sqTail_ - head >= sqEntries_) {
    if (Enter(false) != 0) return nullptr;
    head = __atomic_load_n(sqHead_, __ATOMIC_ACQUIRE);
    if (sqTail_ - head >= sqEntries_) return nullptr;
  }
  uint32_t index = sqTail_ & sqMask_;
  io_uring_sqe* sqe = &sqes_[index];
  std::memset(sqe, 0, sizeof *sqe);
  sqArray_[index] = index;
  sqTail_++;
  return sqe;
}

int Uring::Enter(bool getEvents) {
  uint32_t toSubmit = sqTail_ - submitted_;
  if (toSubmit == 0 && !getEvents) return 0;
  __atomic_store_n(sqTailShared_, sqTail_, __ATOMIC_RELEASE);
  for (;;) {
    int n = EnterRaw(ringFd_, toSubmit, 0, getEvents ? IORING_ENTER_GETEVENTS : 0);
    if (n >= 0) {
      submitted_ += static_cast<uint32_t>(n);
      if (static_cast<uint32_t>(n) >= toSubmit) return 0;
      toSubmit -= static_cast<uint32_t>(n);
      continue;
    }
    // EBUSY/EAGAIN: the completion queue is backed up; the caller drains it and comes back.
    if (errno == EINTR) continue;
    return errno;
  }
}

}  // namespace thriftpoll

#endif  // THRIFTPOLL_URING

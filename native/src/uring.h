// A minimal io_uring instance over the kernel's UAPI (<linux/io_uring.h>) and raw system calls: no liburing, so
// building needs nothing beyond the kernel headers every Linux toolchain has.
//
//   JavaScript thread (the only issuer)
//     GetSqe() ... GetSqe()          fill submission entries; nothing reaches the kernel yet
//     Enter()                        one io_uring_enter: submits them all
//     ForEachCompletion(fn)          reads the completion queue (shared memory, no system call)
//
// The ring is created with SINGLE_ISSUER | COOP_TASKRUN (not DEFER_TASKRUN, see uring.cc) when the kernel has them,
// falling back flag by flag to a plain ring. libuv watches the ring's own fd, which polls readable (level-triggered)
// while completions wait in the queue: no eventfd to signal per completion and to read per wake-up.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "uring_config.h"

namespace thriftpoll {

/**
 * Probes whether this process may use io_uring with the operations the engine needs. Returns 0 or an errno
 * (EOPNOTSUPP in a build without io_uring: UringBuildMissing() says why).
 */
int ProbeUring();
/** What this build lacks for the `uring` mode (see uring_config.h), or null when it has it. */
const char* UringBuildMissing();

#if THRIFTPOLL_URING

class Uring {
 public:
  Uring() = default;
  ~Uring();
  Uring(const Uring&) = delete;
  Uring& operator=(const Uring&) = delete;

  /** Sets the ring up (entries: submission queue size, a power of two). Returns 0 or an errno. */
  int Init(uint32_t entries);
  /** The ring's fd: readable while completions wait (what libuv watches). */
  int fd() const { return ringFd_; }
  /** IORING_SETUP_* flags the kernel accepted. */
  uint32_t setupFlags() const { return setupFlags_; }

  /** A free submission entry, zeroed; submits what is queued first when the queue is full. Null on failure. */
  io_uring_sqe* GetSqe();
  /** Entries filled since the last Enter(). */
  uint32_t pending() const { return sqTail_ - submitted_; }
  /** Submits what is queued and, with `getEvents`, runs deferred completion work. Returns 0 or an errno. */
  int Enter(bool getEvents);
  /**
   * Submits what is queued, and moves completions the kernel kept aside (the queue was full) into the queue.
   * No system call when there is neither. Returns 0 or an errno.
   */
  int Flush() {
    bool overflowed = (__atomic_load_n(sqFlags_, __ATOMIC_ACQUIRE) & IORING_SQ_CQ_OVERFLOW) != 0;
    return pending() == 0 && !overflowed ? 0 : Enter(overflowed);
  }
  /** Calls fn(cqe) for up to `max` completions, then marks them seen. Returns how many there were. */
  template <typename Fn>
  uint32_t ForEachCompletion(uint32_t max, Fn&& fn) {
    uint32_t head = *cqHead_;
    uint32_t tail = __atomic_load_n(cqTail_, __ATOMIC_ACQUIRE);
    uint32_t seen = 0;
    while (head != tail && seen < max) {
      fn(&cqes_[head & cqMask_]);
      head++;
      seen++;
    }
    __atomic_store_n(cqHead_, head, __ATOMIC_RELEASE);
    return seen;
  }
  /** io_uring_register(2) on this ring. Returns 0, or -1 with errno set. */
  int Register(uint32_t opcode, const void* arg, uint32_t count);

 private:
  int ringFd_ = -1;
  uint32_t setupFlags_ = 0;
  void* sqRing_ = nullptr;
  size_t sqRingSize_ = 0;
  void* cqRing_ = nullptr;  // == sqRing_ with IORING_FEAT_SINGLE_MMAP
  size_t cqRingSize_ = 0;
  io_uring_sqe* sqes_ = nullptr;
  size_t sqesSize_ = 0;
  uint32_t* sqHead_ = nullptr;
  uint32_t* sqTailShared_ = nullptr;
  uint32_t* sqArray_ = nullptr;
  uint32_t* sqFlags_ = nullptr;  // IORING_SQ_CQ_OVERFLOW: completions wait in the kernel for an enter
  uint32_t sqMask_ = 0;
  uint32_t sqEntries_ = 0;
  uint32_t sqTail_ = 0;     // local tail: entries filled
  uint32_t submitted_ = 0;  // entries handed to the kernel
  uint32_t* cqHead_ = nullptr;
  uint32_t* cqTail_ = nullptr;
  uint32_t cqMask_ = 0;
  io_uring_cqe* cqes_ = nullptr;
};

#endif  // THRIFTPOLL_URING

}  // namespace thriftpoll

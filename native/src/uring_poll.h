// The `uring` engine mode's ring (JavaScript thread only): connection I/O as ring requests, and readiness of
// everything else (timers, a dial's connect, listeners on old kernels) through polls on it instead of epoll.
//
// Connections: a multishot IORING_OP_RECV selecting from the provided-buffer ring of engine blocks
// (uring_buffers.h), and IORING_OP_SEND / IORING_OP_SENDMSG for their output. Those requests are tagged with the
// connection itself (user_data = pointer | kind; the engine holds a reference while one is in flight), so a
// completion always reaches its connection, even one that raced a close: received bytes are never lost, and a
// send's blocks are returned only once the kernel is done with them.
//
// Polled items: each has one slot; a one-shot IORING_OP_POLL_ADD is armed with the slot's mask and
// re-armed after every completion, so readiness is level-triggered like the epoll modes' (a socket with bytes
// left after its read rounds is reported again at once, because a poll checks readiness when it is armed).
//
// A listener's slot runs a multishot IORING_OP_ACCEPT instead (Linux 5.19+; on an older kernel its first
// completion is EINVAL and the slot falls back to polls): one completion per accepted socket, no accept(2).
//
// A completion's user_data is (generation << 32 | slot). Changing or removing a registration bumps the
// generation and queues a POLL_REMOVE for the old one, so a completion that races the change is recognised as
// stale and dropped, and an item may be freed as soon as it has been removed.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "uring.h"
#include "uring_buffers.h"

namespace thriftpoll {

#if THRIFTPOLL_URING

struct Pollable;
class BlockPool;

class UringPoll {
 public:
  /** Sets the ring and its provided-buffer ring of `buffers` blocks up. Returns 0 or an errno. */
  int Init(BlockPool* pool, uint32_t buffers);
  /** The fd libuv watches: the ring's, readable while completions wait. */
  int pollFd() const { return ring_.fd(); }
  UringBufferRing& buffers() { return buffers_; }

  /**
   * Adds, changes or removes (newEvents == 0) the registration of fd (queued; sent by the next Submit()).
   * `accept`: fd is a listener; accept on it with a multishot accept rather than polling it.
   */
  int Control(int fd, Pollable* item, uint32_t newEvents, bool accept = false);

  /** What fn gets as `result` for a poll completion (an accept gets the socket, or -errno). */
  static constexpr int kPolled = INT32_MIN;

  /** Kinds of connection requests (the low bits of their user_data; the rest is the connection's address). */
  enum IoKind : uint64_t { kRecv = 3, kSend = 4 };
  static uint64_t IoTag(const void* owner, IoKind kind) { return reinterpret_cast<uintptr_t>(owner) | kind; }

  /** Queues a multishot receive on fd selecting from the buffer ring. False when no entry could be had. */
  bool Receive(int fd, uint64_t tag);
  /** Queues a send of `length` bytes at `data`. */
  bool Send(int fd, uint64_t tag, const void* data, uint32_t length);
  /** Queues a sendmsg of `message` (which must stay valid until the completion). */
  bool SendMessage(int fd, uint64_t tag, const msghdr* message);
  /** Queues a cancellation of the request tagged `tag` (its completion then reports -ECANCELED or its result). */
  void Cancel(uint64_t tag);

  /** Submits what is queued (one io_uring_enter; none when nothing is). Returns 0 or an errno. */
  int Submit();

  /**
   * Submits what is queued and hands up to maxEvents completions to polled(item, events, result)
   * (a polled item, re-armed afterwards) or io(owner, kind, result, flags) (a connection request), in order.
   * Returns how many there were.
   */
  template <typename Polled, typename Io>
  int RunOnce(int maxEvents, Polled&& polled, Io&& io);

 private:
  struct Slot {
    Pollable* item = nullptr;
    int fd = -1;
    uint32_t generation = 0;
    uint32_t mask = 0;    // wanted events; 0 = free slot
    bool armed = false;   // a POLL_ADD (or multishot ACCEPT) of this generation is in flight
    bool accept = false;  // a listener accepted through the ring
  };
  static constexpr uint64_t kIgnored = 0;        // user_data of POLL_REMOVE and cancel entries
  static constexpr uint32_t kPollError = 0x008;  // POLLERR (== EPOLLERR)
  static constexpr uint32_t kPollIn = 0x001;     // POLLIN (== EPOLLIN)

  // user_data: a slot's (generation << 32 | index << 3 | kind), or a connection request's (pointer | kind).
  static constexpr uint64_t kKindMask = 7;
  static constexpr uint64_t kPollKind = 1;
  static constexpr uint64_t kAcceptKind = 2;
  static uint64_t Tag(uint32_t index, uint32_t generation, bool accept) {
    return (static_cast<uint64_t>(generation) << 32) | (static_cast<uint64_t>(index) << 3) |
           (accept ? kAcceptKind : kPollKind);
  }
  static void CloseAccepted(int fd);
  void Arm(uint32_t index);
  void Disarm(uint32_t index);

  Uring ring_;
  UringBufferRing buffers_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> freeSlots_;
  std::unordered_map<Pollable*, uint32_t> slotOf_;
  struct Ready {
    uint64_t userData;
    uint32_t index;       // polled items
    uint32_t generation;
    uint32_t events;
    int result;
    uint32_t flags;       // connection requests: the completion's flags
  };
  std::vector<Ready> ready_;  // reused per wake-up
};

template <typename Polled, typename Io>
int UringPoll::RunOnce(int maxEvents, Polled&& polled, Io&& io) {
  // With COOP_TASKRUN the kernel's completion work has run by now: it runs whenever this thread leaves a system
  // call (here: libuv's epoll_wait), so only what is queued and an overflow need an io_uring_enter.
  ring_.Flush();
  ready_.clear();
  ring_.ForEachCompletion(static_cast<uint32_t>(maxEvents), [&](const io_uring_cqe* cqe) {
    uint64_t kind = cqe->user_data & kKindMask;
    if (cqe->user_data == kIgnored) return;
    if (kind != kPollKind && kind != kAcceptKind) {
      ready_.push_back({cqe->user_data, 0, 0, 0, cqe->res, cqe->flags});
      return;
    }
    uint32_t index = static_cast<uint32_t>((cqe->user_data & 0xffffffffull) >> 3);
    uint32_t generation = static_cast<uint32_t>(cqe->user_data >> 32);
    bool current = index < slots_.size() && slots_[index].generation == generation;
    if (current && slots_[index].accept) {
      if ((cqe->flags & IORING_CQE_F_MORE) == 0) slots_[index].armed = false;
      if (cqe->res == -EINVAL && slots_[index].armed == false) {
        slots_[index].accept = false;  // no multishot accept on this kernel: poll the listener instead
        ready_.push_back({0, index, generation, kPollIn, kPolled, 0});
        return;
      }
      ready_.push_back({0, index, generation, 0, cqe->res, 0});
      return;
    }
    if (!current) {
      // Stale: changed or removed. A socket accepted for a listener that is gone is ours to close.
      if (cqe->res >= 0 && kind == kAcceptKind) CloseAccepted(cqe->res);
      return;
    }
    slots_[index].armed = false;
    // A failed poll (the fd was closed under it, or no memory) reports as an error on the item, like EPOLLERR.
    uint32_t events = cqe->res >= 0 ? static_cast<uint32_t>(cqe->res) : kPollError;
    ready_.push_back({0, index, generation, events, kPolled, 0});
  });
  for (const Ready& ready : ready_) {
    if (ready.userData != 0) {
      io(reinterpret_cast<void*>(ready.userData & ~kKindMask), static_cast<IoKind>(ready.userData & kKindMask),
         ready.result, ready.flags);
      continue;
    }
    // Slots may move (new registrations grow the vector) and change while items are handled: look again each time.
    if (slots_[ready.index].generation != ready.generation) {
      if (ready.result >= 0 && ready.result != kPolled) CloseAccepted(ready.result);
      continue;
    }
    polled(slots_[ready.index].item, ready.events, ready.result);
    if (ready.index < slots_.size() && slots_[ready.index].generation == ready.generation) Arm(ready.index);
  }
  // Completions this wake-up did not take keep the ring's fd readable: libuv comes back at once.
  return static_cast<int>(ready_.size());
}

#else
/** A build without io_uring (uring_config.h): no poller ever has one; this only keeps Poller's member declarable. */
class UringPoll {
 public:
  int pollFd() const { return -1; }
  int Submit() { return 0; }
};
#endif  // THRIFTPOLL_URING

}  // namespace thriftpoll

// Readiness of sockets and timers through io_uring instead of epoll (the `uring` engine mode; JavaScript thread
// only). Each registered item has one slot; a one-shot IORING_OP_POLL_ADD is armed with the slot's mask and
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

#include <cerrno>
#include <climits>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "uring.h"

namespace thriftpoll {

struct Pollable;

class UringPoll {
 public:
  /** Sets the ring up. Returns 0 or an errno. */
  int Init();
  /** The eventfd libuv watches. */
  int eventFd() const { return ring_.eventFd(); }

  /**
   * Adds, changes or removes (newEvents == 0) the registration of fd (queued; sent by the next Submit()).
   * `accept`: fd is a listener; accept on it with a multishot accept rather than polling it.
   */
  int Control(int fd, Pollable* item, uint32_t newEvents, bool accept = false);

  /** What fn gets as `result` for a poll completion (an accept gets the socket, or -errno). */
  static constexpr int kPolled = INT32_MIN;

  /** Submits what is queued (one io_uring_enter; none when nothing is). Returns 0 or an errno. */
  int Submit();

  /**
   * Submits, runs deferred completion work and hands up to maxEvents ready items to fn(item, events, result),
   * re-arming each afterwards. Returns how many there were.
   */
  template <typename Fn>
  int RunOnce(int maxEvents, Fn&& fn);

 private:
  struct Slot {
    Pollable* item = nullptr;
    int fd = -1;
    uint32_t generation = 0;
    uint32_t mask = 0;    // wanted events; 0 = free slot
    bool armed = false;   // a POLL_ADD (or multishot ACCEPT) of this generation is in flight
    bool accept = false;  // a listener accepted through the ring
  };
  static constexpr uint64_t kIgnored = ~0ull;  // user_data of POLL_REMOVE entries
  static constexpr uint32_t kPollError = 0x008;  // POLLERR (== EPOLLERR)
  static constexpr uint32_t kPollIn = 0x001;     // POLLIN (== EPOLLIN)

  static constexpr uint64_t kAcceptBit = 1ull << 31;  // in user_data: the entry is an accept (slots < 2^31)
  static uint64_t Tag(uint32_t index, uint32_t generation, bool accept) {
    return (static_cast<uint64_t>(generation) << 32) | index | (accept ? kAcceptBit : 0);
  }
  static bool IsAcceptTag(uint64_t userData) { return (userData & kAcceptBit) != 0; }
  static void CloseAccepted(int fd);
  void Arm(uint32_t index);
  void Disarm(uint32_t index);

  Uring ring_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> freeSlots_;
  std::unordered_map<Pollable*, uint32_t> slotOf_;
  struct Ready {
    uint32_t index;
    uint32_t generation;
    uint32_t events;
    int result;
  };
  std::vector<Ready> ready_;  // reused per wake-up
};

template <typename Fn>
int UringPoll::RunOnce(int maxEvents, Fn&& fn) {
  ring_.ClearEvent();
  ring_.Enter(true);
  ready_.clear();
  ring_.ForEachCompletion(static_cast<uint32_t>(maxEvents), [&](const io_uring_cqe* cqe) {
    if (cqe->user_data == kIgnored) return;
    uint32_t index = static_cast<uint32_t>(cqe->user_data & (kAcceptBit - 1));
    uint32_t generation = static_cast<uint32_t>(cqe->user_data >> 32);
    bool current = index < slots_.size() && slots_[index].generation == generation;
    if (current && slots_[index].accept) {
      if ((cqe->flags & IORING_CQE_F_MORE) == 0) slots_[index].armed = false;
      if (cqe->res == -EINVAL && slots_[index].armed == false) {
        slots_[index].accept = false;  // no multishot accept on this kernel: poll the listener instead
        ready_.push_back({index, generation, kPollIn, kPolled});
        return;
      }
      ready_.push_back({index, generation, 0, cqe->res});
      return;
    }
    if (!current) {
      // Stale: changed or removed. A socket accepted for a listener that is gone is ours to close.
      if (cqe->res >= 0 && index < slots_.size() && IsAcceptTag(cqe->user_data)) CloseAccepted(cqe->res);
      return;
    }
    slots_[index].armed = false;
    // A failed poll (the fd was closed under it, or no memory) reports as an error on the item, like EPOLLERR.
    uint32_t events = cqe->res >= 0 ? static_cast<uint32_t>(cqe->res) : kPollError;
    ready_.push_back({index, generation, events, kPolled});
  });
  for (const Ready& ready : ready_) {
    // Slots may move (new registrations grow the vector) and change while items are handled: look again each time.
    if (slots_[ready.index].generation != ready.generation) {
      if (ready.result >= 0 && ready.result != kPolled) CloseAccepted(ready.result);
      continue;
    }
    fn(slots_[ready.index].item, ready.events, ready.result);
    if (ready.index < slots_.size() && slots_[ready.index].generation == ready.generation) Arm(ready.index);
  }
  // Completions this wake-up did not take: have libuv come back at once (the eventfd was cleared above).
  if (ring_.HasCompletions()) ring_.SignalEvent();
  return static_cast<int>(ready_.size());
}

}  // namespace thriftpoll

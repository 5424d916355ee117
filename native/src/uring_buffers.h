// The `uring` mode's provided-buffer ring (IORING_REGISTER_PBUF_RING): engine blocks lent to the kernel, which
// picks one for every multishot receive completion.
//
//   bid:        0        1        2      ...  entries-1
//   lent:     [block]  [block]  [ -- ]   ...  [block]       a bid is empty between Take() and Put()
//   ring:      head (kernel) ... tail (us): the bids the kernel may still choose
//
// A receive completion names its bid; Take(bid) hands that block to the connection (no copy: it joins the
// connection's input list), and Put() lends a fresh block from the pool under the same bid. The ring never holds
// a block twice, and every block in it is the pool's until the kernel fills it. JavaScript thread only.
#pragma once

#include <cstdint>
#include <vector>

#include "block_pool.h"
#include "uring_config.h"

#if THRIFTPOLL_URING
namespace thriftpoll {

class Uring;

class UringBufferRing {
 public:
  UringBufferRing() = default;
  ~UringBufferRing();
  UringBufferRing(const UringBufferRing&) = delete;
  UringBufferRing& operator=(const UringBufferRing&) = delete;

  /** Group id the receives select from. */
  static constexpr uint16_t kGroup = 0;

  /**
   * Maps and registers a ring of `entries` (a power of two, at most 32768) on `ring` and lends it blocks from
   * `pool`. Returns 0 or an errno (EINVAL/ENOSYS: no provided-buffer rings before Linux 5.19).
   */
  int Init(Uring* ring, BlockPool* pool, uint32_t entries);
  /** Takes the block the kernel filled under `bid` out of the ring. !valid() for an unknown or empty bid. */
  Block Take(uint32_t bid);
  /** Lends `block` to the kernel under `bid` (an empty bid: the one just taken). */
  void Put(uint32_t bid, const Block& block);
  /** Lends a fresh pool block under `bid` (just taken); when the pool has none, the bid stays empty for Refill(). */
  void Replace(uint32_t bid);
  /** Lends fresh pool blocks under every empty bid; stops when the pool has none. Returns the empty bids left. */
  uint32_t Refill();
  /** Blocks lent to the kernel now. */
  uint32_t lent() const { return lent_; }

 private:
  void Publish(uint32_t bid);

  Uring* ring_ = nullptr;
  BlockPool* pool_ = nullptr;
  void* memory_ = nullptr;
  size_t memorySize_ = 0;
  uint32_t entries_ = 0;
  uint16_t tail_ = 0;
  bool registered_ = false;
  std::vector<Block> blocks_;      // by bid
  std::vector<uint32_t> empty_;    // bids without a block (the pool had none)
  uint32_t lent_ = 0;
};

}  // namespace thriftpoll
#endif  // THRIFTPOLL_URING

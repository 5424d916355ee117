#include "uring_buffers.h"

#if THRIFTPOLL_URING

#include <linux/io_uring.h>
#include <sys/mman.h>

#include <cerrno>

#include "uring.h"

namespace thriftpoll {

UringBufferRing::~UringBufferRing() {
  if (registered_) {
    io_uring_buf_reg reg{};
    reg.bgid = kGroup;
    ring_->Register(IORING_UNREGISTER_PBUF_RING, &reg, 1);
  }
  if (memory_ != nullptr) munmap(memory_, memorySize_);
  for (const Block& block : blocks_) {
    if (block.valid()) pool_->Release(block);
  }
}

int UringBufferRing::Init(Uring* ring, BlockPool* pool, uint32_t entries) {
  ring_ = ring;
  pool_ = pool;
  entries_ = entries;
  memorySize_ = static_cast<size_t>(entries) * sizeof(io_uring_buf);
  void* memory = mmap(nullptr, memorySize_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (memory == MAP_FAILED) return errno;
  memory_ = memory;
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(memory_);
  reg.ring_entries = entries;
  reg.bgid = kGroup;
  if (ring_->Register(IORING_REGISTER_PBUF_RING, &reg, 1) != 0) return errno;
  registered_ = true;
  blocks_.resize(entries);
  for (uint32_t bid = entries; bid > 0; bid--) empty_.push_back(bid - 1);
  Refill();
  return lent_ > 0 ? 0 : ENOMEM;
}

Block UringBufferRing::Take(uint32_t bid) {
  if (bid >= entries_ || !blocks_[bid].valid()) return Block();
  Block block = blocks_[bid];
  blocks_[bid] = Block();
  lent_--;
  return block;
}

void UringBufferRing::Put(uint32_t bid, const Block& block) {
  blocks_[bid] = block;
  lent_++;
  Publish(bid);
}

void UringBufferRing::Replace(uint32_t bid) {
  Block block = pool_->Acquire();
  if (block.valid()) {
    Put(bid, block);
  } else {
    empty_.push_back(bid);
  }
}

uint32_t UringBufferRing::Refill() {
  while (!empty_.empty()) {
    Block block = pool_->Acquire();
    if (!block.valid()) break;
    uint32_t bid = empty_.back();
    empty_.pop_back();
    Put(bid, block);
  }
  return static_cast<uint32_t>(empty_.size());
}

void UringBufferRing::Publish(uint32_t bid) {
  // Not io_uring_buf_ring::bufs: compiled as C++, the header's flexible-array wrapper moves it 8 bytes on. The
  // entries start at the ring's first byte; the tail overlays the first entry's `resv`.
  io_uring_buf* slot = static_cast<io_uring_buf*>(memory_) + (tail_ & (entries_ - 1));
  slot->addr = reinterpret_cast<uint64_t>(blocks_[bid].data);
  slot->len = blocks_[bid].capacity;
  slot->bid = static_cast<uint16_t>(bid);
  tail_++;
  // The kernel reads the entry once it sees the new tail.
  __atomic_store_n(&static_cast<io_uring_buf*>(memory_)->resv, tail_, __ATOMIC_RELEASE);
}

}  // namespace thriftpoll

#endif  // THRIFTPOLL_URING

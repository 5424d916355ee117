// Block pool: the memory every LinkBuffer (input and output) is made of.
//
//   slab (mmap'd, e.g. 1 MiB)                       large slab (one block of any size)
//   +--------+--------+--------+-- ... --+          +---------------------------+
//   | block0 | block1 | block2 |         |          | block (e.g. 3 MiB malloc) |
//   +--------+--------+--------+-- ... --+          +---------------------------+
//
// Blocks are carved from slabs and recycled through per-slab free lists. A slab is exposed to JavaScript once,
// as an external ArrayBuffer, so that a view over any block is a plain subarray (no native call per read).
//
// Memory contract:
// - A block belongs to exactly one owner at a time (a connection's input list, a JavaScript writer, or a queued
//   output segment). Its owner returns it with Release().
// - A slab's memory is unmapped only when the pool has retired it AND JavaScript no longer references its
//   ArrayBuffer (the finalizer ran, or it was never exposed). So a stale view can show reused bytes, but never
//   touch unmapped memory.
// - Retiring follows demand. A wholly free slab is retired when, without it, the pool still holds
//   `retainBytes` of free blocks beyond those in use AND at least as many blocks as were in use at the recent
//   peak (the highest count in the current and the previous trim period). So a load that swings between 0 and
//   N blocks in use every batch (N connections reading at once) keeps its N blocks mapped instead of unmapping
//   and faulting them back in every batch; Trim(), called about once a second, ends a period, so memory held
//   for a peak that has passed goes back to the system within two periods.
// - Slab ids are never reused in a process, so a JavaScript cache keyed by slab id cannot alias.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "engine_mutex.h"

namespace thriftpoll {

struct Slab;

/** One block: `capacity` bytes at `data`, which is `offset` bytes into slab `slab`. */
struct Block {
  Slab* slab = nullptr;
  char* data = nullptr;
  uint32_t offset = 0;
  uint32_t capacity = 0;
  bool valid() const { return data != nullptr; }
};

/** Counters for tests and engineStats(). */
struct PoolStats {
  size_t slabs = 0;         // live slabs (standard and large)
  size_t blocksTotal = 0;   // standard blocks in live slabs
  size_t blocksFree = 0;    // standard blocks pooled (free)
  size_t largeBlocks = 0;   // live dedicated (large) blocks
  size_t largeBytes = 0;
  size_t mappedBytes = 0;   // memory held by live slabs
  size_t slabsCreated = 0;  // slabs mapped since the pool was created (standard and large)
};

class BlockPool {
 public:
  /**
   * blockSize and slabSize are validated by the caller (slabSize a multiple of blockSize). `threaded`: other
   * threads than the creator's use the pool (threads mode); otherwise it does not lock.
   */
  BlockPool(uint32_t blockSize, uint32_t slabSize, size_t retainBytes, bool threaded);
  /** Retires every slab; blocks still owned elsewhere must not be used afterwards. */
  ~BlockPool();
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;

  /** A standard block; !valid() when memory is exhausted. Thread-safe (threaded pool). */
  Block Acquire();
  /** A dedicated block of at least `size` bytes (for writes larger than a block). Thread-safe (threaded pool). */
  Block AcquireLarge(size_t size);
  /** Returns a block to the pool. Thread-safe (threaded pool). */
  void Release(const Block& block);
  /** Finds the block holding byte `offset` of slab `slabId` (for descriptors coming from JavaScript). */
  bool Lookup(uint32_t slabId, uint32_t offset, Block* out);
  /** Moves the ids of slabs retired since the last call into `out` (so JavaScript can drop its cache). */
  void TakeRetired(std::vector<uint32_t>* out);
  /** True when slabs were retired since the last TakeRetired(). Thread-safe (threaded pool). */
  bool HasRetired();
  /**
   * Ends a trim period: forgets the older of the two remembered peaks and retires the wholly free slabs that
   * demand no longer justifies. Returns true while some wholly free slab is still kept only for the recent
   * peak (call again in a period). Thread-safe (threaded pool).
   */
  bool Trim();
  /** True when Release() kept a wholly free slab only for the recent peak: a Trim() is due. Lock-free. */
  bool trimDue() const { return trimDue_.load(std::memory_order_relaxed); }
  PoolStats Stats();
  uint32_t blockSize() const { return blockSize_; }

 private:
  Slab* NewSlab(size_t size, bool large);
  void RetireLocked(Slab* slab);
  /** Whether the wholly free standard `slab` should go back to the system now (see the memory contract). */
  bool ShouldRetireLocked(const Slab* slab) const;
  /** Whether the floor rule alone (retainBytes beyond the blocks in use) would let `slab` go. */
  bool AboveFloorLocked(const Slab* slab) const;
  void RetireFreeSlabLocked(Slab* slab);

  const uint32_t blockSize_;
  const uint32_t slabSize_;
  const size_t retainBlocks_;
  EngineMutex mu_;
  std::unordered_map<uint32_t, Slab*> slabs_;
  std::vector<Slab*> available_;  // standard slabs with at least one free block
  std::vector<uint32_t> retired_;
  size_t blocksTotal_ = 0;
  size_t blocksFree_ = 0;
  size_t largeBlocks_ = 0;
  size_t largeBytes_ = 0;
  size_t mappedBytes_ = 0;
  size_t slabsCreated_ = 0;
  size_t peakInUse_ = 0;      // most standard blocks in use at once in the current trim period
  size_t lastPeakInUse_ = 0;  // ... in the previous period
  std::atomic<bool> trimDue_{false};
};

/**
 * Process-wide slab registry, shared with the ArrayBuffer finalizers (which may run after an engine is gone).
 * Expose() marks a slab as referenced from JavaScript and returns its memory; Finalized() is called by the
 * ArrayBuffer's finalizer. Both return false / do nothing for unknown ids.
 */
/** The process-unique id of a slab (what JavaScript caches its ArrayBuffer under). */
uint32_t SlabId(const Slab* slab);

namespace slabs {
bool Expose(uint32_t id, char** data, size_t* size);
void Finalized(uint32_t id);
/** Slabs of every engine in the process not yet unmapped (retired ones included while JavaScript holds them). */
size_t LiveCount();
}  // namespace slabs

}  // namespace thriftpoll

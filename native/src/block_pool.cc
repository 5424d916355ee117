#include "block_pool.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>

namespace thriftpoll {

struct Slab {
  uint32_t id = 0;
  char* data = nullptr;
  size_t size = 0;
  bool large = false;
  bool inAvailable = false;
  uint32_t blocks = 0;
  std::vector<uint32_t> freeOffsets;
  // Guarded by the registry mutex:
  bool retired = false;   // the pool no longer uses it
  uint32_t exposed = 0;   // ArrayBuffers over it not yet finalized
};

namespace {

std::atomic<uint32_t> nextSlabId{1};

/** Slabs that are alive or awaiting their ArrayBuffer finalizer. Leaked on purpose at exit (reachable). */
struct Registry {
  std::mutex mu;
  std::unordered_map<uint32_t, Slab*> live;
};

Registry& registry() {
  static Registry* instance = new Registry();
  return *instance;
}

void FreeSlabMemory(Slab* slab) {
  if (slab->data != nullptr) munmap(slab->data, slab->size);
  delete slab;
}

/** Called with the registry mutex held once a slab may be freed; frees it unless JavaScript still holds it. */
void MaybeFreeLocked(Registry& reg, Slab* slab) {
  if (!slab->retired || slab->exposed > 0) return;
  reg.live.erase(slab->id);
  FreeSlabMemory(slab);
}

}  // namespace

namespace slabs {

bool Expose(uint32_t id, char** data, size_t* size) {
  Registry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mu);
  auto it = reg.live.find(id);
  if (it == reg.live.end() || it->second->retired) return false;
  it->second->exposed++;
  *data = it->second->data;
  *size = it->second->size;
  return true;
}

void Finalized(uint32_t id) {
  Registry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mu);
  auto it = reg.live.find(id);
  if (it == reg.live.end() || it->second->exposed == 0) return;
  it->second->exposed--;
  MaybeFreeLocked(reg, it->second);
}

size_t LiveCount() {
  Registry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mu);
  return reg.live.size();
}

}  // namespace slabs

BlockPool::BlockPool(uint32_t blockSize, uint32_t slabSize, size_t retainBytes, bool threaded)
    : blockSize_(blockSize), slabSize_(slabSize), retainBlocks_(retainBytes / blockSize), mu_(threaded) {}

BlockPool::~BlockPool() {
  std::lock_guard<EngineMutex> lock(mu_);
  for (auto& entry : slabs_) {
    Registry& reg = registry();
    std::lock_guard<std::mutex> regLock(reg.mu);
    entry.second->retired = true;
    MaybeFreeLocked(reg, entry.second);
  }
  slabs_.clear();
  available_.clear();
}

Slab* BlockPool::NewSlab(size_t size, bool large) {
  void* memory = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return nullptr;
  Slab* slab = new Slab();
  slab->id = nextSlabId.fetch_add(1);
  slab->data = static_cast<char*>(memory);
  slab->size = size;
  slab->large = large;
  {
    Registry& reg = registry();
    std::lock_guard<std::mutex> lock(reg.mu);
    reg.live.emplace(slab->id, slab);
  }
  slabs_.emplace(slab->id, slab);
  mappedBytes_ += size;
  slabsCreated_++;
  return slab;
}

Block BlockPool::Acquire() {
  std::lock_guard<EngineMutex> lock(mu_);
  if (available_.empty()) {
    Slab* slab = NewSlab(slabSize_, false);
    if (slab == nullptr) return Block();
    slab->blocks = slabSize_ / blockSize_;
    slab->freeOffsets.reserve(slab->blocks);
    // Highest offset first so blocks are handed out in address order.
    for (uint32_t i = slab->blocks; i > 0; i--) slab->freeOffsets.push_back((i - 1) * blockSize_);
    slab->inAvailable = true;
    available_.push_back(slab);
    blocksTotal_ += slab->blocks;
    blocksFree_ += slab->blocks;
  }
  Slab* slab = available_.back();
  uint32_t offset = slab->freeOffsets.back();
  slab->freeOffsets.pop_back();
  if (slab->freeOffsets.empty()) {
    slab->inAvailable = false;
    available_.pop_back();
  }
  blocksFree_--;
  peakInUse_ = std::max(peakInUse_, blocksTotal_ - blocksFree_);
  Block block;
  block.slab = slab;
  block.data = slab->data + offset;
  block.offset = offset;
  block.capacity = blockSize_;
  return block;
}

Block BlockPool::AcquireLarge(size_t size) {
  const size_t page = 4096;
  size_t rounded = (size + page - 1) / page * page;
  if (rounded > UINT32_MAX) return Block();
  std::lock_guard<EngineMutex> lock(mu_);
  Slab* slab = NewSlab(rounded, true);
  if (slab == nullptr) return Block();
  slab->blocks = 1;
  largeBlocks_++;
  largeBytes_ += rounded;
  Block block;
  block.slab = slab;
  block.data = slab->data;
  block.offset = 0;
  block.capacity = static_cast<uint32_t>(rounded);
  return block;
}

void BlockPool::Release(const Block& block) {
  if (!block.valid()) return;
  std::lock_guard<EngineMutex> lock(mu_);
  Slab* slab = block.slab;
  if (slab->large) {
    largeBlocks_--;
    largeBytes_ -= slab->size;
    RetireLocked(slab);
    return;
  }
  slab->freeOffsets.push_back(block.offset);
  blocksFree_++;
  if (!slab->inAvailable) {
    slab->inAvailable = true;
    available_.push_back(slab);
  }
  if (slab->freeOffsets.size() != slab->blocks) return;
  if (ShouldRetireLocked(slab)) {
    available_.erase(std::find(available_.begin(), available_.end(), slab));
    RetireFreeSlabLocked(slab);
  } else if (AboveFloorLocked(slab)) {
    trimDue_.store(true, std::memory_order_relaxed);  // kept for the recent peak only
  }
}

bool BlockPool::AboveFloorLocked(const Slab* slab) const {
  const size_t inUse = blocksTotal_ - blocksFree_;
  return blocksTotal_ - slab->blocks >= inUse + retainBlocks_;
}

bool BlockPool::ShouldRetireLocked(const Slab* slab) const {
  return AboveFloorLocked(slab) && blocksTotal_ - slab->blocks >= std::max(peakInUse_, lastPeakInUse_);
}

void BlockPool::RetireFreeSlabLocked(Slab* slab) {
  slab->inAvailable = false;
  blocksFree_ -= slab->blocks;
  blocksTotal_ -= slab->blocks;
  RetireLocked(slab);
}

bool BlockPool::Trim() {
  std::lock_guard<EngineMutex> lock(mu_);
  lastPeakInUse_ = peakInUse_;
  peakInUse_ = blocksTotal_ - blocksFree_;
  bool due = false;
  size_t kept = 0;
  for (size_t i = 0; i < available_.size(); i++) {
    Slab* slab = available_[i];
    if (slab->freeOffsets.size() == slab->blocks && ShouldRetireLocked(slab)) {
      RetireFreeSlabLocked(slab);
      continue;
    }
    if (slab->freeOffsets.size() == slab->blocks && AboveFloorLocked(slab)) due = true;
    available_[kept++] = slab;
  }
  available_.resize(kept);
  trimDue_.store(due, std::memory_order_relaxed);
  return due;
}

bool BlockPool::HasRetired() {
  std::lock_guard<EngineMutex> lock(mu_);
  return !retired_.empty();
}

void BlockPool::RetireLocked(Slab* slab) {
  slabs_.erase(slab->id);
  mappedBytes_ -= slab->size;
  retired_.push_back(slab->id);
  Registry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mu);
  slab->retired = true;
  MaybeFreeLocked(reg, slab);
}

bool BlockPool::Lookup(uint32_t slabId, uint32_t offset, Block* out) {
  std::lock_guard<EngineMutex> lock(mu_);
  auto it = slabs_.find(slabId);
  if (it == slabs_.end()) return false;
  Slab* slab = it->second;
  if (offset >= slab->size) return false;
  if (slab->large) {
    out->offset = 0;
    out->capacity = static_cast<uint32_t>(slab->size);
  } else {
    out->offset = offset - offset % blockSize_;
    out->capacity = blockSize_;
  }
  out->slab = slab;
  out->data = slab->data + out->offset;
  return true;
}

void BlockPool::TakeRetired(std::vector<uint32_t>* out) {
  std::lock_guard<EngineMutex> lock(mu_);
  out->insert(out->end(), retired_.begin(), retired_.end());
  retired_.clear();
}

PoolStats BlockPool::Stats() {
  std::lock_guard<EngineMutex> lock(mu_);
  PoolStats stats;
  stats.slabs = slabs_.size();
  stats.blocksTotal = blocksTotal_;
  stats.blocksFree = blocksFree_;
  stats.largeBlocks = largeBlocks_;
  stats.largeBytes = largeBytes_;
  stats.mappedBytes = mappedBytes_;
  stats.slabsCreated = slabsCreated_;
  return stats;
}

uint32_t SlabId(const Slab* slab) { return slab->id; }

}  // namespace thriftpoll

// A FIFO over a power-of-two ring that allocates nothing until the first push (std::deque allocates its map
// and a 512-byte node up front: over 1 KiB for the two queues of every idle connection).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

namespace thriftpoll {

template <typename T>
class Ring {
 public:
  Ring() = default;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  T& operator[](size_t index) { return items_[(head_ + index) & (capacity_ - 1)]; }
  const T& operator[](size_t index) const { return items_[(head_ + index) & (capacity_ - 1)]; }
  T& front() { return items_[head_]; }
  T& back() { return (*this)[size_ - 1]; }

  void push_back(const T& value) {
    if (size_ == capacity_) Grow();
    (*this)[size_] = value;
    size_++;
  }

  void pop_front() {
    head_ = (head_ + 1) & (capacity_ - 1);
    size_--;
    if (size_ == 0) head_ = 0;
  }

  /** Empties the queue and gives its memory back. */
  void clear() {
    items_.reset();
    capacity_ = 0;
    head_ = 0;
    size_ = 0;
  }

 private:
  void Grow() {
    size_t capacity = capacity_ == 0 ? 4 : capacity_ * 2;
    std::unique_ptr<T[]> items(new T[capacity]);
    for (size_t i = 0; i < size_; i++) items[i] = std::move((*this)[i]);
    items_ = std::move(items);
    capacity_ = capacity;
    head_ = 0;
  }

  std::unique_ptr<T[]> items_;
  size_t capacity_ = 0;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace thriftpoll

// The mutex guarding engine state that poller threads and the JavaScript thread share (a connection, a
// listener, the ready queue, the block pool).
//
// In inline mode there are no poller threads: the JavaScript thread does every read, write and release itself,
// so locking would only cost two atomic operations per critical section (about seven per echoed request, 1-2%
// of the CPU per request). Such a mutex is created disabled and lock()/unlock() do nothing. Whether it locks is
// fixed before the object is shared and never changes afterwards.
#pragma once

#include <mutex>

namespace thriftpoll {

class EngineMutex {
 public:
  EngineMutex() = default;
  explicit EngineMutex(bool threaded) : threaded_(threaded) {}
  EngineMutex(const EngineMutex&) = delete;
  EngineMutex& operator=(const EngineMutex&) = delete;

  /** Inline mode: no locking. Only before the owner is visible to another thread. */
  void SetThreaded(bool threaded) { threaded_ = threaded; }

  // BasicLockable, for std::lock_guard and std::unique_lock.
  void lock() {
    if (threaded_) mutex_.lock();
  }
  void unlock() {
    if (threaded_) mutex_.unlock();
  }

 private:
  std::mutex mutex_;
  bool threaded_ = true;
};

}  // namespace thriftpoll

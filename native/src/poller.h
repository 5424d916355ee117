// A poller: one level-triggered epoll instance, and in threads mode a thread that waits on it.
//
//   threads mode                                inline mode
//   poller thread:                              JavaScript thread (libuv watches the epoll fd):
//     epoll_wait(-1) -> readv/writev/accept       uv_poll readable -> epoll_wait(0) -> readv/...
//     -> push ready connections, wake JS          -> push ready connections -> dispatch to JS
//     -> drop deferred references
//
// Connections are released by the JavaScript thread at any time; the poller thread may hold a pointer it got
// from epoll_wait for the rest of its batch. So the poller's reference is dropped only by the poller itself,
// between batches (Defer), when epoll can no longer return the object.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "conn.h"
#include "uring_poll.h"

namespace thriftpoll {

class Engine;

class Poller {
 public:
  /** `uring`: readiness through an io_uring instead of epoll (inline only; see uring_poll.h). */
  Poller(Engine* engine, bool threaded, uint32_t index, bool uring = false);
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  /** Creates the epoll instance (and the wake-up eventfd). Returns 0 or an errno. */
  int Init();
  /** Threads mode: starts the thread. */
  void Start();
  /** Stops and joins the thread (threads mode); idempotent. */
  void Stop();
  /** The fd libuv watches in inline mode: the epoll fd, or the ring's own fd in uring mode. */
  int epollFd() const { return uring_ ? uring_->pollFd() : epfd_; }
  /** Uring mode: submits the registration changes queued since the last wake-up (one system call). */
  int Submit() { return uring_ ? uring_->Submit() : 0; }
  uint32_t index() const { return index_; }
  /** Uring mode: the ring connections do their I/O on; null otherwise. */
  UringPoll* uring() { return uring_.get(); }

  /** Most events one epoll_wait returns. */
  static constexpr int kMaxEvents = 256;

  /**
   * Waits up to timeoutMs (0: do not wait) and handles up to maxEvents (at most kMaxEvents) ready items.
   * Returns how many there were.
   */
  int RunOnce(int timeoutMs, int maxEvents = kMaxEvents);

  /** Drops the poller's reference to a connection or listener at the next quiet point (any thread). */
  void Defer(Conn* conn);
  void Defer(Listener* listener);

  /** Drops the deferred references now (after Stop(), or from the poller itself). */
  void DropDeferred();

  /** Adds, modifies or removes (events == 0) a registration. Returns 0 or an errno. */
  int Control(int fd, Pollable* item, uint32_t oldEvents, uint32_t newEvents);

 private:
  void Loop();

  Engine* const engine_;
  const bool threaded_;
  const uint32_t index_;
  int epfd_ = -1;
  int wakeFd_ = -1;
  Pollable wakeItem_{PollKind::kWakeup};
  std::unique_ptr<UringPoll> uring_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::vector<Conn*> deferredConns_;
  std::vector<Listener*> deferredListeners_;
  std::vector<Conn*> ready_;  // reused per batch
};

}  // namespace thriftpoll

#include "poller.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "engine.h"

namespace thriftpoll {


Poller::Poller(Engine* engine, bool threaded, uint32_t index, bool uring)
    : engine_(engine), threaded_(threaded), index_(index), uring_(uring ? std::make_unique<UringPoll>() : nullptr) {}

Poller::~Poller() {
  Stop();
  DropDeferred();
  if (wakeFd_ >= 0) close(wakeFd_);
  if (epfd_ >= 0) close(epfd_);
}

int Poller::Init() {
#if THRIFTPOLL_URING
  if (uring_) return uring_->Init(&engine_->pool(), engine_->options().uringBuffers);
#else
  if (uring_) return EOPNOTSUPP;  // built without io_uring (uring_config.h)
#endif
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) return errno;
  if (!threaded_) return 0;
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) return errno;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &wakeItem_;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, wakeFd_, &ev) != 0) return errno;
  return 0;
}

void Poller::Start() {
  if (threaded_) thread_ = std::thread([this] { Loop(); });
}

void Poller::Stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  uint64_t one = 1;
  ssize_t ignored = write(wakeFd_, &one, sizeof one);
  (void)ignored;
  thread_.join();
}

void Poller::Loop() {
  for (;;) {
    if (stopping_) return;
    RunOnce(-1);
  }
}

int Poller::RunOnce(int timeoutMs, int maxEvents) {
#if THRIFTPOLL_URING
  if (uring_) {
    auto polled = [this](Pollable* item, uint32_t events, int result) {
      if (result != UringPoll::kPolled) {
        engine_->AcceptCompleted(static_cast<Listener*>(item), result, &ready_);
      } else {
        engine_->HandleEvent(this, item, events, &ready_);
      }
    };
    auto io = [this](void* owner, UringPoll::IoKind kind, int result, uint32_t flags) {
      Conn* conn = static_cast<Conn*>(owner);
      if (kind == UringPoll::kRecv) {
        engine_->ReceiveCompleted(conn, result, flags, &ready_);
      } else {
        engine_->SendCompleted(conn, result, &ready_);
      }
    };
    int n = uring_->RunOnce(maxEvents < kMaxEvents ? maxEvents : kMaxEvents, polled, io);
    engine_->RearmStarved();
    if (!ready_.empty()) engine_->PushReady(&ready_);
    return n;
  }
#endif
  epoll_event events[kMaxEvents];
  int n = epoll_wait(epfd_, events, maxEvents < kMaxEvents ? maxEvents : kMaxEvents, timeoutMs);
  if (n < 0) return 0;  // EINTR: the caller loops
  for (int i = 0; i < n; i++) {
    Pollable* item = static_cast<Pollable*>(events[i].data.ptr);
    if (item->kind == PollKind::kWakeup) {
      uint64_t value;
      ssize_t ignored = read(wakeFd_, &value, sizeof value);
      (void)ignored;
      continue;
    }
    engine_->HandleEvent(this, item, events[i].events, &ready_);
  }
  if (!ready_.empty()) engine_->PushReady(&ready_);
  DropDeferred();
  return n;
}

void Poller::Defer(Conn* conn) {
  if (!threaded_) {
    engine_->Unref(conn);
    return;
  }
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake = deferredConns_.empty() && deferredListeners_.empty();
    deferredConns_.push_back(conn);
  }
  if (wake) {
    uint64_t one = 1;
    ssize_t ignored = write(wakeFd_, &one, sizeof one);
    (void)ignored;
  }
}

void Poller::Defer(Listener* listener) {
  if (!threaded_) {
    engine_->Unref(listener);
    return;
  }
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake = deferredConns_.empty() && deferredListeners_.empty();
    deferredListeners_.push_back(listener);
  }
  if (wake) {
    uint64_t one = 1;
    ssize_t ignored = write(wakeFd_, &one, sizeof one);
    (void)ignored;
  }
}

void Poller::DropDeferred() {
  std::vector<Conn*> conns;
  std::vector<Listener*> listeners;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (deferredConns_.empty() && deferredListeners_.empty()) return;
    conns.swap(deferredConns_);
    listeners.swap(deferredListeners_);
  }
  for (Conn* conn : conns) engine_->Unref(conn);
  for (Listener* listener : listeners) engine_->Unref(listener);
}

int Poller::Control(int fd, Pollable* item, uint32_t oldEvents, uint32_t newEvents) {
  if (oldEvents == newEvents) return 0;
#if THRIFTPOLL_URING
  if (uring_) return uring_->Control(fd, item, newEvents, item->kind == PollKind::kListener);
#endif
  epoll_event ev{};
  ev.events = newEvents;
  ev.data.ptr = item;
  int op = newEvents == 0 ? EPOLL_CTL_DEL : (oldEvents == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD);
  if (epoll_ctl(epfd_, op, fd, &ev) != 0) return errno;
  return 0;
}

}  // namespace thriftpoll

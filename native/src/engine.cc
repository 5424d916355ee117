#include "engine.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace thriftpoll {

namespace {

constexpr int kAcceptBurst = 64;       // accepts per readiness event, so one listener cannot starve the rest
constexpr int kReadRounds = 16;        // readv calls per readiness event (level-triggered: the rest comes back)
constexpr uint32_t kSmallTailRoom = 4096;  // below this much room left in the tail block, also read into a fresh one
constexpr uint32_t kBackoffFirstMs = 50;
constexpr uint32_t kBackoffMaxMs = 1000;
// Uring: flushes per loop turn written at once rather than as ring entries (see Flush). A few cover a quiet
// server's turn (one or two replies) without a completion each; a busy turn's other replies still share one enter.
constexpr uint32_t kDirectSendsPerTurn = 4;

int SocketError(int fd) {
  int value = 0;
  socklen_t length = sizeof value;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) != 0) return errno;
  return value;
}

bool IsTransientAcceptError(int error) {
  // The connection died between SYN and accept, or a firewall said no: nothing to back off from.
  return error == ECONNABORTED || error == EPROTO || error == EPERM || error == EINTR;
}

}  // namespace

Engine::Engine(const EngineOptions& options, Notifier* notifier)
    : options_(options),
      notifier_(notifier),
      pool_(options.blockSize, options.slabSize, options.retainBytes, !options.inlineMode),
      readyMu_(!options.inlineMode) {}

Engine::~Engine() { Stop(); }

int Engine::Start() {
  uint32_t count = options_.inlineMode ? 1 : std::max<uint32_t>(1, options_.pollers);
  for (uint32_t i = 0; i < count; i++) {
    auto poller = std::make_unique<Poller>(this, !options_.inlineMode, i, options_.inlineMode && options_.uring);
    int error = poller->Init();
    if (error != 0) return error;
    pollers_.push_back(std::move(poller));
  }
  for (auto& poller : pollers_) poller->Start();
  started_ = true;
  return 0;
}

void Engine::Stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& poller : pollers_) poller->Stop();
  for (auto& poller : pollers_) poller->DropDeferred();
  // Single-threaded from here on: free everything directly, whatever its reference count says.
  tearingDown_ = true;
  for (auto& entry : listeners_) {
    Listener* listener = entry.second;
    if (listener->fd >= 0) close(listener->fd);
    if (listener->timerFd >= 0) close(listener->timerFd);
    if (listener->unixPath != 0) unlink(listener->path);
    delete listener;
  }
  listeners_.clear();
  liveListeners_ = 0;
  pollers_.clear();  // the pollers' deferred references are no-ops now
  std::vector<Conn*> conns(all_.begin(), all_.end());
  all_.clear();
  for (Conn* conn : conns) {
    if (conn->fd >= 0) close(conn->fd);
    conn->fd = -1;
    for (size_t i = 0; i < conn->inBlocks.size(); i++) pool_.Release(conn->inBlocks[i].block);
    conn->inBlocks.clear();
    DropOutputLocked(conn);
    delete conn;
  }
  conns_.clear();
  starved_.clear();
  ready_.clear();
  drainBatch_.clear();
  notices_.clear();
}

// ---------------------------------------------------------------------------------------------------------
// References

void Engine::Unref(Conn* conn) {
  if (tearingDown_) return;
  if (conn->refs.fetch_sub(1) == 1) FreeConn(conn);
}

void Engine::Unref(Listener* listener) {
  if (tearingDown_) return;
  if (listener->refs.fetch_sub(1) == 1) FreeListener(listener);
}

void Engine::FreeConn(Conn* conn) {
  if (conn->fd >= 0) close(conn->fd);
  conn->fd = -1;
  for (size_t i = 0; i < conn->inBlocks.size(); i++) pool_.Release(conn->inBlocks[i].block);
  conn->inBlocks.clear();
  DropOutputLocked(conn);
  {
    std::lock_guard<std::mutex> lock(allMu_);
    all_.erase(conn);
  }
  delete conn;
}

void Engine::FreeListener(Listener* listener) { delete listener; }

Conn* Engine::NewConn(int fd, Poller* poller) {
  Conn* conn = new Conn();
  conn->id = nextConnId_.fetch_add(1);
  conn->fd = fd;
  conn->poller = poller;
  conn->readCap = options_.readCap;
  conn->mu.SetThreaded(!options_.inlineMode);
  conn->refs = 2;  // the table, the poller registration
  std::lock_guard<std::mutex> lock(allMu_);
  all_.insert(conn);
  return conn;
}

Poller* Engine::NextPoller() {
  uint32_t index = acceptRobin_.fetch_add(1) % pollers_.size();
  return pollers_[index].get();
}

Conn* Engine::Find(uint64_t id) {
  auto it = conns_.find(id);
  return it == conns_.end() ? nullptr : it->second;
}

// ---------------------------------------------------------------------------------------------------------
// Readiness (under conn->mu)

uint32_t Engine::DesiredMask(const Conn* conn) const {
  if (conn->closed || conn->fd < 0) return 0;
  if (conn->connecting) return EPOLLOUT;
  if (conn->error != 0 || conn->hup || conn->connectError != 0) return 0;
  uint32_t mask = 0;
  if (!conn->eof && !conn->throttled) mask |= EPOLLIN | EPOLLRDHUP;
  if (!conn->out.empty() && !options_.uring) mask |= EPOLLOUT;  // uring: sends are ring requests, no POLLOUT
  return mask;
}

void Engine::UpdateMask(Conn* conn) {
  uint32_t desired = DesiredMask(conn);
#if THRIFTPOLL_URING
  if (options_.uring && !conn->connecting) {
    UpdateUring(conn, desired);
    return;
  }
#endif
  if (desired == conn->mask) return;
  int error = conn->poller->Control(conn->fd, conn, conn->mask, desired);
  if (error == 0 || desired == 0) {
    conn->mask = desired;
  } else if (conn->error == 0) {
    conn->error = error;
  }
}

void Engine::MarkReady(Conn* conn, std::vector<Conn*>* ready) {
  if (conn->queued) return;
  conn->queued = true;
  conn->refs.fetch_add(1);
  ready->push_back(conn);
}

bool Engine::ShouldThrottle(const Conn* conn) const {
  uint64_t unreleased = conn->inEnd - conn->released;
  uint64_t limit = conn->readCap;
  if (conn->wakeAt > conn->released) limit = std::max(limit, conn->wakeAt - conn->released);
  return unreleased >= limit;
}

void Engine::ReadInput(Conn* conn, std::vector<Conn*>* ready) {
  const uint32_t blockSize = pool_.blockSize();
  bool progressed = false;
  for (int round = 0;; round++) {
    if (ShouldThrottle(conn)) {
      conn->throttled = true;
      break;
    }
    if (!conn->hup && round >= kReadRounds) break;
    iovec iov[2];
    int count = 0;
    uint32_t tailRoom = 0;
    if (!conn->inBlocks.empty()) {
      const InBlock& tail = conn->inBlocks.back();
      tailRoom = blockSize - tail.length;
      if (tailRoom > 0) iov[count++] = {tail.block.data + tail.length, tailRoom};
    }
    Block fresh;
    if (tailRoom < kSmallTailRoom) {
      fresh = pool_.Acquire();
      if (!fresh.valid()) {
        if (count == 0) {
          conn->error = ENOMEM;
          MarkReady(conn, ready);
          break;
        }
      } else {
        iov[count++] = {fresh.data, blockSize};
      }
    }
    size_t capacity = 0;
    for (int i = 0; i < count; i++) capacity += iov[i].iov_len;
    // The socket calls: recv(2)/recvmsg(2) go straight to the socket layer, where read(2)/readv(2) first pass
    // through the VFS (access checks, fsnotify): about 0.2 of 1.2 us per read at 1,000 connections.
    ssize_t n;
    if (count == 1) {
      n = recv(conn->fd, iov[0].iov_base, iov[0].iov_len, 0);
    } else {
      msghdr message{};
      message.msg_iov = iov;
      message.msg_iovlen = count;
      n = recvmsg(conn->fd, &message, 0);
    }
    if (n > 0) {
      size_t intoTail = std::min<size_t>(static_cast<size_t>(n), tailRoom);
      if (intoTail > 0) conn->inBlocks.back().length += static_cast<uint32_t>(intoTail);
      if (static_cast<size_t>(n) > intoTail) {
        if (conn->inBlocks.empty()) conn->inBase = conn->inEnd;
        conn->inBlocks.push_back({fresh, static_cast<uint32_t>(static_cast<size_t>(n) - intoTail)});
      } else {
        pool_.Release(fresh);
      }
      conn->inEnd += static_cast<uint64_t>(n);
      progressed = true;
      if (static_cast<size_t>(n) < capacity && !conn->hup) break;  // the socket is drained for now
      continue;
    }
    pool_.Release(fresh);
    if (n == 0) {
      conn->eof = true;
      MarkReady(conn, ready);
      break;
    }
    int error = errno;
    if (error == EINTR) continue;
    if (error == EAGAIN || error == EWOULDBLOCK) {
      // After a hang-up nothing more can arrive, so an empty socket means the end of the stream.
      if (conn->hup) {
        conn->eof = true;
        MarkReady(conn, ready);
      }
      break;
    }
    conn->error = error;
    MarkReady(conn, ready);
    break;
  }
  if (progressed && conn->inEnd >= conn->wakeAt) MarkReady(conn, ready);
}

int Engine::WriteOutput(Conn* conn) {
  for (;;) {
    // Empty segments only carry a block's ownership: release it once everything before it has been sent.
    while (!conn->out.empty() && conn->out.front().length == 0) {
      if (conn->out.front().own) pool_.Release(conn->out.front().block);
      conn->out.pop_front();
    }
    if (conn->out.empty()) return 0;
    iovec iov[kMaxSendIov];
    int count = 0;
    size_t total = 0;
    for (size_t i = 0; i < conn->out.size() && count < kMaxSendIov; i++) {
      const OutSegment& segment = conn->out[i];
      iov[count++] = {segment.data, segment.length};
      total += segment.length;
    }
    ssize_t n;
    if (count == 1) {
      // One buffer (the common reply): send(2) skips the msghdr/iovec import of sendmsg(2).
      n = send(conn->fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL | MSG_DONTWAIT);
    } else {
      msghdr message{};
      message.msg_iov = iov;
      message.msg_iovlen = count;
      n = sendmsg(conn->fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    if (n < 0) {
      int error = errno;
      if (error == EINTR) continue;
      if (error == EAGAIN || error == EWOULDBLOCK) return 0;
      return error;
    }
    ConsumeSent(conn, static_cast<size_t>(n));
    if (static_cast<size_t>(n) < total) return 0;  // the socket buffer is full
  }
}

void Engine::ConsumeSent(Conn* conn, size_t sent) {
  conn->outSent += static_cast<uint64_t>(sent);
  size_t left = sent;
  while (!conn->out.empty()) {
    OutSegment& head = conn->out.front();
    if (head.length > left) {
      head.data += left;
      head.length -= static_cast<uint32_t>(left);
      break;
    }
    left -= head.length;
    if (head.own) pool_.Release(head.block);
    conn->out.pop_front();
  }
}

void Engine::DropOutputLocked(Conn* conn) {
  for (size_t i = 0; i < conn->out.size(); i++) {
    if (conn->out[i].own) pool_.Release(conn->out[i].block);
  }
  conn->out.clear();
}

void Engine::ReleaseInputLocked(Conn* conn, uint64_t position) {
  position = std::min(position, conn->delivered);
  if (position <= conn->released) return;
  conn->released = position;
  while (!conn->inBlocks.empty()) {
    bool last = conn->inBlocks.size() == 1;
    uint64_t blockEnd = conn->inBase + conn->inBlocks.front().length;
    if (!last && blockEnd <= conn->released) {
      pool_.Release(conn->inBlocks.front().block);
      conn->inBlocks.pop_front();
      conn->inBase = blockEnd;
      continue;
    }
    if (last && conn->released == conn->inEnd) {
      // Everything received is released: the connection holds no input memory while idle.
      pool_.Release(conn->inBlocks.front().block);
      conn->inBlocks.pop_front();
      conn->inBase = conn->inEnd;
    }
    break;
  }
}

void Engine::Unthrottle(Conn* conn, std::vector<Conn*>* ready) {
  if (!conn->throttled || ShouldThrottle(conn)) return;
  conn->throttled = false;
  if (conn->closed || conn->error != 0 || conn->eof) return;
  if (conn->hup) {
    // Not in epoll any more (a hang-up would be reported forever): read what is left right here.
    ReadInput(conn, ready);
  } else {
    UpdateMask(conn);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Poller side

void Engine::HandleEvent(Poller* poller, Pollable* item, uint32_t events, std::vector<Conn*>* ready) {
  switch (item->kind) {
    case PollKind::kListener:
      Accept(poller, static_cast<Listener*>(item), ready);
      return;
    case PollKind::kListenerTimer:
      ResumeListener(static_cast<ListenerTimer*>(item)->listener);
      return;
    case PollKind::kWakeup:
      return;
    case PollKind::kConn:
      break;
  }
  Conn* conn = static_cast<Conn*>(item);
  std::lock_guard<EngineMutex> lock(conn->mu);
  if (conn->closed) return;
  if (conn->connecting) {
    conn->connecting = false;
    conn->connectDone = true;
    conn->connectError = SocketError(conn->fd);
    if (conn->connectError == 0 && (events & EPOLLHUP) != 0) conn->connectError = ECONNREFUSED;
    if (conn->connectError == 0) {
      conn->local.length = sizeof conn->local.storage;
      getsockname(conn->fd, reinterpret_cast<sockaddr*>(&conn->local.storage), &conn->local.length);
    }
    UpdateMask(conn);
    MarkReady(conn, ready);
    return;
  }
  if ((events & EPOLLHUP) != 0) conn->hup = true;
  if ((events & EPOLLOUT) != 0 || (conn->hup && !conn->out.empty())) {
    if (!conn->out.empty() && conn->error == 0) {
      int error = WriteOutput(conn);
      if (error != 0) conn->error = error;
      conn->writeEvent = true;
      MarkReady(conn, ready);
    }
  }
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0 && !conn->eof && conn->error == 0 &&
      !conn->throttled) {
    ReadInput(conn, ready);
  }
  if ((events & EPOLLERR) != 0 && conn->error == 0) {
    int error = SocketError(conn->fd);
    if (error != 0) {
      conn->error = error;
      MarkReady(conn, ready);
    }
  }
  UpdateMask(conn);
}

void Engine::PushReady(std::vector<Conn*>* ready) {
  {
    std::lock_guard<EngineMutex> lock(readyMu_);
    ready_.insert(ready_.end(), ready->begin(), ready->end());
  }
  ready->clear();
  if (!inInline_) notifier_->Wake();
}

void Engine::Notice(double kind, double id, double a, double b) {
  {
    std::lock_guard<EngineMutex> lock(readyMu_);
    notices_.insert(notices_.end(), {kind, id, a, b, 0});
  }
  if (!inInline_) notifier_->Wake();
}

void Engine::Accept(Poller* /*poller*/, Listener* listener, std::vector<Conn*>* ready) {
  std::lock_guard<EngineMutex> lock(listener->mu);
  if (listener->closed || listener->paused) return;
  for (int i = 0; i < kAcceptBurst; i++) {
    SocketAddress remote;
    remote.length = sizeof remote.storage;
    int fd = accept4(listener->fd, reinterpret_cast<sockaddr*>(&remote.storage), &remote.length,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int error = errno;
      if (error == EAGAIN || error == EWOULDBLOCK) break;
      if (IsTransientAcceptError(error)) continue;
      BackOff(listener, error);
      return;
    }
    Adopt(listener, fd, remote, ready);
  }
}

void Engine::AcceptCompleted(Listener* listener, int result, std::vector<Conn*>* ready) {
  std::lock_guard<EngineMutex> lock(listener->mu);
  if (listener->closed || listener->paused) {
    if (result >= 0) close(result);
    return;
  }
  if (result < 0) {
    if (!IsTransientAcceptError(-result) && -result != EAGAIN) BackOff(listener, -result);
    return;
  }
  // A multishot accept reports no peer address (one buffer would serve every completion): ask the socket.
  SocketAddress remote;
  remote.length = sizeof remote.storage;
  getpeername(result, reinterpret_cast<sockaddr*>(&remote.storage), &remote.length);
  Adopt(listener, result, remote, ready);
}

void Engine::BackOff(Listener* listener, int error) {
  // Out of descriptors or memory: stop watching the listener for a while instead of spinning on it
  // (level-triggered epoll would report the pending connection again at once).
  listener->backoffMs = listener->backoffMs == 0 ? kBackoffFirstMs : std::min(kBackoffMaxMs, listener->backoffMs * 2);
  listener->paused = true;
  listener->poller->Control(listener->fd, listener, listener->mask, 0);
  listener->mask = 0;
  itimerspec spec{};
  spec.it_value.tv_sec = listener->backoffMs / 1000;
  spec.it_value.tv_nsec = static_cast<long>(listener->backoffMs % 1000) * 1000000L;
  timerfd_settime(listener->timerFd, 0, &spec, nullptr);
  Notice(kAcceptError, listener->id, error, listener->backoffMs);
}

void Engine::Adopt(Listener* listener, int fd, const SocketAddress& remote, std::vector<Conn*>* ready) {
  listener->backoffMs = 0;
  Conn* conn = NewConn(fd, NextPoller());
  conn->listenerId = listener->id;
  conn->remote = remote;
  conn->local.length = sizeof conn->local.storage;
  getsockname(fd, reinterpret_cast<sockaddr*>(&conn->local.storage), &conn->local.length);
  sa_family_t family = conn->local.storage.ss_family;
  if (listener->noDelay && (family == AF_INET || family == AF_INET6)) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  std::lock_guard<EngineMutex> connLock(conn->mu);
  conn->acceptPending = true;
  UpdateMask(conn);
  MarkReady(conn, ready);
}

void Engine::ResumeListener(Listener* listener) {
  std::lock_guard<EngineMutex> lock(listener->mu);
  uint64_t expirations;
  ssize_t ignored = read(listener->timerFd, &expirations, sizeof expirations);
  (void)ignored;
  if (listener->closed || !listener->paused) return;
  listener->paused = false;
  if (listener->poller->Control(listener->fd, listener, 0, EPOLLIN) == 0) listener->mask = EPOLLIN;
}

// ---------------------------------------------------------------------------------------------------------
// JavaScript thread

int Engine::InlineFd() const { return options_.inlineMode && !pollers_.empty() ? pollers_[0]->epollFd() : -1; }

int Engine::RunInline(int maxEvents) {
  if (!options_.inlineMode || pollers_.empty()) return 0;
  inInline_ = true;
  int n = pollers_[0]->RunOnce(0, maxEvents);
  inInline_ = false;
  return n;
}

void Engine::SubmitPending() {
  turnDirectSends_ = 0;
  if (!pollers_.empty()) pollers_[0]->Submit();
}

bool Engine::HasWork() {
  {
    std::lock_guard<EngineMutex> lock(readyMu_);
    if (!ready_.empty() || !notices_.empty()) return true;
  }
  return pool_.HasRetired();
}

int Engine::Listen(const SocketAddress& address, int backlog, bool reusePort, bool ipv6Only, bool noDelay,
                   uint32_t* id, SocketAddress* bound) {
  int family = address.storage.ss_family;
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int one = 1;
  if (family != AF_UNIX) {
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reusePort && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
      int error = errno;
      close(fd);
      return error;
    }
    if (family == AF_INET6) {
      int value = ipv6Only ? 1 : 0;
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &value, sizeof value);
    }
  }
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0 ||
      listen(fd, backlog) != 0) {
    int error = errno;
    close(fd);
    return error;
  }
  bound->length = sizeof bound->storage;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound->storage), &bound->length);
  int timerFd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timerFd < 0) {
    int error = errno;
    close(fd);
    return error;
  }
  Listener* listener = new Listener();
  listener->id = nextListenerId_++;
  listener->fd = fd;
  listener->timerFd = timerFd;
  listener->poller = NextPoller();
  listener->noDelay = noDelay;
  listener->mu.SetThreaded(!options_.inlineMode);
  listener->refs = 2;  // the table, the poller registration
  if (family == AF_UNIX) {
    const sockaddr_un* un = reinterpret_cast<const sockaddr_un*>(&address.storage);
    if (un->sun_path[0] != '\0') {
      listener->unixPath = 1;
      std::copy(std::begin(un->sun_path), std::end(un->sun_path), listener->path);
      listener->path[sizeof listener->path - 1] = '\0';
    }
  }
  int error = listener->poller->Control(timerFd, &listener->timer, 0, EPOLLIN);
  if (error == 0) {
    std::lock_guard<EngineMutex> lock(listener->mu);
    error = listener->poller->Control(fd, listener, 0, EPOLLIN);
    if (error == 0) listener->mask = EPOLLIN;
  }
  if (error != 0) {
    listener->poller->Control(timerFd, &listener->timer, EPOLLIN, 0);
    close(fd);
    close(timerFd);
    if (listener->unixPath != 0) unlink(listener->path);
    delete listener;
    return error;
  }
  listeners_.emplace(listener->id, listener);
  liveListeners_++;
  *id = listener->id;
  return 0;
}

void Engine::CloseListener(uint32_t id) {
  auto it = listeners_.find(id);
  if (it == listeners_.end()) return;
  Listener* listener = it->second;
  listeners_.erase(it);
  liveListeners_--;
  {
    std::lock_guard<EngineMutex> lock(listener->mu);
    listener->closed = true;
    listener->poller->Control(listener->fd, listener, listener->mask, 0);
    listener->mask = 0;
    listener->poller->Control(listener->timerFd, &listener->timer, EPOLLIN, 0);
    close(listener->fd);
    close(listener->timerFd);
    listener->fd = -1;
    listener->timerFd = -1;
    if (listener->unixPath != 0) unlink(listener->path);
  }
  listener->poller->Defer(listener);
  Unref(listener);
}

int Engine::Dial(const SocketAddress& address, uint64_t* id) {
  int family = address.storage.ss_family;
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int result = connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length);
  int error = result == 0 ? 0 : errno;
  if (result != 0 && error != EINPROGRESS) {
    close(fd);
    return error;
  }
  Conn* conn = NewConn(fd, NextPoller());
  conn->remote = address;
  std::vector<Conn*> ready;
  {
    std::lock_guard<EngineMutex> lock(conn->mu);
    if (result == 0) {
      conn->connectDone = true;
      conn->local.length = sizeof conn->local.storage;
      getsockname(fd, reinterpret_cast<sockaddr*>(&conn->local.storage), &conn->local.length);
      MarkReady(conn, &ready);
    } else {
      conn->connecting = true;
    }
    UpdateMask(conn);
  }
  conns_.emplace(conn->id, conn);
  if (!ready.empty()) PushReady(&ready);
  *id = conn->id;
  return 0;
}

size_t Engine::Drain(double* records, size_t capacity) {
  size_t count = 0;
  auto emit = [&](double kind, double id, double a, double b, double c) {
    double* record = records + count * kEventWidth;
    record[0] = kind;
    record[1] = id;
    record[2] = a;
    record[3] = b;
    record[4] = c;
    count++;
  };
  {
    std::lock_guard<EngineMutex> lock(readyMu_);
    size_t take = std::min(capacity, notices_.size() / kEventWidth);
    std::copy(notices_.begin(), notices_.begin() + take * kEventWidth, records);
    notices_.erase(notices_.begin(), notices_.begin() + take * kEventWidth);
    count += take;
  }
  pool_.TakeRetired(&retiredScratch_);
  while (!retiredScratch_.empty() && count < capacity) {
    emit(kRetire, retiredScratch_.back(), 0, 0, 0);
    retiredScratch_.pop_back();
  }
  // Take the whole ready queue under one lock; what does not fit goes back to its front, in order.
  std::deque<Conn*>& batch = drainBatch_;  // reused: no allocation per drain
  {
    std::lock_guard<EngineMutex> lock(readyMu_);
    batch.swap(ready_);
  }
  while (count < capacity && !batch.empty()) {
    Conn* conn = batch.front();
    batch.pop_front();
    std::unique_lock<EngineMutex> lock(conn->mu);
    if (conn->closed) {
      conn->queued = false;
      lock.unlock();
      Unref(conn);
      continue;
    }
    const double id = static_cast<double>(conn->id);
    bool complete = true;
    if (conn->acceptPending) {
      conns_.emplace(conn->id, conn);
      emit(kAccept, id, conn->listenerId, 0, 0);
      conn->acceptPending = false;
    }
    if (conn->connectDone && count < capacity) {
      emit(kConnect, id, conn->connectError, 0, 0);
      conn->connectDone = false;
    }
    bool flushAll = conn->eof || conn->error != 0;
    if (conn->delivered < conn->inEnd && (conn->inEnd >= conn->wakeAt || flushAll)) {
      // The block holding the first undelivered byte (usually the first or second: released blocks are gone).
      size_t index = 0;
      uint64_t blockStart = conn->inBase;
      while (blockStart + conn->inBlocks[index].length <= conn->delivered) blockStart += conn->inBlocks[index++].length;
      while (conn->delivered < conn->inEnd) {
        if (count >= capacity) break;
        const InBlock& in = conn->inBlocks[index];
        uint64_t offset = conn->delivered - blockStart;
        uint64_t end = blockStart + in.length;
        emit(kData, id, SlabId(in.block.slab), static_cast<double>(in.block.offset + offset),
             static_cast<double>(end - conn->delivered));
        conn->delivered = end;
        blockStart = end;
        index++;
      }
      if (conn->delivered < conn->inEnd) complete = false;
    }
    if (conn->writeEvent) {
      if (count < capacity) {
        emit(kWrite, id, static_cast<double>(conn->outSent), static_cast<double>(conn->outQueued - conn->outSent),
             0);
        conn->writeEvent = false;
      } else {
        complete = false;
      }
    }
    if (conn->delivered == conn->inEnd) {
      if (conn->error != 0 && !conn->errorDelivered) {
        if (count < capacity) {
          emit(kError, id, conn->error, 0, 0);
          conn->errorDelivered = true;
        } else {
          complete = false;
        }
      } else if (conn->eof && !conn->eofDelivered && conn->error == 0) {
        if (count < capacity) {
          emit(kEof, id, 0, 0, 0);
          conn->eofDelivered = true;
        } else {
          complete = false;
        }
      }
    }
    if (!complete) {
      batch.push_front(conn);  // keeps its queue reference
      break;
    }
    conn->queued = false;
    lock.unlock();
    Unref(conn);
  }
  if (!batch.empty()) {
    std::lock_guard<EngineMutex> lock(readyMu_);
    ready_.insert(ready_.begin(), batch.begin(), batch.end());
    batch.clear();
  }
  return count;
}

void Engine::Release(uint64_t id, uint64_t position) {
  Conn* conn = Find(id);
  if (conn == nullptr) return;
  std::vector<Conn*> ready;
  {
    std::lock_guard<EngineMutex> lock(conn->mu);
    ReleaseInputLocked(conn, position);
    Unthrottle(conn, &ready);
  }
  if (!starved_.empty()) RearmStarved();  // the released blocks may refill the buffer ring
  if (!ready.empty()) PushReady(&ready);
}

int64_t Engine::Flush(uint64_t id, const double* descriptors, size_t count) {
  Conn* conn = Find(id);
  // Blocks handed over with the descriptors belong to the engine now, whatever happens to the connection.
  auto releaseOwned = [&](size_t from) {
    for (size_t i = from; i < count; i++) {
      const double* d = descriptors + i * kDescriptorWidth;
      if ((static_cast<int>(d[3]) & 1) == 0) continue;
      Block block;
      if (pool_.Lookup(static_cast<uint32_t>(d[0]), static_cast<uint32_t>(d[1]), &block)) pool_.Release(block);
    }
  };
  if (conn == nullptr) {
    releaseOwned(0);
    return -EBADF;
  }
  std::lock_guard<EngineMutex> lock(conn->mu);
  if (conn->closed || conn->error != 0) {
    releaseOwned(0);
    return conn->closed ? -EBADF : -conn->error;
  }
  bool wasEmpty = conn->out.empty();
  for (size_t i = 0; i < count; i++) {
    const double* d = descriptors + i * kDescriptorWidth;
    uint32_t slabId = static_cast<uint32_t>(d[0]);
    uint32_t offset = static_cast<uint32_t>(d[1]);
    uint32_t length = static_cast<uint32_t>(d[2]);
    bool own = (static_cast<int>(d[3]) & 1) != 0;
    Block block;
    if (!pool_.Lookup(slabId, offset, &block) || offset - block.offset + static_cast<uint64_t>(length) > block.capacity) {
      releaseOwned(i);
      return -EINVAL;
    }
    OutSegment segment;
    segment.block = block;
    segment.data = block.data + (offset - block.offset);
    segment.length = length;
    segment.own = own;
    conn->out.push_back(segment);
    conn->outQueued += length;
  }
#if THRIFTPOLL_URING
  if (options_.uring) {
    if (conn->sendInFlight || conn->connecting) return static_cast<int64_t>(conn->outQueued - conn->outSent);
    // The first flushes of a loop turn are written at once, like the epoll modes': a send the socket takes whole
    // needs no completion, so a quiet connection costs one system call per reply and no extra wake-up. The rest
    // of the turn's flushes become ring entries, submitted with one io_uring_enter before libuv waits; their
    // completions report the progress. One send per connection is in flight at a time.
    if (turnDirectSends_ < kDirectSendsPerTurn) {
      turnDirectSends_++;
      directSends_++;
      int error = WriteOutput(conn);
      if (error != 0) return FailFlush(conn, error);
    }
    if (!SubmitSend(conn)) {
      DropOutputLocked(conn);
      return -conn->error;
    }
    return static_cast<int64_t>(conn->outQueued - conn->outSent);
  }
#endif
  if (wasEmpty && !conn->connecting) {
    int error = WriteOutput(conn);
    if (error != 0) return FailFlush(conn, error);
  }
  UpdateMask(conn);
  return static_cast<int64_t>(conn->outQueued - conn->outSent);
}

int64_t Engine::FailFlush(Conn* conn, int error) {
  conn->error = error;
  conn->errorDelivered = true;  // reported through the flush's return value
  DropOutputLocked(conn);
  UpdateMask(conn);
  return -error;
}

void Engine::FreeBlock(uint32_t slabId, uint32_t offset) {
  Block block;
  if (pool_.Lookup(slabId, offset, &block)) pool_.Release(block);
}

void Engine::CloseLocked(Conn* conn) {
  conn->closed = true;
  if (conn->mask != 0) conn->poller->Control(conn->fd, conn, conn->mask, 0);
  conn->mask = 0;
#if THRIFTPOLL_URING
  if (options_.uring && !tearingDown_) {
    // The requests in flight end with -ECANCELED (or their result); their completions drop the references.
    UringPoll* ring = conn->poller->uring();
    if (conn->receive == ReceiveState::kArmed) {
      ring->Cancel(UringPoll::IoTag(conn, UringPoll::kRecv));
      conn->receive = ReceiveState::kCancelling;
    }
    if (conn->sendInFlight) ring->Cancel(UringPoll::IoTag(conn, UringPoll::kSend));
  }
#endif
  if (conn->fd >= 0) close(conn->fd);
  conn->fd = -1;
  // A send in flight may still read its blocks: they go back to the pool with its completion.
  if (!conn->sendInFlight || tearingDown_) DropOutputLocked(conn);
}

// ---------------------------------------------------------------------------------------------------------
// Uring mode: connection I/O as ring requests (JavaScript thread, under conn->mu)
#if THRIFTPOLL_URING

void Engine::UpdateUring(Conn* conn, uint32_t desired) {
  if (conn->mask != 0) {
    // The dial's connect poll has served its purpose.
    conn->poller->Control(conn->fd, conn, conn->mask, 0);
    conn->mask = 0;
  }
  bool wanted = (desired & EPOLLIN) != 0;
  if (wanted && conn->receive == ReceiveState::kIdle && !conn->starved) {
    ArmReceive(conn);
  } else if (!wanted && conn->receive == ReceiveState::kArmed) {
    // Past the read cap, at EOF or after an error: completions already on their way are still appended. The
    // cancellation leaves at once, before the kernel runs more receive work (deferred to our next enter).
    UringPoll* ring = conn->poller->uring();
    ring->Cancel(UringPoll::IoTag(conn, UringPoll::kRecv));
    ring->Submit();
    conn->receive = ReceiveState::kCancelling;
  }
  if (!conn->out.empty() && !conn->sendInFlight && !conn->closed && conn->error == 0) SubmitSend(conn);
}

void Engine::ArmReceive(Conn* conn) {
  if (!conn->poller->uring()->Receive(conn->fd, UringPoll::IoTag(conn, UringPoll::kRecv))) {
    if (conn->error == 0) conn->error = ENOMEM;  // the ring takes no more entries, as an epoll_ctl failure
    return;
  }
  conn->receive = ReceiveState::kArmed;
  conn->refs.fetch_add(1);
}

bool Engine::SubmitSend(Conn* conn) {
  // Empty segments only carry a block's ownership: release it once everything before it has been sent.
  while (!conn->out.empty() && conn->out.front().length == 0) {
    if (conn->out.front().own) pool_.Release(conn->out.front().block);
    conn->out.pop_front();
  }
  if (conn->out.empty()) return true;
  UringPoll* ring = conn->poller->uring();
  uint64_t tag = UringPoll::IoTag(conn, UringPoll::kSend);
  bool queued;
  if (conn->out.size() == 1) {
    queued = ring->Send(conn->fd, tag, conn->out.front().data, conn->out.front().length);
  } else {
    if (!conn->sendMessage) conn->sendMessage = std::make_unique<UringSendMessage>();
    UringSendMessage& send = *conn->sendMessage;
    size_t count = 0;
    for (size_t i = 0; i < conn->out.size() && count < static_cast<size_t>(kMaxSendIov); i++) {
      send.iov[count++] = {conn->out[i].data, conn->out[i].length};
    }
    send.message = msghdr{};
    send.message.msg_iov = send.iov;
    send.message.msg_iovlen = count;
    queued = ring->SendMessage(conn->fd, tag, &send.message);
  }
  if (!queued) {
    if (conn->error == 0) conn->error = ENOMEM;
    return false;
  }
  conn->sendInFlight = true;
  conn->refs.fetch_add(1);
  ringSends_++;
  return true;
}

void Engine::AppendReceived(Conn* conn, uint32_t bid, const Block& block, uint32_t length) {
  UringBufferRing& buffers = conn->poller->uring()->buffers();
  const uint32_t blockSize = pool_.blockSize();
  if (!conn->inBlocks.empty()) {
    InBlock& tail = conn->inBlocks.back();
    if (length <= blockSize / 2 && blockSize - tail.length >= length) {
      // A small receive behind unreleased input: copied into the tail's room, and the block goes straight back
      // to the kernel. So every block but the last is at least half full: memory stays within twice the input.
      std::memcpy(tail.block.data + tail.length, block.data, length);
      tail.length += length;
      conn->inEnd += length;
      buffers.Put(bid, block);
      return;
    }
  } else {
    conn->inBase = conn->inEnd;
  }
  conn->inBlocks.push_back({block, length});  // the kernel's block joins the input as it is: no copy
  conn->inEnd += length;
  buffers.Replace(bid);
}

void Engine::ReceiveCompleted(Conn* conn, int result, uint32_t flags, std::vector<Conn*>* ready) {
  bool last = (flags & IORING_CQE_F_MORE) == 0;  // the multishot receive has ended (and dropped its reference)
  {
    std::lock_guard<EngineMutex> lock(conn->mu);
    UringBufferRing& buffers = conn->poller->uring()->buffers();
    bool open = !conn->closed && conn->error == 0 && !conn->eof;
    if ((flags & IORING_CQE_F_BUFFER) != 0) {
      uint32_t bid = flags >> IORING_CQE_BUFFER_SHIFT;
      Block block = buffers.Take(bid);
      if (block.valid()) {
        if (result > 0 && open) {
          AppendReceived(conn, bid, block, static_cast<uint32_t>(result));
          if (conn->inEnd >= conn->wakeAt) MarkReady(conn, ready);
          if (ShouldThrottle(conn)) conn->throttled = true;  // UpdateMask below cancels the receive
        } else {
          buffers.Put(bid, block);  // nothing to keep: back to the kernel
        }
      }
    }
    if (open && result == 0) {
      conn->eof = true;
      MarkReady(conn, ready);
    } else if (open && result < 0 && result != -ECANCELED && result != -ENOBUFS && result != -EAGAIN &&
               result != -EINTR) {
      conn->error = -result;
      MarkReady(conn, ready);
    }
    if (last) {
      conn->receive = ReceiveState::kIdle;
      // Ended by the kernel (ENOBUFS: the ring ran dry; or any other reason) while input is still wanted: the
      // UpdateMask below, or RearmStarved after a refill, arms it again. A cancellation of ours is not counted.
      if (result != -ECANCELED && !conn->closed && conn->error == 0 && !conn->eof && !conn->throttled) receiveRearms_++;
      if (result == -ENOBUFS && !conn->closed) buffers.Refill();
      if (result == -ENOBUFS && !conn->closed && buffers.lent() == 0) {
        // Every block is with the kernel or the connections and the pool has no more: wait for a release.
        conn->starved = true;
        conn->refs.fetch_add(1);
        starved_.push_back(conn);
      }
    }
    // Re-arms a receive that has ended (ENOBUFS: the buffer ring is refilled by now), cancels one past the cap.
    if (!conn->closed) UpdateMask(conn);
  }
  if (last) Unref(conn);
}

void Engine::SendCompleted(Conn* conn, int result, std::vector<Conn*>* ready) {
  {
    std::lock_guard<EngineMutex> lock(conn->mu);
    conn->sendInFlight = false;
    if (conn->closed) {
      DropOutputLocked(conn);  // the kernel is done with the blocks
    } else if (result >= 0) {
      ConsumeSent(conn, static_cast<size_t>(result));
      conn->writeEvent = true;
      MarkReady(conn, ready);
      UpdateMask(conn);  // a partial send continues with what is left
    } else if (result == -EAGAIN || result == -EINTR) {
      SubmitSend(conn);
    } else if (conn->error == 0) {
      conn->error = -result;
      conn->writeEvent = true;
      MarkReady(conn, ready);
      UpdateMask(conn);
    }
  }
  Unref(conn);
}

void Engine::RearmStarved() {
  if (!options_.uring || pollers_.empty()) return;
  UringBufferRing& buffers = pollers_[0]->uring()->buffers();
  buffers.Refill();
  if (starved_.empty() || buffers.lent() == 0) return;
  std::vector<Conn*> conns;
  conns.swap(starved_);
  for (Conn* conn : conns) {
    {
      std::lock_guard<EngineMutex> lock(conn->mu);
      conn->starved = false;
      if (!conn->closed) UpdateMask(conn);
    }
    Unref(conn);
  }
}
#else
void Engine::RearmStarved() {}
#endif  // THRIFTPOLL_URING

void Engine::Close(uint64_t id) {
  Conn* conn = Find(id);
  if (conn == nullptr) return;
  {
    std::lock_guard<EngineMutex> lock(conn->mu);
    if (conn->closed) return;
    CloseLocked(conn);
  }
  conn->poller->Defer(conn);
}

void Engine::Dispose(uint64_t id) {
  Conn* conn = Find(id);
  if (conn == nullptr) return;
  Close(id);
  {
    std::lock_guard<EngineMutex> lock(conn->mu);
    for (size_t i = 0; i < conn->inBlocks.size(); i++) pool_.Release(conn->inBlocks[i].block);
    conn->inBlocks.clear();
    conn->inBase = conn->inEnd;
    conn->released = conn->delivered = conn->inEnd;
  }
  conns_.erase(id);
  Unref(conn);
}

int Engine::SetWakeAt(uint64_t id, uint64_t position) {
  Conn* conn = Find(id);
  if (conn == nullptr) return EBADF;
  std::vector<Conn*> ready;
  {
    std::lock_guard<EngineMutex> lock(conn->mu);
    conn->wakeAt = position;
    if (conn->delivered < conn->inEnd && conn->inEnd >= conn->wakeAt) MarkReady(conn, &ready);
    Unthrottle(conn, &ready);
  }
  if (!ready.empty()) PushReady(&ready);
  return 0;
}

int Engine::SetReadCap(uint64_t id, uint64_t bytes) {
  Conn* conn = Find(id);
  if (conn == nullptr) return EBADF;
  std::vector<Conn*> ready;
  {
    std::lock_guard<EngineMutex> lock(conn->mu);
    conn->readCap = bytes;
    Unthrottle(conn, &ready);
  }
  if (!ready.empty()) PushReady(&ready);
  return 0;
}

int Engine::FdOf(uint64_t id) {
  Conn* conn = Find(id);
  return conn == nullptr || conn->closed ? -1 : conn->fd;
}

bool Engine::Addresses(uint64_t id, SocketAddress* local, SocketAddress* remote) {
  Conn* conn = Find(id);
  if (conn == nullptr) return false;
  *local = conn->local;
  *remote = conn->remote;
  return true;
}

EngineStats Engine::Stats() {
  EngineStats stats;
  {
    std::lock_guard<std::mutex> lock(allMu_);
    stats.connections = all_.size();
    for (Conn* conn : all_) {
      std::lock_guard<EngineMutex> connLock(conn->mu);
      stats.inputBytes += conn->inEnd - conn->released;
      stats.outputBytes += conn->outQueued - conn->outSent;
      stats.inputBlocks += conn->inBlocks.size();
      stats.outputSegments += conn->out.size();
    }
  }
  stats.listeners = liveListeners_;
#if THRIFTPOLL_URING
  if (options_.uring && !pollers_.empty()) stats.ringBlocks = pollers_[0]->uring()->buffers().lent();
  stats.receiveRearms = receiveRearms_;
  stats.directSends = directSends_;
  stats.ringSends = ringSends_;
#endif
  stats.pool = pool_.Stats();
  return stats;
}

}  // namespace thriftpoll

// Native state of one connection and one listener, shared by the poller thread that watches the socket and
// the JavaScript thread that consumes and produces its bytes. Every field below `mu` is guarded by it.
//
// Input LinkBuffer (absolute stream positions, counted from the first byte ever received):
//
//   inBase        released          delivered             inEnd      inBase + blocks*blockSize
//     |  freeable   |  held by JS      |  read, not yet       |  free room   |
//     |  on release |  (views)         |  told to JS          |  (readv)     |
//   [block 0 ..............][block 1 ..............][block 2 ......:.........]
//
// Each block records how many bytes it holds. In the epoll modes every block but the last is full (reads fill
// the tail's free room first); in the `uring` mode the kernel picks a block per receive, so a block may be
// partly filled and followed by another (a small receive is copied into the tail's room instead, which keeps
// the memory held within twice the bytes held). `released` only moves forward,
// by commands from JavaScript; blocks wholly behind it go back to the pool, and so does a partly used last
// block once everything in it is released (an idle connection holds no input memory).
//
// Output: an ordered queue of segments (views into blocks that JavaScript filled). A segment marked `own`
// carries the block's ownership: the block returns to the pool once the segment is sent (or dropped).
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "block_pool.h"
#include "engine_mutex.h"
#include "ring.h"

namespace thriftpoll {

class Poller;

enum class PollKind : uint8_t { kConn, kListener, kListenerTimer, kWakeup };

/** What epoll_event.data.ptr points at. */
struct Pollable {
  explicit Pollable(PollKind k) : kind(k) {}
  PollKind kind;
};

struct OutSegment {
  Block block;             // the block the bytes live in (released when `own` and the segment is done)
  char* data = nullptr;    // first unsent byte
  uint32_t length = 0;     // unsent bytes
  bool own = false;
};

/** An input block and the bytes received into it. */
struct InBlock {
  Block block;
  uint32_t length = 0;
};

/** Most output segments one sendmsg takes. */
constexpr int kMaxSendIov = 64;

/** Uring mode: the sendmsg of a send in flight (the kernel may read it until the completion). */
struct UringSendMessage {
  msghdr message{};
  iovec iov[kMaxSendIov];
};

/** Uring mode: the state of a connection's multishot receive. */
enum class ReceiveState : uint8_t { kIdle, kArmed, kCancelling };

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

struct Conn : Pollable {
  Conn() : Pollable(PollKind::kConn) {}

  // Immutable after creation.
  uint64_t id = 0;
  Poller* poller = nullptr;
  uint32_t listenerId = 0;  // 0 for dialed connections
  SocketAddress local;
  SocketAddress remote;

  /**
   * References: the engine's table (dropped by Dispose), the poller registration (dropped by the poller once
   * it can no longer be handed this connection by epoll) and the ready queue (while queued).
   */
  std::atomic<int> refs{0};

  EngineMutex mu;
  int fd = -1;
  uint32_t mask = 0;           // events currently registered (0 = not in epoll)
  bool closed = false;         // closed by JavaScript: fd gone, no more I/O
  bool connecting = false;     // non-blocking connect in progress
  bool connectDone = false;    // connect finished; CONNECT event not yet delivered
  int connectError = 0;
  bool acceptPending = false;  // ACCEPT event not yet delivered
  bool queued = false;         // in the engine's ready queue
  bool eof = false;            // read returned 0 (peer shut down its write side)
  bool eofDelivered = false;
  int error = 0;               // socket error (errno), I/O stopped
  bool errorDelivered = false;
  bool throttled = false;      // unreleased input reached the cap: EPOLLIN dropped until JavaScript releases
  bool hup = false;            // EPOLLHUP seen: nothing more will arrive; epoll would report it forever
  bool writeEvent = false;     // output progress to report

  // Uring mode (JavaScript thread): each request in flight holds a reference on the connection.
  ReceiveState receive = ReceiveState::kIdle;
  bool sendInFlight = false;
  bool starved = false;        // the receive ended with ENOBUFS while the buffer ring was empty: re-armed on refill
  std::unique_ptr<UringSendMessage> sendMessage;  // allocated by the first send of several segments

  // Input
  Ring<InBlock> inBlocks;
  uint64_t inBase = 0;
  uint64_t inEnd = 0;
  uint64_t delivered = 0;
  uint64_t released = 0;
  uint64_t wakeAt = 0;     // do not report data until inEnd >= wakeAt
  uint64_t readCap = 0;    // stop reading once inEnd - released >= max(readCap, wakeAt - released)

  // Output
  Ring<OutSegment> out;
  uint64_t outQueued = 0;  // total bytes ever queued
  uint64_t outSent = 0;    // total bytes ever sent
};

struct Listener;

struct ListenerTimer : Pollable {
  explicit ListenerTimer(Listener* l) : Pollable(PollKind::kListenerTimer), listener(l) {}
  Listener* listener;
};

struct Listener : Pollable {
  Listener() : Pollable(PollKind::kListener), timer(this) {}
  uint32_t id = 0;
  int fd = -1;
  int timerFd = -1;       // re-arms accepting after an accept error (EMFILE, ENFILE, ENOBUFS, ENOMEM)
  Poller* poller = nullptr;
  ListenerTimer timer;
  std::atomic<int> refs{0};  // the engine's table, the poller registration
  EngineMutex mu;
  bool closed = false;
  bool paused = false;
  bool noDelay = true;
  uint32_t mask = 0;
  uint32_t backoffMs = 0;
  int unixPath = 0;       // 1 when bound to a filesystem path that close() unlinks
  char path[108] = {0};
};

}  // namespace thriftpoll

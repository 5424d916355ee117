// The engine core: pollers, listeners, connections, the ready queue, and the operations the JavaScript thread
// performs. It knows nothing of N-API (binding.cc adapts it), so its threading is visible in one place:
//
//   poller threads                                  JavaScript thread
//   HandleEvent: accept / readv / writev /          Drain: ready queue -> event records (one call per batch)
//   connect completion, under Conn::mu              Flush: writev at once, queue the rest (EPOLLOUT)
//   -> ready batch -> PushReady -> notifier->Wake   Release / Close / Dispose / SetWakeAt / options
//
// Event records written by Drain, kEventWidth doubles each: [kind, id, a, b, c]
//   kAccept   conn id, listener id
//   kData     conn id, slab id, byte offset in slab, length
//   kEof      conn id                       (after all data; the peer shut down its write side)
//   kError    conn id, errno                (after all data; I/O has stopped)
//   kWrite    conn id, total bytes sent, bytes still queued
//   kConnect  conn id, errno (0: connected)
//   kAcceptError listener id, errno, back-off ms
//   kRetire   slab id                       (JavaScript drops its ArrayBuffer cache entry)
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "block_pool.h"
#include "conn.h"
#include "engine_mutex.h"
#include "poller.h"

namespace thriftpoll {

enum EventKind : int {
  kAccept = 1,
  kData = 2,
  kEof = 3,
  kError = 4,
  kWrite = 5,
  kConnect = 6,
  kAcceptError = 7,
  kRetire = 8,
};
constexpr size_t kEventWidth = 5;
/** Flush descriptors: [slab id, byte offset in slab, length, flags], flag 1 = the segment owns its block. */
constexpr size_t kDescriptorWidth = 4;

struct EngineOptions {
  bool inlineMode = false;
  bool uring = false;  // inline, with readiness through io_uring (uring_poll.h)
  uint32_t pollers = 1;
  uint32_t blockSize = 64 * 1024;
  uint32_t slabSize = 1024 * 1024;
  size_t retainBytes = 16 * 1024 * 1024;
  size_t readCap = 4 * 1024 * 1024;
  uint32_t uringBuffers = 1024;  // uring: blocks in the provided-buffer ring (a power of two)
};

/** Wakes the JavaScript thread (thread-safe, coalescing). */
class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual void Wake() = 0;
};

struct EngineStats {
  size_t connections = 0;
  size_t listeners = 0;
  size_t inputBytes = 0;      // received, not yet released by JavaScript
  size_t outputBytes = 0;     // queued, not yet sent
  size_t inputBlocks = 0;
  size_t outputSegments = 0;
  size_t ringBlocks = 0;      // uring: blocks lent to the kernel's provided-buffer ring
  uint64_t receiveRearms = 0; // uring: multishot receives the kernel ended (no IORING_CQE_F_MORE) that were re-armed
  uint64_t directSends = 0;   // uring: flushes written at once (send/sendmsg), no ring entry
  uint64_t ringSends = 0;     // uring: sends submitted as ring entries
  PoolStats pool;
};

class Engine {
 public:
  Engine(const EngineOptions& options, Notifier* notifier);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /** Creates the pollers and starts their threads. Returns 0 or an errno. */
  int Start();
  /** Stops the pollers and closes every socket; idempotent. */
  void Stop();
  bool stopped() const { return stopped_; }
  const EngineOptions& options() const { return options_; }
  BlockPool& pool() { return pool_; }

  // ---- poller side (any thread) ----
  void HandleEvent(Poller* poller, Pollable* item, uint32_t events, std::vector<Conn*>* ready);
  void PushReady(std::vector<Conn*>* ready);
  /** Uring mode: a multishot accept completed with a socket (result >= 0) or -errno. */
  void AcceptCompleted(Listener* listener, int result, std::vector<Conn*>* ready);
  void Unref(Conn* conn);
  void Unref(Listener* listener);
  /** Uring mode (JavaScript thread): a connection's multishot receive or send completed. */
  void ReceiveCompleted(Conn* conn, int result, uint32_t flags, std::vector<Conn*>* ready);
  void SendCompleted(Conn* conn, int result, std::vector<Conn*>* ready);
  /** Uring mode: refills the buffer ring and re-arms the receives that ended on an empty one. */
  void RearmStarved();

  // ---- JavaScript thread ----
  /** Inline mode: the epoll fd libuv watches. */
  int InlineFd() const;
  /** Inline mode: handles up to maxEvents ready items without waiting; returns how many there were. */
  int RunInline(int maxEvents);
  /** Uring mode: submits the queued ring entries and ends the turn's direct sends (once per loop turn, before libuv waits). */
  void SubmitPending();
  /** True when Drain has something to report. */
  bool HasWork();

  int Listen(const SocketAddress& address, int backlog, bool reusePort, bool ipv6Only, bool noDelay, uint32_t* id,
             SocketAddress* bound);
  void CloseListener(uint32_t id);
  /** Starts a non-blocking connect. The CONNECT event reports the result. Returns 0 or an errno. */
  int Dial(const SocketAddress& address, uint64_t* id);

  size_t Drain(double* records, size_t capacity);
  /** JavaScript released input up to `position`. Unknown ids are ignored. */
  void Release(uint64_t id, uint64_t position);
  /** Queues descriptors and writes what the socket takes. Returns bytes still queued, or -errno. */
  int64_t Flush(uint64_t id, const double* descriptors, size_t count);
  /** Returns a block that JavaScript allocated and will not flush. */
  void FreeBlock(uint32_t slabId, uint32_t offset);
  /** Closes the socket and drops unsent output. Input stays until Dispose (JavaScript may hold views). */
  void Close(uint64_t id);
  /** Forgets the connection and frees its input. */
  void Dispose(uint64_t id);
  int SetWakeAt(uint64_t id, uint64_t position);
  int SetReadCap(uint64_t id, uint64_t bytes);
  /** Returns the fd of a live connection, or -1. For socket options only. */
  int FdOf(uint64_t id);
  bool Addresses(uint64_t id, SocketAddress* local, SocketAddress* remote);
  EngineStats Stats();

 private:
  Conn* NewConn(int fd, Poller* poller);
  Poller* NextPoller();
  void FreeConn(Conn* conn);
  void FreeListener(Listener* listener);
  Conn* Find(uint64_t id);

  // Under conn->mu:
  void UpdateMask(Conn* conn);
  void ReadInput(Conn* conn, std::vector<Conn*>* ready);
  int WriteOutput(Conn* conn);
  /** A flush's write failed: the error is the connection's, its output is dropped. Returns -error. */
  int64_t FailFlush(Conn* conn, int error);
  /** Drops `sent` bytes from the front of the output queue, returning blocks that are done. */
  void ConsumeSent(Conn* conn, size_t sent);
  // Uring mode:
  void UpdateUring(Conn* conn, uint32_t desired);
  void ArmReceive(Conn* conn);
  /** Queues a send of the output (false, with conn->error set, when the ring takes no entry). */
  bool SubmitSend(Conn* conn);
  void AppendReceived(Conn* conn, uint32_t bid, const Block& block, uint32_t length);
  void MarkReady(Conn* conn, std::vector<Conn*>* ready);
  void ReleaseInputLocked(Conn* conn, uint64_t position);
  void DropOutputLocked(Conn* conn);
  void CloseLocked(Conn* conn);
  bool ShouldThrottle(const Conn* conn) const;
  uint32_t DesiredMask(const Conn* conn) const;
  void Unthrottle(Conn* conn, std::vector<Conn*>* ready);

  void Accept(Poller* poller, Listener* listener, std::vector<Conn*>* ready);
  /** Takes an accepted socket: a new connection, reported to JavaScript (under listener->mu). */
  void Adopt(Listener* listener, int fd, const SocketAddress& remote, std::vector<Conn*>* ready);
  /** Pauses accepting after `error` (EMFILE, ENFILE, ENOBUFS, ENOMEM) and arms the listener's timer. */
  void BackOff(Listener* listener, int error);
  void ResumeListener(Listener* listener);
  void Notice(double kind, double id, double a, double b);

  const EngineOptions options_;
  Notifier* const notifier_;
  BlockPool pool_;
  std::vector<std::unique_ptr<Poller>> pollers_;
  std::atomic<uint32_t> acceptRobin_{0};  // round-robin over pollers for accepted and dialed connections
  std::atomic<uint64_t> nextConnId_{1};
  uint32_t nextListenerId_ = 1;
  bool started_ = false;
  bool stopped_ = false;
  bool tearingDown_ = false;  // Stop() frees everything itself; references no longer count
  bool inInline_ = false;     // inside RunInline: the binding dispatches right after, no wake-up needed

  // JavaScript thread only.
  std::unordered_map<uint64_t, Conn*> conns_;
  std::unordered_map<uint32_t, Listener*> listeners_;
  std::vector<uint32_t> retiredScratch_;
  std::deque<Conn*> drainBatch_;
  std::vector<Conn*> starved_;  // uring: receives waiting for the buffer ring to be refilled (each a reference)
  uint64_t receiveRearms_ = 0;  // uring: see EngineStats::receiveRearms
  uint32_t turnDirectSends_ = 0;  // uring: flushes written at once this loop turn (see Flush)
  uint64_t directSends_ = 0;      // uring: see EngineStats::directSends
  uint64_t ringSends_ = 0;        // uring: see EngineStats::ringSends

  EngineMutex readyMu_;
  std::deque<Conn*> ready_;
  std::vector<double> notices_;  // kEventWidth doubles each

  std::mutex allMu_;
  std::unordered_set<Conn*> all_;  // every connection not yet freed (for Stop and stats)
  std::atomic<size_t> liveListeners_{0};
};

}  // namespace thriftpoll

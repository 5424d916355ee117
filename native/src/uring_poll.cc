#include "uring_poll.h"

#if THRIFTPOLL_URING

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace thriftpoll {

namespace {
/** Submission queue entries: re-arms of one wake-up's items, registration changes and removals. */
constexpr uint32_t kRingEntries = 1024;
}  // namespace

int UringPoll::Init(BlockPool* pool, uint32_t buffers) {
  int error = ring_.Init(kRingEntries);
  if (error != 0) return error;
  return buffers_.Init(&ring_, pool, buffers);
}

bool UringPoll::Receive(int fd, uint64_t tag) {
  io_uring_sqe* sqe = ring_.GetSqe();
  if (sqe == nullptr) return false;
  sqe->opcode = IORING_OP_RECV;
  sqe->fd = fd;
  sqe->flags = IOSQE_BUFFER_SELECT;
  sqe->buf_group = UringBufferRing::kGroup;
  sqe->ioprio = IORING_RECV_MULTISHOT;
  sqe->user_data = tag;
  return true;
}

bool UringPoll::Send(int fd, uint64_t tag, const void* data, uint32_t length) {
  io_uring_sqe* sqe = ring_.GetSqe();
  if (sqe == nullptr) return false;
  sqe->opcode = IORING_OP_SEND;
  sqe->fd = fd;
  sqe->addr = reinterpret_cast<uint64_t>(data);
  sqe->len = length;
  sqe->msg_flags = MSG_NOSIGNAL;
  sqe->user_data = tag;
  return true;
}

bool UringPoll::SendMessage(int fd, uint64_t tag, const msghdr* message) {
  io_uring_sqe* sqe = ring_.GetSqe();
  if (sqe == nullptr) return false;
  sqe->opcode = IORING_OP_SENDMSG;
  sqe->fd = fd;
  sqe->addr = reinterpret_cast<uint64_t>(message);
  sqe->len = 1;
  sqe->msg_flags = MSG_NOSIGNAL;
  sqe->user_data = tag;
  return true;
}

void UringPoll::Cancel(uint64_t tag) {
  io_uring_sqe* sqe = ring_.GetSqe();
  if (sqe == nullptr) return;
  sqe->opcode = IORING_OP_ASYNC_CANCEL;
  sqe->addr = tag;
  sqe->user_data = kIgnored;
}

void UringPoll::CloseAccepted(int fd) { close(fd); }

int UringPoll::Control(int fd, Pollable* item, uint32_t newEvents, bool accept) {
  auto found = slotOf_.find(item);
  if (found == slotOf_.end()) {
    if (newEvents == 0) return 0;
    uint32_t index;
    if (!freeSlots_.empty()) {
      index = freeSlots_.back();
      freeSlots_.pop_back();
    } else {
      index = static_cast<uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    Slot& slot = slots_[index];
    slot.item = item;
    slot.fd = fd;
    slot.mask = newEvents;
    slot.armed = false;
    slot.accept = accept;
    slotOf_.emplace(item, index);
    Arm(index);
    return 0;
  }
  uint32_t index = found->second;
  Disarm(index);
  Slot& slot = slots_[index];
  if (newEvents == 0) {
    slot.item = nullptr;
    slot.fd = -1;
    slot.mask = 0;
    slotOf_.erase(found);
    freeSlots_.push_back(index);
    return 0;
  }
  slot.mask = newEvents;
  Arm(index);
  return 0;
}

void UringPoll::Arm(uint32_t index) {
  Slot& slot = slots_[index];
  if (slot.armed || slot.mask == 0) return;
  io_uring_sqe* sqe = ring_.GetSqe();
  if (sqe == nullptr) return;  // the ring is broken; the item stays unarmed (its timeouts still fire)
  if (slot.accept) {
    sqe->opcode = IORING_OP_ACCEPT;
    sqe->fd = slot.fd;
    sqe->ioprio = IORING_ACCEPT_MULTISHOT;
    sqe->accept_flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
    sqe->user_data = Tag(index, slot.generation, true);
  } else {
    sqe->opcode = IORING_OP_POLL_ADD;
    sqe->fd = slot.fd;
    sqe->poll32_events = slot.mask;
    sqe->user_data = Tag(index, slot.generation, false);
  }
  slot.armed = true;
}

void UringPoll::Disarm(uint32_t index) {
  Slot& slot = slots_[index];
  uint64_t old = Tag(index, slot.generation, slot.accept);
  slot.generation++;  // whatever the old poll still reports is stale from here on
  if (!slot.armed) return;
  slot.armed = false;
  io_uring_sqe* sqe = ring_.GetSqe();
  if (sqe == nullptr) return;
  // POLL_REMOVE for a poll; a multishot accept is cancelled like any other request.
  sqe->opcode = slot.accept ? IORING_OP_ASYNC_CANCEL : IORING_OP_POLL_REMOVE;
  sqe->addr = old;
  sqe->user_data = kIgnored;
}

int UringPoll::Submit() { return ring_.pending() == 0 ? 0 : ring_.Enter(false); }

}  // namespace thriftpoll

#endif  // THRIFTPOLL_URING

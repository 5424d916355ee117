// N-API face of the engine: one JavaScript `NativeEngine` object per Engine, plus the libuv handles that wake
// the JavaScript thread. Shared typed arrays carry events, commands and write descriptors, so a batch of work
// crosses the boundary in one call with no JavaScript objects marshalled.
//
//   events      Float64Array  Drain() writes kEventWidth doubles per event
//   commands    Float64Array  JavaScript queues [kind, conn id, value] triples; applied at the next
//                             drain()/flush()/commit() call (kind 1: input released up to value)
//   descriptors Float64Array  flush(): kDescriptorWidth doubles per output segment
//   scratch     Float64Array  small out-parameters (bound port, block offset and capacity)
#include "binding.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <uv.h>

#include <cerrno>

#include "address.h"

namespace thriftpoll {

namespace {

constexpr int kCommandWidth = 3;
constexpr int kCommandRelease = 1;
/** Inline mode: ready sockets handled before JavaScript runs, and such slices per wake-up (see the poll callback). */
constexpr int kInlineSliceEvents = 64;
constexpr int kInlineSlicesPerWake = 16;
/** How often the block pool forgets an old peak of demand (see BlockPool::Trim). */
constexpr uint64_t kTrimPeriodMs = 1000;

double Number(const Napi::Value& value, double fallback) {
  // One N-API call: napi_get_value_double itself refuses a non-number (no separate typeof on the hot path).
  double result = 0;
  return napi_get_value_double(value.Env(), value, &result) == napi_ok ? result : fallback;
}

/**
 * A boolean option, or false. Raw N-API on purpose: while a worker is being terminated, Get() fails and yields
 * an empty value, on which node-addon-api's ToBoolean() would be a fatal error.
 */
bool OptionBool(const Napi::Object& options, const char* name) {
  Napi::Value value = options.Get(name);
  bool result = false;
  return !value.IsEmpty() && napi_get_value_bool(value.Env(), value, &result) == napi_ok && result;
}

uint32_t OptionU32(const Napi::Object& options, const char* name, uint32_t fallback) {
  Napi::Value value = options.Get(name);
  return value.IsNumber() ? value.As<Napi::Number>().Uint32Value() : fallback;
}

Napi::Value Errno(Napi::Env env, int error) { return Napi::Number::New(env, -error); }

}  // namespace

Napi::Function EngineWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeEngine",
                     {
                         InstanceMethod<&EngineWrap::DrainJs>("drain"),
                         InstanceMethod<&EngineWrap::CommitJs>("commit"),
                         InstanceMethod<&EngineWrap::FlushJs>("flush"),
                         InstanceMethod<&EngineWrap::ListenJs>("listen"),
                         InstanceMethod<&EngineWrap::CloseListenerJs>("closeListener"),
                         InstanceMethod<&EngineWrap::DialJs>("dial"),
                         InstanceMethod<&EngineWrap::CloseJs>("close"),
                         InstanceMethod<&EngineWrap::DisposeJs>("dispose"),
                         InstanceMethod<&EngineWrap::SetWakeAtJs>("setWakeAt"),
                         InstanceMethod<&EngineWrap::SetReadCapJs>("setReadCap"),
                         InstanceMethod<&EngineWrap::SetNoDelayJs>("setNoDelay"),
                         InstanceMethod<&EngineWrap::SetKeepAliveJs>("setKeepAlive"),
                         InstanceMethod<&EngineWrap::ShutdownWriteJs>("shutdownWrite"),
                         InstanceMethod<&EngineWrap::AddressesJs>("addresses"),
                         InstanceMethod<&EngineWrap::AllocBlockJs>("allocBlock"),
                         InstanceMethod<&EngineWrap::FreeBlockJs>("freeBlock"),
                         InstanceMethod<&EngineWrap::SlabBufferJs>("slabBuffer"),
                         InstanceMethod<&EngineWrap::StatsJs>("stats"),
                         InstanceMethod<&EngineWrap::SetRefJs>("setRef"),
                         InstanceMethod<&EngineWrap::DestroyJs>("destroy"),
                     });
}

// new NativeEngine(options, dispatch, events, commands, descriptors, scratch)
EngineWrap::EngineWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[0].IsObject() || !info[1].IsFunction() || !info[2].IsTypedArray() ||
      !info[3].IsTypedArray() || !info[4].IsTypedArray() || !info[5].IsTypedArray()) {
    Napi::TypeError::New(env, "NativeEngine(options, dispatch, events, commands, descriptors, scratch)")
        .ThrowAsJavaScriptException();
    return;
  }
  AddonEnv* addonEnv = AddonEnv::Of(env);
  if (addonEnv == nullptr || addonEnv->tornDown) {
    Napi::Error::New(env, "thriftpoll: this thread is shutting down; no engine can be created").ThrowAsJavaScriptException();
    return;
  }
  Napi::Object options = info[0].As<Napi::Object>();
  EngineOptions engineOptions;
  engineOptions.uring = OptionBool(options, "uring");
  engineOptions.inlineMode = engineOptions.uring || OptionBool(options, "inline");
  engineOptions.pollers = OptionU32(options, "pollers", 1);
  engineOptions.blockSize = OptionU32(options, "blockSize", engineOptions.blockSize);
  engineOptions.slabSize = OptionU32(options, "slabSize", engineOptions.slabSize);
  engineOptions.retainBytes = static_cast<size_t>(Number(options.Get("retainBytes"), 16.0 * 1024 * 1024));
  engineOptions.readCap = static_cast<size_t>(Number(options.Get("readCap"), 4.0 * 1024 * 1024));
  engineOptions.uringBuffers = OptionU32(options, "uringBuffers", engineOptions.uringBuffers);

  dispatch_ = Napi::Persistent(info[1].As<Napi::Function>());
  for (int i = 0; i < 4; i++) {
    Napi::TypedArray array = info[2 + i].As<Napi::TypedArray>();
    if (array.TypedArrayType() != napi_float64_array) {
      Napi::TypeError::New(env, "NativeEngine: shared arrays must be Float64Array").ThrowAsJavaScriptException();
      return;
    }
    Napi::Float64Array typed = array.As<Napi::Float64Array>();
    arrays_[i] = Napi::Persistent(typed);
    arrayData_[i] = typed.Data();
    arrayLength_[i] = typed.ElementLength();
  }
  asyncContext_ = std::make_unique<Napi::AsyncContext>(env, "thriftpoll.engine");

  engine_ = std::make_unique<Engine>(engineOptions, this);
  int error = engine_->Start();
  if (error != 0) {
    engine_.reset();
    Napi::Error failure = Napi::Error::New(env, std::string("thriftpoll: engine start failed: ") + strerror(error));
    failure.Set("errno", Napi::Number::New(env, error));
    failure.ThrowAsJavaScriptException();
    return;
  }
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  async_ = new uv_async_t();
  async_->data = this;
  uv_async_init(loop, async_, [](uv_async_t* handle) {
    EngineWrap* self = static_cast<EngineWrap*>(handle->data);
    self->wakeups_++;
    self->Dispatch();
  });
  uv_unref(reinterpret_cast<uv_handle_t*>(async_));
  trimTimer_ = new uv_timer_t();
  trimTimer_->data = this;
  uv_timer_init(loop, trimTimer_);
  uv_unref(reinterpret_cast<uv_handle_t*>(trimTimer_));
  if (engineOptions.inlineMode) {
    poll_ = new uv_poll_t();
    poll_->data = this;
    uv_poll_init(loop, poll_, engine_->InlineFd());
    uv_poll_start(poll_, UV_READABLE, [](uv_poll_t* handle, int, int) {
      EngineWrap* self = static_cast<EngineWrap*>(handle->data);
      if (!self->engine_) return;
      self->wakeups_++;
      // Slices: JavaScript runs after every kInlineSliceEvents ready sockets, so a connection's request is
      // answered while its bytes and socket are still in the CPU caches, and the first replies of a large
      // batch do not wait for every read of it. A full slice means more may be ready; after
      // kInlineSlicesPerWake slices the rest of the event loop gets its turn (level-triggered epoll reports
      // what is left at once).
      for (int slice = 0; slice < kInlineSlicesPerWake && self->engine_; slice++) {
        int handled = self->engine_->RunInline(kInlineSliceEvents);
        if (self->engine_ && self->engine_->HasWork()) self->Dispatch();
        if (handled < kInlineSliceEvents) break;
      }
    });
    uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  }
  if (engineOptions.uring) {
    // Ring entries queued while JavaScript ran (sends past the turn's first few, receives re-armed after a
    // release, cancellations, new dials) leave in one io_uring_enter just before libuv waits: one per loop turn,
    // none per call. The next turn starts its count of sends written at once (Engine::Flush).
    prepare_ = new uv_prepare_t();
    prepare_->data = this;
    uv_prepare_init(loop, prepare_);
    uv_prepare_start(prepare_, [](uv_prepare_t* handle) {
      EngineWrap* self = static_cast<EngineWrap*>(handle->data);
      if (self->engine_) self->engine_->SubmitPending();
    });
    uv_unref(reinterpret_cast<uv_handle_t*>(prepare_));
  }
  addonEnv_ = addonEnv;
  addonEnv_->Add(this);
}

EngineWrap::~EngineWrap() { Destroy(); }

void EngineWrap::Wake() {
  // uv_async_send coalesces: many wake-ups before the loop runs cost one callback.
  if (async_ != nullptr) uv_async_send(async_);
}

void EngineWrap::Dispatch() {
  if (!engine_ || dispatching_) return;
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  dispatching_ = true;
  batches_++;
  napi_value result = nullptr;
  napi_status status = napi_make_callback(env, *asyncContext_, Value(), dispatch_.Value(), 0, nullptr, &result);
  dispatching_ = false;
  if (status != napi_ok) {
    // The JavaScript dispatcher catches handler errors itself, so a failure here is either a bug in it (a real
    // exception: fatal, as for any uncaught exception) or the thread being terminated (worker.terminate():
    // JavaScript can no longer run, and the pending "exception" is no value). Then the engine goes quiet; the
    // environment's cleanup hook destroys it.
    napi_value exception = nullptr;
    napi_valuetype type = napi_undefined;
    if (napi_get_and_clear_last_exception(env, &exception) == napi_ok && exception != nullptr &&
        napi_typeof(env, exception, &type) == napi_ok && type != napi_undefined && type != napi_null) {
      napi_fatal_exception(env, exception);
      return;
    }
    if (poll_ != nullptr) uv_poll_stop(poll_);
    return;
  }
  // The dispatcher drains a bounded number of rounds; if work is left, come back on the next loop turn.
  if (engine_ && engine_->HasWork()) Wake();
  ScheduleTrim();
}

void EngineWrap::ScheduleTrim() {
  if (!engine_ || trimTimer_ == nullptr || !engine_->pool().trimDue()) return;
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(trimTimer_))) return;
  uv_timer_start(
      trimTimer_,
      [](uv_timer_t* handle) {
        EngineWrap* self = static_cast<EngineWrap*>(handle->data);
        if (!self->engine_ || !self->engine_->pool().Trim()) uv_timer_stop(handle);
        // Retired slabs reach JavaScript through a drain, which lets go of their ArrayBuffers.
        if (self->engine_ && self->engine_->HasWork()) self->Wake();
      },
      kTrimPeriodMs, kTrimPeriodMs);
}

void EngineWrap::Destroy() {
  AddonEnv* owner = addonEnv_;
  if (owner == nullptr) return;  // already destroyed (explicitly, by the cleanup hook or the finalizer)
  owner->Remove(this);
  addonEnv_ = nullptr;
  if (poll_ != nullptr) {
    uv_poll_stop(poll_);
    owner->CloseHandle(reinterpret_cast<uv_handle_t*>(poll_));
    poll_ = nullptr;
  }
  if (prepare_ != nullptr) {
    uv_prepare_stop(prepare_);
    owner->CloseHandle(reinterpret_cast<uv_handle_t*>(prepare_));
    prepare_ = nullptr;
  }
  if (trimTimer_ != nullptr) {
    uv_timer_stop(trimTimer_);
    owner->CloseHandle(reinterpret_cast<uv_handle_t*>(trimTimer_));
    trimTimer_ = nullptr;
  }
  if (engine_) {
    engine_->Stop();
    engine_.reset();
  }
  if (async_ != nullptr) {
    owner->CloseHandle(reinterpret_cast<uv_handle_t*>(async_));
    async_ = nullptr;
  }
}

void EngineWrap::ApplyCommands(uint32_t count) {
  const double* commands = arrayData_[kCommands];
  count = std::min<uint32_t>(count, static_cast<uint32_t>(arrayLength_[kCommands] / kCommandWidth));
  for (uint32_t i = 0; i < count; i++) {
    const double* command = commands + i * kCommandWidth;
    if (static_cast<int>(command[0]) == kCommandRelease) {
      engine_->Release(static_cast<uint64_t>(command[1]), static_cast<uint64_t>(command[2]));
    }
  }
}

bool EngineWrap::Alive(const Napi::CallbackInfo& info) {
  if (engine_) return true;
  Napi::Error::New(info.Env(), "thriftpoll: the engine has been destroyed").ThrowAsJavaScriptException();
  return false;
}

// drain(commandCount) -> number of events written
Napi::Value EngineWrap::DrainJs(const Napi::CallbackInfo& info) {
  if (!Alive(info)) return info.Env().Undefined();
  ApplyCommands(static_cast<uint32_t>(Number(info[0], 0)));
  size_t capacity = arrayLength_[kEvents] / kEventWidth;
  size_t count = engine_->Drain(arrayData_[kEvents], capacity);
  events_ += count;
  return Napi::Number::New(info.Env(), static_cast<double>(count));
}

// commit(commandCount)
Napi::Value EngineWrap::CommitJs(const Napi::CallbackInfo& info) {
  if (!Alive(info)) return info.Env().Undefined();
  ApplyCommands(static_cast<uint32_t>(Number(info[0], 0)));
  ScheduleTrim();
  return info.Env().Undefined();
}

// flush(connId, descriptorCount, commandCount) -> bytes still queued, or -errno
Napi::Value EngineWrap::FlushJs(const Napi::CallbackInfo& info) {
  if (!Alive(info)) return info.Env().Undefined();
  ApplyCommands(static_cast<uint32_t>(Number(info[2], 0)));
  size_t count = static_cast<size_t>(Number(info[1], 0));
  count = std::min(count, arrayLength_[kDescriptors] / kDescriptorWidth);
  int64_t result = engine_->Flush(static_cast<uint64_t>(Number(info[0], 0)), arrayData_[kDescriptors], count);
  ScheduleTrim();
  return Napi::Number::New(info.Env(), static_cast<double>(result));
}

// listen(host | path, port, backlog, flags) -> listener id or -errno; scratch[0] = bound port
// flags: 1 unix path, 2 reusePort, 4 ipv6Only, 8 noDelay
Napi::Value EngineWrap::ListenJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Alive(info)) return env.Undefined();
  std::string where = info[0].ToString().Utf8Value();
  int port = static_cast<int>(Number(info[1], 0));
  int backlog = static_cast<int>(Number(info[2], 511));
  int flags = static_cast<int>(Number(info[3], 0));
  SocketAddress address;
  if ((flags & 1) != 0) {
    int error = ParseUnixPath(where, &address);
    if (error != 0) return Errno(env, error);
  } else if (!ParseIp(where, port, &address)) {
    return Errno(env, EINVAL);
  }
  uint32_t id = 0;
  SocketAddress bound;
  int error = engine_->Listen(address, backlog, (flags & 2) != 0, (flags & 4) != 0, (flags & 8) != 0, &id, &bound);
  if (error != 0) return Errno(env, error);
  arrayData_[kScratch][0] = FormatAddress(bound).port;
  return Napi::Number::New(env, id);
}

Napi::Value EngineWrap::CloseListenerJs(const Napi::CallbackInfo& info) {
  if (engine_) engine_->CloseListener(static_cast<uint32_t>(Number(info[0], 0)));
  return info.Env().Undefined();
}

// dial(host | path, port, isUnix) -> conn id or -errno
Napi::Value EngineWrap::DialJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Alive(info)) return env.Undefined();
  std::string where = info[0].ToString().Utf8Value();
  int port = static_cast<int>(Number(info[1], 0));
  SocketAddress address;
  if (info[2].ToBoolean().Value()) {
    int error = ParseUnixPath(where, &address);
    if (error != 0) return Errno(env, error);
  } else if (!ParseIp(where, port, &address)) {
    return Errno(env, EINVAL);
  }
  uint64_t id = 0;
  int error = engine_->Dial(address, &id);
  if (error != 0) return Errno(env, error);
  return Napi::Number::New(env, static_cast<double>(id));
}

Napi::Value EngineWrap::CloseJs(const Napi::CallbackInfo& info) {
  if (engine_) engine_->Close(static_cast<uint64_t>(Number(info[0], 0)));
  return info.Env().Undefined();
}

Napi::Value EngineWrap::DisposeJs(const Napi::CallbackInfo& info) {
  if (engine_) engine_->Dispose(static_cast<uint64_t>(Number(info[0], 0)));
  ScheduleTrim();
  return info.Env().Undefined();
}

Napi::Value EngineWrap::SetWakeAtJs(const Napi::CallbackInfo& info) {
  if (!engine_) return Errno(info.Env(), EBADF);
  int error = engine_->SetWakeAt(static_cast<uint64_t>(Number(info[0], 0)), static_cast<uint64_t>(Number(info[1], 0)));
  return Errno(info.Env(), error);
}

Napi::Value EngineWrap::SetReadCapJs(const Napi::CallbackInfo& info) {
  if (!engine_) return Errno(info.Env(), EBADF);
  int error = engine_->SetReadCap(static_cast<uint64_t>(Number(info[0], 0)), static_cast<uint64_t>(Number(info[1], 1)));
  return Errno(info.Env(), error);
}

// setNoDelay(connId, enable) -> 0 or -errno
Napi::Value EngineWrap::SetNoDelayJs(const Napi::CallbackInfo& info) {
  if (!engine_) return Errno(info.Env(), EBADF);
  int fd = engine_->FdOf(static_cast<uint64_t>(Number(info[0], 0)));
  if (fd < 0) return Errno(info.Env(), EBADF);
  int value = info[1].ToBoolean().Value() ? 1 : 0;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, sizeof value) != 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

// setKeepAlive(connId, enable, idleSeconds, intervalSeconds, probes) -> 0 or -errno
Napi::Value EngineWrap::SetKeepAliveJs(const Napi::CallbackInfo& info) {
  if (!engine_) return Errno(info.Env(), EBADF);
  int fd = engine_->FdOf(static_cast<uint64_t>(Number(info[0], 0)));
  if (fd < 0) return Errno(info.Env(), EBADF);
  int enable = info[1].ToBoolean().Value() ? 1 : 0;
  if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &enable, sizeof enable) != 0) return Errno(info.Env(), errno);
  if (enable != 0) {
    int idle = static_cast<int>(Number(info[2], 60));
    int interval = static_cast<int>(Number(info[3], 10));
    int probes = static_cast<int>(Number(info[4], 5));
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes) != 0) {
      return Errno(info.Env(), errno);
    }
  }
  return Napi::Number::New(info.Env(), 0);
}

// shutdownWrite(connId) -> 0 or -errno: sends FIN (shutdown(SHUT_WR)); the read side stays open.
Napi::Value EngineWrap::ShutdownWriteJs(const Napi::CallbackInfo& info) {
  if (!engine_) return Errno(info.Env(), EBADF);
  int fd = engine_->FdOf(static_cast<uint64_t>(Number(info[0], 0)));
  if (fd < 0) return Errno(info.Env(), EBADF);
  if (shutdown(fd, SHUT_WR) != 0) return Errno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

// addresses(connId) -> [localFamily, localAddress, localPort, remoteFamily, remoteAddress, remotePort] | undefined
Napi::Value EngineWrap::AddressesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SocketAddress local;
  SocketAddress remote;
  if (!engine_ || !engine_->Addresses(static_cast<uint64_t>(Number(info[0], 0)), &local, &remote)) {
    return env.Undefined();
  }
  Napi::Array result = Napi::Array::New(env, 6);
  AddressParts parts[2] = {FormatAddress(local), FormatAddress(remote)};
  for (uint32_t i = 0; i < 2; i++) {
    result.Set(i * 3, Napi::String::New(env, parts[i].family));
    result.Set(i * 3 + 1, Napi::String::New(env, parts[i].address));
    result.Set(i * 3 + 2, Napi::Number::New(env, parts[i].port));
  }
  return result;
}

// allocBlock(minSize) -> slab id (0 when out of memory); scratch[0] = offset, scratch[1] = capacity
Napi::Value EngineWrap::AllocBlockJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Alive(info)) return env.Undefined();
  double size = Number(info[0], 0);
  Block block = size <= engine_->pool().blockSize() ? engine_->pool().Acquire()
                                                    : engine_->pool().AcquireLarge(static_cast<size_t>(size));
  if (!block.valid()) return Napi::Number::New(env, 0);
  arrayData_[kScratch][0] = block.offset;
  arrayData_[kScratch][1] = block.capacity;
  return Napi::Number::New(env, SlabId(block.slab));
}

Napi::Value EngineWrap::FreeBlockJs(const Napi::CallbackInfo& info) {
  if (engine_) engine_->FreeBlock(static_cast<uint32_t>(Number(info[0], 0)), static_cast<uint32_t>(Number(info[1], 0)));
  ScheduleTrim();
  return info.Env().Undefined();
}

// slabBuffer(slabId) -> ArrayBuffer over the slab (external: no copy), or undefined for an unknown slab
Napi::Value EngineWrap::SlabBufferJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = static_cast<uint32_t>(Number(info[0], 0));
  char* data = nullptr;
  size_t size = 0;
  if (!slabs::Expose(id, &data, &size)) return env.Undefined();
  return Napi::ArrayBuffer::New(
      env, data, size, [](Napi::Env, void*, uint32_t* slabId) {
        slabs::Finalized(*slabId);
        delete slabId;
      },
      new uint32_t(id));
}

Napi::Value EngineWrap::StatsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  if (!engine_) return result;
  EngineStats stats = engine_->Stats();
  auto set = [&](const char* name, uint64_t value) { result.Set(name, Napi::Number::New(env, static_cast<double>(value))); };
  set("connections", stats.connections);
  set("listeners", stats.listeners);
  set("inputBytes", stats.inputBytes);
  set("outputBytes", stats.outputBytes);
  set("inputBlocks", stats.inputBlocks);
  set("outputSegments", stats.outputSegments);
  set("ringBlocks", stats.ringBlocks);
  set("receiveRearms", stats.receiveRearms);
  set("directSends", stats.directSends);
  set("ringSends", stats.ringSends);
  set("slabs", stats.pool.slabs);
  set("blocksTotal", stats.pool.blocksTotal);
  set("blocksFree", stats.pool.blocksFree);
  set("largeBlocks", stats.pool.largeBlocks);
  set("largeBytes", stats.pool.largeBytes);
  set("mappedBytes", stats.pool.mappedBytes);
  set("slabsCreated", stats.pool.slabsCreated);
  set("wakeups", wakeups_);
  set("batches", batches_);
  set("events", events_);
  return result;
}

// setRef(keepsProcessAlive)
Napi::Value EngineWrap::SetRefJs(const Napi::CallbackInfo& info) {
  bool ref = info[0].ToBoolean().Value();
  for (uv_handle_t* handle : {reinterpret_cast<uv_handle_t*>(async_), reinterpret_cast<uv_handle_t*>(poll_)}) {
    if (handle == nullptr) continue;
    if (ref) uv_ref(handle);
    else uv_unref(handle);
  }
  return info.Env().Undefined();
}

Napi::Value EngineWrap::DestroyJs(const Napi::CallbackInfo& info) {
  Destroy();
  return info.Env().Undefined();
}

}  // namespace thriftpoll

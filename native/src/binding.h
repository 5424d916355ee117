#pragma once

#include "napi_config.h"
#include <uv.h>

#include <memory>

#include "addon_env.h"
#include "engine.h"

namespace thriftpoll {

class EngineWrap : public Napi::ObjectWrap<EngineWrap>, public Notifier {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit EngineWrap(const Napi::CallbackInfo& info);
  ~EngineWrap() override;
  void Wake() override;
  /** Stops the engine and closes its libuv handles; idempotent. Also run by the environment's cleanup hook. */
  void Destroy();

 private:
  enum ArrayIndex { kEvents = 0, kCommands = 1, kDescriptors = 2, kScratch = 3 };

  void Dispatch();
  /** Starts the pool's trim timer when the pool holds memory for a recent peak only. */
  void ScheduleTrim();
  void ApplyCommands(uint32_t count);
  bool Alive(const Napi::CallbackInfo& info);

  Napi::Value DrainJs(const Napi::CallbackInfo& info);
  Napi::Value CommitJs(const Napi::CallbackInfo& info);
  Napi::Value FlushJs(const Napi::CallbackInfo& info);
  Napi::Value ListenJs(const Napi::CallbackInfo& info);
  Napi::Value CloseListenerJs(const Napi::CallbackInfo& info);
  Napi::Value DialJs(const Napi::CallbackInfo& info);
  Napi::Value CloseJs(const Napi::CallbackInfo& info);
  Napi::Value DisposeJs(const Napi::CallbackInfo& info);
  Napi::Value SetWakeAtJs(const Napi::CallbackInfo& info);
  Napi::Value SetReadCapJs(const Napi::CallbackInfo& info);
  Napi::Value SetNoDelayJs(const Napi::CallbackInfo& info);
  Napi::Value SetKeepAliveJs(const Napi::CallbackInfo& info);
  Napi::Value ShutdownWriteJs(const Napi::CallbackInfo& info);
  Napi::Value AddressesJs(const Napi::CallbackInfo& info);
  Napi::Value AllocBlockJs(const Napi::CallbackInfo& info);
  Napi::Value FreeBlockJs(const Napi::CallbackInfo& info);
  Napi::Value SlabBufferJs(const Napi::CallbackInfo& info);
  Napi::Value StatsJs(const Napi::CallbackInfo& info);
  Napi::Value SetRefJs(const Napi::CallbackInfo& info);
  Napi::Value DestroyJs(const Napi::CallbackInfo& info);

  std::unique_ptr<Engine> engine_;
  Napi::FunctionReference dispatch_;
  std::unique_ptr<Napi::AsyncContext> asyncContext_;
  Napi::Reference<Napi::Float64Array> arrays_[4];
  double* arrayData_[4] = {nullptr, nullptr, nullptr, nullptr};
  size_t arrayLength_[4] = {0, 0, 0, 0};
  uv_async_t* async_ = nullptr;
  uv_poll_t* poll_ = nullptr;
  uv_prepare_t* prepare_ = nullptr;  // uring mode: submits queued ring entries once per loop turn
  uv_timer_t* trimTimer_ = nullptr;  // unref'd; runs only while the pool has something to trim
  AddonEnv* addonEnv_ = nullptr;  // this environment's state; set while the engine is listed in it
  bool dispatching_ = false;
  // Dispatch counters for stats(). Every libuv callback runs on the JavaScript thread, so plain integers do.
  uint64_t wakeups_ = 0;  // poll callbacks (inline: epoll fd, uring: the ring fd) and async callbacks (threads, deferred rounds)
  uint64_t batches_ = 0;  // calls into the JavaScript dispatcher
  uint64_t events_ = 0;   // event records drained to JavaScript
};

}  // namespace thriftpoll

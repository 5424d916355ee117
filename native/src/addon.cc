// Module entry: exports the NativeEngine class and the constants JavaScript decodes events with. Each Node
// environment (main thread, worker threads) that loads the addon gets its own AddonEnv (instance data); its
// cleanup hook destroys the environment's remaining engines when the thread exits or is terminated.
#include "napi_config.h"

#include <algorithm>

#include "addon_env.h"
#include "binding.h"
#include "block_pool.h"
#include "uring.h"

namespace thriftpoll {

void AddonEnv::Remove(EngineWrap* engine) {
  engines.erase(std::remove(engines.begin(), engines.end(), engine), engines.end());
}

void AddonEnv::CloseHandle(uv_handle_t* handle) {
  closingHandles++;
  handle->data = this;
  uv_close(handle, [](uv_handle_t* closed) {
    AddonEnv* state = static_cast<AddonEnv*>(closed->data);
    switch (closed->type) {
      case UV_POLL: delete reinterpret_cast<uv_poll_t*>(closed); break;
      case UV_TIMER: delete reinterpret_cast<uv_timer_t*>(closed); break;
      case UV_ASYNC: delete reinterpret_cast<uv_async_t*>(closed); break;
      case UV_PREPARE: delete reinterpret_cast<uv_prepare_t*>(closed); break;
      default: break;  // CloseHandle is only given the four kinds above
    }
    if (--state->closingHandles == 0 && state->cleanupHook != nullptr) {
      napi_async_cleanup_hook_handle hook = state->cleanupHook;
      state->cleanupHook = nullptr;
      napi_remove_async_cleanup_hook(hook);
    }
  });
}

}  // namespace thriftpoll

namespace {

// processStats() -> { liveSlabs }: slabs of every environment not yet unmapped (for leak tests across threads).
Napi::Value ProcessStats(const Napi::CallbackInfo& info) {
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("liveSlabs", Napi::Number::New(info.Env(), static_cast<double>(thriftpoll::slabs::LiveCount())));
  return result;
}

// probeUring() -> 0 when the `uring` engine mode can run here, else the errno that stops it (ENOSYS: no io_uring,
// EPERM: io_uring_disabled or seccomp, EOPNOTSUPP: a needed operation is missing, or a build without io_uring).
Napi::Value ProbeUring(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), thriftpoll::ProbeUring());
}

void CleanupEnv(napi_async_cleanup_hook_handle hook, void* data) {
  thriftpoll::AddonEnv* state = static_cast<thriftpoll::AddonEnv*>(data);
  state->tornDown = true;
  // Destroy() removes the engine from the list and closes its handles.
  while (!state->engines.empty()) state->engines.back()->Destroy();
  if (state->closingHandles == 0) {
    napi_remove_async_cleanup_hook(hook);
  } else {
    state->cleanupHook = hook;  // removed by the last close callback
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  thriftpoll::AddonEnv* state = new thriftpoll::AddonEnv();
  Napi::Function engineClass = thriftpoll::EngineWrap::Define(env);
  state->engineClass = Napi::Persistent(engineClass);
  // The instance data (and with it the constructor reference) is freed when the environment is torn down,
  // after its cleanup hooks; the hook below has already destroyed every engine by then.
  env.SetInstanceData<thriftpoll::AddonEnv>(state);
  napi_add_async_cleanup_hook(env, CleanupEnv, state, nullptr);
  exports.Set("version", Napi::String::New(env, "0.1.0"));
  exports.Set("NativeEngine", engineClass);
  exports.Set("processStats", Napi::Function::New(env, ProcessStats, "processStats"));
  exports.Set("probeUring", Napi::Function::New(env, ProbeUring, "probeUring"));
  // What this build lacks for the `uring` mode ("built without ..."), or null (uring_config.h).
  const char* uringMissing = thriftpoll::UringBuildMissing();
  exports.Set("uringBuildMissing", uringMissing == nullptr ? env.Null() : Napi::String::New(env, uringMissing));
  exports.Set("eventWidth", Napi::Number::New(env, static_cast<double>(thriftpoll::kEventWidth)));
  exports.Set("descriptorWidth", Napi::Number::New(env, static_cast<double>(thriftpoll::kDescriptorWidth)));
  return exports;
}

}  // namespace

NODE_API_MODULE(thriftpoll_native, Init)

// Per-environment state of the addon (the main thread and every worker thread each have their own).
//
// Node-API gives each environment its own instance data; nothing an engine uses lives in process globals
// except the slab registry (block_pool.cc), which is deliberately shared and locked because an ArrayBuffer
// finalizer may run after its engine is gone. So two worker threads can each run engines, and a worker that
// exits or is terminated frees its engines through this environment's cleanup hook. That hook is asynchronous:
// the environment (and the loaded addon, which Node unloads with the last environment using it) stays until
// every libuv handle an engine closed has run its close callback, which lives in this library.
#pragma once

#include "napi_config.h"
#include <uv.h>

#include <vector>

namespace thriftpoll {

class EngineWrap;

struct AddonEnv {
  /** The NativeEngine constructor of this environment. */
  Napi::FunctionReference engineClass;
  /** Engines created in this environment and not yet destroyed, oldest first. */
  std::vector<EngineWrap*> engines;
  /** Set once the environment's cleanup hook ran: no engine may be created any more. */
  bool tornDown = false;
  /** libuv handles closed by engines whose close callback has not run yet. */
  size_t closingHandles = 0;
  /** The pending asynchronous cleanup hook (set while it waits for closingHandles to reach 0). */
  napi_async_cleanup_hook_handle cleanupHook = nullptr;

  /** This environment's state (created by the module's Init). */
  static AddonEnv* Of(Napi::Env env) { return env.GetInstanceData<AddonEnv>(); }
  void Add(EngineWrap* engine) { engines.push_back(engine); }
  void Remove(EngineWrap* engine);
  /** uv_close()s a handle allocated with `new` (poll, timer, async or prepare) and deletes it in its close callback. */
  void CloseHandle(uv_handle_t* handle);
};

}  // namespace thriftpoll

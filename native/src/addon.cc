// Module entry: exports the NativeEngine class and the constants JavaScript decodes events with.
#include <napi.h>

#include "binding.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::String::New(env, "0.1.0"));
  exports.Set("NativeEngine", thriftpoll::EngineWrap::Define(env));
  exports.Set("eventWidth", Napi::Number::New(env, static_cast<double>(thriftpoll::kEventWidth)));
  exports.Set("descriptorWidth", Napi::Number::New(env, static_cast<double>(thriftpoll::kDescriptorWidth)));
  return exports;
}

NODE_API_MODULE(thriftpoll_native, Init)

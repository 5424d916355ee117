// Every source includes node-addon-api through this header, so all of them see the same configuration.
#pragma once

// In a worker thread being terminated, JavaScript can no longer run and every throw fails; without this,
// node-addon-api turns such a failed throw into a fatal error of the whole process.
#define NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS

#include <napi.h>

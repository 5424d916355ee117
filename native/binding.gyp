{
  "variables": {
    "thriftpoll_asan%": "<!(node -p \"process.env.THRIFTPOLL_ASAN === '1' ? 1 : 0\")"
  },
  "targets": [
    {
      "target_name": "thriftpoll_native",
      "sources": [
        "src/addon.cc",
        "src/address.cc",
        "src/binding.cc",
        "src/block_pool.cc",
        "src/engine.cc",
        "src/poller.cc",
        "src/uring.cc",
        "src/uring_buffers.cc",
        "src/uring_poll.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-O2"],
      "conditions": [
        ["thriftpoll_asan==1", {
          "cflags_cc": ["-fsanitize=address", "-fno-omit-frame-pointer", "-g"],
          "ldflags": ["-fsanitize=address"]
        }]
      ]
    }
  ]
}

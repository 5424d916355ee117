// Whether this build has the `uring` engine mode: the kernel's UAPI header <linux/io_uring.h> must be there and
// new enough for what the engine uses (Linux 6.0: IORING_RECV_MULTISHOT, IORING_SETUP_SINGLE_ISSUER, the
// provided-buffer ring of 5.19). Without it the uring sources compile to nothing, the rest of the engine builds
// as before, and `mode: 'uring'` reports THRIFTPOLL_URING_MISSING ("built without ...").
// -DTHRIFTPOLL_NO_URING builds without it on purpose (test/netpoll/uring-build.test.ts).
#pragma once

#if defined(THRIFTPOLL_NO_URING)
#define THRIFTPOLL_URING 0
#define THRIFTPOLL_URING_MISSING "io_uring support (THRIFTPOLL_NO_URING was defined)"
#elif !defined(__has_include)
#define THRIFTPOLL_URING 0
#define THRIFTPOLL_URING_MISSING "<linux/io_uring.h> (the compiler cannot check for it: no __has_include)"
#elif !__has_include(<linux/io_uring.h>)
#define THRIFTPOLL_URING 0
#define THRIFTPOLL_URING_MISSING "<linux/io_uring.h> (no kernel UAPI headers: install linux-libc-dev)"
#else
#include <linux/io_uring.h>
// Macros stand for the enum members of the same releases (IORING_REGISTER_PBUF_RING, IORING_OP_SEND_ZC).
#if !defined(IORING_RECV_MULTISHOT) || !defined(IORING_SETUP_SINGLE_ISSUER) || !defined(IORING_SETUP_COOP_TASKRUN) || \
    !defined(IORING_ACCEPT_MULTISHOT) || !defined(IORING_CQE_F_MORE) || !defined(IORING_CQE_F_BUFFER)
#define THRIFTPOLL_URING 0
#define THRIFTPOLL_URING_MISSING \
  "a <linux/io_uring.h> new enough (Linux >= 6.0: IORING_RECV_MULTISHOT, IORING_SETUP_SINGLE_ISSUER, provided-buffer rings)"
#else
#define THRIFTPOLL_URING 1
#endif
#endif

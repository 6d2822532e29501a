/*
 * runj-sys.node: poll(fd, timeoutMs), for start's wait on exec.fifo
 * (src/runtime/fifo.ts): the reader sleeps in the kernel until the helper's
 * byte arrives, or its exec closes the fifo, instead of trying a
 * non-blocking read every 50 us, each failed try an exception in Node and a
 * turn of the CPU the helper's exec needs.
 */
#include "sys_addon.h"

#include <errno.h>
#include <poll.h>

/* poll(fd, timeoutMs): the fd's revents (POLLIN, POLLHUP...) once it has any, 0 after timeoutMs, or -errno (-EINTR included). */
napi_value js_poll(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd = arg_int(env, argv, argc, 0), timeout = arg_int(env, argv, argc, 1);
  if (fd < 0 || timeout < 0) {
    napi_throw_type_error(env, NULL, "poll(fd, timeoutMs): two integers, 0 or more");
    return NULL;
  }
  struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
  int r = poll(&p, 1, timeout);
  if (r < 0) return int_result(env, -errno);
  return int_result(env, r == 0 ? 0 : p.revents);
}

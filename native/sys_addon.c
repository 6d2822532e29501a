/*
 * runj-sys.node: the system calls that runj's every container operation
 * makes and Node lacks, as a Node-API addon (C, ABI-stable across Node
 * versions). koffi, the general FFI the FreeBSD backend uses, costs ~5 ms of
 * start-up to load; this file loads in ~0.1 ms, so start, delete, create and
 * the other commands that lock a container do not pay for an FFI
 * (docs/performance.md).
 *
 * Every function returns 0 or more on success and -errno on failure: no
 * exception crosses into JavaScript, and errno is read here, right after the
 * call, where nothing else can have changed it.
 */
#define NAPI_VERSION 8
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <sys/file.h>

/* The int32 argument `i`, or INT32_MIN when it is missing or not a number. */
static int32_t arg_int(napi_env env, napi_value *argv, size_t argc, size_t i) {
  int32_t v;
  if (i >= argc || napi_get_value_int32(env, argv[i], &v) != napi_ok) return INT32_MIN;
  return v;
}

static napi_value int_result(napi_env env, int32_t v) {
  napi_value r;
  if (napi_create_int32(env, v, &r) != napi_ok) return NULL;
  return r;
}

/* flock(fd, op): flock(2), retried when a signal interrupts a blocking wait. */
static napi_value js_flock(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd = arg_int(env, argv, argc, 0), op = arg_int(env, argv, argc, 1);
  if (fd == INT32_MIN || op == INT32_MIN) {
    napi_throw_type_error(env, NULL, "flock(fd, op): two integers");
    return NULL;
  }
  int rc;
  do rc = flock(fd, op);
  while (rc < 0 && errno == EINTR);
  return int_result(env, rc < 0 ? -errno : 0);
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "flock", NAPI_AUTO_LENGTH, js_flock, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "flock", fn) != napi_ok) return NULL;
  return exports;
}

/* runj-sys.node: what its files share (sys_addon.c, sys_spawn.c, sys_map.c, sys_poll.c). */
#ifndef RUNJ_SYS_ADDON_H
#define RUNJ_SYS_ADDON_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* The int32 argument `i`, or INT32_MIN when it is missing or not a number. */
int32_t arg_int(napi_env env, napi_value *argv, size_t argc, size_t i);
napi_value int_result(napi_env env, int32_t v);
/* A JS string as a malloc'd C string (NULL on failure, a TypeError pending). */
char *c_string(napi_env env, napi_value v);

napi_value js_map_file(napi_env env, napi_callback_info info);
napi_value js_latin1(napi_env env, napi_callback_info info);
napi_value js_poll(napi_env env, napi_callback_info info);
napi_value js_spawn(napi_env env, napi_callback_info info);

#endif

/*
 * runj-sys.node, its second part: a code bundle and its V8 code cache used
 * where they lie, without a copy (build/launcher.cjs). Read into a Buffer and
 * then made a string, a bundle lands twice in fresh memory, and each 4 kB
 * page touched for the first time costs a page fault (~15 us on the
 * development VM: 0.6 ms to fill 173 kB). Mapped, the page cache's pages are
 * mapped in as they are read, up to 16 at a fault, and the string V8
 * compiles is the mapping itself (an external string).
 *
 * A mapping lives as long as the process: the launcher maps the two or three
 * files a command runs, once.
 */
#include "sys_addon.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The mappings mapFile made: latin1 makes strings over these only. A string
 * over memory V8 owns (a Buffer a file was read into) would read whatever
 * the collector puts there once it frees the buffer. A command maps two or
 * three files; the rest, past the table, are refused. */
#define MAPPINGS_MAX 16
static struct { void *addr; size_t len; } mappings[MAPPINGS_MAX];
static size_t nmappings;

static bool is_mapping(const void *addr, size_t len)
{
  for (size_t i = 0; i < nmappings; i++)
    if (mappings[i].addr == addr && mappings[i].len == len) return true;
  return false;
}

/* mapFile(path): an ArrayBuffer over the whole file (private and writable:
 * a write is the process's own copy, never the file's, and never a fault);
 * -errno; or undefined where this Node gives no external ArrayBuffers. An
 * empty file, or one of 2 GiB or more, is -EINVAL; a seventeenth -EMFILE. */
napi_value js_map_file(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  char *path = argc == 1 ? c_string(env, argv[0]) : NULL;
  if (!path) {
    napi_throw_type_error(env, NULL, "mapFile(path)");
    return NULL;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  free(path);
  if (fd < 0) return int_result(env, -errno);
  struct stat st;
  void *addr = MAP_FAILED;
  int err = 0;
  if (nmappings == MAPPINGS_MAX) err = EMFILE;
  else if (fstat(fd, &st) < 0) err = errno;
  else if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > INT32_MAX) err = EINVAL;
  else if ((addr = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)) == MAP_FAILED) err = errno;
  close(fd);
  if (err) return int_result(env, -err);
  napi_value ab;
  if (napi_create_external_arraybuffer(env, addr, (size_t)st.st_size, NULL, NULL, &ab) != napi_ok) {
    munmap(addr, (size_t)st.st_size);
    napi_value undef;
    napi_get_undefined(env, &undef);
    return undef;
  }
  mappings[nmappings].addr = addr;
  mappings[nmappings].len = (size_t)st.st_size;
  nmappings++;
  return ab;
}

typedef napi_status (*external_latin1_fn)(napi_env, char *, size_t, napi_finalize, void *, napi_value *, bool *);

/* latin1(arrayBuffer, start, end): the bytes start..end of a mapFile buffer (no
 * other: a TypeError) as
 * a one-byte string that is those bytes (an external string); undefined
 * where this Node has none (Node-API's node_api_create_external_string_latin1,
 * from Node 20.4 on: looked up, so the addon loads on any Node 20). */
napi_value js_latin1(napi_env env, napi_callback_info info) {
  static external_latin1_fn create;
  static bool looked;
  size_t argc = 3;
  napi_value argv[3], undef;
  napi_get_undefined(env, &undef);
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  void *data;
  size_t len;
  int32_t start = arg_int(env, argv, argc, 1), end = arg_int(env, argv, argc, 2);
  if (argc < 3 || napi_get_arraybuffer_info(env, argv[0], &data, &len) != napi_ok || start < 0 || end < start || (size_t)end > len) {
    napi_throw_type_error(env, NULL, "latin1(arrayBuffer, start, end)");
    return NULL;
  }
  if (!is_mapping(data, len)) {
    napi_throw_type_error(env, NULL, "latin1: the buffer is not one mapFile made");
    return NULL;
  }
  if (!looked) {
    create = (external_latin1_fn)dlsym(RTLD_DEFAULT, "node_api_create_external_string_latin1");
    looked = true;
  }
  napi_value s;
  bool copied = false;
  if (!create || create(env, (char *)data + start, (size_t)(end - start), NULL, NULL, &s, &copied) != napi_ok) return undef;
  return s;
}

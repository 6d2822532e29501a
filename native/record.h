/* Record syntax shared by the plan and the hooks answer: lines of
 * space-separated, percent-encoded fields (README.md, "The plan"). */
#ifndef RUNJ_RECORD_H
#define RUNJ_RECORD_H

#include <stddef.h>
#include <stdint.h>

/* Reads the next record from fd: returns its fields (f[0] is the keyword,
 * the rest decoded) and sets *nf, or returns NULL at end of input. The
 * fields stay valid until the next call. Malformed input dies (stage "plan"). */
char **record_next(int fd, size_t *nf);

/* Number of records read so far. */
unsigned record_count(void);

/* Dies with stage "plan" and a message naming the current record. */
_Noreturn void record_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Field parsers; they die through record_bad. */
uint64_t record_num(const char *s, uint64_t max);          /* decimal */
int64_t record_snum(const char *s, int64_t min, int64_t max); /* decimal, maybe '-' */
uint64_t record_hex(const char *s);                         /* 0x... */

/* Allocation helpers that die on ENOMEM. */
void *xrealloc(void *ptr, size_t n);
char *xstrdup(const char *s);
void *push(void *arr, size_t *n, size_t size);  /* append a zeroed element to *arr */
char **strv_new(void);                          /* { NULL } */
void strv_push(char ***v, size_t *n, char *s);  /* keeps the vector NULL-terminated */

#endif

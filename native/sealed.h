/* Sealed memfd copies of an executable (Linux; README.md, "Security"). */
#ifndef RUNJ_SEALED_H
#define RUNJ_SEALED_H

/* The seals a copy carries: no write, no resize, no change of seals. */
int is_sealed(int fd);

/* A close-on-exec memfd holding the whole of the open file `from`, sealed
 * against every write: the fd, or -1 with errno set (ENOSYS off Linux). */
int sealed_copy(int from);

#endif

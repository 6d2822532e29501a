/* freebsd-check: the compiler's <stddef.h> includes this when __FreeBSD__ is
 * defined; glibc's headers supply the types, so nothing is needed here. */

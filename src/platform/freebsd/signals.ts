/**
 * FreeBSD's signal numbers, apart from the rest of abi.ts so that parsing a
 * signal name (src/runtime/backends.ts) loads only this table; abi.ts
 * re-exports it and scripts/abi-check.mjs checks it there.
 */

/**
 * sys/signal.h. Real-time signals are numbered SIGRTMIN (65) to SIGRTMAX
 * (126); kill(2) takes any number up to _SIG_MAXSIG (128) but 127 and 128
 * are not deliverable signals (kern_sig.c: sigprop of an unknown number).
 */
export const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGEMT: 7, SIGFPE: 8, SIGKILL: 9,
  SIGBUS: 10, SIGSEGV: 11, SIGSYS: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGURG: 16, SIGSTOP: 17,
  SIGTSTP: 18, SIGCONT: 19, SIGCHLD: 20, SIGTTIN: 21, SIGTTOU: 22, SIGIO: 23, SIGXCPU: 24, SIGXFSZ: 25,
  SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGINFO: 29, SIGUSR1: 30, SIGUSR2: 31, SIGTHR: 32, SIGLIBRT: 33,
};
export const SIGRTMIN = 65;
export const SIGRTMAX = 126;

/* Messages to Node: one JSON object per line (README.md, "Messages"). */
#ifndef RUNJ_CHANNEL_H
#define RUNJ_CHANNEL_H

/* Where messages go: the sync socket, then (after ready) the exec fifo. */
void chan_set_fd(int fd);

/* The forked container process's first message must follow the parent's
 * "pid": fd is the read end of a pipe whose write end the parent closes once
 * it has sent it. The first send (or chan_pass_gate) waits for that end of
 * file, then closes fd; until then the process works on, unheld. */
void chan_set_gate(int fd);
void chan_pass_gate(void);

/* Sends one JSON object (without the newline). If Node is gone there is no
 * one to tell, so a failed send exits quietly. */
void chan_send(const char *json);

/* {"type":"pid","pid":N} */
void chan_send_pid(long pid);

/* Sends the one error line {"type":"error","stage":S,"msg":M,"errno":E} and
 * exits 1. M is the formatted message, followed by ": strerror(err)" when
 * err is not 0. */
_Noreturn void die(const char *stage, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The usual case: the system call that just failed set errno. */
#define die_errno(stage, ...) die(stage, errno, __VA_ARGS__)

#endif

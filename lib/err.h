/* SPDX-License-Identifier: MIT */
/*
 * err.h — the error detail a failing function hands its caller.
 *
 * Functions return 0 / -1 (or a count); the reason goes into a caller's
 * struct err. The message is one line, safe to log: it never holds message
 * bodies, CPR numbers or secrets.
 */
#ifndef BV_ERR_H
#define BV_ERR_H

#define ERR_MSG_MAX 512

struct err {
	int code;		/* sysexits.h value, or 0 */
	char msg[ERR_MSG_MAX];
};

/* Set e (may be NULL) to code and a formatted message. Returns -1. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clear e. */
void err_clear(struct err *e);

#endif

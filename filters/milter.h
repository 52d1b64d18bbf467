/* SPDX-License-Identifier: MIT */
/*
 * milter.h — brudvagt-milter: the message triage at SMTP time.
 *
 * The callbacks in milter.c only dispatch: each one hands its arguments to a
 * handler that returns our own outcome, and leaves through one function that
 * maps the outcome to an SMFIS_* code. That function only ever answers
 * SMFIS_CONTINUE or SMFIS_ACCEPT: the milter never rejects, discards,
 * tempfails or changes the body (fail-open; the MTA side must match with
 * Postfix's milter_default_action = accept).
 *
 * Every smfi_* call a callback makes goes through a struct milter_io, so the
 * unit tests drive the callbacks with a fake MTA (milter_set_io).
 *
 * Threads: libmilter runs the callbacks on one thread per SMTP connection.
 * The settings are an immutable snapshot, reference counted: a message takes
 * the current snapshot at MAIL FROM and keeps it to its end, whatever
 * milter_settings_install() does meanwhile.
 */
#ifndef BV_MILTER_H
#define BV_MILTER_H

#include <stdbool.h>
#include <stddef.h>

#include <libmilter/mfapi.h>

#include "conf/settings.h"
#include "lib/err.h"

/* The smfi_* calls the callbacks make; libmilter's own in milter_io.c. */
struct milter_io {
	void *(*getpriv)(SMFICTX *ctx);
	int (*setpriv)(SMFICTX *ctx, void *priv);
	char *(*getsymval)(SMFICTX *ctx, char *name);
	int (*addheader)(SMFICTX *ctx, char *name, char *value);
	/* value NULL deletes the index'th (1-based) header called name. */
	int (*chgheader)(SMFICTX *ctx, char *name, int index, char *value);
};

extern const struct milter_io milter_io_libmilter;

/* Use io for every smfi_* call from now on (tests). NULL: libmilter's. */
void milter_set_io(const struct milter_io *io);

/*
 * Make s the settings snapshot for messages that start from now on. Takes
 * ownership of s; the previous snapshot is freed (settings_free) once the
 * last message holding it has ended. Safe to call from any thread.
 */
void milter_settings_install(struct settings *s);

/* Drop the current snapshot (at exit, after the callbacks have stopped). */
void milter_shutdown(void);

/* The filter description for smfi_register: name, flags, callbacks. */
const struct smfiDesc *milter_desc(void);

/*
 * Counters, for the log at exit and on SIGUSR1. Monotonic since start.
 */
enum milter_counter {
	MC_MESSAGES,		/* transactions seen (MAIL FROM) */
	MC_NOT_OURS,		/* no recipient in milter.recipients: untouched */
	MC_TAGGED,		/* analysed and tagged */
	MC_UNANALYSED,		/* tagged X-Brudvagt-Kind: unanalysed */
	MC_OVERSIZE,		/* over milter.max_message_bytes */
	MC_ERRORS,		/* internal errors, failed open */
	MC_INTERRUPTED,		/* connection lost or timed out mid-message */
	MC_FORGED,		/* incoming X-Brudvagt-* headers removed */
	MC_COUNT
};

unsigned long milter_counter_get(enum milter_counter c);
const char *milter_counter_name(enum milter_counter c);
/* One log line "milter: counters: messages=N ..." (info). */
void milter_log_counters(void);

/*
 * The value of X-Brudvagt-Municipality for a report: "reporting=NAME" and/or
 * "affected=NAME, NAME" (settings order) or "affected=all", joined by "; ".
 * Non-ASCII is RFC 2047 encoded (UTF-8, Q). Should the names not fit in
 * 900 characters, "affected=N" gives their number instead, so the header
 * line stays under RFC 5322's 998. Appended to out (a struct buf);
 * returns false and appends nothing when there is no municipality to name.
 * Exposed for the tests.
 */
struct buf;
struct analysis;
bool milter_municipality_value(const struct settings *s,
			       const struct analysis *a, struct buf *out);

/*
 * RFC 2047 encode the UTF-8 text t for an unstructured header field and
 * append it to out: plain ASCII as is (control characters dropped), else
 * "=?UTF-8?Q?...?=" words of at most 75 characters, separated by a space,
 * never splitting a character. Exposed for the tests.
 */
void milter_encode_2047(const char *t, struct buf *out);

/*
 * Startup and the serving loop (milter_io.c): register the filter desc
 * (milter_desc(), or a bench's reference milter), set the socket
 * (milter.socket) and the timeout (milter.timeout_seconds), open the socket
 * (TCP_NODELAY on an inet one). Returns 0, or -1 with e set (code 69 or 78).
 */
int milter_io_prepare(const struct settings *s, const struct smfiDesc *desc,
		      struct err *e);
/* smfi_main: serve until milter_io_stop(). Returns 0, or -1 on failure. */
int milter_io_serve(void);
void milter_io_stop(void);

#endif

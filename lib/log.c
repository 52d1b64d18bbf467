/* SPDX-License-Identifier: MIT */
/*
 * log.c — logging to syslog or stderr. Owns the process-wide log target.
 * Any module may log; only main() calls log_init().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "lib/log.h"

static enum log_target target = LOG_TO_STDERR;
static const char *ident = "brudvagt";
static bool verbose;

void
log_init(const char *id, enum log_target t)
{
	ident = id;
	target = t;
	if (t == LOG_TO_SYSLOG)
		openlog(id, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_set_verbose(bool on)
{
	verbose = on;
}

bool
log_is_verbose(void)
{
	return verbose;
}

static void __attribute__((format(printf, 2, 0)))
vlog(int prio, const char *fmt, va_list ap)
{
	if (prio == LOG_DEBUG && !verbose)
		return;
	if (target == LOG_TO_SYSLOG) {
		vsyslog(prio, fmt, ap);
		return;
	}
	/* journald reads the <N> prefix as the priority. */
	if (getenv("JOURNAL_STREAM") != NULL)
		fprintf(stderr, "<%d>", prio);
	else
		fprintf(stderr, "%s: ", ident);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define DEFINE_LOG(name, prio)			\
	void name(const char *fmt, ...)		\
	{					\
		va_list ap;			\
		va_start(ap, fmt);		\
		vlog(prio, fmt, ap);		\
		va_end(ap);			\
	}

DEFINE_LOG(log_debug, LOG_DEBUG)
DEFINE_LOG(log_info, LOG_INFO)
DEFINE_LOG(log_warn, LOG_WARNING)
DEFINE_LOG(log_err, LOG_ERR)

void
fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(status);
}

void
panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	abort();
}

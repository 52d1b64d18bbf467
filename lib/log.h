/* SPDX-License-Identifier: MIT */
/*
 * log.h — one line per event: "module: event: key=value ...".
 *
 * Goes to syslog, or to stderr when log_init() is told so (under systemd
 * journald adds the metadata; in the CLI and tests stderr is what we want).
 * Never log message bodies, CPR numbers or credentials.
 */
#ifndef BV_LOG_H
#define BV_LOG_H

#include <stdbool.h>

enum log_target { LOG_TO_STDERR, LOG_TO_SYSLOG };

/* Set up logging for program ident. Call once at start. */
void log_init(const char *ident, enum log_target target);
void log_set_verbose(bool on);
bool log_is_verbose(void);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An unusable environment at start: log and exit with a sysexits code. */
void fatal(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* A broken invariant: log and abort (core dump). */
void panic(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif

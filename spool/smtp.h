/* SPDX-License-Identifier: MIT */
/*
 * smtp.h — brudvagt's SMTP client (libetpan), for the outbound queue.
 *
 * One session to smtp.host: TCP, then implicit TLS or STARTTLS (refused
 * when the server does not offer it), the server's certificate verified
 * with spool/tlsverify before anything is sent, EHLO, AUTH PLAIN when
 * smtp.user is set (the password read from password_file, wiped after
 * use, never logged), then one transaction per mail and recipient.
 * tls = "none" only when configured so. One session per thread.
 */
#ifndef BV_SMTP_H
#define BV_SMTP_H

#include <stddef.h>

#include "conf/settings.h"
#include "lib/err.h"

struct smtp_conn;			/* opaque */

enum smtp_outcome {
	SMTP_SENT,			/* 250 after DATA: the server has it */
	SMTP_TEMPFAIL,			/* 4xx, or the session broke: retry */
	SMTP_PERMFAIL,			/* 5xx: refused for good */
};

/*
 * Open a session per cfg. Returns 0 and *r (owned: smtp_close), or -1
 * with e: 69 (connect, TLS, certificate, EHLO, a 4xx/5xx to AUTH — all
 * worth a retry later), 78 for an unusable password_file or ca_file.
 */
int smtp_open(const struct smtp_settings *cfg, struct smtp_conn **r,
	      struct err *e);

/*
 * One transaction: MAIL FROM:<from>, RCPT TO:<rcpt>, DATA msg[0..len)
 * (CRLF line ends; dot-stuffed here). Returns the outcome; for a failure
 * e->msg holds the server's reply ("550 5.1.1 …", printable, short).
 * After SMTP_TEMPFAIL with a broken session (smtp_is_broken) the caller
 * closes it and opens a new one for the next mail.
 */
enum smtp_outcome smtp_send(struct smtp_conn *c, const char *from,
			    const char *rcpt, const char *msg, size_t len,
			    struct err *e);

/* Whether the session can no longer be used. */
int smtp_is_broken(const struct smtp_conn *c);

/* QUIT (when the session is sound) and free; accepts NULL, clears *c. */
void smtp_close(struct smtp_conn **c);

#endif

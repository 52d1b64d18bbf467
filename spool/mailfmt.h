/* SPDX-License-Identifier: MIT */
/*
 * mailfmt.h — the bytes of an outbound RFC 5322 message.
 *
 * Pure functions, no I/O: header values cleaned of CR, LF and control
 * characters (no header injection, whatever a hostile subject or name
 * holds), RFC 2047 encoded-words for non-ASCII, quoted-printable bodies,
 * and the whole message as text/plain; charset=UTF-8 — or multipart/mixed
 * with a message/rfc822 part — with CRLF line ends. Used by the outbound
 * queue (outbound.c); tested in tests/test_mailfmt.c.
 */
#ifndef BV_MAILFMT_H
#define BV_MAILFMT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

/*
 * Append to out a copy of s fit for one header line: CR, LF and TAB
 * become one space each, other C0 controls and DEL are dropped, invalid
 * UTF-8 bytes become '?', and runs of spaces collapse. At most max bytes
 * (cut at a character boundary).
 */
void mailfmt_clean(const char *s, size_t max, struct buf *out);

/*
 * Append "Name: value\r\n" to out: value cleaned (mailfmt_clean), and
 * when it holds non-ASCII (or "=?"), written as RFC 2047 UTF-8 "B"
 * encoded-words of at most 75 characters, folded onto continuation lines.
 */
void mailfmt_header(struct buf *out, const char *name, const char *value);

/*
 * Append text (UTF-8, LF or CRLF line ends) as quoted-printable with CRLF
 * line ends and soft breaks before 76 characters (RFC 2045). A dot or
 * "From " at a line start is encoded too, so that no MTA mangles it.
 */
void mailfmt_qp(const char *text, size_t len, struct buf *out);

/* RFC 5322 date of UTC t in Copenhagen time: "Tue, 03 Nov 2026 10:15:00 +0100". */
#define MAILFMT_DATE_MAX 40
void mailfmt_date(int64_t t, char out[MAILFMT_DATE_MAX]);

/* What goes into one message. Strings are borrowed; NULL: left out. */
struct mailfmt_msg {
	const char *from;		/* addr-spec */
	const char *from_name;		/* display name, or NULL */
	const char *to;			/* addr-spec */
	const char *to_name;		/* or NULL */
	const char *subject;
	const char *message_id;		/* with <> */
	const char *in_reply_to;	/* with <>, or NULL */
	const char *references;		/* or NULL */
	const char *kind;		/* X-Brudvagt-Mail */
	const char *case_ref;		/* X-Brudvagt-Case, or NULL */
	int64_t date;
	const char *body;		/* UTF-8 text */
	const char *attach;		/* raw RFC 5322 message, or NULL */
	size_t attach_len;
	const char *attach_name;	/* its filename, or NULL */
};

/*
 * The whole message into out (appended), CRLF line ends, with
 * Auto-Submitted: auto-generated. Addresses must already be plain
 * addr-specs; they are cleaned like every other header value.
 */
void mailfmt_message(const struct mailfmt_msg *m, struct buf *out);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * mime.h — decode an RFC 5322/MIME message into UTF-8 text and a header list.
 *
 * Buffer in, struct out, no I/O. Built on libetpan's MIME parser; charsets
 * through iconv, HTML to text through libxml2 (html.h). Bounded by struct
 * limits: message size, header bytes, MIME depth and part count; a message
 * past a limit is decoded as far as the limit and flagged truncated, never
 * refused. Never crashes on malformed input: at worst the text is the raw
 * body, flagged.
 */
#ifndef BV_MIME_H
#define BV_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/settings.h"
#include "lib/err.h"

struct mime_header {
	char *name;		/* as written, e.g. "Content-Type" */
	char *value;		/* unfolded, RFC 2047 decoded to UTF-8, CR/LF-free */
};

struct mime_attachment {
	char *filename;		/* UTF-8 (RFC 2231/2047 decoded), or NULL */
	char *content_type;	/* "application/pdf", lowercased */
	size_t size;		/* decoded bytes */
};

struct mime_msg {
	struct mime_header *headers;	/* top-level headers, in order */
	size_t nheaders;

	/*
	 * The readable body as UTF-8 with LF line ends: every inline text
	 * part in order; of a multipart/alternative only one (text/plain
	 * preferred, else text/html turned into text). Never NULL.
	 * format=flowed is joined, NUL bytes are dropped. An enclosed
	 * message/rfc822 (a forward) adds the lines
	 *   ---------- Forwarded message ----------
	 *   From: …  Date: …  Subject: …   (those present, one a line)
	 * an empty line, then its own text. Inside a delivery report the
	 * returned message is not text: see returned_headers.
	 */
	char *text;
	size_t text_len;

	/* Parts not read as text: non-text types, text/calendar and other
	 * text/ subtypes, and text parts marked attachment with a name. */
	struct mime_attachment *attachments;
	size_t nattachments;

	/* multipart/report; report-type=delivery-status (a DSN). */
	bool is_delivery_report;
	/* Text of the message/delivery-status part, or NULL. */
	char *delivery_status;
	/* Headers of the returned message (message/rfc822 or
	 * text/rfc822-headers part inside a report), decoded like headers. */
	struct mime_header *returned_headers;
	size_t nreturned_headers;

	bool has_html_only;	/* the text came from HTML */
	bool truncated;		/* a limit was hit; text is partial (a
				 * line past max_line_bytes loses its tail) */
	bool malformed;		/* the parser gave up; text is best effort */
	int nparts;		/* MIME parts seen */
};

/*
 * Decode msg[0..len). *r is new and owned by the caller (mime_msg_free).
 * Returns 0, or -1 with e set when nothing at all could be made of it
 * (e.g. len == 0 or no header/body separation and no header line).
 */
int mime_parse(const char *msg, size_t len, const struct limits *lim,
	       struct mime_msg **r, struct err *e);

void mime_msg_free(struct mime_msg **m);

/* The first header named name (case-insensitive), decoded; or NULL. */
const char *mime_header_get(const struct mime_msg *m, const char *name);
/* The same within an arbitrary header list (e.g. returned_headers). */
const char *mime_header_find(const struct mime_header *h, size_t n,
			     const char *name);

/*
 * A feeder gathers a message that arrives in pieces (the milter's body
 * chunks) up to lim->max_message_bytes, then decodes it exactly as
 * mime_parse would decode the whole. Bytes past the limit are dropped and
 * the result is flagged truncated.
 */
struct mime_feeder;
struct mime_feeder *mime_feeder_new(const struct limits *lim);
/* Returns 0, or 1 once the limit has been reached (further bytes dropped). */
int mime_feeder_push(struct mime_feeder *f, const void *p, size_t n);
size_t mime_feeder_size(const struct mime_feeder *f);
int mime_feeder_finish(struct mime_feeder *f, struct mime_msg **r, struct err *e);
void mime_feeder_free(struct mime_feeder **f);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * mime_header.h — private to the MIME decoder: split a header block into
 * fields and decode their values. Not for other modules; they read the
 * decoded lists in struct mime_msg (mime.h).
 */
#ifndef BV_MIME_HEADER_H
#define BV_MIME_HEADER_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/settings.h"
#include "filters/mime.h"

/*
 * Split the header block at the start of s[0..n) into fields, in order,
 * each value unfolded, RFC 2047 decoded to UTF-8 and free of control
 * characters. The block ends at the first empty line or at the first line
 * that is neither a field nor a continuation. At most lim->max_header_bytes
 * are read and a value is cut at lim->max_line_bytes; then *truncated_r is
 * set. Returns the offset where the body starts; *h_r (owned, free with
 * mime_headers_free) and *n_r get the fields.
 */
size_t mime_headers_split(const char *s, size_t n, const struct limits *lim,
			  struct mime_header **h_r, size_t *n_r,
			  bool *truncated_r);

/* Offset of the first header field: past a byte order mark, an mbox
 * "From " line, lines of blanks and a stray indent. */
size_t mime_headers_start(const char *s, size_t n);

/*
 * A header value (or a filename) s[0..n) as clean UTF-8: raw 8-bit bytes
 * read as UTF-8 or windows-1252, encoded words decoded, CR, LF and other
 * control characters removed, ends trimmed, cut at max bytes. Owned.
 */
char *mime_header_decode(const char *s, size_t n, size_t max);

void mime_headers_free(struct mime_header **h, size_t *n);

#endif

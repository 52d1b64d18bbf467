/* SPDX-License-Identifier: MIT */
/*
 * mime_header.c — header fields of a message: split, unfold, decode.
 *
 * The splitting is ours (bounded by struct limits, tolerant of bare LF,
 * of a leading mbox "From " line and of garbage); the RFC 2047 decoding
 * is libetpan's mailmime_encoded_phrase_parse. Every value leaves here as
 * valid UTF-8 without CR, LF or other control characters, so a header
 * can never smuggle a new line into a log or an outbound mail. Called
 * only by mime.c.
 */
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "filters/charset.h"
#include "filters/mime_header.h"
#include "lib/xalloc.h"

/* Length of the line at s[0..n) including its LF (or up to n). */
static size_t
line_len(const char *s, size_t n)
{
	const char *lf = memchr(s, '\n', n);

	return lf != NULL ? (size_t)(lf - s) + 1 : n;
}

/* Is the line s[0..n) empty (only CR/LF)? */
static bool
line_is_empty(const char *s, size_t n)
{
	return n == 0 || s[0] == '\n' || (s[0] == '\r' && (n == 1 || s[1] == '\n'));
}

/*
 * Length of the field name if s[0..n) starts "name:" (or the obsolete
 * "name :"), else 0. *colon_r gets the offset of the colon.
 */
static size_t
field_name_len(const char *s, size_t n, size_t *colon_r)
{
	size_t i, name;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == ':' || ch == ' ' || ch == '\t')
			break;
		if (ch < ' ' || ch >= 0x7f)
			return 0;
	}
	name = i;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (name == 0 || i >= n || s[i] != ':')
		return 0;
	*colon_r = i;
	return name;
}

/* Is s[0..n) a line of blanks only (not empty)? */
static bool
line_is_blank(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i > 0 && (i == n || s[i] == '\n' || s[i] == '\r');
}

size_t
mime_headers_start(const char *s, size_t n)
{
	size_t pos = 0;

	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		pos = 3;	/* a UTF-8 byte order mark */
	if (n - pos > 5 && memcmp(s + pos, "From ", 5) == 0)
		pos += line_len(s + pos, n - pos);
	while (pos < n && line_is_blank(s + pos, n - pos))
		pos += line_len(s + pos, n - pos);
	while (pos < n && (s[pos] == ' ' || s[pos] == '\t'))
		pos++;	/* a stray indent before the first field */
	return pos;
}

/* Drop control characters (tab becomes a space, C1 controls go too),
 * trim both ends and cut at max bytes on a character boundary. */
static char *
header_clean(const char *s, size_t max)
{
	char *r = xmalloc(strlen(s) + 1);
	size_t start = 0, end = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\t')
			r[end++] = ' ';
		else if (ch == 0xc2 && (unsigned char)s[1] >= 0x80 &&
			 (unsigned char)s[1] <= 0x9f)
			s++;
		else if (ch >= ' ' && ch != 0x7f)
			r[end++] = (char)ch;
	}
	while (start < end && r[start] == ' ')
		start++;
	while (end > start && r[end - 1] == ' ')
		end--;
	end = start + charset_utf8_prefix(r + start, end - start, max);
	memmove(r, r + start, end - start);
	r[end - start] = '\0';
	return r;
}

/* A copy of s[0..n) (up to a NUL) with each run of spaces and tabs
 * folded into one space. */
static char *
squeeze_ws(const char *s, size_t n)
{
	char *r = xmalloc(n + 1), *q = r;
	size_t i;

	for (i = 0; i < n && s[i] != '\0'; i++) {
		if ((s[i] == ' ' || s[i] == '\t') && q > r && q[-1] == ' ')
			continue;
		*q++ = s[i] == '\t' ? ' ' : s[i];
	}
	*q = '\0';
	return r;
}

char *
mime_header_decode(const char *s, size_t n, size_t max)
{
	size_t ulen, idx = 0;
	char *u, *dec = NULL, *clean, *r;

	/* Most fields, the Received lines among them, are UTF-8 already and
	 * hold no encoded word: the conversions below would copy them
	 * unchanged, and libetpan's decoder would only squeeze their blanks. */
	if (memmem(s, n, "=?", 2) == NULL && charset_is_utf8(s, n)) {
		dec = squeeze_ws(s, n);
		r = header_clean(dec, max);
		free(dec);
		return r;
	}
	u = charset_to_utf8(NULL, s, n, &ulen);
	/* Only encoded words need libetpan's decoder (the costly part). */
	if (memmem(u, ulen, "=?", 2) == NULL)
		dec = squeeze_ws(u, ulen);	/* as libetpan's decoder would leave it */
	else if (mailmime_encoded_phrase_parse("utf-8", u, ulen, &idx, "utf-8",
					       &dec) != MAILIMF_NO_ERROR)
		dec = NULL;
	/* Encoded words may hold any bytes: scrub them to UTF-8 again. */
	clean = charset_to_utf8("utf-8", dec != NULL ? dec : u,
				strlen(dec != NULL ? dec : u), NULL);
	free(dec);	/* libetpan's allocation, libc free */
	free(u);
	r = header_clean(clean, max);
	free(clean);
	return r;
}

/* Append one field: name s[0..namelen), raw value raw[0..rawlen), its
 * line ends dropped. *cap is the room in *h, grown by doubling. */
static void
field_add(struct mime_header **h, size_t *nh, size_t *cap, const char *s,
	  size_t namelen, const char *raw, size_t rawlen, size_t max)
{
	char *unfolded = xmalloc(rawlen + 1);
	size_t i, n = 0;

	for (i = 0; i < rawlen; i++)
		if (raw[i] != '\r' && raw[i] != '\n')
			unfolded[n++] = raw[i];
	unfolded[n] = '\0';
	if (*nh == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*h = xreallocarray(*h, *cap, sizeof(**h));
	}
	(*h)[*nh].name = xstrndup(s, namelen);
	(*h)[*nh].value = mime_header_decode(unfolded, n, max);
	(*nh)++;
	free(unfolded);
}

/* Bytes of the field starting at s (its first line and continuations). */
static size_t
field_len(const char *s, size_t n)
{
	size_t used = line_len(s, n);

	while (used < n && (s[used] == ' ' || s[used] == '\t'))
		used += line_len(s + used, n - used);
	return used;
}

/* mime_headers_split() with *cap, the room in *h_r (grown by doubling). */
static size_t
fields_read(const char *s, size_t n, const struct limits *lim,
	    struct mime_header **h_r, size_t *n_r, size_t *cap, bool *truncated_r)
{
	size_t pos, len, name, colon, limit = n;

	pos = mime_headers_start(s, n);
	if (limit > pos + lim->max_header_bytes)
		limit = pos + lim->max_header_bytes;
	while (pos < limit) {
		if (line_is_empty(s + pos, n - pos))
			return pos + line_len(s + pos, n - pos);
		name = field_name_len(s + pos, line_len(s + pos, limit - pos),
				      &colon);
		if (name == 0)
			return pos;	/* not a field: the body starts here */
		len = field_len(s + pos, limit - pos);
		field_add(h_r, n_r, cap, s + pos, name, s + pos + colon + 1,
			  len - colon - 1, lim->max_line_bytes);
		pos += len;
	}
	if (pos < n)
		*truncated_r = true;
	return pos;
}

size_t
mime_headers_split(const char *s, size_t n, const struct limits *lim,
		   struct mime_header **h_r, size_t *n_r, bool *truncated_r)
{
	size_t cap = 0, pos;

	*h_r = NULL;
	*n_r = 0;
	pos = fields_read(s, n, lim, h_r, n_r, &cap, truncated_r);
	if (*n_r < cap)		/* no more room than the fields take */
		*h_r = xreallocarray(*h_r, *n_r, sizeof(**h_r));
	return pos;
}

void
mime_headers_free(struct mime_header **h, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		free((*h)[i].name);
		free((*h)[i].value);
	}
	free(*h);
	*h = NULL;
	*n = 0;
}

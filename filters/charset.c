/* SPDX-License-Identifier: MIT */
/*
 * charset.c — decode message text to UTF-8 through iconv.
 *
 * Owns nothing beyond one call: each conversion opens and closes its own
 * iconv descriptor, so the functions are safe from any thread. Used by the
 * MIME decoder (mime.c) for bodies and header words; any filter may call it.
 * The charset names senders use are mapped in a table first, so that a
 * "iso-8859-1" mail with Outlook's en dash (0x96) still reads right.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "filters/charset.h"
#include "lib/buf.h"

#define REPLACEMENT "\xef\xbf\xbd"	/* U+FFFD */

/* Declared names read as another charset. NULL: guess (UTF-8 or 1252). */
static const struct {
	const char *declared;
	const char *actual;
} CHARSET_ALIASES[] = {
	{ "iso-8859-1", "WINDOWS-1252" },
	{ "iso8859-1", "WINDOWS-1252" },
	{ "iso_8859-1", "WINDOWS-1252" },
	{ "latin1", "WINDOWS-1252" },
	{ "latin-1", "WINDOWS-1252" },
	{ "l1", "WINDOWS-1252" },
	{ "cp819", "WINDOWS-1252" },
	{ "us-ascii", NULL },
	{ "ascii", NULL },
	{ "unknown-8bit", NULL },
	{ "x-unknown", NULL },
	{ "default", NULL },
	{ "utf8", "UTF-8" },
	{ "ks_c_5601-1987", "CP949" },
	{ "gb2312", "GB18030" },
};

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if invalid. */
static size_t
utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t need, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need;
}

bool
charset_is_utf8(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {	/* most text is ASCII */
			i++;
			continue;
		}
		k = utf8_seq_len((const unsigned char *)s + i, n - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

size_t
charset_utf8_prefix(const char *s, size_t n, size_t max)
{
	size_t i;

	if (n <= max)
		return n;
	i = max;
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

/* The iconv name to read charset as; NULL when it must be guessed. */
static const char *
charset_resolve(const char *charset)
{
	size_t i;

	if (charset == NULL || *charset == '\0')
		return NULL;
	for (i = 0; i < sizeof(CHARSET_ALIASES) / sizeof(CHARSET_ALIASES[0]); i++)
		if (strcasecmp(charset, CHARSET_ALIASES[i].declared) == 0)
			return CHARSET_ALIASES[i].actual;
	return charset;
}

/* Copy valid UTF-8 through, each invalid byte as U+FFFD. */
static void
utf8_scrub(struct buf *out, const char *s, size_t n)
{
	size_t i = 0, run = 0, k;

	/* valid runs are appended whole: most text is one run */
	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq_len((const unsigned char *)s + i, n - i);
		if (k == 0) {
			buf_append(out, s + run, i - run);
			buf_puts(out, REPLACEMENT);
			run = ++i;
		} else {
			i += k;
		}
	}
	buf_append(out, s + run, n - run);
}

/*
 * Scrub a converter's output in place when it is not valid UTF-8: glibc
 * reads other names of UTF-8 ("utf-8 ", "ISO-10646/UTF-8") with a decoder
 * that passes code points past U+10FFFF through (F4 90 80 80 stays).
 */
static void
utf8_rescrub(struct buf *out)
{
	struct buf clean = { 0 };

	if (charset_is_utf8(out->s, out->len))
		return;
	utf8_scrub(&clean, out->s, out->len);
	buf_free(out);
	*out = clean;
}

/* Convert through cd; an unconvertible byte becomes U+FFFD. */
static void
iconv_all(iconv_t cd, struct buf *out, const char *s, size_t n)
{
	char chunk[4096];
	char *in = (char *)s, *o;
	size_t inleft = n, oleft;

	while (inleft > 0) {
		o = chunk;
		oleft = sizeof(chunk);
		if (iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1 &&
		    errno != E2BIG) {
			buf_append(out, chunk, (size_t)(o - chunk));
			buf_puts(out, REPLACEMENT);
			in++, inleft--;	/* EILSEQ or EINVAL: skip one byte */
			iconv(cd, NULL, NULL, NULL, NULL);
			continue;
		}
		buf_append(out, chunk, (size_t)(o - chunk));
	}
	o = chunk;
	oleft = sizeof(chunk);
	iconv(cd, NULL, NULL, &o, &oleft);
	buf_append(out, chunk, (size_t)(o - chunk));
}

/* An iconv descriptor reading from, or (iconv_t)-1 to copy as UTF-8. */
static iconv_t
charset_open(const char *from, const char *s, size_t n)
{
	iconv_t cd = (iconv_t)-1;

	if (from != NULL && strcasecmp(from, "UTF-8") != 0)
		cd = iconv_open("UTF-8", from);
	if (cd == (iconv_t)-1 && !charset_is_utf8(s, n))
		cd = iconv_open("UTF-8", "WINDOWS-1252");
	return cd;
}

char *
charset_to_utf8(const char *charset, const char *s, size_t n, size_t *len_r)
{
	struct buf out = { 0 };
	const char *from = charset_resolve(charset);
	iconv_t cd;

	if (from != NULL && strcasecmp(from, "UTF-8") == 0)
		cd = (iconv_t)-1;	/* declared UTF-8: scrub, don't guess */
	else
		cd = charset_open(from, s, n);
	if (cd == (iconv_t)-1) {
		utf8_scrub(&out, s, n);
	} else {
		iconv_all(cd, &out, s, n);
		iconv_close(cd);
		utf8_rescrub(&out);
	}
	if (len_r != NULL)
		*len_r = out.len;
	return buf_steal(&out);
}

/* SPDX-License-Identifier: MIT */
/*
 * text.c — UTF-8 helpers for matching Danish words. Pure functions; any
 * filter may call them.
 */
#include <pthread.h>
#include <string.h>

#include "filters/text.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

char *
text_lower(const char *s, size_t len)
{
	char *r = xmalloc(len + 1);

	text_lower_into(s, len, r);
	return r;
}

/* ASCII A-Z to a-z, every other byte to itself; built once. */
static unsigned char ascii_fold[256];
static pthread_once_t ascii_fold_once = PTHREAD_ONCE_INIT;

static void
ascii_fold_build(void)
{
	unsigned c;

	for (c = 0; c < 256; c++)
		ascii_fold[c] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/*
 * Two passes, both cheap per byte: ASCII capitals first (one table load
 * per byte), then memchr() to the lead bytes C3 of the Latin-1 letters.
 * The byte after a C3 is its second half, never a letter of its own: it
 * is copied again from s (undoing the first pass, should a broken
 * sequence hold an ASCII capital there) and the scan resumes after it,
 * exactly as a left-to-right reading of the pairs would.
 */
void
text_lower_into(const char *s, size_t len, char *r)
{
	const char *p;
	size_t i;

	pthread_once(&ascii_fold_once, ascii_fold_build);
	for (i = 0; i < len; i++)
		r[i] = (char)ascii_fold[(unsigned char)s[i]];
	r[len] = '\0';
	for (i = 0; i + 1 < len && (p = memchr(s + i, 0xC3, len - 1 - i)) != NULL; i += 2) {
		unsigned char d;

		i = (size_t)(p - s);
		d = (unsigned char)s[i + 1];
		/* U+00C0..U+00DE, except U+00D7 (multiplication sign) */
		if (d >= 0x80 && d <= 0x9E && d != 0x97)
			d += 0x20;
		r[i + 1] = (char)d;
	}
}

/* [0-9A-Za-z]: one load in text_is_word_byte(), which runs on every byte
 * the word scanners step over. */
const bool text_ascii_word[128] = {
	/* 00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 20 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 30 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
	/* 40 */ 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 50 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
	/* 60 */ 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 70 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
};

/* The multibyte half of text_is_word_byte() (text.h). */
bool
text_is_word_byte_mb(const char *s, size_t len, size_t i)
{
	unsigned char c;

	if (i >= len)
		return false;
	c = (unsigned char)s[i];
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		       (c >= '0' && c <= '9');
	/* Any byte of a multibyte sequence counts as a letter, except the
	 * punctuation we meet in mail: NBSP (C2 A0), dashes and quotes
	 * (E2 80 xx). */
	if (c >= 0x80) {
		size_t j = i;

		while (j > 0 && ((unsigned char)s[j] & 0xC0) == 0x80)
			j--;
		if ((unsigned char)s[j] == 0xC2)
			return false;
		if ((unsigned char)s[j] == 0xE2 && j + 1 < len &&
		    (unsigned char)s[j + 1] == 0x80)
			return false;
		return true;
	}
	return false;
}

bool
text_word_at(const char *s, size_t len, size_t i, const char *w)
{
	size_t n = strlen(w);

	if (i + n > len || memcmp(s + i, w, n) != 0)
		return false;
	if (i > 0 && text_is_word_byte(s, len, i - 1))
		return false;
	return !text_is_word_byte(s, len, i + n);
}

size_t
text_find_word(const char *s, size_t len, size_t from, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	while (from < len && (p = memmem(s + from, len - from, w, n)) != NULL) {
		size_t i = (size_t)(p - s);

		if (text_word_at(s, len, i, w))
			return i;
		from = i + 1;
	}
	return (size_t)-1;
}

size_t
text_find_prefix(const char *s, size_t len, size_t from, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	while (from < len && (p = memmem(s + from, len - from, w, n)) != NULL) {
		size_t i = (size_t)(p - s);

		if (i == 0 || !text_is_word_byte(s, len, i - 1))
			return i;
		from = i + 1;
	}
	return (size_t)-1;
}

static bool
is_space_at(const char *s, size_t len, size_t i, size_t *w)
{
	unsigned char c = (unsigned char)s[i];

	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
		*w = 1;
		return true;
	}
	if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xA0) {
		*w = 2;
		return true;
	}
	return false;
}

char *
text_squeeze(const char *s, size_t len)
{
	struct buf b = { 0 };
	bool pending = false;
	size_t i = 0, w;

	while (i < len) {
		if (is_space_at(s, len, i, &w)) {
			pending = b.len > 0;
			i += w;
			continue;
		}
		if (pending)
			buf_putc(&b, ' ');
		pending = false;
		buf_putc(&b, s[i++]);
	}
	return buf_steal(&b);
}

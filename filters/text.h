/* SPDX-License-Identifier: MIT */
/*
 * text.h — small UTF-8 text helpers for Danish: case folding that keeps
 * byte offsets, word boundaries, whitespace. Pure functions.
 */
#ifndef BV_TEXT_H
#define BV_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A lowercased copy of s[0..len) with the same length and byte offsets:
 * ASCII A-Z and the Latin-1 capitals (Æ Ø Å É Ü ...) map to their small
 * letters; everything else is copied. Owned by the caller.
 */
char *text_lower(const char *s, size_t len);
/* The same into r, which has room for len + 1 bytes. */
void text_lower_into(const char *s, size_t len, char *r);

/* Is the byte at s[i] part of a word (letter or digit, incl. UTF-8
 * multibyte letters)? i may be out of [0, len): then false. */
bool text_is_word_byte_mb(const char *s, size_t len, size_t i);

/* The ASCII letters and digits: text_ascii_word[c] for c < 0x80. */
extern const bool text_ascii_word[128];

static inline bool
text_is_word_byte(const char *s, size_t len, size_t i)
{
	unsigned char c;

	if (i >= len)
		return false;
	c = (unsigned char)s[i];
	if (c < 0x80)
		return text_ascii_word[c];
	return text_is_word_byte_mb(s, len, i);
}

/* Do the n bytes of w stand at s[i] (i <= len)? Inline, for the short
 * words of the lexicon: most differ in their first byte or two, sooner
 * than a call to memcmp() returns. */
static inline bool
text_bytes_at(const char *s, size_t len, size_t i, const char *w, size_t n)
{
	size_t j;

	if (n > len - i)
		return false;
	for (j = 0; j < n; j++)
		if (s[i + j] != w[j])
			return false;
	return true;
}

/* Does s[i..] start with word w (already lowercase), on word boundaries
 * at both ends? s should be a text_lower() copy. */
bool text_word_at(const char *s, size_t len, size_t i, const char *w);

/* Find word w (lowercase) in s from offset from, on word boundaries.
 * Returns its offset, or (size_t)-1. */
size_t text_find_word(const char *s, size_t len, size_t from, const char *w);

/* Does w (lowercase) occur as a prefix of a word in s (e.g. "berør" in
 * "berørte")? Returns the offset or (size_t)-1. */
size_t text_find_prefix(const char *s, size_t len, size_t from, const char *w);

/* Trim ASCII whitespace (and U+00A0) from both ends; returns an owned copy
 * with internal runs of whitespace folded to one space. */
char *text_squeeze(const char *s, size_t len);

#endif

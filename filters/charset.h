/* SPDX-License-Identifier: MIT */
/*
 * charset.h — bytes in a declared charset to UTF-8, through iconv.
 *
 * Never fails: an unknown or absent charset is read as UTF-8 when the bytes
 * are valid UTF-8, else as windows-1252; iso-8859-1 and us-ascii are read
 * as windows-1252 (what senders mean by them); a byte that does not convert
 * becomes U+FFFD. Pure functions, no global state.
 */
#ifndef BV_CHARSET_H
#define BV_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

/*
 * s[0..n) in charset (may be NULL) as NUL-terminated UTF-8, owned by the
 * caller; *len_r (may be NULL) gets its length. Never NULL.
 */
char *charset_to_utf8(const char *charset, const char *s, size_t n,
		      size_t *len_r);

/* Is s[0..n) well-formed UTF-8 (no overlongs, no surrogates)? */
bool charset_is_utf8(const char *s, size_t n);

/* Length of the longest prefix of s[0..n) that is at most max bytes and
 * does not end inside a UTF-8 sequence. */
size_t charset_utf8_prefix(const char *s, size_t n, size_t max);

#endif

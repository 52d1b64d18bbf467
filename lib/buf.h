/* SPDX-License-Identifier: MIT */
/*
 * buf.h — a growable byte buffer, always NUL-terminated.
 *
 * A zeroed struct buf is an empty buffer. The buffer owns its bytes until
 * buf_steal() hands them to the caller.
 */
#ifndef BV_BUF_H
#define BV_BUF_H

#include <stddef.h>

struct buf {
	char *s;	/* NUL-terminated, or NULL while empty */
	size_t len;
	size_t cap;
};

void buf_append(struct buf *b, const void *p, size_t n);
/* Make room for n more bytes (and the NUL) in one allocation. */
void buf_reserve(struct buf *b, size_t n);
void buf_puts(struct buf *b, const char *s);
/* Inline: the MIME decoder and the text views call it once a byte. */
static inline void
buf_putc(struct buf *b, char c)
{
	if (b->len + 2 <= b->cap) {	/* the common case: room for c and NUL */
		b->s[b->len++] = c;
		b->s[b->len] = '\0';
		return;
	}
	buf_append(b, &c, 1);
}
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The contents as a C string ("" when empty); borrowed. */
const char *buf_cstr(const struct buf *b);
void buf_truncate(struct buf *b, size_t len);
/* Give the caller the bytes (owned, NUL-terminated, never NULL); b is reset. */
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

#endif

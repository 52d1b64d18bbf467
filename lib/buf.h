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
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The contents as a C string ("" when empty); borrowed. */
const char *buf_cstr(const struct buf *b);
void buf_truncate(struct buf *b, size_t len);
/* Give the caller the bytes (owned, NUL-terminated, never NULL); b is reset. */
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

#endif

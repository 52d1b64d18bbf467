/* SPDX-License-Identifier: MIT */
/*
 * xalloc.h — allocation that never returns NULL: failure aborts.
 */
#ifndef BV_XALLOC_H
#define BV_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* reallocarray with overflow check; aborts on overflow or failure. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

/* SPDX-License-Identifier: MIT */
/*
 * html.h — HTML to plain text through libxml2's HTML parser.
 *
 * Block elements (p, div, br, li, tr, h1-6) become line breaks, entities
 * (&aelig;, &nbsp;, &#248;) become UTF-8, script/style/head are dropped.
 * Input charset: the caller converts to UTF-8 first and says so.
 */
#ifndef BV_HTML_H
#define BV_HTML_H

#include <stddef.h>

/* UTF-8 HTML in, UTF-8 text out (owned, never NULL). */
char *html_to_text(const char *html, size_t len);

#endif

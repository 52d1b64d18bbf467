/* SPDX-License-Identifier: MIT */
/*
 * html.c — HTML to plain text through libxml2's HTML parser.
 *
 * Owns the libxml2 document for the length of one call and frees it with
 * libxml2's own free. The parser runs with recovery, without network and
 * without error output (libxml2's global error handlers are muted per call),
 * so any byte string is accepted. Called by the MIME decoder (mime.c).
 *
 * Output rules: block elements start and end a line, <br> ends one, <li>
 * starts "- ", runs of whitespace inside text (&nbsp; too) fold to one
 * space, no line starts or ends with spaces, and at most one blank line stands in a row.
 */
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "filters/html.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

/* Elements whose content is not text a person reads. */
static const char *const HTML_DROPPED[] = {
	"head", "script", "style", "title", "noscript", "template", "object",
};

/* Elements that stand on lines of their own. */
static const char *const HTML_BLOCKS[] = {
	"p", "div", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
	"dl", "dt", "dd", "table", "blockquote", "pre", "hr", "address",
	"section", "article", "header", "footer", "li", "form", "center",
	"fieldset", "nav", "aside", "main", "figure", "caption", "body",
};

#define HTML_PARSE_OPTIONS (HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | \
	HTML_PARSE_NOWARNING | HTML_PARSE_NONET)

static bool
name_in(const xmlChar *name, const char *const *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp((const char *)name, set[i]) == 0)
			return true;
	return false;
}

#define NAME_IN(name, set) name_in(name, set, sizeof(set) / sizeof(set[0]))

static void
html_mute(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void
html_mute_structured(void *ctx, xmlErrorPtr error)
{
	(void)ctx;
	(void)error;
}

/* Append a line break unless the text already ends one. */
static void
html_newline(struct buf *b)
{
	if (b->len > 0 && b->s[b->len - 1] != '\n')
		buf_putc(b, '\n');
}

/* Is s at a whitespace character (U+00A0 included)? Its length or 0. */
static size_t
html_space_at(const char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f')
		return 1;
	return (unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0 ? 2 : 0;
}

/* Append text with whitespace (and &nbsp;) folded to single spaces. */
static void
html_text(struct buf *b, const char *s)
{
	bool space = false;
	size_t k;

	while (*s) {
		if ((k = html_space_at(s)) > 0) {
			space = true;
			s += k;
			continue;
		}
		if (space && b->len > 0 && b->s[b->len - 1] != ' ' &&
		    b->s[b->len - 1] != '\n')
			buf_putc(b, ' ');
		space = false;
		buf_putc(b, *s++);
	}
	if (space && b->len > 0 && b->s[b->len - 1] != ' ' &&
	    b->s[b->len - 1] != '\n')
		buf_putc(b, ' ');
}

/* Open node n; true when its children are to be read. */
static bool
html_enter(const xmlNode *n, struct buf *b)
{
	const char *name = (const char *)n->name;

	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		if (n->content != NULL)
			html_text(b, (const char *)n->content);
		return false;
	}
	if (n->type != XML_ELEMENT_NODE || NAME_IN(n->name, HTML_DROPPED))
		return false;
	if (strcasecmp(name, "br") == 0)
		buf_putc(b, '\n');
	else if (NAME_IN(n->name, HTML_BLOCKS))
		html_newline(b);
	if (strcasecmp(name, "li") == 0)
		buf_puts(b, "- ");
	else if ((strcasecmp(name, "td") == 0 || strcasecmp(name, "th") == 0) &&
		 b->len > 0 && b->s[b->len - 1] != '\n')
		buf_putc(b, '\t');	/* between cells: "Label<TAB>value" */
	return true;
}

/* Close node n: a block ends its line. */
static void
html_leave(const xmlNode *n, struct buf *b)
{
	if (n->type == XML_ELEMENT_NODE && NAME_IN(n->name, HTML_BLOCKS))
		html_newline(b);
}

/*
 * Walk the tree below top without recursion (a hostile document can be
 * deep): enter a node, descend, and close each node on the way back up.
 */
static void
html_walk(xmlNode *top, struct buf *b)
{
	xmlNode *n = top->children;

	while (n != NULL) {
		if (html_enter(n, b) && n->children != NULL) {
			n = n->children;
			continue;
		}
		for (;;) {
			html_leave(n, b);
			if (n->next != NULL) {
				n = n->next;
				break;
			}
			n = n->parent;
			if (n == NULL || n == top) {
				n = NULL;
				break;
			}
		}
	}
}

/*
 * Tidy the walked text: no spaces at line ends or starts, at most one
 * blank line in a row, none at either end.
 */
static char *
html_tidy(const char *s, size_t len)
{
	struct buf out = { 0 };
	size_t i = 0, start, end;
	int blank = 0;

	while (i < len) {
		start = i;
		while (i < len && s[i] != '\n')
			i++;
		end = i++;
		while (start < end && s[start] == ' ')
			start++;
		while (end > start && s[end - 1] == ' ')
			end--;
		if (start == end) {
			blank++;
			continue;
		}
		if (out.len > 0)
			buf_puts(&out, blank > 0 ? "\n\n" : "\n");
		blank = 0;
		buf_append(&out, s + start, end - start);
	}
	if (out.len > 0)
		buf_putc(&out, '\n');
	return buf_steal(&out);
}

char *
html_to_text(const char *html, size_t len)
{
	struct buf b = { 0 };
	htmlDocPtr doc;
	char *text;

	if (len == 0 || len > (size_t)INT_MAX)
		return xstrdup("");
	xmlSetGenericErrorFunc(NULL, html_mute);
	xmlSetStructuredErrorFunc(NULL, html_mute_structured);
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8", HTML_PARSE_OPTIONS);
	if (doc == NULL)
		return xstrdup("");
	html_walk((xmlNode *)doc, &b);
	xmlFreeDoc(doc);
	text = html_tidy(b.s != NULL ? b.s : "", b.len);
	buf_free(&b);
	return text;
}

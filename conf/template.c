/* SPDX-License-Identifier: MIT */
/*
 * template.c — load and fill the mail templates (see template.h). Owns
 * nothing past a call. Called by the outbound composition (daemon/notify.c,
 * spool/outbound.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "conf/template.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define TEMPLATE_MAX (256 * 1024)
#define VAR_NAME_MAX 40

static int
read_file(const char *path, char **r, struct err *e)
{
	struct buf b = { 0 };
	char chunk[4096];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 :
			err_set(e, EX_IOERR, "template: %s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < TEMPLATE_MAX)
		buf_append(&b, chunk, n);
	if (ferror(f) || b.len >= TEMPLATE_MAX) {
		fclose(f);
		buf_free(&b);
		return err_set(e, EX_IOERR, "template: %s: unreadable or too large", path);
	}
	fclose(f);
	*r = buf_steal(&b);
	return 1;
}

int
template_load(const struct settings *s, const char *name, char **r,
	      struct err *e)
{
	char *path;
	size_t i;
	int rc;

	if (strchr(name, '/') != NULL || name[0] == '.')
		return err_set(e, EX_USAGE, "template: bad name %s", name);
	if (s->templates_path != NULL) {
		path = xasprintf("%s/%s.txt", s->templates_path, name);
		rc = read_file(path, r, e);
		free(path);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	for (i = 0; i < template_ndefaults; i++)
		if (strcmp(template_defaults[i].name, name) == 0) {
			*r = xstrdup(template_defaults[i].text);
			return 0;
		}
	return err_set(e, EX_DATAERR, "template: no template %s", name);
}

/* A value without control characters other than LF and TAB. */
static void
put_value(struct buf *out, const char *v)
{
	const unsigned char *p;

	for (p = (const unsigned char *)(v ? v : ""); *p; p++)
		if (*p >= 0x20 || *p == '\n' || *p == '\t')
			buf_putc(out, (char)*p);
}

static const char *
lookup(const struct template_var *vars, size_t n, const char *name, size_t len,
       bool *found_r)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0) {
			*found_r = true;
			return vars[i].value;
		}
	*found_r = false;
	return NULL;
}

static size_t
var_name_len(const char *p)
{
	size_t n = 0;

	while (n <= VAR_NAME_MAX && (p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z') ||
	       (p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9')))
		n++;
	return n <= VAR_NAME_MAX && n > 0 && p[n] == '}' && p[n + 1] == '}' ? n : 0;
}

static void
fill(const char *tpl, const struct template_var *vars, size_t nvars,
     struct buf *out)
{
	const char *p = tpl, *q;
	bool found;
	size_t n;

	while ((q = strstr(p, "{{")) != NULL) {
		buf_append(out, p, (size_t)(q - p));
		if ((n = var_name_len(q + 2)) == 0) {
			buf_puts(out, "{{");
			p = q + 2;
			continue;
		}
		put_value(out, lookup(vars, nvars, q + 2, n, &found));
		if (!found)
			log_debug("template: unknown placeholder %.*s", (int)n, q + 2);
		p = q + 2 + n + 2;
	}
	buf_puts(out, p);
}

int
template_render(const char *tpl, const struct template_var *vars,
		size_t nvars, char **subject_r, char **body_r, struct err *e)
{
	struct buf out = { 0 };
	const char *s, *nl, *body;

	if (strncmp(tpl, "Subject:", 8) != 0)
		return err_set(e, EX_DATAERR, "template: the first line is not \"Subject: …\"");
	fill(tpl, vars, nvars, &out);
	s = buf_cstr(&out) + 8;
	while (*s == ' ')
		s++;
	nl = strchr(s, '\n');
	*subject_r = nl ? xstrndup(s, (size_t)(nl - s)) : xstrdup(s);
	body = nl ? nl + 1 : "";
	if (*body == '\n')
		body++;
	*body_r = xstrdup(body);
	buf_free(&out);
	return 0;
}

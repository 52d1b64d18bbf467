/* SPDX-License-Identifier: MIT */
/*
 * template.h — the Danish mail templates and their {{placeholder}} filling.
 *
 * A template is a text file NAME.txt: its first line "Subject: …", an empty
 * line, then the body. brudvagt ships them in conf/templates/ (compiled in
 * as the defaults); the operator overrides one by putting a file of the
 * same name in templates.path. Placeholders are {{name}} (letters, digits,
 * "_"); an unknown one becomes "" and is logged. Values are inserted as
 * they are given: the caller cleans them (mailfmt for headers); here only
 * control characters other than LF and TAB are removed from them.
 */
#ifndef BV_TEMPLATE_H
#define BV_TEMPLATE_H

#include <stddef.h>

#include "conf/settings.h"
#include "lib/buf.h"
#include "lib/err.h"

struct template_var {
	const char *name;
	const char *value;		/* NULL reads as "" */
};

/*
 * The text of template name ("receipt", "triage", "forward",
 * "delivery-failure", …): templates_path/NAME.txt when that file exists,
 * else the compiled-in default. *r is owned by the caller (free()).
 * Returns 0, or -1 with e (65: no such template, 74: unreadable override).
 */
int template_load(const struct settings *s, const char *name, char **r,
		  struct err *e);

/*
 * Fill tpl's placeholders from vars and split the result: the subject
 * line's value into *subject_r, the body (after the first empty line) into
 * *body_r; both owned by the caller. Returns 0, or -1 with e (65) when tpl
 * does not start with "Subject:".
 */
int template_render(const char *tpl, const struct template_var *vars,
		    size_t nvars, char **subject_r, char **body_r,
		    struct err *e);

/* The compiled-in defaults (build/gen/templates.c, from conf/templates/). */
struct template_default {
	const char *name;
	const char *text;
};
extern const struct template_default template_defaults[];
extern const size_t template_ndefaults;

#endif

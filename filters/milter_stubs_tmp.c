/* SPDX-License-Identifier: MIT */
/*
 * milter_stubs_tmp.c — TEMPORARY weak stand-ins, to be deleted on merge.
 *
 * conf/settings.c and filters/analysis.c are written in parallel and not on
 * this branch yet. These weak definitions keep brudvagt-milter linking and
 * runnable meanwhile: a loader that reads only the milter keys, and a crude
 * subject-line classifier. The real, strong definitions replace them; the
 * integrator (or the milter branch, once main has both) deletes this file.
 * Nothing else may call these.
 */
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filters/analysis.h"
#include "lib/xalloc.h"

#define WEAK __attribute__((weak))

static void
stub_strlist(config_t *cf, const char *path, struct strlist *l)
{
	config_setting_t *st = config_lookup(cf, path);
	int i, n = st != NULL ? config_setting_length(st) : 0;

	l->v = xcalloc((size_t)n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		l->v[l->n++] = xstrdup(config_setting_get_string_elem(st, i));
}

WEAK int
settings_load_file(const char *path, struct settings **r, struct err *e)
{
	config_t cf;
	struct settings *s;
	const char *str;
	int n;

	*r = NULL;
	config_init(&cf);
	if (config_read_file(&cf, path) != CONFIG_TRUE) {
		err_set(e, 78, "%s:%d: %s", path, config_error_line(&cf),
			config_error_text(&cf));
		config_destroy(&cf);
		return -1;
	}
	s = xcalloc(1, sizeof(*s));
	s->file = xstrdup(path);
	s->milter.socket = xstrdup(config_lookup_string(&cf, "milter.socket",
		&str) ? str : "unix:/run/brudvagt/milter.sock");
	stub_strlist(&cf, "milter.recipients", &s->milter.recipients);
	stub_strlist(&cf, "system_owner.emails", &s->system_owner.emails);
	s->milter.timeout_seconds = config_lookup_int(&cf,
		"milter.timeout_seconds", &n) ? n : 30;
	s->milter.max_message_bytes = config_lookup_int(&cf,
		"milter.max_message_bytes", &n) ? (size_t)n : 10485760;
	config_destroy(&cf);
	*r = s;
	return 0;
}

static void
stub_strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

WEAK void
settings_free(struct settings **p)
{
	struct settings *s = *p;

	if (s == NULL)
		return;
	*p = NULL;
	stub_strlist_free(&s->milter.recipients);
	stub_strlist_free(&s->system_owner.emails);
	free(s->milter.socket);
	free(s->file);
	free(s);
}

WEAK int
analysis_run(const struct settings *s, const char *msg, size_t len,
	     struct analysis **r, struct err *e)
{
	struct analysis *a = xcalloc(1, sizeof(*a));
	char *text = xstrndup(msg, len);
	char *subj = strcasestr(text, "\nSubject:"), *tag = NULL;

	(void)s, (void)e;
	if (subj != NULL) {
		subj[strcspn(subj + 1, "\r\n") + 1] = '\0';
		tag = strstr(subj, "[BV-");
	}
	a->kind = KIND_OTHER;
	a->reporting_municipality = -1;
	a->severity = SEV_NONE;
	a->affected_count = -1;
	if (tag != NULL && strlen(tag) >= 14 && tag[13] == ']') {
		a->kind = KIND_ACK;
		memcpy(a->case_ref, tag + 1, 12);
	} else if (subj != NULL && strcasestr(subj, "brud") != NULL) {
		a->kind = KIND_REPORT;
	}
	free(text);
	*r = a;
	return 0;
}

WEAK void
analysis_free(struct analysis **p)
{
	free(*p);
	*p = NULL;
}

/* SPDX-License-Identifier: MIT */
/*
 * milter_stubs_tmp.c — TEMPORARY weak stand-ins, to be deleted on merge.
 *
 * filters/analysis.c is written in parallel and not on this branch yet.
 * These weak definitions keep brudvagt-milter linking and runnable
 * meanwhile: a crude subject-line classifier (conf/settings.c is merged).
 * The real, strong definitions replace them; the
 * integrator (or the milter branch, once main has both) deletes this file.
 * Nothing else may call these.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filters/analysis.h"
#include "lib/xalloc.h"

#define WEAK __attribute__((weak))

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

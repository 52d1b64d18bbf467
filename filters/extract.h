/* SPDX-License-Identifier: MIT */
/*
 * extract.h — the register fields of a breach report, read from its text.
 *
 * Works on a struct prose (prose.h) of the writer's own text and fills the
 * incident fields of a struct analysis: times, count, data categories,
 * severity, whether Datatilsynet was notified, affected municipalities and
 * the register texts (CPR numbers redacted). Pure functions.
 */
#ifndef BV_EXTRACT_H
#define BV_EXTRACT_H

#include <stdint.h>

#include "conf/settings.h"
#include "filters/analysis.h"
#include "filters/prose.h"

/* Fill a's incident fields from p; subject may be NULL; ref is the Date
 * header (UTC seconds). a->cpr_count and a->reporting_municipality must be
 * set before. */
void extract_report(const struct settings *s, const struct prose *p,
		    const char *subject, int64_t ref, struct analysis *a);

/* Only the incident fields brudvagt-milter's headers carry: severity,
 * affected municipalities, affects_all. extract_report fills them through
 * this, so they are the same; the same preconditions. */
void extract_triage(const struct settings *s, const struct prose *p,
		    const char *subject, struct analysis *a);

/* Datatilsynet in text: TRI_TRUE/TRI_FALSE/TRI_NULL. With decision, a
 * stated intention ("vi anmelder ikke") counts too (replies). */
enum tristate extract_authority(const struct prose *p, bool decision);

/* An out-of-office's return day ("tilbage mandag den 26. oktober").
 * Returns true and sets *t_r (00:00 Copenhagen, or the stated time). */
bool extract_return_date(const struct prose *p, int64_t ref, int64_t *t_r);

/* Municipality indices named in text (lowercase view lower of text),
 * owner's name masked; marks found[i]. Exposed for tests and the milter. */
void extract_municipalities_in(const struct settings *s, const char *text,
			       const char *lower, size_t len, bool *found);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * classify.h — what kind of message this is: a breach report, an
 * acknowledgement of a case, an automatic reply, a bounce, or other; and
 * which case it refers to. Pure functions over a decoded message.
 */
#ifndef BV_CLASSIFY_H
#define BV_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "filters/analysis.h"
#include "filters/mime.h"
#include "filters/prose.h"

/* Is m an automatic reply (RFC 3834 Auto-Submitted, X-Autoreply,
 * X-Autorespond, Precedence: auto_reply/bulk/junk,
 * X-Auto-Response-Suppress, or an out-of-office subject)? */
bool classify_is_auto_reply(const struct mime_msg *m);

/* Is m a bounce (a delivery-status report, or from MAILER-DAEMON or
 * postmaster, or a null sender with a bounce subject)? from_addr may be
 * NULL. */
bool classify_is_bounce(const struct mime_msg *m, const char *from_addr);

/* The case m refers to: In-Reply-To/References naming <case-BV-...>, then a
 * [BV-...] subject tag. For a bounce also the returned message's headers
 * and the report text. Writes "" when none. */
void classify_case_ref(const struct mime_msg *m, bool bounce,
		       char out[ANALYSIS_CASE_REF_MAX]);

/* 1 reply ("Re:", "SV:"), 2 forward ("VS:", "Fwd:"), 0 neither. */
int classify_subject_prefix(const char *subject);

/* Does the writer's text read as a breach report? */
bool classify_is_report(const struct mime_msg *m, const char *subject,
			const struct prose *p);

/* The kind of m; fills case_ref. p is the prose of the writer's own text. */
enum analysis_kind classify_message(const struct mime_msg *m, const char *from_addr,
				    const char *subject, const struct prose *p,
				    char case_ref[ANALYSIS_CASE_REF_MAX]);

#endif

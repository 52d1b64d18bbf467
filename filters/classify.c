/* SPDX-License-Identifier: MIT */
/*
 * classify.c — message kinds. Rules in order: bounce, automatic reply,
 * acknowledgement (names a case), other (invitations, newsletters), report
 * (breach words score 2 or more), other. Words come from lexicon.c.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filters/classify.h"
#include "filters/headers.h"
#include "filters/lexmatch.h"
#include "filters/text.h"

/* Subject without leading reply/forward prefixes and spaces (borrowed). */
static const char *
subject_core(const char *subject, int *kind_r)
{
	const char *s = subject;
	int guard;

	*kind_r = 0;
	for (guard = 0; s && guard < 8; guard++) {
		size_t n = 0;
		int k;

		while (*s == ' ' || *s == '\t')
			s++;
		while (isalpha((unsigned char)s[n]))
			n++;
		if (n == 0 || n > 4 || s[n] != ':')
			break;
		for (k = 0; lex_reply_prefixes[k].text; k++)
			if (strlen(lex_reply_prefixes[k].text) == n &&
			    strncasecmp(s, lex_reply_prefixes[k].text, n) == 0)
				break;
		if (lex_reply_prefixes[k].text == NULL)
			break;
		if (*kind_r == 0)
			*kind_r = lex_reply_prefixes[k].value;
		s += n + 1;
	}
	while (s && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

int
classify_subject_prefix(const char *subject)
{
	int kind;

	subject_core(subject, &kind);
	return kind;
}

static bool
subject_starts_with(const char *subject, const struct lex_entry *tab)
{
	int kind;
	const char *core = subject_core(subject, &kind);
	char *lower;
	bool r;

	if (core == NULL || *core == '\0')
		return false;
	lower = text_lower(core, strlen(core));
	r = lex_at(lower, strlen(lower), 0, tab, NULL) != NULL;
	free(lower);
	return r;
}

static bool
subject_contains(const char *subject, const struct lex_entry *tab)
{
	char *lower;
	bool r;

	if (subject == NULL)
		return false;
	lower = text_lower(subject, strlen(subject));
	r = lex_any(lower, 0, strlen(lower), tab);
	free(lower);
	return r;
}

/* A delivery report that says only "delivered" (a delivery receipt) is no
 * bounce: it is an automatic notification. */
static bool
only_delivered(const struct mime_msg *m)
{
	const char *ds = m->delivery_status;

	return ds && (strcasestr(ds, "action: delivered") || strcasestr(ds, "action: relayed") ||
		      strcasestr(ds, "action: expanded")) &&
	       !strcasestr(ds, "action: failed") && !strcasestr(ds, "action: delayed");
}

bool
classify_is_auto_reply(const struct mime_msg *m)
{
	const char *v;

	/* read receipts (RFC 8098) and delivery receipts */
	if ((v = mime_header_get(m, "Content-Type")) != NULL &&
	    strcasestr(v, "disposition-notification"))
		return true;
	if (m->is_delivery_report && only_delivered(m))
		return true;

	if ((v = mime_header_get(m, "Auto-Submitted")) != NULL) {
		while (*v == ' ')
			v++;
		if (strncasecmp(v, "no", 2) != 0 || isalpha((unsigned char)v[2]))
			return true;
	}
	if (mime_header_get(m, "X-Autoreply") || mime_header_get(m, "X-Autorespond") ||
	    mime_header_get(m, "X-Auto-Response-Suppress"))
		return true;
	if ((v = mime_header_get(m, "Precedence")) != NULL) {
		while (*v == ' ')
			v++;
		if (strncasecmp(v, "auto_reply", 10) == 0 || strncasecmp(v, "bulk", 4) == 0 ||
		    strncasecmp(v, "junk", 4) == 0)
			return true;
	}
	return subject_starts_with(mime_header_get(m, "Subject"), lex_auto_subjects);
}

bool
classify_is_bounce(const struct mime_msg *m, const char *from_addr)
{
	const char *rp = mime_header_get(m, "Return-Path");
	const char *subject = mime_header_get(m, "Subject");
	bool null_sender = rp && strstr(rp, "<>") != NULL;

	if (m->is_delivery_report)
		return !only_delivered(m);
	if (from_addr && (strncasecmp(from_addr, "mailer-daemon@", 14) == 0 ||
			  strncasecmp(from_addr, "postmaster@", 11) == 0))
		return true;
	return (null_sender || from_addr == NULL) &&
	       subject_contains(subject, lex_bounce_subjects);
}

static bool
ref_in_headers(const struct mime_header *h, size_t n, char out[ANALYSIS_CASE_REF_MAX])
{
	static const char *const ids[] = { "In-Reply-To", "References", "Message-ID" };
	size_t k;

	for (k = 0; k < 3; k++)
		if (headers_find_case_ref(mime_header_find(h, n, ids[k]), false, true,
					  out, ANALYSIS_CASE_REF_MAX))
			return true;
	return headers_find_case_ref(mime_header_find(h, n, "Subject"), true, false,
				     out, ANALYSIS_CASE_REF_MAX);
}

void
classify_case_ref(const struct mime_msg *m, bool bounce, char out[ANALYSIS_CASE_REF_MAX])
{
	out[0] = '\0';
	if (bounce) {
		if (ref_in_headers(m->returned_headers, m->nreturned_headers, out))
			return;
		if (headers_find_case_ref(m->text, false, true, out, ANALYSIS_CASE_REF_MAX) ||
		    headers_find_case_ref(m->text, true, false, out, ANALYSIS_CASE_REF_MAX))
			return;
	}
	/* Our own Message-ID on the incoming message is not a reference. */
	if (headers_find_case_ref(mime_header_get(m, "In-Reply-To"), false, true, out,
				  ANALYSIS_CASE_REF_MAX) ||
	    headers_find_case_ref(mime_header_get(m, "References"), false, true, out,
				  ANALYSIS_CASE_REF_MAX) ||
	    headers_find_case_ref(mime_header_get(m, "Subject"), true, false, out,
				  ANALYSIS_CASE_REF_MAX))
		return;
	out[0] = '\0';
}

static bool
is_invitation_or_list(const struct mime_msg *m, const char *subject)
{
	size_t i;

	if (mime_header_get(m, "List-Id") || mime_header_get(m, "List-Unsubscribe"))
		return true;
	for (i = 0; i < m->nattachments; i++)
		if (m->attachments[i].content_type &&
		    strcmp(m->attachments[i].content_type, "text/calendar") == 0)
			return true;
	return subject_starts_with(subject, lex_other_subjects);
}

bool
classify_is_report(const struct mime_msg *m, const char *subject, const struct prose *p)
{
	const struct lex_entry *le;
	char *ls = subject ? text_lower(subject, strlen(subject)) : NULL;
	size_t i, n, sl = ls ? strlen(ls) : 0;
	int score = 0;

	(void)m;
	for (i = 0; i < sl && score < 2;)
		if ((le = lex_at(ls, sl, i, lex_report_words, &n)) != NULL) {
			score += le->value;
			i += n;
		} else {
			i = lex_next(ls, sl, i);
		}
	free(ls);
	for (i = 0; i < p->body_end && score < 2;)
		if ((le = lex_at(p->flat, p->body_end, i, lex_report_words, &n)) != NULL) {
			score += le->value;
			i += n;
		} else {
			i = lex_next(p->flat, p->body_end, i);
		}
	return score >= 2;
}

enum analysis_kind
classify_message(const struct mime_msg *m, const char *from_addr, const char *subject,
		 const struct prose *p, char case_ref[ANALYSIS_CASE_REF_MAX])
{
	bool bounce = classify_is_bounce(m, from_addr);

	classify_case_ref(m, bounce || m->is_delivery_report, case_ref);
	if (bounce)
		return KIND_BOUNCE;
	if (classify_is_auto_reply(m))
		return KIND_AUTO_REPLY;
	if (case_ref[0])
		return KIND_ACK;
	/* "SV: ..." whose subject tag was edited away but whose text names
	 * the case */
	if (classify_subject_prefix(subject) == 1 &&
	    headers_find_case_ref(p->flat, false, false, case_ref, ANALYSIS_CASE_REF_MAX)) {
		case_ref[0] = 'B';
		case_ref[1] = 'V';
		return KIND_ACK;
	}
	if (is_invitation_or_list(m, subject))
		return KIND_OTHER;
	return classify_is_report(m, subject, p) ? KIND_REPORT : KIND_OTHER;
}

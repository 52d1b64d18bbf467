/* SPDX-License-Identifier: MIT */
/*
 * analysis.c — one message in, one struct analysis out: decode (mime.c),
 * classify (classify.c), and for a report extract the register fields
 * (extract.c). CPR numbers are counted here and redacted from every text
 * that leaves. Owns struct analysis; shared by brudvagtd, brudvagtctl and
 * brudvagt-milter. No I/O.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filters/analysis.h"
#include "filters/authres.h"
#include "filters/classify.h"
#include "filters/cpr.h"
#include "filters/extract.h"
#include "filters/headers.h"
#include "filters/mime.h"
#include "filters/prose.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

static char *
header_dup(const struct mime_msg *m, const char *name)
{
	const char *v = mime_header_get(m, name);
	char *s, *b, *e;

	if (v == NULL)
		return NULL;
	s = headers_sanitize(v);
	for (b = s; *b == ' '; b++)
		;
	for (e = b + strlen(b); e > b && e[-1] == ' '; e--)
		;
	*e = '\0';
	if (*b == '\0') {
		free(s);
		return NULL;
	}
	memmove(s, b, (size_t)(e - b) + 1);
	return s;
}

static bool
is_spoofed(const struct settings *s, const struct mime_msg *m)
{
	const char *vals[16];
	size_t i, n = 0;

	for (i = 0; i < m->nheaders && n < 16; i++)
		if (strcasecmp(m->headers[i].name, "Authentication-Results") == 0)
			vals[n++] = m->headers[i].value;
	return authres_is_spoofed(vals, n, s->authserv_id);
}

static enum analysis_origin
origin_of(const struct settings *s, const char *addr, int *muni_r)
{
	*muni_r = -1;
	if (addr == NULL)
		return ORIGIN_UNKNOWN;
	if (settings_is_system_owner(s, addr))
		return ORIGIN_SYSTEM_OWNER;
	if (settings_is_supplier(s, addr))
		return ORIGIN_SUPPLIER;
	if ((*muni_r = settings_municipality_by_domain(s, headers_addr_domain(addr))) >= 0)
		return ORIGIN_MUNICIPALITY;
	return ORIGIN_UNKNOWN;
}

/* In a forwarded report, the original sender's address ("Fra: ... <x@y>"). */
static char *
forwarded_sender(const struct prose *p)
{
	size_t i = 0;

	while (i < p->len) {
		const char *nl = memchr(p->lower + i, '\n', p->len - i);
		size_t e = nl ? (size_t)(nl - p->lower) : p->len;

		if (strncmp(p->lower + i, "fra:", 4) == 0 ||
		    strncmp(p->lower + i, "from:", 5) == 0) {
			char *line = xstrndup(p->text + i, e - i), *name, *addr;

			headers_parse_address(strchr(line, ':') + 1, &name, &addr);
			free(line);
			free(name);
			if (addr)
				return addr;
		}
		i = e + 1;
	}
	return NULL;
}

static void
set_origin(const struct settings *s, const struct prose *p, const char *subject,
	   struct analysis *a)
{
	int muni;

	a->origin = origin_of(s, a->from_addr, &muni);
	a->reporting_municipality = muni;
	/* The system owner forwarding someone's report: that someone reported. */
	if (a->origin == ORIGIN_SYSTEM_OWNER && classify_subject_prefix(subject) == 2) {
		char *orig = forwarded_sender(p);
		enum analysis_origin o = origin_of(s, orig, &muni);

		if (o == ORIGIN_MUNICIPALITY || o == ORIGIN_SUPPLIER) {
			a->origin = o;
			a->reporting_municipality = muni;
		}
		free(orig);
	}
}

static int
count_cprs(const struct mime_msg *m, const char *subject)
{
	struct buf b = { 0 };
	int n;

	if (subject) {
		buf_puts(&b, subject);
		buf_putc(&b, '\n');
	}
	buf_append(&b, m->text, m->text_len);
	n = cpr_count_distinct(b.s, b.len);
	buf_free(&b);
	return n;
}

static void
copy_attachments(const struct mime_msg *m, struct analysis *a)
{
	size_t i;

	if (m->nattachments == 0)
		return;
	a->attachments = xcalloc(m->nattachments, sizeof(*a->attachments));
	for (i = 0; i < m->nattachments; i++) {
		a->attachments[i].filename = m->attachments[i].filename ?
			headers_sanitize(m->attachments[i].filename) : NULL;
		a->attachments[i].content_type = xstrdup(m->attachments[i].content_type ?
			m->attachments[i].content_type : "application/octet-stream");
		a->attachments[i].size = m->attachments[i].size;
	}
	a->nattachments = m->nattachments;
}

static void
read_headers(const struct mime_msg *m, struct analysis *a)
{
	char *from = header_dup(m, "From");

	a->message_id = header_dup(m, "Message-ID");
	headers_parse_address(from, &a->from_name, &a->from_addr);
	free(from);
	a->subject = header_dup(m, "Subject");
	a->in_reply_to = header_dup(m, "In-Reply-To");
	a->references = header_dup(m, "References");
	a->has_date = headers_parse_date(mime_header_get(m, "Date"), &a->date);
}

/* The register fields the text gives a labelled line for, a bit each. */
static unsigned
labelled_fields(const struct prose *p)
{
	unsigned bits = 0;
	size_t i;

	for (i = 0; i < p->nfields; i++)
		if (p->fields[i].id != F_NONE)
			bits |= 1u << p->fields[i].id;
	return bits;
}

/*
 * Is the quoted part the content? A forward ("VS:", "Fwd:"), or a mail
 * that is not a reply and whose own words before the quoted block are a
 * few only ("Til orientering, se nedenfor."): someone passing a report on.
 */
static bool
is_forward(const struct mime_msg *m, const char *subject, size_t q)
{
	int prefix = classify_subject_prefix(subject);
	size_t words = 0, i;

	if (prefix == 2)
		return true;
	if (prefix == 1)
		return false;
	if (q == m->text_len)
		return false;
	for (i = 0; i < q; i++)
		if (m->text[i] != ' ' && m->text[i] != '\n' &&
		    (i + 1 == q || m->text[i + 1] == ' ' || m->text[i + 1] == '\n'))
			words++;
	return words < 40;
}

/* Triage: only the fields of analysis_run_triage (analysis.h). */
static void
analyse(const struct settings *s, const struct mime_msg *m, bool triage,
	struct analysis *a)
{
	struct prose p;
	int64_t ref;
	bool forward;

	read_headers(m, a);
	prose_begin(&p, m->text, m->text_len);
	forward = is_forward(m, a->subject, p.quote_start);
	prose_build(&p, forward);
	a->kind = classify_message(m, a->from_addr, a->subject, &p, a->case_ref);
	a->cpr_count = count_cprs(m, a->subject);
	a->spoofed = is_spoofed(s, m);
	if (a->kind == KIND_REPORT)
		set_origin(s, &p, a->subject, a);
	if (triage) {
		if (a->kind == KIND_REPORT || a->kind == KIND_ACK)
			extract_triage(s, &p, a->subject, a);
		prose_free(&p);
		return;
	}
	a->text_redacted = cpr_redact(m->text, m->text_len);
	copy_attachments(m, a);
	ref = a->has_date ? a->date : 0;
	if (a->kind == KIND_REPORT) {
		extract_report(s, &p, a->subject, ref, a);
	} else if (a->kind == KIND_ACK) {
		a->authority_decision = extract_authority(&p, true);
		extract_report(s, &p, a->subject, ref, a);
		a->labelled = labelled_fields(&p);
	} else if (a->kind == KIND_AUTO_REPLY) {
		a->has_return_date = extract_return_date(&p, ref, &a->return_date);
	}
	prose_free(&p);
}

static struct analysis *
analysis_new(const struct settings *s)
{
	struct analysis *a = xcalloc(1, sizeof(*a));

	a->origin = ORIGIN_NONE;
	a->reporting_municipality = -1;
	a->naffected_slots = s->nmunicipalities;
	a->affected = xcalloc(s->nmunicipalities + 1, sizeof(bool));
	a->affected_count = -1;
	a->reported_to_authority = TRI_NULL;
	a->authority_decision = TRI_NULL;
	a->severity = SEV_NONE;
	return a;
}

static int
run(const struct settings *s, const char *msg, size_t len, bool triage,
    struct analysis **r, struct err *e)
{
	struct mime_msg *m = NULL;
	struct analysis *a;

	*r = NULL;
	if (mime_parse(msg, len, &s->limits, &m, e) < 0)
		return -1;
	a = analysis_new(s);
	analyse(s, m, triage, a);
	a->truncated = m->truncated;
	a->malformed = m->malformed;
	if (m->truncated || m->malformed)
		a->error = xstrdup(m->truncated ? "message exceeds a configured limit; analysed in part"
					       : "malformed MIME structure; analysed as far as readable");
	mime_msg_free(&m);
	*r = a;
	return a->error ? 1 : 0;
}

int
analysis_run(const struct settings *s, const char *msg, size_t len,
	     struct analysis **r, struct err *e)
{
	return run(s, msg, len, false, r, e);
}

int
analysis_run_triage(const struct settings *s, const char *msg, size_t len,
		    struct analysis **r, struct err *e)
{
	return run(s, msg, len, true, r, e);
}

void
analysis_free(struct analysis **ap)
{
	struct analysis *a = ap ? *ap : NULL;
	size_t i;

	if (a == NULL)
		return;
	free(a->message_id);
	free(a->from_addr);
	free(a->from_name);
	free(a->subject);
	free(a->in_reply_to);
	free(a->references);
	free(a->affected);
	free(a->description);
	free(a->cause);
	free(a->consequences);
	free(a->measures);
	free(a->text_redacted);
	for (i = 0; i < a->nattachments; i++) {
		free(a->attachments[i].filename);
		free(a->attachments[i].content_type);
	}
	free(a->attachments);
	free(a->error);
	free(a);
	*ap = NULL;
}

const char *
analysis_kind_name(enum analysis_kind k)
{
	static const char *const names[] = { "report", "ack", "auto_reply", "bounce", "other" };

	return (unsigned)k < 5 ? names[k] : "other";
}

const char *
analysis_origin_name(enum analysis_origin o)
{
	static const char *const names[] = {
		NULL, "municipality", "supplier", "system_owner", "unknown",
	};

	return (unsigned)o < 5 ? names[o] : NULL;
}

const char *
analysis_severity_name(enum severity s)
{
	static const char *const names[] = { "low", "medium", "high" };

	return s >= SEV_LOW && s <= SEV_HIGH ? names[s] : NULL;
}

const char *
analysis_category_name(int i)
{
	static const char *const names[CAT_COUNT] = {
		"address", "contact", "cpr", "criminal", "financial", "health",
		"name", "other", "protected_address", "union",
	};

	return i >= 0 && i < CAT_COUNT ? names[i] : NULL;
}

/* SPDX-License-Identifier: MIT */
/*
 * notify.c — route and compose a case's receipt, triage and forwards (see
 * notify.h), and release or reject a held case. Owns nothing past a call.
 * Called by brudvagtd's delivery thread (deliver.c) and by brudvagtctl.
 *
 * The mails are composed from the stored case and a fresh analysis of the
 * archived report (its text and attachments), so the first run, a
 * catch-up after a crash and a release all compose alike. Every free text
 * passes cpr_redact once more before it enters a mail; the original
 * message is attached to the system owner's triage only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "conf/template.h"
#include "daemon/ctl.h"
#include "daemon/notify.h"
#include "filters/analysis.h"
#include "filters/cpr.h"
#include "lib/buf.h"
#include "lib/cphtime.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "spool/archive.h"
#include "spool/outbound.h"

static const char *const KIND_NAMES[] = {
	[NOTIFY_RECEIPT] = "receipt", [NOTIFY_TRIAGE] = "triage",
	[NOTIFY_FORWARD] = "forward",
};

const char *
notify_kind_name(enum notify_kind k)
{
	return KIND_NAMES[k];
}

/* ---- routing ---- */

static bool
listed(const struct notify_rcpt *v, size_t n, enum notify_kind k, const char *addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].kind == k && strcasecmp(v[i].addr, addr) == 0)
			return true;
	return false;
}

static void
add(struct notify_rcpt **v, size_t *n, const struct notify_rcpt *r,
    const char *reporter)
{
	if (r->addr == NULL || strchr(r->addr, '@') == NULL ||
	    listed(*v, *n, r->kind, r->addr))
		return;
	/* A forward never goes back to the reporter's own address. */
	if (r->kind == NOTIFY_FORWARD && reporter != NULL &&
	    strcasecmp(r->addr, reporter) == 0)
		return;
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = *r;
}

static void
route_forwards(const struct settings *s, const struct store_case *c,
	       struct notify_rcpt **v, size_t *n)
{
	const struct store_party *p;
	struct notify_rcpt r = { .kind = NOTIFY_FORWARD };
	size_t i, k;
	int m;

	for (i = 0; i < c->nparties; i++) {
		p = &c->parties[i];
		if (p->reporter)
			continue;
		r.party = p->id;
		r.party_name = p->name;
		if (p->kind == STORE_PARTY_SUPPLIER) {
			r.name = s->supplier.name;
			for (k = 0; k < s->supplier.emails.n; k++) {
				r.addr = s->supplier.emails.v[k];
				add(v, n, &r, c->reporter);
			}
		} else if (p->kind == STORE_PARTY_MUNICIPALITY &&
			   (m = settings_municipality_by_name(s, p->name)) >= 0) {
			for (k = 0; k < s->municipalities[m].ncontacts; k++) {
				r.addr = s->municipalities[m].contacts[k].email;
				r.name = s->municipalities[m].contacts[k].name;
				add(v, n, &r, c->reporter);
			}
		}
	}
}

size_t
notify_route(const struct settings *s, const struct store_case *c,
	     enum notify_stage stage, struct notify_rcpt **r)
{
	bool verified = c->status == STORE_CASE_OPEN || stage == NOTIFY_RELEASED;
	struct notify_rcpt one = { 0 }, *v = NULL;
	size_t n = 0, i;

	if (verified && c->origin != STORE_ORIGIN_UNKNOWN &&
	    c->origin != STORE_ORIGIN_NONE) {
		one.kind = NOTIFY_RECEIPT;
		one.addr = c->reporter;
		add(&v, &n, &one, NULL);
	}
	if (stage == NOTIFY_OPENED &&
	    (!verified || c->origin != STORE_ORIGIN_SYSTEM_OWNER)) {
		one.kind = NOTIFY_TRIAGE;
		one.name = s->system_owner.name;
		for (i = 0; i < s->system_owner.emails.n; i++) {
			one.addr = s->system_owner.emails.v[i];
			add(&v, &n, &one, NULL);
		}
	}
	if (verified)
		route_forwards(s, c, &v, &n);
	*r = v;
	return n;
}

/* ---- what goes into the mails ---- */

struct facts {
	const struct store_case *c;
	struct analysis *a;		/* of the archived report, or NULL */
	char *raw;			/* the archived report, or NULL */
	size_t raw_len;
	const char *message_id;		/* the report's, or NULL */
};

static void
redacted(struct buf *b, const char *s)
{
	char *r = cpr_redact(s, strlen(s));

	buf_puts(b, r);
	free(r);
}

/* "  Label:   " padded to a column by characters, not bytes (æ ø å). */
static void
line(struct buf *b, const char *label, const char *value)
{
	size_t chars = 0;
	const char *p;

	for (p = label; *p; p++)
		chars += ((unsigned char)*p & 0xc0) != 0x80;
	buf_printf(b, "  %s%*s", label, chars < 27 ? (int)(27 - chars) : 1, "");
	if (value == NULL || value[0] == '\0')
		buf_puts(b, "(ikke oplyst)");
	else
		redacted(b, value);
	buf_putc(b, '\n');
}

static void
time_line(struct buf *b, const char *label, bool has, int64_t t)
{
	char d[CPH_ISO_MAX];

	if (has)
		cph_danish(t, d);
	line(b, label, has ? d : NULL);
}

static void
municipalities(const struct store_case *c, struct buf *b)
{
	const char **v = NULL;
	size_t n = ctl_case_municipalities(c, &v), i;

	for (i = 0; i < n; i++)
		buf_printf(b, "%s%s", i ? ", " : "", v[i]);
	if (c->affects_all)
		buf_puts(b, n ? " (alle kommuner)" : "alle kommuner");
	free(v);
}

/* The register fields, one a line, every text CPR-redacted. */
static void
fields(const struct store_case *c, struct buf *b)
{
	struct buf t = { 0 };
	char num[32];

	line(b, "Beskrivelse:", c->description);
	time_line(b, "Tidspunkt for bruddet:", c->has_breach_at, c->breach_at);
	time_line(b, "Opdaget:", c->has_discovered_at, c->discovered_at);
	line(b, "Årsag:", c->cause);
	line(b, "Konsekvenser:", c->consequences);
	line(b, "Foranstaltninger:", c->measures);
	municipalities(c, &t);
	line(b, "Berørte kommuner:", buf_cstr(&t));
	snprintf(num, sizeof(num), "%ld", c->affected_count);
	line(b, "Antal berørte personer:", c->affected_count >= 0 ? num : NULL);
	buf_truncate(&t, 0);
	if (c->data_categories)
		ctl_categories_danish(c->data_categories, &t);
	line(b, "Datakategorier:", buf_cstr(&t));
	line(b, "Alvorlighed:", c->severity ? ctl_severity_danish(c->severity) : NULL);
	line(b, "Anmeldt til Datatilsynet:", ctl_tristate_danish(c->reported_to_authority));
	buf_free(&t);
}

static void
missing(const struct store_case *c, struct buf *b)
{
	static const char *const intro =
		"Disse oplysninger mangler i anmeldelsen. Svar venligst på denne\n"
		"mail med dem, så snart I kender dem:\n";
	const struct { bool absent; const char *what; } f[] = {
		{ !c->has_breach_at, "hvornår bruddet skete" },
		{ !c->has_discovered_at, "hvornår det blev opdaget" },
		{ c->description == NULL, "en beskrivelse af bruddet" },
		{ c->cause == NULL, "årsagen" },
		{ c->consequences == NULL, "de sandsynlige konsekvenser" },
		{ c->measures == NULL, "de foranstaltninger, der er truffet" },
		{ c->affected_count < 0, "hvor mange personer der er berørt" },
		{ c->data_categories == NULL, "hvilke slags oplysninger det drejer sig om" },
	};
	size_t i, n = 0;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i].absent)
			buf_printf(b, "%s  - %s\n", n++ ? "" : intro, f[i].what);
	if (n == 0)
		buf_puts(b, "Anmeldelsen rummer alle de oplysninger, fortegnelsen kræver.\n");
}

static void
attachments(const struct facts *f, bool forwarded, struct buf *b)
{
	size_t i;

	if (f->a == NULL || f->a->nattachments == 0) {
		buf_puts(b, "  (ingen)\n");
		return;
	}
	for (i = 0; i < f->a->nattachments; i++) {
		buf_puts(b, "  - ");
		redacted(b, f->a->attachments[i].filename ? f->a->attachments[i].filename
							  : "(uden navn)");
		buf_printf(b, " (%s, %zu bytes)\n", f->a->attachments[i].content_type,
			   f->a->attachments[i].size);
	}
	if (!forwarded)
		buf_puts(b, "  Filerne er ikke videresendt; bed systemejeren om dem ved behov.\n");
}

static const char *
origin_text(enum store_origin o)
{
	static const char *const t[] = {
		[STORE_ORIGIN_NONE] = "ukendt afsender",
		[STORE_ORIGIN_MUNICIPALITY] = "en kommune",
		[STORE_ORIGIN_SUPPLIER] = "leverandøren",
		[STORE_ORIGIN_SYSTEM_OWNER] = "systemejeren",
		[STORE_ORIGIN_UNKNOWN] = "ukendt afsender",
	};
	return t[o];
}

static void
notified_list(const struct notify_rcpt *v, size_t n, struct buf *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].kind != NOTIFY_TRIAGE)
			buf_printf(b, "  - %s: %s%s%s%s\n", v[i].kind == NOTIFY_RECEIPT ?
				   "kvittering" : "videresendt", v[i].addr,
				   v[i].party_name ? " (" : "",
				   v[i].party_name ? v[i].party_name : "",
				   v[i].party_name ? ")" : "");
	if (b->len == 0)
		buf_puts(b, "  (ingen endnu: sagen er tilbageholdt)\n");
}

static void
deadlines(const struct settings *s, const struct store_case *c, struct buf *b)
{
	char d[CPH_ISO_MAX];

	buf_printf(b, "  Kvittering fra parterne: %d timer efter at videresendelsen er leveret\n",
		   s->deadlines.ack_hours);
	cph_danish(c->aware_at + (int64_t)s->deadlines.authority_hours * 3600, d);
	buf_printf(b, "  Anmeldelse til Datatilsynet (art. 33): senest %s\n", d);
}

/* ---- composing ---- */

struct composed {
	char *subject, *body;
};

static int
render(const struct settings *s, const char *name, const struct template_var *vars,
       size_t n, struct composed *out, struct err *e)
{
	char *tpl = NULL;
	int rc;

	if (template_load(s, name, &tpl, e) < 0)
		return -1;
	rc = template_render(tpl, vars, n, &out->subject, &out->body, e);
	free(tpl);
	return rc;
}

/* Everything the templates may name, composed once per case. */
struct ctx {
	struct buf flds, miss, att, fatt, who, dl, cats, text, subj;
	char received[CPH_ISO_MAX], auth[CPH_ISO_MAX], ack[CPH_ISO_MAX], cpr[16];
	char *unv;
};

/* Why case c (held) is held, for its triage. */
static const char *
held_why(const struct store_case *c)
{
	if (c->spoofed)
		return "afsenderens domæne afviste mailen (SPF/DKIM/DMARC)";
	if (c->origin == STORE_ORIGIN_UNKNOWN || c->origin == STORE_ORIGIN_NONE)
		return "afsenderen er hverken en kommune, leverandøren eller systemejeren";
	return "afsenderen har sendt flere anmeldelser på en time, end "
	       "limits.reports_per_sender_per_hour tillader";
}

/* Block values end without a newline: the template places them. */
static void
trim_nl(struct buf *b)
{
	while (b->len > 0 && b->s[b->len - 1] == '\n')
		buf_truncate(b, b->len - 1);
}

static void
ctx_init(const struct settings *s, const struct facts *f,
	 const struct notify_rcpt *v, size_t n, int64_t now, struct ctx *x)
{
	const struct store_case *c = f->c;

	memset(x, 0, sizeof(*x));
	fields(c, &x->flds);
	missing(c, &x->miss);
	attachments(f, false, &x->att);
	attachments(f, s->smtp.forward_attachments, &x->fatt);
	notified_list(v, n, &x->who);
	deadlines(s, c, &x->dl);
	if (c->data_categories)
		ctl_categories_danish(c->data_categories, &x->cats);
	redacted(&x->text, f->a && f->a->text_redacted ? f->a->text_redacted :
		 "(teksten kunne ikke læses; systemejeren har den oprindelige mail)");
	redacted(&x->subj, f->a && f->a->subject ? f->a->subject : "(uden emne)");
	cph_danish(c->created_at, x->received);
	cph_danish(c->aware_at + (int64_t)s->deadlines.authority_hours * 3600, x->auth);
	cph_danish(now + (int64_t)s->deadlines.ack_hours * 3600, x->ack);
	snprintf(x->cpr, sizeof(x->cpr), "%d", c->cpr_count);
	trim_nl(&x->flds);
	trim_nl(&x->miss);
	trim_nl(&x->att);
	trim_nl(&x->fatt);
	trim_nl(&x->who);
	trim_nl(&x->dl);
	trim_nl(&x->text);
	if (c->status == STORE_CASE_HELD)
		x->unv = xasprintf("ADVARSEL - IKKE VERIFICERET: afsenderen kunne ikke "
			"bekræftes (%s). Intet er sendt videre.\nFrigiv sagen med "
			"'brudvagtctl release %s', eller afvis den med 'brudvagtctl "
			"reject %s'.\n\n", held_why(c), c->ref, c->ref);
}

static void
ctx_free(struct ctx *x)
{
	buf_free(&x->flds); buf_free(&x->miss); buf_free(&x->att);
	buf_free(&x->fatt); buf_free(&x->who); buf_free(&x->dl);
	buf_free(&x->cats); buf_free(&x->text); buf_free(&x->subj);
	free(x->unv);
}

/* Render kind's template for one recipient (party: a forward's party). */
static int
compose(const struct settings *s, const struct facts *f, const struct ctx *x,
	enum notify_kind kind, const char *party, struct composed *out,
	struct err *e)
{
	const struct store_case *c = f->c;
	const struct template_var vars[] = {
		{ "ref", c->ref }, { "subject", buf_cstr(&x->subj) },
		{ "received", x->received }, { "fields", buf_cstr(&x->flds) },
		{ "missing", buf_cstr(&x->miss) }, { "authority_deadline", x->auth },
		{ "ack_deadline", x->ack }, { "system_owner", s->system_owner.name },
		{ "reporter", c->reporter ? c->reporter : "(ukendt)" },
		{ "reporter_name", f->a && f->a->from_name ? f->a->from_name :
		  c->reporting_municipality ? c->reporting_municipality : "anmelder" },
		{ "origin_text", origin_text(c->origin) },
		{ "severity", c->severity ? ctl_severity_danish(c->severity) : "(ikke oplyst)" },
		{ "categories", x->cats.len ? buf_cstr(&x->cats) : "(ikke oplyst)" },
		{ "cpr_count", x->cpr }, { "notified", buf_cstr(&x->who) },
		{ "deadlines", buf_cstr(&x->dl) },
		{ "unverified_tag", x->unv ? "IKKE VERIFICERET: " : "" },
		{ "unverified_text", x->unv ? x->unv : "" },
		{ "text", buf_cstr(&x->text) }, { "party", party ? party : "" },
		{ "attachments", kind == NOTIFY_FORWARD ? buf_cstr(&x->fatt) : buf_cstr(&x->att) },
	};

	return render(s, notify_kind_name(kind), vars, sizeof(vars) / sizeof(vars[0]),
		      out, e);
}

/* ---- loading a case's facts ---- */

static void
facts_load(const struct settings *s, const struct store_case *c, struct facts *f)
{
	const struct store_message *m = NULL;
	struct err e = { 0 };
	size_t i;

	memset(f, 0, sizeof(*f));
	f->c = c;
	for (i = 0; i < c->nmessages; i++)
		if (c->messages[i].id == c->report_message)
			m = &c->messages[i];
	if (m == NULL || m->archive_path == NULL)
		return;
	f->message_id = m->message_id;
	if (archive_get(s->spool_path, m->archive_path, &f->raw, &f->raw_len, &e) < 0) {
		log_warn("notify: %s: the archived report cannot be read: %s", c->ref, e.msg);
		return;
	}
	if (analysis_run(s, f->raw, f->raw_len, &f->a, &e) < 0)
		log_warn("notify: %s: the report cannot be analysed again: %s", c->ref, e.msg);
}

static void
facts_free(struct facts *f)
{
	analysis_free(&f->a);
	free(f->raw);
	memset(f, 0, sizeof(*f));
}

/* ---- queueing ---- */

static bool
receipt_allowed(const struct settings *s, struct store *st, const char *addr,
		int64_t now)
{
	int limit = s->receipts_per_address_per_hour;
	struct err e = { 0 };
	size_t n = 0;

	if (limit == 0 ||
	    store_outbound_count_recent(st, "receipt", addr, now - NOTIFY_HOUR, &n, &e) < 0)
		return true;
	if (n < (size_t)limit)
		return true;
	log_warn("notify: receipt to %s withheld: %zu in the last hour", addr, n);
	return false;
}

static int
queue_mails(const struct settings *s, struct store *st, const struct store_case *c,
	    enum notify_stage stage, const struct outbound_change *chg,
	    int64_t now, struct err *e)
{
	struct composed *out = NULL;
	struct outbound_mail *m = NULL;
	struct notify_rcpt *v = NULL;
	struct facts f;
	struct ctx x;
	size_t n = notify_route(s, c, stage, &v), i, k = 0;
	int rc = -1;

	facts_load(s, c, &f);
	ctx_init(s, &f, v, n, now, &x);
	m = xcalloc(n ? n : 1, sizeof(*m));
	out = xcalloc(n ? n : 1, sizeof(*out));
	for (i = 0; i < n; i++) {
		if (v[i].kind == NOTIFY_RECEIPT && !receipt_allowed(s, st, v[i].addr, now))
			continue;
		if (compose(s, &f, &x, v[i].kind, v[i].party_name, &out[k], e) < 0)
			goto done;
		m[k].kind = notify_kind_name(v[i].kind);
		m[k].to = v[i].addr;
		m[k].to_name = v[i].name;
		m[k].party = v[i].party;
		m[k].subject = out[k].subject;
		m[k].body = out[k].body;
		m[k].in_reply_to = f.message_id;
		if (v[i].kind == NOTIFY_TRIAGE && f.raw != NULL) {
			m[k].attach = f.raw;
			m[k].attach_len = f.raw_len;
			m[k].attach_name = "anmeldelse.eml";
		}
		k++;
	}
	rc = outbound_queue(s, st, c->ref, m, k, chg, now, e);
done:
	for (i = 0; i < n; i++) {
		free(out[i].subject);
		free(out[i].body);
	}
	free(out);
	free(m);
	free(v);
	ctx_free(&x);
	facts_free(&f);
	return rc;
}

/* ---- the per-sender limit on reports ---- */

#define FLOOD_HELD "flood: "		/* mails_queued detail of a case over the limit */
#define FLOOD_NOTICE STORE_FLOOD_NOTICE	/* ... of the one that told the system owner */

/* Where case c stands against the limit. */
struct flood {
	long count;			/* the sender's cases in the hour up to c, c
					 * included; for a case without the notice
					 * counted up to limit + 1 only ("more than") */
	bool over;			/* count > limits.reports_per_sender_per_hour */
	bool notice;			/* over, and no earlier case of the hour told
					 * the system owner: c does */
};

bool
notify_sender_over_limit(const struct settings *s, struct store *st,
			 const char *sender, int64_t now)
{
	int limit = s->reports_per_sender_per_hour;
	struct err e = { 0 };
	long n = 0;

	if (limit == 0)
		return false;
	if (store_sender_cases(st, sender, now - NOTIFY_HOUR, 0, limit, &n, &e) < 0) {
		log_warn("notify: reports of %s not counted (the queueing step counts "
			 "again): %s", sender ? sender : "(no sender)", e.msg);
		return false;
	}
	return n + 1 > limit;
}

/*
 * Count case c's place among its sender's cases of the hour before it. The
 * same answer whenever it is asked (a catch-up after a crash included):
 * only cases up to c's row id count. Counting stops past the limit, so a
 * flood costs each case limit + 1 index entries, not the whole hour's;
 * only the case that brings the notice (one an hour) counts them all, for
 * the system owner's mail.
 */
static int
flood_check(const struct settings *s, struct store *st, const struct store_case *c,
	    struct flood *f, struct err *e)
{
	int limit = s->reports_per_sender_per_hour;
	int64_t since = c->created_at - NOTIFY_HOUR;
	bool told;

	memset(f, 0, sizeof(*f));
	if (limit == 0)
		return 0;
	if (store_sender_cases(st, c->reporter, since, c->id, limit + 1L, &f->count,
			       e) < 0)
		return -1;
	f->over = f->count > limit;
	if (!f->over)		/* whether the hour's notice went out matters only now */
		return 0;
	if (store_sender_notified(st, c->reporter, since, c->id, &told, e) < 0)
		return -1;
	f->notice = !told;
	if (f->notice && store_sender_cases(st, c->reporter, since, c->id, 0,
					    &f->count, e) < 0)
		return -1;
	return 0;
}

static bool
has_event(const struct store_case *c, const char *type)
{
	size_t i;

	for (i = 0; i < c->nevents; i++)
		if (strcmp(c->events[i].type, type) == 0)
			return true;
	return false;
}

/* The system owner's flood notice about c's sender, one mail an address. */
static int
flood_notice(const struct settings *s, const struct store_case *c,
	     const struct flood *f, struct composed *out,
	     struct outbound_mail **m_r, size_t *n_r, struct err *e)
{
	char count[24], limit[16], received[CPH_ISO_MAX];
	const struct template_var vars[] = {
		{ "ref", c->ref }, { "system_owner", s->system_owner.name },
		{ "reporter", c->reporter ? c->reporter : "(ingen afsender)" },
		{ "count", count }, { "limit", limit }, { "received", received },
	};
	struct outbound_mail *m;
	size_t i, n = s->system_owner.emails.n;

	snprintf(count, sizeof(count), "%ld", f->count);
	snprintf(limit, sizeof(limit), "%d", s->reports_per_sender_per_hour);
	cph_danish(c->created_at, received);
	if (render(s, "flood", vars, sizeof(vars) / sizeof(vars[0]), out, e) < 0)
		return -1;
	m = xcalloc(n ? n : 1, sizeof(*m));
	for (i = 0; i < n; i++) {
		m[i].kind = notify_kind_name(NOTIFY_TRIAGE);
		m[i].to = s->system_owner.emails.v[i];
		m[i].to_name = s->system_owner.name;
		m[i].subject = out->subject;
		m[i].body = out->body;
	}
	*m_r = m;
	*n_r = n;
	return 0;
}

/*
 * Case c is over its sender's limit: no receipt, no triage, no forwards.
 * An open case (ingest counted before a concurrent report committed) is
 * held now, unless an operator released it already. The hour's first
 * such case brings the system owner the flood notice.
 */
static int
flood_hold(const struct settings *s, struct store *st, const struct store_case *c,
	   const struct flood *f, int64_t now, struct err *e)
{
	struct outbound_change chg = { .event = "mails_queued", .once = true };
	const char *sender = c->reporter ? c->reporter : "(no sender)";
	struct composed out = { 0 };
	struct outbound_mail *m = NULL;
	size_t n = 0;
	int rc = -1;

	if (c->status == STORE_CASE_OPEN && !has_event(c, "released")) {
		chg.change_status = true;
		chg.from = STORE_CASE_OPEN;
		chg.to = STORE_CASE_HELD;
	}
	chg.detail = f->notice ?
		xasprintf(FLOOD_NOTICE "%ld reports from %s within the hour, limit %d: "
			  "nothing sent for this case", f->count, sender,
			  s->reports_per_sender_per_hour) :
		xasprintf(FLOOD_HELD "more than %d reports from %s within the hour: "
			  "nothing sent for this case", s->reports_per_sender_per_hour,
			  sender);
	if (f->notice && flood_notice(s, c, f, &out, &m, &n, e) < 0)
		goto done;
	rc = outbound_queue(s, st, c->ref, m, n, &chg, now, e);
	if (rc == 0 && f->notice)
		log_warn("notify: %s: %ld reports from %s within the hour, over the "
			 "limit of %d: held; the system owner is told", c->ref, f->count,
			 sender, s->reports_per_sender_per_hour);
	else if (rc == 0)
		log_info("notify: %s: more than %d reports from %s within the hour: "
			 "held, nothing sent", c->ref, s->reports_per_sender_per_hour,
			 sender);
done:
	free((char *)chg.detail);
	free(out.subject);
	free(out.body);
	free(m);
	return rc;
}

static int
get_case(struct store *st, const char *ref, struct store_case **c, struct err *e)
{
	int rc = store_case_get(st, ref, c, e);

	if (rc == 0)
		return err_set(e, EX_DATAERR, "notify: no case %s", ref);
	return rc < 0 ? -1 : 0;
}

int
notify_case_opened(const struct settings *s, struct store *st,
		   const char *ref, int64_t now, struct err *e)
{
	struct outbound_change chg = { .event = "mails_queued", .once = true };
	struct store_case *c = NULL;
	struct flood f;
	int rc;

	if (get_case(st, ref, &c, e) < 0)
		return -1;
	chg.detail = c->status == STORE_CASE_HELD ? "held: triage only" :
		     c->status == STORE_CASE_NEEDS_TRIAGE ? "needs triage: triage only" : NULL;
	rc = flood_check(s, st, c, &f, e);
	if (rc == 0 && f.over) {
		rc = flood_hold(s, st, c, &f, now, e);
	} else if (rc == 0 && has_event(c, "released")) {
		/* An operator released it before this step ran: the release
		 * queued its receipt and forwards, and the operator knows it. */
		chg.detail = "released before its first mails: nothing more";
		rc = outbound_queue(s, st, c->ref, NULL, 0, &chg, now, e);
	} else if (rc == 0) {
		rc = queue_mails(s, st, c, NOTIFY_OPENED, &chg, now, e);
	}
	if (rc < 0 && e->code == EX_CANTCREAT) {	/* another process did */
		log_info("notify: %s: its mails were queued already", ref);
		rc = 0;
	}
	store_case_free(&c);
	return rc;
}

int
notify_pending(const struct settings *s, struct store *st, int64_t now,
	       const volatile sig_atomic_t *stop, struct err *e)
{
	char (*refs)[STORE_REF_MAX] = NULL;
	size_t n = 0, i;
	int done = 0;

	if (store_cases_unnotified(st, now - (int64_t)s->smtp.max_queue_hours * 3600,
				   &refs, &n, e) < 0)
		return -1;
	for (i = 0; i < n && !(stop && *stop); i++) {
		if (notify_case_opened(s, st, refs[i], now, e) < 0) {
			free(refs);
			return -1;
		}
		done++;
	}
	free(refs);
	return done;
}

int
notify_release(const struct settings *s, struct store *st, const char *ref,
	       int64_t now, const char *by, struct err *e)
{
	struct outbound_change chg = { .change_status = true, .from = STORE_CASE_HELD,
		.to = STORE_CASE_OPEN, .event = "released", .detail = by };
	struct store_case *c = NULL;
	int rc;

	if (get_case(st, ref, &c, e) < 0)
		return -1;
	if (c->status != STORE_CASE_HELD) {
		rc = err_set(e, EX_DATAERR, "case %s is %s, not held", ref,
			     store_case_status_name(c->status));
	} else {
		rc = queue_mails(s, st, c, NOTIFY_RELEASED, &chg, now, e);
	}
	store_case_free(&c);
	return rc;
}

int
notify_reject(const struct settings *s, struct store *st, const char *ref,
	      int64_t now, const char *by, struct err *e)
{
	struct outbound_change chg = { .change_status = true, .from = STORE_CASE_HELD,
		.to = STORE_CASE_REJECTED, .event = "rejected", .detail = by };

	return outbound_queue(s, st, ref, NULL, 0, &chg, now, e);
}

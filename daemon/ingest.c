/* SPDX-License-Identifier: MIT */
/*
 * ingest.c — archive → analyse → commit for a batch of messages (one
 * barrier for their archive files, one transaction), and what a reply
 * means for its case: a party's acknowledgement, a municipality's
 * Datatilsynet decision, an out-of-office's return date, the register
 * fields a reporter supplies later. Called by the mailbox watchers
 * (watch.c) with their own store handle. Logs one line
 * per message: the case ref or message id, never bodies or CPR numbers.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/deliver.h"
#include "daemon/ingest.h"
#include "daemon/notify.h"
#include "filters/analysis.h"
#include "filters/classify.h"
#include "filters/lexicon.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "spool/archive.h"
#include "spool/outbound.h"

static enum store_kind
store_kind_of(enum analysis_kind k)
{
	static const enum store_kind map[] = {
		[KIND_REPORT] = STORE_KIND_REPORT,
		[KIND_ACK] = STORE_KIND_ACK,
		[KIND_AUTO_REPLY] = STORE_KIND_AUTO_REPLY,
		[KIND_BOUNCE] = STORE_KIND_BOUNCE,
		[KIND_OTHER] = STORE_KIND_OTHER,
	};

	return map[k];
}

static enum store_origin
store_origin_of(enum analysis_origin o)
{
	static const enum store_origin map[] = {
		[ORIGIN_NONE] = STORE_ORIGIN_NONE,
		[ORIGIN_MUNICIPALITY] = STORE_ORIGIN_MUNICIPALITY,
		[ORIGIN_SUPPLIER] = STORE_ORIGIN_SUPPLIER,
		[ORIGIN_SYSTEM_OWNER] = STORE_ORIGIN_SYSTEM_OWNER,
		[ORIGIN_UNKNOWN] = STORE_ORIGIN_UNKNOWN,
	};

	return map[o];
}

/* "cpr health name": the contract's category names, space-separated. */
static char *
categories_text(unsigned cats)
{
	struct buf b = { 0 };
	int i;

	for (i = 0; i < CAT_COUNT; i++)
		if (cats & (1u << i)) {
			if (b.len)
				buf_putc(&b, ' ');
			buf_puts(&b, analysis_category_name(i));
		}
	return b.len ? buf_steal(&b) : (buf_free(&b), NULL);
}

/*
 * The parties of a new case: the supplier, and every affected municipality
 * (all of them when the report says all are affected); the reporting one
 * and the system owner, when it reported, owe no acknowledgement.
 */
static size_t
parties_of(const struct settings *s, const struct analysis *a,
	   struct store_party_in **r)
{
	struct store_party_in *p = xcalloc(s->nmunicipalities + 2, sizeof(*p));
	size_t n = 0, i;

	p[n].kind = STORE_PARTY_SUPPLIER;
	p[n].name = s->supplier.name;
	p[n++].reporter = a->origin == ORIGIN_SUPPLIER;
	for (i = 0; i < s->nmunicipalities; i++)
		if (a->affects_all || (i < a->naffected_slots && a->affected[i]) ||
		    (int)i == a->reporting_municipality) {
			p[n].kind = STORE_PARTY_MUNICIPALITY;
			p[n].name = s->municipalities[i].name;
			p[n++].reporter = (int)i == a->reporting_municipality;
		}
	if (a->origin == ORIGIN_SYSTEM_OWNER) {
		p[n].kind = STORE_PARTY_SYSTEM_OWNER;
		p[n].name = s->system_owner.name;
		p[n++].reporter = true;
	}
	*r = p;
	return n;
}

static void
fill_incident(const struct settings *s, const struct analysis *a, char *cats,
	      struct store_incident_in *in)
{
	in->origin = store_origin_of(a->origin);
	in->reporter = a->from_addr;
	in->reporting_municipality = a->reporting_municipality >= 0 ?
		s->municipalities[a->reporting_municipality].name : NULL;
	in->has_breach_at = a->has_breach_at;
	in->breach_at = a->breach_at;
	in->has_discovered_at = a->has_discovered_at;
	in->discovered_at = a->discovered_at;
	in->description = a->description;
	in->cause = a->cause;
	in->consequences = a->consequences;
	in->measures = a->measures;
	in->data_categories = cats;
	in->affected_count = a->affected_count;
	in->cpr_count = a->cpr_count;
	in->severity = analysis_severity_name(a->severity);
	in->reported_to_authority = (enum store_tristate)a->reported_to_authority;
	in->affects_all = a->affects_all;
	in->spoofed = a->spoofed;
}

/*
 * The party a reply comes from: the system owner by its listed addresses
 * (before the domain: the owner is @aarhus.dk too), the supplier, or a
 * municipality by its domain. NULL when the sender is none of them.
 */
static const char *
reply_party(const struct settings *s, const char *from,
	    enum store_party_kind *kind_r)
{
	int m;

	if (from == NULL)
		return NULL;
	if (settings_is_system_owner(s, from)) {
		*kind_r = STORE_PARTY_SYSTEM_OWNER;
		return s->system_owner.name;
	}
	if (settings_is_supplier(s, from)) {
		*kind_r = STORE_PARTY_SUPPLIER;
		return s->supplier.name;
	}
	if ((m = settings_municipality_by_domain(s, from)) >= 0) {
		*kind_r = STORE_PARTY_MUNICIPALITY;
		return s->municipalities[m].name;
	}
	return NULL;
}

/* The party (kind, name) of case c, or NULL. */
static const struct store_party *
case_party(const struct store_case *c, enum store_party_kind kind,
	   const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < c->nparties; i++)
		if (c->parties[i].kind == kind &&
		    strcmp(c->parties[i].name, name) == 0)
			return &c->parties[i];
	return NULL;
}

/* Is the reply from whoever reported case c: its reporter's address, or
 * the party marked as the reporter? */
static bool
is_reporter(const struct store_case *c, const struct analysis *a,
	    const struct store_party *p)
{
	if (p != NULL && p->reporter)
		return true;
	return a->from_addr != NULL && c->reporter != NULL &&
	       strcasecmp(a->from_addr, c->reporter) == 0;
}

#define BIT(f) (1u << (f))

/*
 * The register fields a reporter's reply gives (REPLY_FIELDS_MAX at most).
 * A labelled line ("Antal berørte: 45", "Årsag: ...") sets its field even
 * when the case has it (the reporter corrects it); the structured fields
 * (count, times, data categories, severity) found without a label only
 * fill an empty field; free text (description, cause, consequences,
 * measures) only ever from a labelled line — a reply's prose is not a
 * description of the breach. cats must stay alive while v is used.
 */
#define REPLY_FIELDS_MAX 9
static size_t
reply_fields(const struct store_case *c, const struct analysis *a,
	     const char *cats, struct store_field_update *v)
{
	static const struct {
		const char *name;
		enum field_id id;
		size_t off;
	} TEXTS[] = {
		{ "description", F_DESCRIPTION, offsetof(struct analysis, description) },
		{ "cause", F_CAUSE, offsetof(struct analysis, cause) },
		{ "consequences", F_CONSEQUENCES, offsetof(struct analysis, consequences) },
		{ "measures", F_MEASURES, offsetof(struct analysis, measures) },
	};
	unsigned l = a->labelled;
	const char *sev = analysis_severity_name(a->severity), *t;
	size_t n = 0, i;

	for (i = 0; i < sizeof(TEXTS) / sizeof(TEXTS[0]); i++) {
		t = *(char *const *)(const void *)((const char *)a + TEXTS[i].off);
		if ((l & BIT(TEXTS[i].id)) && t != NULL && t[0] != '\0')
			v[n++] = (struct store_field_update){ TEXTS[i].name, t, 0 };
	}
	if (a->affected_count >= 0 &&
	    ((l & BIT(F_COUNT)) || c->affected_count < 0))
		v[n++] = (struct store_field_update){ "affected_count", NULL,
						      a->affected_count };
	if (a->has_breach_at && ((l & BIT(F_BREACH_AT)) || !c->has_breach_at))
		v[n++] = (struct store_field_update){ "breach_at", NULL, a->breach_at };
	if (a->has_discovered_at &&
	    ((l & BIT(F_DISCOVERED_AT)) || !c->has_discovered_at))
		v[n++] = (struct store_field_update){ "discovered_at", NULL,
						      a->discovered_at };
	if (cats != NULL && ((l & BIT(F_DATA)) || c->data_categories == NULL))
		v[n++] = (struct store_field_update){ "data_categories", cats, 0 };
	if (sev != NULL && ((l & BIT(F_SEVERITY)) || c->severity == NULL))
		v[n++] = (struct store_field_update){ "severity", sev, 0 };
	return n;
}

/* A reporter's reply that supplies register fields updates the case. */
static void
update_fields(struct store *st, const struct store_case *c,
	      const struct analysis *a, const struct store_ingest_result *sr,
	      int64_t now, struct ingest_result *r)
{
	struct store_field_update v[REPLY_FIELDS_MAX];
	char *cats = categories_text(a->categories);
	struct err e = { 0 };
	size_t n = reply_fields(c, a, cats, v);
	int rc;

	if (n > 0) {
		rc = store_case_update(st, sr->case_ref, v, n, now, sr->message, &e);
		if (rc < 0)
			log_warn("ingest: %s: register fields from the reporter not "
				 "recorded: %s", sr->case_ref, e.msg);
		else
			r->fields_changed = rc;
	}
	free(cats);
}

/* A municipality's stated Datatilsynet decision. */
static void
record_decision(struct store *st, const char *party, const struct analysis *a,
		const struct store_ingest_result *sr, int64_t now,
		struct ingest_result *r)
{
	struct err e = { 0 };
	int rc;

	rc = store_record_authority(st, sr->case_ref, party,
				    (enum store_tristate)a->authority_decision,
				    now, sr->message, &e);
	if (rc < 0)
		log_warn("ingest: %s: Datatilsynet decision of %s not recorded: %s",
			 sr->case_ref, party, e.msg);
	else
		r->decision = true;
}

static void
record_ack(struct store *st, enum store_party_kind kind, const char *party,
	   const struct analysis *a, const struct store_ingest_result *sr,
	   int64_t now, struct ingest_result *r)
{
	struct err e = { 0 };
	int rc;

	rc = store_record_ack(st, sr->case_ref, kind, party, now, a->from_addr,
			      sr->message, &e);
	if (rc < 0)
		log_warn("ingest: %s: acknowledgement from %s not recorded: %s",
			 sr->case_ref, party, e.msg);
	else
		r->acked = rc == 1;
}

static void
flag_unknown(struct store *st, const struct analysis *a,
	     const struct store_ingest_result *sr, int64_t now,
	     struct ingest_result *r)
{
	const char *from = a->from_addr ? a->from_addr : "(no sender)";
	struct err e = { 0 };

	log_warn("ingest: %s: reply from %s is not from a party; linked, not counted",
		 sr->case_ref, from);
	if (store_event_append(st, sr->case_ref, now, "unknown_sender", from, &e) < 0)
		log_warn("ingest: %s: cannot flag the reply: %s", sr->case_ref, e.msg);
	r->unknown_sender = true;
}

/*
 * A reply (ack) linked to case c: a party's acknowledgement (never the
 * system owner's, who receives rather than answers, nor the reporter's,
 * who owes none), a municipality's
 * Datatilsynet decision, the reporter's register fields. A sender who is
 * no party of the case is flagged and counts for nothing.
 */
static void
record_reply(const struct settings *s, struct store *st,
	     const struct store_case *c, const struct analysis *a,
	     const struct store_ingest_result *sr, int64_t now,
	     struct ingest_result *r)
{
	enum store_party_kind kind = STORE_PARTY_MUNICIPALITY;
	const char *name = reply_party(s, a->from_addr, &kind);
	const struct store_party *p = case_party(c, kind, name);
	bool reporter = is_reporter(c, a, p);

	if (p == NULL && !reporter) {
		if (name == NULL)	/* the system owner is known, not a party */
			flag_unknown(st, a, sr, now, r);
		return;
	}
	if (p != NULL && kind != STORE_PARTY_SYSTEM_OWNER && !p->reporter)
		record_ack(st, kind, p->name, a, sr, now, r);
	if (p != NULL && kind == STORE_PARTY_MUNICIPALITY &&
	    a->authority_decision != TRI_NULL)
		record_decision(st, p->name, a, sr, now, r);
	if (reporter)
		update_fields(st, c, a, sr, now, r);
}

/* An out-of-office from a party that states when it is back. */
static void
record_return(const struct settings *s, struct store *st,
	      const struct store_case *c, const struct analysis *a,
	      const struct store_ingest_result *sr, int64_t now)
{
	enum store_party_kind kind = STORE_PARTY_MUNICIPALITY;
	const char *name = reply_party(s, a->from_addr, &kind);
	const struct store_party *p = case_party(c, kind, name);
	struct err e = { 0 };

	if (p == NULL || !a->has_return_date)
		return;
	if (store_record_return_date(st, sr->case_ref, kind, p->name,
				     a->return_date, now, &e) < 0)
		log_warn("ingest: %s: return date of %s not recorded: %s",
			 sr->case_ref, p->name, e.msg);
}

/* What a new reply on a known case means for the case. */
static void
on_reply(const struct settings *s, struct store *st, const struct analysis *a,
	 const struct store_ingest_result *sr, int64_t now, struct ingest_result *r)
{
	struct store_case *c = NULL;
	struct err e = { 0 };

	if (a->kind != KIND_ACK && a->kind != KIND_AUTO_REPLY)
		return;
	if (store_case_get(st, sr->case_ref, &c, &e) != 1) {
		log_warn("ingest: %s: cannot read the case: %s", sr->case_ref,
			 e.msg[0] ? e.msg : "gone");
		return;
	}
	if (a->kind == KIND_ACK)
		record_reply(s, st, c, a, sr, now, r);
	else
		record_return(s, st, c, a, sr, now);
	store_case_free(&c);
}

/*
 * A reply ("SV:") that names no case but answers a message we hold — a
 * reply-all to the original report, a reporter writing again in the same
 * thread — belongs to that message's case: it is taken as a reply to it
 * (and so counted, or read for missing fields), never as a new report.
 */
static void
thread_to_case(struct store *st, struct analysis *a)
{
	const char *const lists[] = { a->in_reply_to, a->references };
	char id[1024], ref[STORE_REF_MAX];
	struct err e = { 0 };
	size_t k;

	if (a->case_ref[0] || classify_subject_prefix(a->subject) != 1 ||
	    (a->kind != KIND_REPORT && a->kind != KIND_OTHER))
		return;
	for (k = 0; k < 2; k++) {
		const char *p = lists[k], *lt, *gt;

		while (p && (lt = strchr(p, '<')) && (gt = strchr(lt, '>'))) {
			size_t n = (size_t)(gt - lt) + 1;

			p = gt + 1;
			if (n >= sizeof(id))
				continue;
			memcpy(id, lt, n);
			id[n] = '\0';
			if (store_case_ref_of_message(st, id, ref, &e) == 1 &&
			    strlen(ref) < sizeof(a->case_ref)) {
				memcpy(a->case_ref, ref, strlen(ref) + 1);
				a->kind = KIND_ACK;
				return;
			}
		}
	}
}

/* A bounce of one of our mails (its Message-ID quoted) fails that mail;
 * true when the outbound thread has news (a failure notice to send). */
static bool
record_bounce(const struct settings *s, struct store *st,
	      const struct store_ingest_result *sr, const char *msg, size_t len,
	      const char *bounce_id, int64_t now)
{
	int seq = outbound_find_seq(s, sr->case_ref, msg, len);
	struct err e = { 0 };
	char *why;
	int rc;

	if (seq == 0)
		return false;
	why = xasprintf("bounced: %s", bounce_id ? bounce_id : "(a bounce without Message-ID)");
	rc = outbound_bounced(s, st, sr->case_ref, seq, why, now, &e);
	free(why);
	if (rc < 0)
		log_warn("ingest: %s: bounce of seq %d not recorded: %s", sr->case_ref, seq, e.msg);
	return rc == 1;
}

struct ingest_batch {
	const struct settings *s;
	struct store *st;
	struct atomicfile_batch *files;	/* the archive files of the batch */
	size_t n;			/* messages added */
	bool kick;			/* the outbound thread has news */
};

int
ingest_batch_begin(const struct settings *s, struct store *st,
		   struct ingest_batch **r, struct err *e)
{
	struct ingest_batch *b;

	if (store_batch_begin(st, e) < 0)
		return -1;
	b = xcalloc(1, sizeof(*b));
	b->s = s;
	b->st = st;
	b->files = atomicfile_batch_new(s->spool_path);
	*r = b;
	return 0;
}

int
ingest_batch_end(struct ingest_batch **bp, int rc, struct err *e)
{
	struct ingest_batch *b = *bp;

	if (b == NULL)
		return -1;
	/* the archive files first: a committed row names only durable files */
	if (rc == 0 && atomicfile_batch_commit(b->files, e) < 0)
		rc = -1;
	rc = store_batch_end(b->st, rc, e);
	if (rc == 0 && b->kick)	/* only now can the outbound thread see it */
		deliver_kick();
	atomicfile_batch_free(&b->files);
	free(b);
	*bp = NULL;
	return rc;
}

size_t
ingest_batch_count(const struct ingest_batch *b)
{
	return b->n;
}

int
ingest_batch_add(struct ingest_batch *b, const struct ingest_source *src,
		 const char *msg, size_t len, int64_t now, struct ingest_result *r,
		 struct err *e)
{
	const struct settings *s = b->s;
	struct store *st = b->st;
	char path[ARCHIVE_PATH_MAX], hash[ARCHIVE_HASH_HEX];
	struct store_message_in in = { 0 };
	struct store_ingest_result sr = { 0 };
	struct store_party_in *parties = NULL;
	struct analysis *a = NULL;
	struct err ae = { 0 };
	char *json = NULL, *cats = NULL;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (archive_add(b->files, s->spool_path, msg, len, path, e) < 0 ||
	    archive_body_hash(msg, len, hash, e) < 0)
		return -1;
	in.account = src->account;
	in.mailbox = src->mailbox;
	in.uidvalidity = src->uidvalidity;
	in.uid = src->uid;
	in.body_sha256 = hash;
	in.archive_path = path;
	in.received_at = now;
	/* Past a limit (size, header, line, MIME depth or parts, text) the
	 * analysis saw only part: a person reads it, nothing is forwarded. */
	if (analysis_run(s, msg, len, &a, &ae) < 0 || src->truncated || a->truncated) {
		/* Stored and shown to the system owner: never dropped. */
		in.kind = STORE_KIND_UNANALYSABLE;
		in.message_id = a ? a->message_id : NULL;
		in.from_addr = a ? a->from_addr : NULL;
		in.subject = a ? a->subject : NULL;
		log_warn("ingest: %s uid=%u: cannot be analysed (%s); opening a case for triage",
			 src->account, src->uid, src->truncated ? "larger than max_message_bytes" :
			 a ? a->error : ae.msg);
	} else {
		thread_to_case(st, a);
		in.kind = store_kind_of(a->kind);
		in.message_id = a->message_id;
		in.from_addr = a->from_addr;
		in.subject = a->subject;
		in.has_date = a->has_date;
		in.date = a->date;
		in.case_ref = a->case_ref[0] ? a->case_ref : NULL;
		json = analysis_to_json(s, a, NULL);
		in.analysis_json = json;
		if (a->kind == KIND_REPORT) {
			cats = categories_text(a->categories);
			fill_incident(s, a, cats, &in.incident);
			in.nparties = parties_of(s, a, &parties);
			in.parties = parties;
			in.hold = a->spoofed || a->origin == ORIGIN_UNKNOWN ||
				  notify_sender_over_limit(s, st, a->from_addr, now);
		}
	}
	if (store_ingest(st, &in, &sr, e) < 0)
		goto done;
	memcpy(r->case_ref, sr.case_ref, sizeof(r->case_ref));
	r->duplicate = sr.duplicate;
	r->case_opened = sr.case_opened;
	r->held = in.hold && sr.case_opened;
	r->kind = in.kind == STORE_KIND_UNANALYSABLE ? "unanalysable" : store_kind_name(in.kind);
	if (!sr.duplicate && a && !sr.case_opened && sr.case_id && !sr.unknown_case_ref)
		on_reply(s, st, a, &sr, now, r);
	if (r->case_opened)	/* its mails: the outbound thread (notify.h) */
		b->kick = true;
	if (!sr.duplicate && in.kind == STORE_KIND_BOUNCE && sr.case_id && !sr.unknown_case_ref &&
	    record_bounce(s, st, &sr, msg, len, in.message_id, now))
		b->kick = true;
	b->n++;
	log_info("ingest: %s uid=%u: %s %s%s%s%s", src->account, src->uid, r->kind,
		 in.message_id ? in.message_id : "(no message-id)",
		 sr.case_ref[0] ? " case=" : "", sr.case_ref,
		 sr.duplicate ? " (duplicate)" : r->case_opened ? (r->held ? " opened held" : " opened") : "");
	rc = 0;
done:
	free(parties);
	free(cats);
	free(json);
	analysis_free(&a);
	return rc;
}

int
ingest_message(const struct settings *s, struct store *st, const struct ingest_source *src,
	       const char *msg, size_t len, int64_t now, struct ingest_result *r,
	       struct err *e)
{
	struct ingest_batch *b = NULL;

	if (ingest_batch_begin(s, st, &b, e) < 0)
		return -1;
	return ingest_batch_end(&b, ingest_batch_add(b, src, msg, len, now, r, e), e);
}

/* SPDX-License-Identifier: MIT */
/*
 * ingest.c — archive → analyse → commit for one message. Called by the
 * mailbox watchers (watch.c) with their own store handle. Logs one line
 * per message: the case ref or message id, never bodies or CPR numbers.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/deliver.h"
#include "daemon/ingest.h"
#include "filters/analysis.h"
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

/* The party an acknowledgement comes from: a municipality by its domain,
 * or the supplier. NULL when the sender is neither (linked, not counted). */
static const char *
ack_party(const struct settings *s, const char *from, enum store_party_kind *kind_r)
{
	int m;

	if (from == NULL)
		return NULL;
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

static void
record_ack(const struct settings *s, struct store *st, const struct analysis *a,
	   const struct store_ingest_result *sr, int64_t now, struct ingest_result *r)
{
	enum store_party_kind kind = STORE_PARTY_MUNICIPALITY;
	const char *party = ack_party(s, a->from_addr, &kind);
	struct err e = { 0 };
	int rc;

	if (party == NULL) {
		log_warn("ingest: %s: reply from %s is not from a party; linked, not counted",
			 sr->case_ref, a->from_addr ? a->from_addr : "(no sender)");
		store_event_append(st, sr->case_ref, now, "unknown_sender",
				   a->from_addr ? a->from_addr : "(no sender)", &e);
		return;
	}
	rc = store_record_ack(st, sr->case_ref, kind, party, now, a->from_addr,
			      sr->message, &e);
	if (rc < 0)
		log_warn("ingest: %s: acknowledgement from %s not recorded: %s",
			 sr->case_ref, party, e.msg);
	else
		r->acked = rc == 1;
}

/* A bounce of one of our mails (its Message-ID quoted) fails that mail. */
static void
record_bounce(const struct settings *s, struct store *st,
	      const struct store_ingest_result *sr, const char *msg, size_t len,
	      const char *bounce_id, int64_t now)
{
	int seq = outbound_find_seq(s, sr->case_ref, msg, len);
	struct err e = { 0 };
	char *why;
	int rc;

	if (seq == 0)
		return;
	why = xasprintf("bounced: %s", bounce_id ? bounce_id : "(a bounce without Message-ID)");
	rc = outbound_bounced(s, st, sr->case_ref, seq, why, now, &e);
	free(why);
	if (rc < 0)
		log_warn("ingest: %s: bounce of seq %d not recorded: %s", sr->case_ref, seq, e.msg);
	else if (rc == 1)
		deliver_kick();
}

int
ingest_message(const struct settings *s, struct store *st, const struct ingest_source *src,
	       const char *msg, size_t len, int64_t now, struct ingest_result *r,
	       struct err *e)
{
	char path[ARCHIVE_PATH_MAX], hash[ARCHIVE_HASH_HEX];
	struct store_message_in in = { 0 };
	struct store_ingest_result sr = { 0 };
	struct store_party_in *parties = NULL;
	struct analysis *a = NULL;
	struct err ae = { 0 };
	char *json = NULL, *cats = NULL;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (archive_put(s->spool_path, msg, len, path, e) < 0 ||
	    archive_body_hash(msg, len, hash, e) < 0)
		return -1;
	in.account = src->account;
	in.mailbox = src->mailbox;
	in.uidvalidity = src->uidvalidity;
	in.uid = src->uid;
	in.body_sha256 = hash;
	in.archive_path = path;
	in.received_at = now;
	if (analysis_run(s, msg, len, &a, &ae) < 0 || src->truncated) {
		/* Stored and shown to the system owner: never dropped. */
		in.kind = STORE_KIND_UNANALYSABLE;
		in.message_id = a ? a->message_id : NULL;
		in.from_addr = a ? a->from_addr : NULL;
		in.subject = a ? a->subject : NULL;
		log_warn("ingest: %s uid=%u: cannot be analysed (%s); opening a case for triage",
			 src->account, src->uid, src->truncated ? "larger than max_message_bytes" :
			 ae.msg);
	} else {
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
			in.hold = a->spoofed || a->origin == ORIGIN_UNKNOWN;
		}
	}
	if (store_ingest(st, &in, &sr, e) < 0)
		goto done;
	memcpy(r->case_ref, sr.case_ref, sizeof(r->case_ref));
	r->duplicate = sr.duplicate;
	r->case_opened = sr.case_opened;
	r->held = in.hold && sr.case_opened;
	r->kind = in.kind == STORE_KIND_UNANALYSABLE ? "unanalysable" : store_kind_name(in.kind);
	if (!sr.duplicate && a && a->kind == KIND_ACK && sr.case_id && !sr.unknown_case_ref)
		record_ack(s, st, a, &sr, now, r);
	if (r->case_opened)	/* its mails: the outbound thread (notify.h) */
		deliver_kick();
	if (!sr.duplicate && in.kind == STORE_KIND_BOUNCE && sr.case_id && !sr.unknown_case_ref)
		record_bounce(s, st, &sr, msg, len, in.message_id, now);
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

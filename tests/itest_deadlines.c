/* SPDX-License-Identifier: MIT */
/*
 * itest_deadlines — make a case store for tests/integration/deadlines.sh.
 *
 *	itest_deadlines PATH T0
 *
 * Creates the SQLite store at PATH (which must not exist) with one open
 * case, BV-YYYY-0001 (YYYY: the Copenhagen year of T0), reported by Egedal
 * at T0 (UTC seconds) with Datatilsynet already notified, affecting Viborg
 * and Favrskov, the supplier Deloitte a party too; the forwards to Viborg,
 * Favrskov and Deloitte accepted (notified_at) at T0. Prints the case ref.
 * Exit 0, or 1 with the reason on stderr.
 */
#include <stdio.h>
#include <stdlib.h>

#include "spool/store.h"

static const char SHA[] = "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4";

static const struct store_party_in PARTIES[] = {
	{ STORE_PARTY_SUPPLIER, "Deloitte", false },
	{ STORE_PARTY_MUNICIPALITY, "Egedal", true },
	{ STORE_PARTY_MUNICIPALITY, "Viborg", false },
	{ STORE_PARTY_MUNICIPALITY, "Favrskov", false },
};

static int
notify(struct store *s, const char *ref, enum store_party_kind k,
       const char *name, int64_t t0, struct err *e)
{
	return store_record_notified(s, ref, k, name, t0, e) < 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct store_ingest_result r;
	struct store *s = NULL;
	struct err e = { 0 };
	int64_t t0;
	struct store_message_in in = {
		.account = "borgerservice", .mailbox = "INBOX",
		.uidvalidity = 1, .uid = 1, .message_id = "<dl1@egekom.dk>",
		.body_sha256 = SHA, .kind = STORE_KIND_REPORT,
		.from_addr = "dpo@egekom.dk",
		.subject = "Brud på persondatasikkerheden i MUNI",
		.incident = {
			.origin = STORE_ORIGIN_MUNICIPALITY,
			.reporter = "dpo@egekom.dk",
			.reporting_municipality = "Egedal",
			.description = "MUNI viste svar til forkert borger",
			.affected_count = 3,
			.reported_to_authority = STORE_TRUE,
		},
		.parties = PARTIES, .nparties = 4,
	};

	if (argc != 3) {
		fprintf(stderr, "usage: itest_deadlines PATH T0\n");
		return 1;
	}
	t0 = strtoll(argv[2], NULL, 10);
	in.has_date = true;
	in.date = in.received_at = t0;
	if (store_open(argv[1], &s, &e) == -1 || store_ingest(s, &in, &r, &e) == -1 ||
	    notify(s, r.case_ref, STORE_PARTY_SUPPLIER, NULL, t0, &e) == -1 ||
	    notify(s, r.case_ref, STORE_PARTY_MUNICIPALITY, "Viborg", t0, &e) == -1 ||
	    notify(s, r.case_ref, STORE_PARTY_MUNICIPALITY, "Favrskov", t0, &e) == -1) {
		fprintf(stderr, "itest_deadlines: %s\n", e.msg);
		store_close(&s);
		return 1;
	}
	printf("%s\n", r.case_ref);
	store_close(&s);
	return 0;
}

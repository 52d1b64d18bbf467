/* SPDX-License-Identifier: MIT */
/*
 * itest_mkstore — make a small case store for tests/integration/ctl.sh.
 *
 *	itest_mkstore PATH
 *
 * Creates the SQLite store at PATH (which must not exist) with two cases
 * at fixed times in October 2026 (so every deadline has passed):
 *  BV-2026-0001  reported by Egedal; parties Egedal (reporter), Deloitte,
 *                Hjørring (acknowledged by mail), the system owner; every
 *                register field, text with ; " a newline and a leading =
 *  BV-2026-0002  reported by the supplier; parties Deloitte (reporter),
 *                Brønderslev, Viborg; no register fields
 * Exit 0, or 1 with the reason on stderr.
 */
#include <stdio.h>
#include <string.h>

#include "lib/cphtime.h"
#include "spool/store.h"

static const char SHA_A[] = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
static const char SHA_B[] = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
static const char SHA_C[] = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3";

static const struct store_party_in PARTIES_1[] = {
	{ STORE_PARTY_MUNICIPALITY, "Egedal", true },
	{ STORE_PARTY_SUPPLIER, "Deloitte", false },
	{ STORE_PARTY_MUNICIPALITY, "Hjørring", false },
	{ STORE_PARTY_SYSTEM_OWNER, "Borgerservice, Aarhus Kommune", false },
};

static const struct store_party_in PARTIES_2[] = {
	{ STORE_PARTY_SUPPLIER, "Deloitte", true },
	{ STORE_PARTY_MUNICIPALITY, "Brønderslev", false },
	{ STORE_PARTY_MUNICIPALITY, "Viborg", false },
	{ STORE_PARTY_SYSTEM_OWNER, "Borgerservice, Aarhus Kommune", false },
};

static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	return cph_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static int
ingest(struct store *s, struct store_message_in *in, struct err *e)
{
	struct store_ingest_result r;

	return store_ingest(s, in, &r, e);
}

int
main(int argc, char **argv)
{
	struct store *s = NULL;
	struct err e = { 0 };
	int64_t t1 = utc(2026, 10, 5, 13, 20), t2 = utc(2026, 10, 20, 8, 0);
	struct store_message_in one = {
		.account = "borgerservice", .mailbox = "INBOX",
		.uidvalidity = 1, .uid = 1, .message_id = "<r1@egekom.dk>",
		.body_sha256 = SHA_A, .kind = STORE_KIND_REPORT,
		.from_addr = "dpo@egekom.dk",
		.subject = "Brud på persondatasikkerheden", .has_date = true,
		.date = t1, .received_at = t1,
		.incident = {
			.origin = STORE_ORIGIN_MUNICIPALITY,
			.reporter = "dpo@egekom.dk",
			.reporting_municipality = "Egedal",
			.has_breach_at = true, .breach_at = t1 - 86400,
			.has_discovered_at = true, .discovered_at = t1 - 3600,
			.description = "MUNI viste svar; til \"forkert\" borger\n"
				       "anden linje",
			.cause = "=HYPERLINK(\"x\")",
			.consequences = "Ingen kendte",
			.measures = "Fejlen er rettet",
			.data_categories = "cpr health",
			.affected_count = 45, .cpr_count = 1,
			.severity = "high",
			.reported_to_authority = STORE_TRUE,
		},
		.parties = PARTIES_1, .nparties = 4,
	};
	struct store_message_in ack = {
		.account = "borgerservice", .mailbox = "INBOX",
		.uidvalidity = 1, .uid = 2, .message_id = "<a1@hjoerring.dk>",
		.body_sha256 = SHA_B, .kind = STORE_KIND_ACK,
		.from_addr = "dpo@hjoerring.dk",
		.subject = "Sv: [BV-2026-0001] Brud", .has_date = true,
		.date = t1 + 7200, .case_ref = "BV-2026-0001",
		.received_at = t1 + 7200,
	};
	struct store_message_in two = {
		.account = "dpo", .mailbox = "INBOX", .uidvalidity = 1,
		.uid = 1, .message_id = "<r2@deloitte.dk>",
		.body_sha256 = SHA_C, .kind = STORE_KIND_REPORT,
		.from_addr = "muni@deloitte.dk", .subject = "Hændelse",
		.has_date = true, .date = t2, .received_at = t2,
		.incident = {
			.origin = STORE_ORIGIN_SUPPLIER,
			.reporter = "muni@deloitte.dk",
			.affected_count = -1,
			.reported_to_authority = STORE_NULL,
		},
		.parties = PARTIES_2, .nparties = 4,
	};

	if (argc != 2) {
		fprintf(stderr, "usage: itest_mkstore PATH\n");
		return 1;
	}
	if (store_open(argv[1], &s, &e) == -1 || ingest(s, &one, &e) == -1 ||
	    ingest(s, &ack, &e) == -1 ||
	    store_record_ack(s, "BV-2026-0001", STORE_PARTY_MUNICIPALITY,
			     "Hjørring", t1 + 7200, "dpo@hjoerring.dk", 2,
			     &e) == -1 ||
	    ingest(s, &two, &e) == -1) {
		fprintf(stderr, "itest_mkstore: %s\n", e.msg);
		store_close(&s);
		return 1;
	}
	store_close(&s);
	return 0;
}

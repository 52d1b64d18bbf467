/* SPDX-License-Identifier: MIT */
/*
 * Tests for daemon/notify.c's routing: the procedure's table as data —
 * origin, status and parties in, "kind:address" out, in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/notify.h"
#include "lib/buf.h"

static const char CONF[] =
	"accounts = ( { name = \"a\"; host = \"h\"; user = \"u\"; password_file = \"/p\"; } );\n"
	"smtp = { host = \"h\"; from = \"brudvagt@aarhus.dk\"; };\n"
	"system_owner = { name = \"Borgerservice\"; emails = [ \"bs@aarhus.dk\", \"dpo@aarhus.dk\" ]; };\n"
	"supplier = { name = \"Deloitte\"; domains = [ \"deloitte.dk\" ]; emails = [ \"sec@deloitte.dk\" ]; };\n"
	"municipalities = (\n"
	" { name = \"Viborg\"; domains = [ \"viborg.dk\" ]; contacts = ( { email = \"dpo@viborg.dk\"; } ); },\n"
	" { name = \"Favrskov\"; domains = [ \"favrskov.dk\" ]; contacts = ( { email = \"dpo@favrskov.dk\"; }, { email = \"it@favrskov.dk\"; } ); },\n"
	" { name = \"Skive\"; domains = [ \"skivekommune.dk\" ]; contacts = ( { email = \"dpo@skivekommune.dk\"; } ); } );\n";

#define P_SUP { .id = 1, .kind = STORE_PARTY_SUPPLIER, .name = "Deloitte" }
#define P_SUP_R { .id = 1, .kind = STORE_PARTY_SUPPLIER, .name = "Deloitte", .reporter = true }
#define P_VIB { .id = 2, .kind = STORE_PARTY_MUNICIPALITY, .name = "Viborg" }
#define P_VIB_R { .id = 2, .kind = STORE_PARTY_MUNICIPALITY, .name = "Viborg", .reporter = true }
#define P_FAV { .id = 3, .kind = STORE_PARTY_MUNICIPALITY, .name = "Favrskov" }
#define P_SKI { .id = 4, .kind = STORE_PARTY_MUNICIPALITY, .name = "Skive" }
#define P_SO_R { .id = 5, .kind = STORE_PARTY_SYSTEM_OWNER, .name = "Borgerservice", .reporter = true }

static const struct {
	const char *what;
	enum store_origin origin;
	enum store_case_status status;
	enum notify_stage stage;
	const char *reporter;
	struct store_party parties[5];
	size_t nparties;
	const char *want;
} ROUTES[] = {
	{ "municipality: supplier and the other affected municipalities",
	  STORE_ORIGIN_MUNICIPALITY, STORE_CASE_OPEN, NOTIFY_OPENED, "hd@viborg.dk",
	  { P_SUP, P_VIB_R, P_FAV }, 3,
	  "receipt:hd@viborg.dk triage:bs@aarhus.dk triage:dpo@aarhus.dk "
	  "forward:sec@deloitte.dk forward:dpo@favrskov.dk forward:it@favrskov.dk" },
	{ "municipality alone: the supplier only",
	  STORE_ORIGIN_MUNICIPALITY, STORE_CASE_OPEN, NOTIFY_OPENED, "hd@viborg.dk",
	  { P_SUP, P_VIB_R }, 2,
	  "receipt:hd@viborg.dk triage:bs@aarhus.dk triage:dpo@aarhus.dk forward:sec@deloitte.dk" },
	{ "a forward never goes back to the reporter's address",
	  STORE_ORIGIN_MUNICIPALITY, STORE_CASE_OPEN, NOTIFY_OPENED, "dpo@favrskov.dk",
	  { P_SUP, P_VIB, P_FAV }, 3,
	  "receipt:dpo@favrskov.dk triage:bs@aarhus.dk triage:dpo@aarhus.dk "
	  "forward:sec@deloitte.dk forward:dpo@viborg.dk forward:it@favrskov.dk" },
	{ "supplier: every affected municipality, not the supplier",
	  STORE_ORIGIN_SUPPLIER, STORE_CASE_OPEN, NOTIFY_OPENED, "rj@deloitte.dk",
	  { P_SUP_R, P_VIB, P_FAV, P_SKI }, 4,
	  "receipt:rj@deloitte.dk triage:bs@aarhus.dk triage:dpo@aarhus.dk "
	  "forward:dpo@viborg.dk forward:dpo@favrskov.dk forward:it@favrskov.dk "
	  "forward:dpo@skivekommune.dk" },
	{ "system owner: no triage; supplier and municipalities",
	  STORE_ORIGIN_SYSTEM_OWNER, STORE_CASE_OPEN, NOTIFY_OPENED, "bs@aarhus.dk",
	  { P_SUP, P_SKI, P_SO_R }, 3,
	  "receipt:bs@aarhus.dk forward:sec@deloitte.dk forward:dpo@skivekommune.dk" },
	{ "held (spoofed): the triage only",
	  STORE_ORIGIN_MUNICIPALITY, STORE_CASE_HELD, NOTIFY_OPENED, "lk@skivekommune.dk",
	  { P_SUP, P_SKI }, 2,
	  "triage:bs@aarhus.dk triage:dpo@aarhus.dk" },
	{ "held (unknown sender): the triage only",
	  STORE_ORIGIN_UNKNOWN, STORE_CASE_HELD, NOTIFY_OPENED, "x@gmail.com",
	  { P_SUP, P_VIB }, 2,
	  "triage:bs@aarhus.dk triage:dpo@aarhus.dk" },
	{ "held system owner (spoofed): still the triage",
	  STORE_ORIGIN_SYSTEM_OWNER, STORE_CASE_HELD, NOTIFY_OPENED, "bs@aarhus.dk",
	  { P_SUP, P_SO_R }, 2,
	  "triage:bs@aarhus.dk triage:dpo@aarhus.dk" },
	{ "released: receipt and forwards, no second triage",
	  STORE_ORIGIN_MUNICIPALITY, STORE_CASE_HELD, NOTIFY_RELEASED, "lk@skivekommune.dk",
	  { P_SUP, P_SKI }, 2,
	  "receipt:lk@skivekommune.dk forward:sec@deloitte.dk forward:dpo@skivekommune.dk" },
	{ "released unknown sender: no receipt to it",
	  STORE_ORIGIN_UNKNOWN, STORE_CASE_HELD, NOTIFY_RELEASED, "x@gmail.com",
	  { P_SUP, P_VIB }, 2,
	  "forward:sec@deloitte.dk forward:dpo@viborg.dk" },
	{ "unanalysable: the triage only",
	  STORE_ORIGIN_NONE, STORE_CASE_NEEDS_TRIAGE, NOTIFY_OPENED, NULL,
	  { P_SUP }, 0,
	  "triage:bs@aarhus.dk triage:dpo@aarhus.dk" },
};

static void
test_route(void **state)
{
	struct settings *s = NULL;
	struct err e = { 0 };
	size_t i, j, n;

	(void)state;
	assert_int_equal(settings_load_string(CONF, "test.conf", &s, &e), 0);
	for (i = 0; i < sizeof(ROUTES) / sizeof(ROUTES[0]); i++) {
		struct store_case c = { .origin = ROUTES[i].origin,
			.status = ROUTES[i].status,
			.reporter = (char *)ROUTES[i].reporter,
			.parties = (struct store_party *)ROUTES[i].parties,
			.nparties = ROUTES[i].nparties };
		struct notify_rcpt *v = NULL;
		struct buf b = { 0 };

		n = notify_route(s, &c, ROUTES[i].stage, &v);
		for (j = 0; j < n; j++)
			buf_printf(&b, "%s%s:%s", j ? " " : "",
				   notify_kind_name(v[j].kind), v[j].addr);
		if (strcmp(buf_cstr(&b), ROUTES[i].want) != 0)
			fail_msg("%s:\n got  %s\n want %s", ROUTES[i].what,
				 buf_cstr(&b), ROUTES[i].want);
		for (j = 0; j < n; j++)
			if (v[j].kind == NOTIFY_FORWARD)
				assert_true(v[j].party > 0);
		free(v);
		buf_free(&b);
	}
	settings_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

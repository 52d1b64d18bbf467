/* SPDX-License-Identifier: MIT */
/*
 * Tests for daemon/ctl_draft.c: the pre-filled Datatilsynet notification
 * holds the register fields in Danish, Copenhagen times, "[udfyldes]"
 * where brudvagt knows nothing, the delay question only past the
 * deadline, and no CPR number even when one slipped into a register text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/ctl.h"
#include "lib/cphtime.h"

static void
test_draft(void **state)
{
	static const struct {
		double now_h;		/* hours after aware_at */
		bool late;
	} rows[] = { { 10, false }, { 72.5, true } };
	struct store_party p[] = {
		{ .id = 1, .kind = STORE_PARTY_MUNICIPALITY, .name = (char *)"Viborg" },
	};
	int64_t aware = cph_days_from_civil(2026, 10, 24) * 86400 + 10 * 3600;
	struct store_case c = {
		.ref = "BV-2026-0007", .status = STORE_CASE_OPEN,
		.has_breach_at = true, .breach_at = aware - 86400,
		.aware_at = aware,
		.description = (char *)"En borger (CPR 010203-1234) så en anden samtale",
		.data_categories = (char *)"cpr health", .affected_count = 12,
		.parties = p, .nparties = 1,
	};
	struct settings *s = NULL;
	struct err e = { 0 };
	struct buf out = { 0 };
	size_t i;

	(void)state;
	assert_int_equal(settings_load_default(&s, &e), 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		ctl_draft_text(s, &c, &p[0], aware + (int64_t)(rows[i].now_h * 3600), &out);
		assert_non_null(strstr(out.s, "Sag BV-2026-0007 i brudvagt, Viborg Kommune"));
		assert_non_null(strstr(out.s, "Kontaktperson: DPO, Henrik Bruun, dpo@viborg.dk"));
		/* 23.10 12.00 CEST; aware 24.10 12.00 CEST; deadline after the
		 * end of summer time: 27.10 11.00 CET */
		assert_non_null(strstr(out.s, "Bruddet skete: 23.10.2026 kl. 12.00"));
		assert_non_null(strstr(out.s, "bekendt med bruddet: 24.10.2026 kl. 12.00"));
		assert_non_null(strstr(out.s, "(72 timer): 27.10.2026 kl. 11.00"));
		assert_non_null(strstr(out.s, "CPR-nummer, Helbredsoplysninger"));
		assert_non_null(strstr(out.s, "Omtrentligt antal: 12"));
		assert_non_null(strstr(out.s, "5. Årsag\n  [udfyldes]"));
		assert_null(strstr(out.s, "010203"));
		assert_int_equal(strstr(out.s, "Begrundelse for forsinkelsen") != NULL,
				 rows[i].late);
		buf_free(&out);
	}
	settings_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draft),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

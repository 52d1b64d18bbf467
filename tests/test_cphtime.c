/* SPDX-License-Identifier: MIT */
/* Tests for lib/cphtime.c: Copenhagen offsets and conversions at DST edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/cphtime.h"

static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	return cph_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static void
test_offsets(void **state)
{
	static const struct { int y, mo, d, h, mi; int off; } cases[] = {
		{ 2026, 1, 15, 12, 0, 3600 },
		{ 2026, 7, 1, 12, 0, 7200 },
		/* 2026: summer time 29 March 01:00 UTC .. 25 October 01:00 UTC */
		{ 2026, 3, 29, 0, 59, 3600 },
		{ 2026, 3, 29, 1, 0, 7200 },
		{ 2026, 10, 25, 0, 59, 7200 },
		{ 2026, 10, 25, 1, 0, 3600 },
		{ 2024, 3, 31, 1, 0, 7200 },
		{ 2024, 10, 27, 0, 59, 7200 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(cph_offset_at(utc(cases[i].y, cases[i].mo,
			cases[i].d, cases[i].h, cases[i].mi)), cases[i].off);
}

static void
test_local_to_utc(void **state)
{
	static const struct { int y, mo, d, h, mi; const char *iso; } cases[] = {
		{ 2026, 10, 23, 16, 30, "2026-10-23T16:30+02:00" },
		{ 2026, 10, 25, 14, 0, "2026-10-25T14:00+01:00" },
		/* repeated hour: the first (summer) one */
		{ 2026, 10, 25, 2, 30, "2026-10-25T02:30+02:00" },
		{ 2026, 10, 25, 3, 0, "2026-10-25T03:00+01:00" },
		/* skipped hour: read as winter time */
		{ 2026, 3, 29, 2, 30, "2026-03-29T03:30+02:00" },
		{ 2026, 3, 29, 3, 0, "2026-03-29T03:00+02:00" },
		{ 2028, 2, 29, 23, 59, "2028-02-29T23:59+01:00" },
	};
	char iso[CPH_ISO_MAX];
	int64_t t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(cph_to_utc(cases[i].y, cases[i].mo, cases[i].d,
				       cases[i].h, cases[i].mi, &t));
		cph_iso_minute(t, iso);
		assert_string_equal(iso, cases[i].iso);
	}
	assert_false(cph_to_utc(2026, 2, 29, 12, 0, &t));
	assert_false(cph_to_utc(2026, 13, 1, 12, 0, &t));
	assert_false(cph_to_utc(2026, 4, 31, 12, 0, &t));
	assert_false(cph_to_utc(2026, 4, 1, 24, 0, &t));
}

static void
test_danish(void **state)
{
	char s[CPH_ISO_MAX];
	struct cph_tm tm;

	(void)state;
	cph_danish(utc(2026, 10, 5, 13, 20), s);
	assert_string_equal(s, "05.10.2026 kl. 15.20");
	cph_from_utc(utc(2026, 11, 30, 23, 30), &tm);
	assert_int_equal(tm.day, 1);
	assert_int_equal(tm.mon, 12);
	assert_int_equal(tm.wday, 2);	/* Tuesday 1 December 2026 */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_local_to_utc),
		cmocka_unit_test(test_danish),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Tests for daemon/imap.c's pure parts: the reconnect backoff and the
 * classification of server lines during IDLE. The network parts are tested
 * against a real Dovecot by tests/integration/imap_tls.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/imap.h"

static void
test_backoff_table(void **state)
{
	static const struct { uint32_t prev, rand, want; } cases[] = {
		{ 0, 0, 1000 },			/* first failure: 1 s */
		{ 0, 0xffffffffu, 1000 },	/* no jitter below the minimum */
		{ 1000, 0, 2000 },
		{ 1000, 500, 1500 },		/* up to a quarter off */
		{ 1000, 501, 2000 },		/* rand wraps modulo span + 1 */
		{ 2000, 0, 4000 },
		{ 150000, 0, 300000 },		/* reaches the cap */
		{ 200000, 0, 300000 },		/* capped */
		{ 300000, 0, 300000 },
		{ 300000, 75000, 225000 },
		{ 0xffffffffu, 0, 300000 },	/* no overflow */
		{ 1, 0, 1000 },			/* never below the minimum */
		{ 600, 7, 1193 },		/* span shrinks to keep the minimum */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(imap_backoff_next(cases[i].prev, cases[i].rand),
				 cases[i].want);
}

/* Whatever rand says: within [max(MIN, base*3/4), base], growing to the cap. */
static void
test_backoff_bounds(void **state)
{
	uint32_t prev = 0, next, base, x = 12345;
	int i, run;

	(void)state;
	for (run = 0; run < 200; run++) {
		prev = 0;
		for (i = 0; i < 40; i++) {
			x = x * 1103515245u + 12345u;	/* any sequence will do */
			next = imap_backoff_next(prev, x);
			base = prev == 0 ? IMAP_BACKOFF_MIN_MS :
			       prev >= IMAP_BACKOFF_MAX_MS / 2 ?
			       IMAP_BACKOFF_MAX_MS : prev * 2;
			assert_true(next <= base);
			assert_true(next >= IMAP_BACKOFF_MIN_MS);
			assert_true(next >= base - base / 4);
			assert_true(next <= IMAP_BACKOFF_MAX_MS);
			prev = next;
		}
		/* 40 failures are always enough to reach the top band */
		assert_true(prev >= IMAP_BACKOFF_MAX_MS * 3 / 4);
	}
}

static void
test_idle_classify(void **state)
{
	static const struct { const char *line; int want; } cases[] = {
		{ "+ idling\r\n", IMAP_IDLE_CONTINUE },
		{ "+\r\n", IMAP_IDLE_CONTINUE },
		{ "* 5 EXISTS\r\n", IMAP_IDLE_NEWS },
		{ "* 5 exists\r\n", IMAP_IDLE_NEWS },
		{ "* 1 RECENT\r\n", IMAP_IDLE_NEWS },
		{ "* 0 RECENT\r\n", IMAP_IDLE_UNTAGGED },
		{ "* 3 EXPUNGE\r\n", IMAP_IDLE_UNTAGGED },
		{ "* 3 FETCH (FLAGS (\\Seen))\r\n", IMAP_IDLE_UNTAGGED },
		{ "* OK Still here\r\n", IMAP_IDLE_UNTAGGED },
		{ "* EXISTS\r\n", IMAP_IDLE_UNTAGGED },	/* no number */
		{ "* 5 EXISTSX\r\n", IMAP_IDLE_NEWS },	/* lenient prefix */
		{ "* BYE Server shutting down.\r\n", IMAP_IDLE_BYE },
		{ "* BYE\r\n", IMAP_IDLE_BYE },
		{ "* BYEBYE\r\n", IMAP_IDLE_UNTAGGED },
		{ "BVI7 OK Idle completed (0.001 + 0.5 secs).\r\n", IMAP_IDLE_TAGGED_OK },
		{ "BVI7 OK\r\n", IMAP_IDLE_TAGGED_OK },
		{ "BVI7 NO no\r\n", IMAP_IDLE_TAGGED_FAIL },
		{ "BVI7 BAD Unknown command\r\n", IMAP_IDLE_TAGGED_FAIL },
		{ "BVI77 OK\r\n", IMAP_IDLE_OTHER },	/* another tag */
		{ "BVI OK\r\n", IMAP_IDLE_OTHER },
		{ "A1 OK\r\n", IMAP_IDLE_OTHER },
		{ "", IMAP_IDLE_OTHER },
		{ "*", IMAP_IDLE_OTHER },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = imap_idle_classify(cases[i].line, "BVI7");

		if (got != cases[i].want)
			fail_msg("line %zu \"%s\": got %d, want %d", i,
				 cases[i].line, got, cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_table),
		cmocka_unit_test(test_backoff_bounds),
		cmocka_unit_test(test_idle_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

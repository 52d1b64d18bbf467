/* SPDX-License-Identifier: MIT */
/* Tests for filters/cpr.c: CPR dates by century, context rules, redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filters/cpr.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_valid_date(void **state)
{
	static const struct { const char *d; bool ok; } cases[] = {
		{ "0304781234", true },
		{ "3112991234", true },
		{ "3102781234", false },	/* 31 February */
		{ "3104781234", false },	/* 31 April */
		{ "0001781234", false },
		{ "0113781234", false },
		{ "0100781234", false },
		{ "2902241234", true },		/* 1924 leap */
		{ "2902231234", false },	/* 1923 */
		{ "2902234234", false },	/* 2023 */
		{ "2902001234", false },	/* 1900 not leap */
		{ "2902004234", true },		/* 2000 leap */
		{ "2902009234", true },		/* 2000 */
		{ "2902005234", true },		/* 2000 */
		{ "2902964234", true },		/* 1996 (yy > 36) */
		{ "2902965234", true },		/* 1896 leap */
		{ "2902585234", false },	/* 1858 */
		{ "2902565234", true },		/* 2056 */
		{ "2902378234", false },	/* 2037 */
		{ "290237923x", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++)
		if (cpr_valid_date(cases[i].d) != cases[i].ok)
			fail_msg("cpr_valid_date(%s) != %d", cases[i].d, cases[i].ok);
}

/* text, the digits of every match separated by spaces ("" for none) */
static const struct { const char *text; const char *want; } FIND[] = {
	{ "030478-1234", "0304781234" },
	{ "CPR: 0304781234.", "0304781234" },
	{ "cpr-nr. 0304781234", "0304781234" },
	{ "Personnummer 030478 1234", "0304781234" },
	{ "(030478-1234)", "0304781234" },
	{ "nr 030478\xc2\xa0" "1234,", "0304781234" },
	{ "030478\xe2\x80\x93" "1234", "0304781234" },
	{ "\"030478-1234\"", "0304781234" },
	{ "CPR-nr. 170892-2345 og den anden 290644-1357",
	  "1708922345 2906441357" },
	{ "030478-1234 og igen 0304781234", "0304781234 0304781234" },
	{ "310278-1234", "" },
	{ "290223-1234", "" },
	{ "290224-1234", "2902241234" },
	{ "290200-4234", "2902004234" },
	{ "290200-1234", "" },
	{ "030478-12345", "" },
	{ "1030478-1234", "" },
	{ "12030478123456", "" },
	{ "0304781234-5", "" },
	{ "2026-0304781234", "" },
	{ "1.0304781234", "" },
	{ "0304781234,5", "" },
	{ "0304781234:1", "" },
	{ "INC0304781234", "" },
	{ "0304781234abc", "" },
	{ "Ring 12 34 56 78 eller 87 65 43 21", "" },
	{ "tlf. +45 0304781234", "" },
	{ "+450304781234", "" },
	{ "12 030478 1234", "" },
	{ "IP 203.0.113.45 og 10.3.4.78", "" },
	{ "Beløb: 1.234.567.890 kr.", "" },
	{ "Ordrenr. 0101201234", "" },
	{ "Ordre: 0304781234", "" },
	{ "Faktura nr. 0304781234", "" },
	{ "Sagsnr.: 0304781234", "" },
	{ "J.nr. 0304781234", "" },
	{ "Konto 0304781234", "" },
	{ "Ref: 0304781234", "" },
	{ "Tlf 0304781234", "" },
	{ "Mobil: 030478 1234", "" },
	{ "EAN-nr. 0304781234", "" },
	{ "CVR 0304781234", "" },
	{ "P-nr. 0304781234", "" },
	{ "Kundenr 0304781234", "" },
	{ "Ticket 0304781234", "" },
	{ "Ordre nr. er 0304781234", "" },
	{ "i denne sag skrev borgeren 0304781234", "0304781234" },
	{ "Medarbejder skrev 0304781234", "0304781234" },
	{ "Ordre-ID: 0304781234", "" },
	{ "Tlf.nr. 0304781234", "" },
	{ "Konto nr. 0304781234", "" },
	{ "Telefonnummer: 030478 1234", "" },
	{ "CPR nr. 0304781234", "0304781234" },
	{ "Borgerens cpr-nummer er 0304781234", "0304781234" },
	{ "CPR-nr/ordre 0304781234", "" },
	{ "https://x.dk/borger/0304781234", "0304781234" },
	{ "ordrenr 12, CPR 0304781234", "0304781234" },
	{ "Ordre\nCPR 0304781234", "0304781234" },
	{ "Ordre 12345 blev sendt til borger med 0304781234", "0304781234" },
	{ "Ordrenr. 030478-1234", "0304781234" },
	{ "Tlf. 12345678, CPR 121190-4321", "1211904321" },
	{ "", "" },
	{ "0304781234", "0304781234" },
};

static void
test_find(void **state)
{
	char got[256];
	struct cpr_match *m;
	size_t i, k, n;

	(void)state;
	for (i = 0; i < N(FIND); i++) {
		const char *t = FIND[i].text;

		n = cpr_find(t, strlen(t), &m);
		got[0] = '\0';
		for (k = 0; k < n; k++) {
			if (k > 0)
				strcat(got, " ");
			strcat(got, m[k].digits);
			assert_true(m[k].start + m[k].len <= strlen(t));
			assert_true(t[m[k].start] >= '0' && t[m[k].start] <= '9');
			assert_true(t[m[k].start + m[k].len - 1] >= '0');
		}
		if (n == 0)
			assert_null(m);
		free(m);
		if (strcmp(got, FIND[i].want) != 0)
			fail_msg("cpr_find(\"%s\") = \"%s\", want \"%s\"", t, got,
				 FIND[i].want);
	}
}

static void
test_count_distinct(void **state)
{
	static const struct { const char *text; int n; } cases[] = {
		{ "ingen numre her", 0 },
		{ "030478-1234", 1 },
		{ "030478-1234 og 0304781234 og 030478 1234", 1 },
		{ "030478-1234, 121190-4321 og 030478-1234", 2 },
		{ "Ordrenr. 0101201234 og CPR 0101201234", 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++)
		assert_int_equal(cpr_count_distinct(cases[i].text,
			strlen(cases[i].text)), cases[i].n);
}

static void
test_redact(void **state)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "", "" },
		{ "intet", "intet" },
		{ "CPR 030478-1234 og (0304781234).",
		  "CPR [CPR fjernet] og ([CPR fjernet])." },
		{ "0304781234", "[CPR fjernet]" },
		{ "Ordrenr. 0101201234, cpr 010120 1234",
		  "Ordrenr. 0101201234, cpr [CPR fjernet]" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		char *r = cpr_redact(cases[i].text, strlen(cases[i].text));

		assert_string_equal(r, cases[i].want);
		free(r);
	}
}

static void
test_not_nul_terminated(void **state)
{
	/* len cuts the text; nothing past it may be read or matched */
	static const char t[] = "030478-12345678";
	struct cpr_match *m;
	size_t n;

	(void)state;
	n = cpr_find(t, 11, &m);
	assert_int_equal(n, 1);
	free(m);
	assert_int_equal(cpr_find(t, 10, &m), 0);
}

static uint32_t
xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Random strings over the bytes that matter: no crash, spans in bounds
 * and in order (run under ASan+UBSan by make check). */
static void
test_random(void **state)
{
	static const char *const parts[] = { "0", "1", "2", "3", "4", "9", "-", " ", ".", ",", "/", ":", "+45 ", "\xc2\xa0", "\xe2\x80\x93", "CPR ", "ordre ", "\n", "a", "\xc3" };
	char text[96];
	uint32_t x = 2463534242u;
	size_t it, k, len;

	(void)state;
	for (it = 0; it < 20000; it++) {
		len = 0;
		for (k = 0; k < 14; k++) {
			const char *p = parts[xorshift(&x) % N(parts)];
			size_t pl = strlen(p);

			if (len + pl >= sizeof(text))
				break;
			memcpy(text + len, p, pl);
			len += pl;
		}
		{
			struct cpr_match *m;
			size_t n = cpr_find(text, len, &m), j;
			char *red;

			for (j = 0; j < n; j++) {
				assert_true(m[j].start + m[j].len <= len);
				assert_true(cpr_valid_date(m[j].digits));
				assert_true(j == 0 || m[j].start >= m[j - 1].start + m[j - 1].len);
			}
			free(m);
			red = cpr_redact(text, len);
			free(red);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_date),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_count_distinct),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* Tests for filters/numbers.c: digit groups, Danish number words, and what
 * is not a count (decimals, clock times, dates, versions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filters/numbers.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* number_at(text, at): value and matched text, or want_len -1 for none */
static const struct {
	const char *text;
	size_t at;
	long value;
	int want_len;
	bool is_word;
} AT[] = {
	{ "1.284", 0, 1284, 5, false },
	{ "18.500 borgere", 0, 18500, 6, false },
	{ "1.250.000", 0, 1250000, 9, false },
	{ "1 250 personer", 0, 1250, 5, false },
	{ "1\xc2\xa0" "250", 0, 1250, 6, false },
	{ "57", 0, 57, 2, false },
	{ "ca. 230 borgere", 4, 230, 3, false },
	{ "op til 312.", 7, 312, 3, false },
	{ "64 medlemmer", 0, 64, 2, false },
	{ "10-15 borgere", 0, 10, 2, false },
	{ "30 dage", 0, 30, 2, false },
	{ "1.2345", 0, 0, -1, false },
	{ "12.34", 0, 0, -1, false },
	{ "2,5", 0, 0, -1, false },
	{ "1.234,50 kr", 0, 0, -1, false },
	{ "14.30", 0, 0, -1, false },
	{ "14:30", 0, 0, -1, false },
	{ "05.10.2026", 0, 0, -1, false },
	{ "05.10.2026", 3, 0, -1, false },
	{ "20/11", 0, 0, -1, false },
	{ "20-11-2026", 0, 0, -1, false },
	{ "2026-11-20", 0, 0, -1, false },
	{ "release 4.12", 8, 0, -1, false },
	{ "9-tiden", 0, 0, -1, false },
	{ "kl. 14", 4, 0, -1, false },
	{ "klokken 9", 8, 0, -1, false },
	{ "A4", 1, 0, -1, false },
	{ "3G", 0, 0, -1, false },
	{ "en borger", 0, 1, 2, true },
	{ "et barn", 0, 1, 2, true },
	{ "Én borger", 0, 1, 3, true },
	{ "ét", 0, 1, 3, true },
	{ "to", 0, 2, 2, true },
	{ "Tre borgere", 0, 3, 3, true },
	{ "fire", 0, 4, 4, true },
	{ "fem", 0, 5, 3, true },
	{ "seks", 0, 6, 4, true },
	{ "syv", 0, 7, 3, true },
	{ "otte", 0, 8, 4, true },
	{ "ni", 0, 9, 2, true },
	{ "ti", 0, 10, 2, true },
	{ "elleve", 0, 11, 6, true },
	{ "tolv", 0, 12, 4, true },
	{ "tretten", 0, 13, 7, true },
	{ "fjorten", 0, 14, 7, true },
	{ "femten", 0, 15, 6, true },
	{ "seksten", 0, 16, 7, true },
	{ "sytten", 0, 17, 6, true },
	{ "atten", 0, 18, 5, true },
	{ "nitten", 0, 19, 6, true },
	{ "tyve", 0, 20, 4, true },
	{ "tredive", 0, 30, 7, true },
	{ "fyrre", 0, 40, 5, true },
	{ "halvtreds", 0, 50, 9, true },
	{ "tres", 0, 60, 4, true },
	{ "halvfjerds", 0, 70, 10, true },
	{ "firs", 0, 80, 4, true },
	{ "halvfems", 0, 90, 8, true },
	{ "femogtyve", 0, 25, 9, true },
	{ "enogtredive", 0, 31, 11, true },
	{ "niogfirs", 0, 89, 8, true },
	{ "hundrede", 0, 100, 8, true },
	{ "et hundrede", 0, 100, 11, true },
	{ "to hundrede", 0, 200, 11, true },
	{ "tohundrede", 0, 200, 10, true },
	{ "to hundrede og halvtreds borgere", 0, 250, 24, true },
	{ "hundrede og tre", 0, 103, 15, true },
	{ "tusind", 0, 1000, 6, true },
	{ "fem tusind", 0, 5000, 10, true },
	{ "Fire brugere", 0, 4, 4, true },
	{ "en del borgere", 0, 0, -1, false },
	{ "et par dage", 0, 0, -1, false },
	{ "en halv time", 0, 0, -1, false },
	{ "en række borgere", 0, 0, -1, false },
	{ "en borger", 0, 1, 2, true },
	{ "ni-tiden", 0, 9, 2, true },
	{ "tiden", 0, 0, -1, false },
	{ "entreprenør", 0, 0, -1, false },
	{ "enhed", 0, 0, -1, false },
	{ "toget", 0, 0, -1, false },
	{ "treds", 0, 0, -1, false },
	{ "ogtyve", 0, 0, -1, false },
	{ "menneske", 1, 0, -1, false },
	{ "", 0, 0, -1, false },
};

static void
test_number_at(void **state)
{
	struct number_match m;
	size_t i;

	(void)state;
	for (i = 0; i < N(AT); i++) {
		const char *t = AT[i].text;
		bool ok = number_at(t, strlen(t), AT[i].at, &m);

		if (ok != (AT[i].want_len >= 0))
			fail_msg("number_at(\"%s\", %zu) = %d", t, AT[i].at, ok);
		if (!ok)
			continue;
		if (m.value != AT[i].value || m.start != AT[i].at ||
		    m.end - m.start != (size_t)AT[i].want_len ||
		    m.is_word != AT[i].is_word)
			fail_msg("number_at(\"%s\") = %ld [%zu,%zu) word=%d", t,
				 m.value, m.start, m.end, m.is_word);
	}
}

static void
test_numbers_find(void **state)
{
	static const struct { const char *text; const char *want; } cases[] = {
		{ "Ca. 230 borgere, heraf 1.284 i alt og fire brugere.",
		  "230 1284 4" },
		{ "Den 05.10.2026 kl. 15.20 i version 4.12 mistede to hundrede "
		  "og tre borgere 2,5 timer", "203" },
		{ "Tlf. 12 34 56 78", "12 34 56 78" },
		{ "femogtyve af 18.500", "25 18500" },
		{ "ingenting", "" },
	};
	char got[256], one[32];
	struct number_match *m;
	size_t i, k, n;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		n = numbers_find(cases[i].text, strlen(cases[i].text), &m);
		got[0] = '\0';
		for (k = 0; k < n; k++) {
			snprintf(one, sizeof(one), "%s%ld", k ? " " : "", m[k].value);
			strcat(got, one);
		}
		free(m);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("numbers_find(\"%s\") = \"%s\", want \"%s\"",
				 cases[i].text, got, cases[i].want);
	}
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
	static const char *const parts[] = { "0", "1", "2", "5", ".", ",", " ", "\xc2\xa0", ":", "-", "/", "en", "to", "og", "tyve", "hundrede", " og ", "tusind", "kl. ", "-tiden", "\xc3\x89", "femten", "a" };
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
			struct number_match *m;
			size_t n = numbers_find(text, len, &m), j;

			for (j = 0; j < n; j++) {
				assert_true(m[j].start < m[j].end && m[j].end <= len);
				assert_true(m[j].value >= 0);
				assert_true(j == 0 || m[j].start >= m[j - 1].end);
			}
			free(m);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number_at),
		cmocka_unit_test(test_numbers_find),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

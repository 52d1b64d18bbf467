/* SPDX-License-Identifier: MIT */
/* Tests for filters/lexmatch.c: word-boundary matching, longest entry
 * first, ties to the earlier entry; the indexed lookup agrees with a plain
 * reading of the table on fixed cases and on random text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filters/lexmatch.h"
#include "filters/text.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct lex_entry WORDS[] = {
	{ "berør", 1, 1 },		/* a stem */
	{ "berørte", 2, 0 },
	{ "ramt", 3, 0 },
	{ "ramte", 4, 0 },
	{ "alle kommuner", 5, 0 },
	{ "alle", 6, 0 },
	{ "navne- og", 7, 0 },		/* ends in punctuation */
	{ "navne-", 8, 0 },
	{ "ab", 9, 0 },
	{ "ab", 10, 0 },		/* a tie: the first one wins */
	{ "ba", 11, 0 },
	{ "bab", 12, 1 },
	{ "a", 13, 0 },
	{ "æble", 14, 0 },
	{ "(dk - aarhus)", 15, 0 },
	{ "ikke", 16, 0 },
	{ "ikke berørt", 17, 0 },
	{ NULL, 0, 0 },
};

/* lex_at(text, at): the entry's value and length, or 0 for none */
static const struct {
	const char *text;
	size_t at;
	int value;
	size_t len;
} AT[] = {
	{ "berørte borgere", 0, 2, 8 },
	{ "berørtes data", 0, 1, 6 },		/* the stem, inside a word */
	{ "uberørte", 1, 0, 0 },		/* not at a word start */
	{ "ramt af", 0, 3, 4 },
	{ "ramtes", 0, 0, 0 },			/* not a stem: must end a word */
	{ "alle kommuner", 0, 5, 13 },
	{ "alle kommunerne", 0, 6, 4 },
	{ "navne- og adresse", 0, 7, 9 },
	{ "navne-x", 0, 8, 6 },
	{ "ab", 0, 9, 2 },
	{ "abc", 0, 0, 0 },
	{ "babc", 0, 12, 3 },
	{ "ba", 0, 11, 2 },
	{ "a-b", 0, 13, 1 },
	{ "a-b", 2, 0, 0 },
	{ "æble", 0, 14, 5 },
	{ "æbler", 0, 0, 0 },
	{ "x (dk - aarhus)", 2, 15, 13 },
	{ "ikke berørt", 0, 17, 12 },
	{ "ikke berørte", 0, 16, 4 },
	{ "ikke", 4, 0, 0 },			/* past the end */
	{ "", 0, 0, 0 },
};

static void
test_at(void **state)
{
	const struct lex_entry *e;
	size_t k, n;

	(void)state;
	for (k = 0; k < N(AT); k++) {
		n = 0;
		e = lex_at(AT[k].text, strlen(AT[k].text), AT[k].at, WORDS, &n);
		if ((e ? e->value : 0) != AT[k].value || (e ? n : 0) != AT[k].len)
			fail_msg("lex_at #%zu (\"%s\" at %zu): value %d length %zu",
				 k, AT[k].text, AT[k].at, e ? e->value : 0, e ? n : 0);
	}
}

static void
test_find(void **state)
{
	const char *s = "der er ikke nogen berørte, alle kommuner";
	const struct lex_entry *e;
	size_t pos = 0, n = 0, len = strlen(s);

	(void)state;
	e = lex_find(s, 0, len, WORDS, &pos, &n);
	assert_non_null(e);
	assert_int_equal(e->value, 16);
	assert_int_equal(pos, 7);
	e = lex_find(s, pos + n, len, WORDS, &pos, &n);
	assert_non_null(e);
	assert_int_equal(e->value, 2);
	assert_int_equal(pos, 18);
	assert_true(lex_any(s, 26, len, WORDS));
	assert_false(lex_any(s, 0, 6, WORDS));
	assert_false(lex_any(s, 8, 11, WORDS));	/* "kke": inside a word */
}

/* lex_at as lexmatch.h states it, read straight off the table. */
static const struct lex_entry *
at_reference(const char *s, size_t len, size_t i, const struct lex_entry *tab,
	     size_t *mlen_r)
{
	const struct lex_entry *best = NULL, *e;
	size_t best_len = 0, n;

	if (i >= len || (i > 0 && text_is_word_byte(s, len, i - 1) &&
			 text_is_word_byte(s, len, i)))
		return NULL;
	for (e = tab; e->text != NULL; e++) {
		n = strlen(e->text);
		if (n > best_len && i + n <= len && memcmp(s + i, e->text, n) == 0 &&
		    (e->prefix || !text_is_word_byte(s, len, i + n) ||
		     !text_is_word_byte(e->text, n, n - 1))) {
			best = e;
			best_len = n;
		}
	}
	*mlen_r = best_len;
	return best;
}

/* Random text made of pieces of the entries agrees with the reference at
 * every offset, and lex_find with a scan of every offset. */
static void
test_random(void **state)
{
	static const char *const pieces[] = {
		"berør", "te", "ramt", "e", "alle", " ", "kommuner", "navne", "-",
		" og", "a", "b", "æ", "ble", "(dk - aarhus)", "ikke", "x", ",",
		"\xc3", "\x80", "\xe2\x80\x93",
	};
	char s[128];
	unsigned seed = 7;
	int round;
	size_t len, i, n, nr, pos;
	const struct lex_entry *e, *want;

	(void)state;
	for (round = 0; round < 5000; round++) {
		len = 0;
		while (len < 80) {
			const char *p = pieces[rand_r(&seed) % (int)N(pieces)];

			memcpy(s + len, p, strlen(p));
			len += strlen(p);
		}
		s[len] = '\0';
		for (i = 0; i <= len; i++) {
			n = nr = 0;
			e = lex_at(s, len, i, WORDS, &n);
			want = at_reference(s, len, i, WORDS, &nr);
			if (e != want || (e && n != nr))
				fail_msg("lex_at differs: round %d, \"%s\" at %zu", round, s, i);
		}
		for (i = 0; i < len; i++)
			if ((want = at_reference(s, len, i, WORDS, &nr)) != NULL)
				break;
		e = lex_find(s, 0, len, WORDS, &pos, &n);
		if (e != want || (e && (pos != i || n != nr)))
			fail_msg("lex_find differs: round %d, \"%s\"", round, s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_at),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

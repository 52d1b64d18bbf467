/* SPDX-License-Identifier: MIT */
/* Tests for filters/text.c: case folding that keeps byte offsets (also on
 * broken UTF-8), and word bytes. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filters/text.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* text_lower(in) == want, byte for byte (same length) */
static const struct {
	const char *in, *want;
} LOWER[] = {
	{ "", "" },
	{ "Viborg Kommune", "viborg kommune" },
	{ "AZ@[`az{", "az@[`az{" },
	{ "ÆRØ ÅRHUS", "ærø århus" },
	{ "ÉÜÀÞ", "éüàþ" },
	{ "×", "×" },			/* C3 97: the multiplication sign stays */
	{ "ß", "ß" },			/* C3 9F: no capital */
	{ "\xc3", "\xc3" },		/* a lead byte at the end */
	{ "A\xc3", "a\xc3" },
	{ "\xc3" "A", "\xc3" "A" },	/* broken pair: its second half is kept */
	{ "\xc3\xc3\x86", "\xc3\xc3\x86" },	/* C3 C3 is a pair: 86 is alone */
	{ "\xc3\x86\xc3\x86X", "\xc3\xa6\xc3\xa6x" },
	{ "\xc2\xa0" "A", "\xc2\xa0" "a" },
	{ "\x80\xc3\x98" "B", "\x80\xc3\xb8" "b" },
};

static void
test_lower(void **state)
{
	size_t k, n;

	(void)state;
	for (k = 0; k < N(LOWER); k++) {
		char *r;

		n = strlen(LOWER[k].in);
		r = text_lower(LOWER[k].in, n);
		if (strlen(LOWER[k].want) != n || memcmp(r, LOWER[k].want, n + 1) != 0)
			fail_msg("text_lower #%zu (\"%s\"): got \"%s\"", k, LOWER[k].in, r);
		free(r);
	}
}

/* The rule of text.h, read one character at a time, left to right. */
static void
lower_reference(const char *s, size_t len, char *r)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z') {
			r[i] = (char)(c + 32);
		} else if (c == 0xC3 && i + 1 < len) {
			unsigned char d = (unsigned char)s[i + 1];

			if (d >= 0x80 && d <= 0x9E && d != 0x97)
				d += 0x20;
			r[i] = (char)c;
			r[++i] = (char)d;
		} else {
			r[i] = (char)c;
		}
	}
	r[len] = '\0';
}

/* Random text over the bytes that matter (capitals, C3, continuation
 * bytes, NUL) agrees with the reference, at every length and offset. */
static void
test_lower_random(void **state)
{
	static const unsigned char alphabet[] = {
		'A', 'Z', 'a', ' ', '@', '[', 0, 0xC3, 0xC3, 0x80, 0x86, 0x97,
		0x98, 0x9E, 0x9F, 0xA5, 0xC2, 0xE2,
	};
	char s[64], want[65], got[65];
	unsigned seed = 1;
	int round;
	size_t len, i;

	(void)state;
	for (round = 0; round < 20000; round++) {
		len = (size_t)(rand_r(&seed) % (int)sizeof(s));
		for (i = 0; i < len; i++)
			s[i] = (char)alphabet[rand_r(&seed) % (int)N(alphabet)];
		lower_reference(s, len, want);
		text_lower_into(s, len, got);
		if (memcmp(want, got, len + 1) != 0)
			fail_msg("text_lower_into differs, round %d, length %zu", round, len);
	}
}

/* text_is_word_byte(s, i) */
static const struct {
	const char *s;
	size_t i;
	bool want;
} WORD[] = {
	{ "a", 0, true }, { "Z", 0, true }, { "7", 0, true }, { "-", 0, false },
	{ " ", 0, false }, { "a", 1, false }, { "æ", 0, true }, { "æ", 1, true },
	{ "\xc2\xa0", 0, false }, { "\xc2\xa0", 1, false },
	{ "\xe2\x80\x93", 2, false },		/* en dash */
	{ "\xe2\x82\xac", 2, true },		/* euro sign: a letter to us */
	{ "a\x80", 1, true },			/* stray continuation byte */
};

static void
test_word_byte(void **state)
{
	size_t k;
	char c[2] = { 0, 0 };

	(void)state;
	for (k = 0; k < N(WORD); k++)
		if (text_is_word_byte(WORD[k].s, strlen(WORD[k].s), WORD[k].i) != WORD[k].want)
			fail_msg("text_is_word_byte #%zu", k);
	/* every ASCII byte: a word byte exactly if a letter or a digit */
	for (k = 0; k < 0x80; k++) {
		c[0] = (char)k;
		if (text_is_word_byte(c, 1, 0) != (isalnum((int)k) != 0))
			fail_msg("text_is_word_byte(0x%02zx)", k);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lower),
		cmocka_unit_test(test_lower_random),
		cmocka_unit_test(test_word_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

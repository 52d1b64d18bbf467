/* SPDX-License-Identifier: MIT */
/*
 * numbers.c — read counts as Danish writers give them: "1.284", "18.500",
 * "1 250", "57", "tre", "femogtyve", "to hundrede og halvtreds", "tusind".
 *
 * Digits: a run, or 1-3 digits followed by groups of exactly three joined
 * by '.' (or by one space/NBSP; one kind per number). Whatever is joined to
 * a further digit by '.', ',', ':' or '/' is a decimal, a clock time, a
 * date or a version, and not a count; so is a number right after "kl."
 * or before "-tiden". Words come from the NUM_* tables: units + "og" + tens
 * compounds and "hundrede"/"tusind" multipliers. Pure functions; the
 * extractor and the date parser call them.
 */
#include <stdlib.h>
#include <string.h>

#include "filters/numbers.h"
#include "filters/text.h"
#include "lib/xalloc.h"

#define NUM_MAX_DIGITS 15
#define NUM_WORD_WINDOW 96	/* bytes lowercased for a word number */

struct num_word {
	const char *w;
	int value;
};

/* Units that may start a compound ("femogtyve"); longest spellings first
 * where one is a prefix of another is irrelevant: matches are whole. */
static const struct num_word NUM_UNITS[] = {
	{ "en", 1 }, { "et", 1 }, { "én", 1 }, { "ét", 1 }, { "een", 1 },
	{ "to", 2 }, { "tre", 3 }, { "fire", 4 }, { "fem", 5 }, { "seks", 6 },
	{ "syv", 7 }, { "otte", 8 }, { "ni", 9 },
};

static const struct num_word NUM_TEENS[] = {
	{ "ti", 10 }, { "elleve", 11 }, { "tolv", 12 }, { "tretten", 13 },
	{ "fjorten", 14 }, { "femten", 15 }, { "seksten", 16 },
	{ "sytten", 17 }, { "atten", 18 }, { "nitten", 19 },
};

static const struct num_word NUM_TENS[] = {
	{ "tyve", 20 }, { "tredive", 30 }, { "tredve", 30 }, { "fyrre", 40 },
	{ "fyrretyve", 40 }, { "halvtreds", 50 }, { "halvtredsindstyve", 50 },
	{ "tres", 60 }, { "tresindstyve", 60 }, { "halvfjerds", 70 },
	{ "halvfjerdsindstyve", 70 }, { "firs", 80 }, { "firsindstyve", 80 },
	{ "halvfems", 90 }, { "halvfemsindstyve", 90 },
};

static const struct num_word NUM_MULT[] = {
	{ "hundrede", 100 }, { "hundred", 100 }, { "tusind", 1000 },
	{ "tusinde", 1000 },
};

/* After the article "en"/"et", these words make it no count: "en del
 * borgere", "et par dage", "en halv time". */
static const char *const NUM_ARTICLE_IDIOMS[] = {
	"del", "par", "række", "masse", "håndfuld", "halv", "gang", "stor",
	"mængde", "hel", "hele", "lang", "kort", "anden", "andet", "enkelt",
	"antal", "bunke",
};

/* Words before a number that make it a clock time. */
static const char *const NUM_CLOCK_WORDS[] = { "kl", "klokken" };

#define NW(t) (sizeof(t) / sizeof((t)[0]))

static bool
is_digit(const char *s, size_t len, size_t i)
{
	return i < len && s[i] >= '0' && s[i] <= '9';
}

static bool
is_joiner(char c)
{
	return c == '.' || c == ',' || c == ':' || c == '/';
}

/* Is text[i] preceded by "kl." / "klokken" (a clock time)? */
static bool
after_clock_word(const char *text, size_t len, size_t i)
{
	char *lower;
	size_t from = i > 12 ? i - 12 : 0, j = i, k;
	bool hit = false;

	while (j > from && (text[j - 1] == ' ' || text[j - 1] == '.' ||
			    (unsigned char)text[j - 1] == 0xA0 ||
			    (unsigned char)text[j - 1] == 0xC2))
		j--;
	lower = text_lower(text + from, j - from);
	for (k = 0; k < NW(NUM_CLOCK_WORDS) && !hit; k++) {
		size_t n = strlen(NUM_CLOCK_WORDS[k]);

		hit = j - from >= n &&
		      memcmp(lower + (j - from - n), NUM_CLOCK_WORDS[k], n) == 0 &&
		      !text_is_word_byte(text, len, j - n - 1);
	}
	free(lower);
	return hit;
}

/* Exactly three digits at s[i], not followed by a fourth. */
static bool
group3_at(const char *s, size_t len, size_t i)
{
	return is_digit(s, len, i) && is_digit(s, len, i + 1) &&
	       is_digit(s, len, i + 2) && !is_digit(s, len, i + 3);
}

/* Width of a thousands separator at s[i] of kind sep ('.' or ' ';
 * a space also matches NBSP), else 0. */
static size_t
thousands_sep_at(const char *s, size_t len, size_t i, char sep)
{
	if (i >= len)
		return 0;
	if (s[i] == sep)
		return 1;
	if (sep == ' ' && i + 1 < len && (unsigned char)s[i] == 0xC2 &&
	    (unsigned char)s[i + 1] == 0xA0)
		return 2;
	return 0;
}

/* Does a '-' at s[j] make the digits before it part of a date
 * ("20-11-2026", "2026-11-20") or an hour ("9-tiden")? */
static bool
joined_date_or_hour(const char *s, size_t len, size_t j)
{
	size_t k;

	if (j >= len || s[j] != '-')
		return false;
	if (len - j >= 6 && memcmp(s + j, "-tiden", 6) == 0)
		return true;
	for (k = j + 1; k < j + 3 && is_digit(s, len, k); k++)
		;
	return k > j + 1 && k < len && s[k] == '-' && is_digit(s, len, k + 1);
}

static bool
digits_at(const char *text, size_t len, size_t i, struct number_match *r)
{
	size_t j = i, run, w, ndig = 0;
	long v = 0;
	char sep = 0;

	while (is_digit(text, len, j) && ndig < NUM_MAX_DIGITS) {
		v = v * 10 + (text[j++] - '0');
		ndig++;
	}
	run = j - i;
	if (is_digit(text, len, j))
		return false;
	if (run <= 3) {
		if (thousands_sep_at(text, len, j, '.') && group3_at(text, len, j + 1))
			sep = '.';
		else if ((w = thousands_sep_at(text, len, j, ' ')) &&
			 group3_at(text, len, j + w))
			sep = ' ';
	}
	while (sep && (w = thousands_sep_at(text, len, j, sep)) &&
	       group3_at(text, len, j + w) && ndig + 3 <= NUM_MAX_DIGITS) {
		j += w;
		v = v * 1000 + (text[j] - '0') * 100 + (text[j + 1] - '0') * 10 +
		    (text[j + 2] - '0');
		ndig += 3;
		j += 3;
	}
	if (j < len && is_joiner(text[j]) && is_digit(text, len, j + 1))
		return false;
	if (joined_date_or_hour(text, len, j))
		return false;
	if (j < len && ((text[j] >= 'a' && text[j] <= 'z') ||
			(text[j] >= 'A' && text[j] <= 'Z')))
		return false;
	if (after_clock_word(text, len, i))
		return false;
	r->start = i;
	r->end = j;
	r->value = v;
	r->is_word = false;
	return true;
}

/* The longest entry of table t that is all of the word-ish span at
 * lower[i..] ending at a word boundary or at "og"/multiplier glue. */
static const struct num_word *
table_at(const char *lower, size_t len, size_t i, const struct num_word *t,
	 size_t n, bool whole)
{
	const struct num_word *best = NULL;
	size_t k, bl = 0;

	for (k = 0; k < n; k++) {
		size_t wl;

		if (i >= len || t[k].w[0] != lower[i])
			continue;
		wl = strlen(t[k].w);
		if (i + wl > len || memcmp(lower + i, t[k].w, wl) != 0 || wl <= bl)
			continue;
		if (whole && text_is_word_byte(lower, len, i + wl))
			continue;
		best = &t[k];
		bl = wl;
	}
	return best;
}

/* 1..99 as one word at lower[i]; sets *end. whole: must end the word. */
static int
word_below_100(const char *lower, size_t len, size_t i, size_t *end, bool whole)
{
	const struct num_word *u, *t;
	size_t j;

	u = table_at(lower, len, i, NUM_UNITS, NW(NUM_UNITS), false);
	if (u != NULL) {
		j = i + strlen(u->w);
		if (j + 2 <= len && memcmp(lower + j, "og", 2) == 0 &&
		    (t = table_at(lower, len, j + 2, NUM_TENS, NW(NUM_TENS),
				  whole)) != NULL) {
			*end = j + 2 + strlen(t->w);
			return u->value + t->value;
		}
	}
	if ((t = table_at(lower, len, i, NUM_TEENS, NW(NUM_TEENS), whole)) ||
	    (t = table_at(lower, len, i, NUM_TENS, NW(NUM_TENS), whole)) ||
	    (t = table_at(lower, len, i, NUM_UNITS, NW(NUM_UNITS), whole))) {
		*end = i + strlen(t->w);
		return t->value;
	}
	return 0;
}

/* Skip one space (or NBSP) at lower[j]; returns the new offset or j. */
static size_t
skip_space(const char *lower, size_t len, size_t j)
{
	size_t w = thousands_sep_at(lower, len, j, ' ');

	return w ? j + w : j;
}

/* A multiplier word at lower[j], glued or after one space. */
static const struct num_word *
mult_at(const char *lower, size_t len, size_t j, size_t *end)
{
	const struct num_word *m;
	size_t k;

	for (k = 0; k < 2; k++) {
		size_t at = k ? skip_space(lower, len, j) : j;

		if (k && at == j)
			break;
		m = table_at(lower, len, at, NUM_MULT, NW(NUM_MULT), true);
		if (m != NULL) {
			*end = at + strlen(m->w);
			return m;
		}
	}
	return NULL;
}

/* "to hundrede og halvtreds", "femogtyve", "tusind", "et hundrede". */
static bool
word_number(const char *lower, size_t len, struct number_match *r)
{
	const struct num_word *m;
	size_t end = 0, e2, j;
	long v;
	int rest;

	if ((m = table_at(lower, len, 0, NUM_MULT, NW(NUM_MULT), true)) != NULL) {
		v = m->value;
		end = strlen(m->w);
	} else {
		v = word_below_100(lower, len, 0, &end, false);
		if (v == 0)
			return false;
		if ((m = mult_at(lower, len, end, &e2)) != NULL) {
			v *= m->value;
			end = e2;
		} else if (text_is_word_byte(lower, len, end)) {
			return false;
		}
	}
	if (v >= 100) {
		/* "hundrede og tre", "tusind to hundrede" */
		j = skip_space(lower, len, end);
		if (j + 3 <= len && memcmp(lower + j, "og", 2) == 0 &&
		    !text_is_word_byte(lower, len, j + 2))
			j = skip_space(lower, len, j + 2);
		if (j > end && (rest = word_below_100(lower, len, j, &e2, true)) > 0 &&
		    !mult_at(lower, len, e2, &j)) {
			v += rest;
			end = e2;
		}
	}
	r->start = 0;
	r->end = end;
	r->value = v;
	r->is_word = true;
	return true;
}

/* Is the one-word 1 at lower[0..m->end) an article in an idiom? */
static bool
is_article_idiom(const char *lower, size_t len, const struct number_match *m)
{
	size_t k, j = m->end;

	if (m->value != 1 || j >= len || lower[j] != ' ')
		return false;
	for (k = 0; k < NW(NUM_ARTICLE_IDIOMS); k++)
		if (text_word_at(lower, len, j + 1, NUM_ARTICLE_IDIOMS[k]))
			return true;
	return false;
}

/* Can a number word start with byte c (any case)? Saves the lowercased
 * copy for the many words that cannot. */
static bool
may_start_word(unsigned char c)
{
	static const struct { const struct num_word *t; size_t n; } tabs[] = {
		{ NUM_UNITS, NW(NUM_UNITS) }, { NUM_TEENS, NW(NUM_TEENS) },
		{ NUM_TENS, NW(NUM_TENS) }, { NUM_MULT, NW(NUM_MULT) },
	};
	size_t k, i;

	if (c >= 'A' && c <= 'Z')
		c = (unsigned char)(c + 32);
	for (k = 0; k < sizeof(tabs) / sizeof(tabs[0]); k++)
		for (i = 0; i < tabs[k].n; i++)
			if ((unsigned char)tabs[k].t[i].w[0] == c)
				return true;
	return false;
}

bool
number_at(const char *text, size_t len, size_t i, struct number_match *r)
{
	struct number_match m;
	char lower[NUM_WORD_WINDOW + 1];
	size_t n;
	bool ok;

	if (i >= len || (i > 0 && text_is_word_byte(text, len, i - 1)))
		return false;
	if (i >= 2 && (is_joiner(text[i - 1]) || text[i - 1] == '-') &&
	    is_digit(text, len, i - 2))
		return false;
	if (is_digit(text, len, i))
		return digits_at(text, len, i, r);
	if (!may_start_word((unsigned char)text[i]))
		return false;
	n = len - i < NUM_WORD_WINDOW ? len - i : NUM_WORD_WINDOW;
	text_lower_into(text + i, n, lower);
	ok = word_number(lower, n, &m) && !text_is_word_byte(lower, n, m.end) &&
	     !is_article_idiom(lower, n, &m);
	if (!ok)
		return false;
	*r = m;
	r->start = i;
	r->end = i + m.end;
	return true;
}

size_t
numbers_find(const char *text, size_t len, struct number_match **r)
{
	struct number_match m, *v = NULL;
	size_t n = 0, cap = 0, i = 0;

	while (i < len) {
		if (text_is_word_byte(text, len, i) && number_at(text, len, i, &m)) {
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				v = xreallocarray(v, cap, sizeof(*v));
			}
			v[n++] = m;
			i = m.end;
		} else if (text_is_word_byte(text, len, i)) {
			while (text_is_word_byte(text, len, i))
				i++;
		} else {
			i++;
		}
	}
	*r = v;
	return n;
}

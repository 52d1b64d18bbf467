/* SPDX-License-Identifier: MIT */
/*
 * dates.c — find Danish date and time expressions and resolve them in
 * Europe/Copenhagen against a reference instant (the Date header).
 *
 * Two passes. The scanner walks the lowercased text word by word and
 * turns what it recognises into tokens: explicit dates (ISO, numeric with
 * '.', '-' or '/', "20. nov. 2026", "Oct 5, 2026"), relative days
 * (REL_WORDS: "i går", "i forgårs", "i aftes", ...), weekdays
 * (WEEKDAYS, "i mandags"), days counted from the previous date
 * (ANCHOR_WORDS: "dagen efter", "samme dag") and clock times ("kl. 9.10",
 * "klokken 14", "9-tiden", "14:30"; a bare "14.30" is weak and only counts
 * right after a day or a TIME_LABELS word). The combiner then joins a day
 * and a time that stand together, separated only by CONNECTORS ("ca.",
 * "omkring", "ved", "den", ...), in either order; a weekday directly
 * before a date is part of it. A lone time takes the day of the nearest
 * dated match before it in the same sentence, else of one after it that
 * is not later than ref's day, else ref's day.
 *
 * Rules, kept simple and stated here:
 *  - A year-less date is in ref's year, or the year before when that
 *    puts it more than DATES_FUTURE_DAYS after ref's day.
 *  - "mandag" is the latest Monday on or before ref's day; "i mandags",
 *    "sidste mandag" the latest strictly before.
 *  - "i nat" is the night that ended on ref's day: a time before 12:00
 *    is on ref's day, a time from 12:00 on the day before.
 *  - "i aftes", "i eftermiddags", "i går aftes" and "... om aftenen"
 *    read an hour before 12 as p.m. ("i aftes kl. 9" is 21:00).
 * Pure functions; the extractor calls them. What makes the scanner cheap,
 * all built once under pthread_once: the word tables chained by first
 * byte (struct word_index), so a reader tries only the entries that can
 * start at i, and the set of words a day can begin with (start_words),
 * so most words of a text go only to scan_time. Per text, one memmem()
 * says whether "tiden" ("9-tiden") occurs at all.
 */
#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filters/dates.h"
#include "filters/numbers.h"
#include "filters/text.h"
#include "lib/cphtime.h"
#include "lib/xalloc.h"

#define DATES_FUTURE_DAYS 60	/* a year-less date later than this: last year */
#define DATES_GAP_MAX 40	/* bytes between a day and its time */
#define DATES_WEAK_GAP_MAX 3	/* bytes between a day and a bare "14.30" */
#define DATES_SENTENCE_MAX 300	/* how far a lone time looks for its day */
#define DATES_YEAR_MIN 1900
#define DATES_YEAR_MAX 2100

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum period { PERIOD_NONE, PERIOD_PM, PERIOD_NIGHT };

struct word_val {
	const char *w;
	int val;
};

/* val: month; +MONTH_ABBREV: an abbreviation, which may take a '.' */
#define MONTH_ABBREV 100
static const struct word_val MONTHS[] = {
	{ "januar", 1 }, { "january", 1 }, { "jan", 1 + MONTH_ABBREV },
	{ "februar", 2 }, { "february", 2 }, { "feb", 2 + MONTH_ABBREV },
	{ "marts", 3 }, { "march", 3 }, { "mar", 3 + MONTH_ABBREV },
	{ "april", 4 }, { "apr", 4 + MONTH_ABBREV },
	{ "maj", 5 }, { "may", 5 },
	{ "juni", 6 }, { "june", 6 }, { "jun", 6 + MONTH_ABBREV },
	{ "juli", 7 }, { "july", 7 }, { "jul", 7 + MONTH_ABBREV },
	{ "august", 8 }, { "aug", 8 + MONTH_ABBREV },
	{ "september", 9 }, { "sept", 9 + MONTH_ABBREV },
	{ "sep", 9 + MONTH_ABBREV },
	{ "oktober", 10 }, { "october", 10 }, { "okt", 10 + MONTH_ABBREV },
	{ "oct", 10 + MONTH_ABBREV },
	{ "november", 11 }, { "nov", 11 + MONTH_ABBREV },
	{ "december", 12 }, { "dec", 12 + MONTH_ABBREV },
};

/* val: weekday, 0 = Sunday; +10: an abbreviation, only before a date */
#define WDAY_ABBREV 10
static const struct word_val WEEKDAYS[] = {
	{ "mandag", 1 }, { "tirsdag", 2 }, { "onsdag", 3 }, { "torsdag", 4 },
	{ "fredag", 5 }, { "lørdag", 6 }, { "loerdag", 6 }, { "lordag", 6 },
	{ "søndag", 0 }, { "soendag", 0 }, { "sondag", 0 },
	{ "monday", 1 }, { "tuesday", 2 }, { "wednesday", 3 },
	{ "thursday", 4 }, { "friday", 5 }, { "saturday", 6 }, { "sunday", 0 },
	{ "man", 1 + WDAY_ABBREV }, { "tirs", 2 + WDAY_ABBREV },
	{ "tir", 2 + WDAY_ABBREV }, { "ons", 3 + WDAY_ABBREV },
	{ "tors", 4 + WDAY_ABBREV }, { "tor", 4 + WDAY_ABBREV },
	{ "fre", 5 + WDAY_ABBREV }, { "lør", 6 + WDAY_ABBREV },
	{ "søn", 0 + WDAY_ABBREV },
};

/* Words before a weekday that mean "the last one before today". "i"
 * needs the genitive: "i mandags". */
static const char *const WDAY_PAST[] = { "i", "sidste", "forrige", "sidst" };

struct rel_word {
	const char *w;		/* ' ' matches any run of whitespace */
	int rel;		/* days from ref's day */
	enum period period;
};

static const struct rel_word REL_WORDS[] = {
	{ "i forgårs", -2, PERIOD_NONE }, { "iforgårs", -2, PERIOD_NONE },
	{ "i forgaars", -2, PERIOD_NONE },
	{ "i går", -1, PERIOD_NONE }, { "igår", -1, PERIOD_NONE },
	{ "i gaar", -1, PERIOD_NONE }, { "igaar", -1, PERIOD_NONE },
	{ "i går morges", -1, PERIOD_NONE }, { "i går morgen", -1, PERIOD_NONE },
	{ "i går formiddags", -1, PERIOD_NONE },
	{ "i går formiddag", -1, PERIOD_NONE },
	{ "i går eftermiddags", -1, PERIOD_PM },
	{ "i går eftermiddag", -1, PERIOD_PM },
	{ "i går aftes", -1, PERIOD_PM }, { "i går aften", -1, PERIOD_PM },
	{ "i dag", 0, PERIOD_NONE }, { "idag", 0, PERIOD_NONE },
	{ "dags dato", 0, PERIOD_NONE }, { "d.d.", 0, PERIOD_NONE },
	{ "i morges", 0, PERIOD_NONE }, { "imorges", 0, PERIOD_NONE },
	{ "i formiddags", 0, PERIOD_NONE }, { "i formiddag", 0, PERIOD_NONE },
	{ "i eftermiddags", 0, PERIOD_PM }, { "i eftermiddag", 0, PERIOD_PM },
	{ "i aften", 0, PERIOD_PM },
	{ "i nat", 0, PERIOD_NIGHT }, { "inat", 0, PERIOD_NIGHT },
	{ "i aftes", -1, PERIOD_PM }, { "iaftes", -1, PERIOD_PM },
	{ "i morgen", 1, PERIOD_NONE }, { "imorgen", 1, PERIOD_NONE },
	{ "i overmorgen", 2, PERIOD_NONE },
	{ "yesterday", -1, PERIOD_NONE }, { "today", 0, PERIOD_NONE },
};

/* Days counted from the previous dated expression, not from ref:
 * "Bruddet skete den 12. oktober. Dagen efter kl. 9 opdagede vi det." */
static const struct rel_word ANCHOR_WORDS[] = {
	{ "dagen efter", 1, PERIOD_NONE }, { "dagen derpå", 1, PERIOD_NONE },
	{ "næste dag", 1, PERIOD_NONE }, { "den følgende dag", 1, PERIOD_NONE },
	{ "følgende dag", 1, PERIOD_NONE }, { "næste morgen", 1, PERIOD_NONE },
	{ "morgenen efter", 1, PERIOD_NONE },
	{ "dagen før", -1, PERIOD_NONE }, { "dagen inden", -1, PERIOD_NONE },
	{ "aftenen før", -1, PERIOD_PM }, { "aftenen inden", -1, PERIOD_PM },
	{ "samme dag", 0, PERIOD_NONE }, { "samme morgen", 0, PERIOD_NONE },
	{ "samme formiddag", 0, PERIOD_NONE },
	{ "samme eftermiddag", 0, PERIOD_PM }, { "samme aften", 0, PERIOD_PM },
	{ "samme nat", 0, PERIOD_NONE },
};

/* Words that introduce a clock time, and approximations after them. */
static const char *const CLOCK_WORDS[] = { "klokken", "kl.", "kl", "kl:" };
static const char *const APPROX_WORDS[] = {
	"ca.", "ca", "cirka", "omkring", "ved",
};

/* After a time: evening words make an hour before 12 p.m. */
static const struct word_val TIME_PERIODS[] = {
	{ "om aftenen", PERIOD_PM }, { "om eftermiddagen", PERIOD_PM },
	{ "pm", PERIOD_PM }, { "p.m.", PERIOD_PM },
	{ "om morgenen", PERIOD_NONE }, { "om natten", PERIOD_NONE },
	{ "om formiddagen", PERIOD_NONE }, { "am", PERIOD_NONE },
	{ "a.m.", PERIOD_NONE },
};

/* Words that may stand between a day and its time ("i går ved 9-tiden",
 * "08-10-2026 ca. kl. 18", "kl. 14 den 3/11"). */
static const char *const CONNECTORS[] = {
	"ca", "cirka", "omkring", "ved", "om", "sidst", "lige", "senest",
	"tidligst", "fra", "efter", "før", "inden", "den", "d", "på",
	"tidspunkt", "tidspunktet", "allerede", "først", "mellem", "at",
	"around", "about", "approx", "approximately", "on", "morgenen",
	"formiddagen", "eftermiddagen", "aftenen", "natten", "tid",
	"morgen", "formiddag", "eftermiddag", "aften", "middag", "nat",
	"middagstid", "frokost", "frokosttid",
};

/* A number after these words is not a date ("version 4.12.26"). */
static const char *const NOT_DATE_BEFORE[] = {
	"version", "release", "ver", "v", "build", "vers", "patch", "udgave",
	"opdatering", "afsnit", "kapitel", "pkt", "punkt", "bilag", "side",
};

/* "1/2 time", "3/4 af": a fraction, not a year-less date. */
static const char *const NOT_DATE_AFTER[] = {
	"time", "timer", "times", "del", "dele", "af", "procent", "liter",
	"kg", "km", "sek", "min", "døgn",
};

/* ... but not after these: "den 3/11 af ..." is a date. */
static const char *const DAY_ARTICLES[] = {
	"den", "d", "dato", "fra", "til", "mandag", "tirsdag", "onsdag", "torsdag",
	"fredag", "lørdag", "søndag",
};

/* A bare "14.30" after these is a time: "Tidspunkt: 14.30". */
static const char *const TIME_LABELS[] = {
	"tidspunkt", "tidspunktet", "tid", "klokkeslæt", "time", "kl",
	"ca", "cirka", "omkring", "ved",
};

/* "den 13. ds.": the day in ref's month. */
static const char *const THIS_MONTH[] = { "ds.", "dennes", "d.m." };

/* "for to dage siden": units in days. */
static const struct word_val REL_UNITS[] = {
	{ "dag", 1 }, { "dage", 1 }, { "døgn", 1 }, { "uge", 7 },
	{ "uger", 7 },
};

/* TOK_SKIP: words that look like a day but are not ("mandag-fredag") */
enum tok_kind { TOK_DATE, TOK_REL, TOK_WDAY, TOK_TIME, TOK_SKIP };

struct tok {
	size_t start, end;
	enum tok_kind kind;
	int y, m, d;		/* TOK_DATE; y == 0: no year given */
	int rel;		/* TOK_REL: days from ref's day */
	bool anchored;		/* TOK_REL: days from the previous dated match */
	int wday;		/* TOK_WDAY: 0 = Sunday */
	bool strict;		/* TOK_WDAY: strictly before ref's day */
	int hour, min;		/* TOK_TIME, or a TOK_DATE with "T14:12"; else -1 */
	enum period period;
	bool weak;		/* bare "14.30", weekday abbreviation */
};

struct ctx {
	const char *s;		/* the text */
	const char *lo;		/* text_lower() of it */
	size_t len;
	struct cph_tm ref;	/* ref in Copenhagen */
	int64_t ref_days;	/* ref's local day, days since 1970-01-01 */
	bool have_last;		/* last_days is set */
	int64_t last_days;	/* the day of the latest dated match so far */
	bool tiden;		/* "tiden" is somewhere in the text ("9-tiden") */
};

/* ---- small readers ------------------------------------------------ */

static bool
dig(const struct ctx *c, size_t i)
{
	return i < c->len && c->s[i] >= '0' && c->s[i] <= '9';
}

/* Width of whitespace (incl. NBSP, CR, LF) at i, else 0. */
static size_t
ws_at(const struct ctx *c, size_t i)
{
	unsigned char b;

	if (i >= c->len)
		return 0;
	b = (unsigned char)c->s[i];
	if (b == ' ' || b == '\t' || b == '\r' || b == '\n')
		return 1;
	if (b == 0xC2 && i + 1 < c->len && (unsigned char)c->s[i + 1] == 0xA0)
		return 2;
	return 0;
}

static size_t
skip_ws(const struct ctx *c, size_t i)
{
	size_t w;

	while ((w = ws_at(c, i)) > 0)
		i += w;
	return i;
}

/* Read 1..max digits at i; returns how many (0: none, or more than max). */
static size_t
read_num(const struct ctx *c, size_t i, size_t max, int *v)
{
	size_t n = 0;

	*v = 0;
	while (dig(c, i + n) && n <= max)
		*v = *v * 10 + (c->s[i + n++] - '0');
	return n > max ? 0 : n;
}

/* Is c->s[i] one of the bytes of set? */
static bool
in_set(const struct ctx *c, size_t i, const char *set)
{
	return i < c->len && c->s[i] != '\0' && strchr(set, c->s[i]) != NULL;
}

static inline bool
is_wordb(const struct ctx *c, size_t i)
{
	return text_is_word_byte(c->lo, c->len, i);
}

/* Does phrase p (lowercase; ' ' matches a whitespace run) stand at i, on
 * word boundaries where it begins or ends with a word byte? Returns the
 * end offset, or 0. */
static size_t
phrase_at(const struct ctx *c, size_t i, const char *p)
{
	size_t j = i;

	/* the bytes first: they reject almost every call, so the word
	 * boundaries are looked at only for a match */
	for (; *p != '\0'; p++) {
		if (*p == ' ') {
			if (ws_at(c, j) == 0)
				return 0;
			j = skip_ws(c, j);
		} else if (j < c->len && c->lo[j] == *p) {
			j++;
		} else {
			return 0;
		}
	}
	if (i > 0 && is_wordb(c, i - 1) && is_wordb(c, i))
		return 0;
	if (j > i && is_wordb(c, j - 1) && is_wordb(c, j))
		return 0;
	return j;
}

/*
 * The word tables, each chained by first byte and built once (tables_build,
 * under pthread_once): a reader walks only the entries that begin with
 * the byte at i, not the whole table. The chains keep table order, so a
 * tie goes to the same entry as in a walk of the whole table. This relies
 * on no entry beginning with ' ' (which would match any whitespace byte);
 * index_build() asserts it.
 */
#define TABLE_MAX 64

struct word_index {
	const char *w[TABLE_MAX];	/* the entries' words */
	uint8_t len[TABLE_MAX];		/* strlen() of each */
	int8_t next[TABLE_MAX];		/* next entry with the same first byte */
	int8_t first[256];		/* first entry beginning with byte b,
					 * -1: none */
};

static struct {
	struct word_index months, weekdays, wday_past, rel, anchor, clock,
			  approx, periods, connectors, this_month, rel_units;
} ix;

/* Index table[0..n), whose entries are size bytes and begin with their
 * word (a const char *: a list of strings, or struct word_val/rel_word,
 * whose first member is w). */
static void
index_build(struct word_index *x, const void *table, size_t n, size_t size)
{
	size_t k;

	assert(n <= TABLE_MAX);
	memset(x->first, -1, sizeof(x->first));
	for (k = n; k-- > 0;) {		/* prepend: the chains end up in order */
		const char *w = *(const char *const *)((const char *)table +
						      k * size);
		unsigned char b = (unsigned char)w[0];

		assert(b != ' ' && b != '\0' && strlen(w) <= UINT8_MAX);
		x->w[k] = w;
		x->len[k] = (uint8_t)strlen(w);
		x->next[k] = x->first[b];
		x->first[b] = (int8_t)k;
	}
}

/* The first entry of x that may stand at i (its first byte is there), or
 * -1; x->next[] gives the others. */
static int
index_first(const struct ctx *c, size_t i, const struct word_index *x)
{
	return i < c->len ? x->first[(unsigned char)c->lo[i]] : -1;
}

/* The longest phrase of x at i; its end offset (0: none), *k its index
 * (k may be NULL). */
static size_t
longest_of(const struct ctx *c, size_t i, const struct word_index *x, int *k)
{
	size_t best = 0, e;
	int y;

	for (y = index_first(c, i, x); y >= 0; y = x->next[y])
		if ((e = phrase_at(c, i, x->w[y])) > best) {
			best = e;
			if (k != NULL)
				*k = y;
		}
	return best;
}

/* The same for a word_val table t indexed by x; *val gets its val. */
static size_t
longest_val(const struct ctx *c, size_t i, const struct word_val *t,
	    const struct word_index *x, int *val)
{
	int k;
	size_t e = longest_of(c, i, x, &k);

	if (e > 0)
		*val = t[k].val;
	return e;
}

/* May a number start at i: not glued to a number before it? */
static bool
num_left_ok(const struct ctx *c, size_t i)
{
	char p;

	if (i == 0)
		return true;
	p = c->s[i - 1];
	if (dig(c, i - 1) || (p >= 'a' && p <= 'z') || (p >= 'A' && p <= 'Z'))
		return false;
	return !(i >= 2 && in_set(c, i - 1, ".,:/-") && dig(c, i - 2));
}

/* May a number end at j: no digit or joined digit after it? */
static bool
num_right_ok(const struct ctx *c, size_t j)
{
	if (dig(c, j))
		return false;
	return !(in_set(c, j, ".,:/-") && dig(c, j + 1));
}

/* Is the word before i (skipping whitespace) one of list? */
static bool
word_before_in(const struct ctx *c, size_t i, const char *const *list, size_t n)
{
	size_t e = i, b, x;

	while (e > 0 && (c->s[e - 1] == ' ' || c->s[e - 1] == '\t'))
		e--;
	if (e > 0 && (c->s[e - 1] == '.' || c->s[e - 1] == ':'))
		e--;
	for (b = e; b > 0 && is_wordb(c, b - 1); b--)
		;
	for (x = 0; x < n; x++)
		if (strlen(list[x]) == e - b && memcmp(c->lo + b, list[x], e - b) == 0)
			return true;
	return false;
}

/* ---- dates ----------------------------------------------------------- */

static bool
year_ok(int y)
{
	return y >= DATES_YEAR_MIN && y <= DATES_YEAR_MAX;
}

/* Day and month look like a date. Whether the day exists in that month
 * is checked on resolution, so that "31. februar kl. 14" is dropped
 * whole instead of leaving a lone time. */
static bool
dm_ok(int d, int m)
{
	return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static void
tok_init(struct tok *t, enum tok_kind kind, size_t start, size_t end)
{
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->start = start;
	t->end = end;
	t->hour = t->min = -1;
}

/* Hours and minutes "14:12" or "14.12" at i; *end after it. sep: the
 * separators allowed. Seconds after a colon are read and dropped. */
static bool
clock_at(const struct ctx *c, size_t i, const char *sep, int *h, int *mi,
	 size_t *end)
{
	size_t n = read_num(c, i, 2, h), j = i + n;
	int sec;

	if (n == 0 || !in_set(c, j, sep) ||
	    read_num(c, j + 1, 2, mi) != 2 || *h > 23 || *mi > 59)
		return false;
	j += 3;
	if (c->s[j - 3] == ':' && j < c->len && c->s[j] == ':' &&
	    read_num(c, j + 1, 2, &sec) == 2)
		j += 3;
	*end = j;
	return true;
}

/* "2026-11-20", "2026/11/20", "2026-10-15T14:12". */
static bool
scan_iso(const struct ctx *c, size_t i, struct tok *t)
{
	int y, m, d, h, mi;
	size_t j = i, n;
	size_t e;
	char sep;

	if (read_num(c, j, 4, &y) != 4 || !in_set(c, j + 4, "-/"))
		return false;
	sep = c->s[j + 4];
	j += 5;
	if ((n = read_num(c, j, 2, &m)) == 0 || j + n >= c->len || c->s[j + n] != sep)
		return false;
	j += n + 1;
	if ((n = read_num(c, j, 2, &d)) == 0)
		return false;
	j += n;
	if (!year_ok(y) || !dm_ok(d, m))
		return false;
	tok_init(t, TOK_DATE, i, j);
	t->y = y;
	t->m = m;
	t->d = d;
	if (j < c->len && c->lo[j] == 't' && clock_at(c, j + 1, ":", &h, &mi, &e)) {
		t->hour = h;
		t->min = mi;
		t->end = j = e;
	}
	return num_right_ok(c, j);
}

/* A year at i: four digits in range, or two (20yy). Returns its width. */
static size_t
year_at(const struct ctx *c, size_t i, bool two_ok, int *y)
{
	size_t n = read_num(c, i, 4, y);

	if (n == 4 && year_ok(*y))
		return 4;
	if (n == 2 && two_ok) {
		*y += 2000;
		return 2;
	}
	return 0;
}

/* Is the year-less "d/m" at i..j a fraction or "24/7"? */
static bool
is_fraction(const struct ctx *c, int d, int m, size_t j)
{
	size_t x, e;

	if (d == 24 && m == 7)
		return true;
	e = skip_ws(c, j);
	if (e == j || !is_wordb(c, e))
		return false;
	for (x = 0; x < NELEM(NOT_DATE_AFTER); x++)
		if (phrase_at(c, e, NOT_DATE_AFTER[x]) != 0)
			return true;
	return false;
}

/* "20.11.2026", "20.11.26", "20-11-2026", "20/11-2026", "20/11 2026",
 * "20/11". */
static bool
scan_numeric(const struct ctx *c, size_t i, struct tok *t)
{
	int d, m, y = 0;
	size_t n, j = i, yn;
	char s1, s2;

	if ((n = read_num(c, j, 2, &d)) == 0 || j + n >= c->len)
		return false;
	j += n;
	s1 = c->s[j];
	if (!in_set(c, j, "./-") || (n = read_num(c, j + 1, 2, &m)) == 0)
		return false;
	j += 1 + n;
	s2 = j < c->len ? c->s[j] : '\0';
	if ((s2 == s1 || (s1 == '/' && in_set(c, j, "-."))) &&
	    (yn = year_at(c, j + 1, true, &y)) > 0)
		j += 1 + yn;
	else if (s1 == '/' && ws_at(c, j) == 1 && c->s[j] == ' ' &&
		 year_at(c, j + 1, false, &y) == 4 && num_right_ok(c, j + 5))
		j += 5;
	else if (s1 != '/' && !word_before_in(c, i, DAY_ARTICLES,
					      NELEM(DAY_ARTICLES)))
		return false;
	if (!dm_ok(d, m) || !num_right_ok(c, j))
		return false;
	if (y == 0 && !word_before_in(c, i, DAY_ARTICLES, NELEM(DAY_ARTICLES)) &&
	    is_fraction(c, d, m, j))
		return false;
	tok_init(t, TOK_DATE, i, j);
	t->y = y;
	t->m = m;
	t->d = d;
	return true;
}

/* A month name at i (an optional '.' after it is taken); its end or 0. */
static size_t
month_at(const struct ctx *c, size_t i, int *m)
{
	size_t e = longest_val(c, i, MONTHS, &ix.months, m);

	if (e > 0 && *m > MONTH_ABBREV) {
		*m -= MONTH_ABBREV;
		if (e < c->len && c->s[e] == '.')
			e++;
	}
	return e;
}

/* "20. november 2026", "20. nov.", "5 October 2026". */
static bool
scan_textual(const struct ctx *c, size_t i, struct tok *t)
{
	int d, m, y = 0;
	size_t n, j = i, k;

	if ((n = read_num(c, j, 2, &d)) == 0)
		return false;
	j += n;
	if (j < c->len && c->s[j] == '.')
		j++;
	else if (ws_at(c, j) == 0)
		return false;
	k = skip_ws(c, j);
	if ((j = longest_of(c, k, &ix.this_month, NULL)) > 0 &&
	    c->s[i + n] == '.') {
		tok_init(t, TOK_DATE, i, j);
		t->y = c->ref.year;
		t->m = c->ref.mon;
		t->d = d;
		return d >= 1 && d <= 31;
	}
	if ((j = month_at(c, k, &m)) == 0 || !dm_ok(d, m))
		return false;
	tok_init(t, TOK_DATE, i, j);
	t->m = m;
	t->d = d;
	k = skip_ws(c, j);
	if (k < c->len && c->s[k] == ',')
		k = skip_ws(c, k + 1);
	if (k > j && year_at(c, k, false, &y) == 4 && num_right_ok(c, k + 4)) {
		t->y = y;
		t->end = k + 4;
	}
	return true;
}

/* "Oct 5, 2026", "October 5th 2026": month first, year required. */
static bool
scan_month_first(const struct ctx *c, size_t i, struct tok *t)
{
	static const char *const ORD[] = { "st", "nd", "rd", "th" };
	int d, m, y;
	size_t n, j, k;

	if ((j = month_at(c, i, &m)) == 0 || (k = skip_ws(c, j)) == j ||
	    (n = read_num(c, k, 2, &d)) == 0)
		return false;
	k += n;
	for (n = 0; n < NELEM(ORD); n++)
		if (k + 2 <= c->len && memcmp(c->lo + k, ORD[n], 2) == 0) {
			k += 2;
			break;
		}
	if (k < c->len && c->s[k] == ',')
		k++;
	j = skip_ws(c, k);
	if (j == k && c->s[k - 1] != ',')
		return false;
	if (year_at(c, j, false, &y) != 4 || !num_right_ok(c, j + 4) || !dm_ok(d, m))
		return false;
	tok_init(t, TOK_DATE, i, j + 4);
	t->y = y;
	t->m = m;
	t->d = d;
	return true;
}

/* "for to dage siden", "for 3 uger siden". */
static bool
scan_ago(const struct ctx *c, size_t i, struct tok *t)
{
	struct number_match nm;
	size_t j, e;
	int unit;

	if ((j = phrase_at(c, i, "for ")) == 0 ||
	    !number_at(c->s, c->len, j, &nm) || nm.value < 1 || nm.value > 366)
		return false;
	j = skip_ws(c, nm.end);
	if (j == nm.end ||
	    (e = longest_val(c, j, REL_UNITS, &ix.rel_units, &unit)) == 0 ||
	    (e = phrase_at(c, e, " siden")) == 0)
		return false;
	tok_init(t, TOK_REL, i, e);
	t->rel = -(int)nm.value * unit;
	return true;
}

/* "i går", "i nat", "dagen efter", "for to dage siden". */
static bool
scan_rel(const struct ctx *c, size_t i, struct tok *t)
{
	const struct rel_word *w = REL_WORDS;
	size_t e;
	int k = 0;
	bool anchored = false;

	if ((e = longest_of(c, i, &ix.rel, &k)) == 0) {
		if ((e = longest_of(c, i, &ix.anchor, &k)) == 0)
			return scan_ago(c, i, t);
		w = ANCHOR_WORDS;
		anchored = true;
	}
	tok_init(t, TOK_REL, i, e);
	t->rel = w[k].rel;
	t->period = w[k].period;
	t->anchored = anchored;
	return true;
}

/* A weekday name at j; its end (after a genitive 's') or 0. *w gets
 * WEEKDAYS' val. */
static size_t
weekday_name_at(const struct ctx *c, size_t j, int *w, bool *genitive)
{
	const struct word_index *x = &ix.weekdays;
	size_t e;
	int k;

	for (k = index_first(c, j, x); k >= 0; k = x->next[k]) {
		size_t n = x->len[k];

		if (!text_bytes_at(c->lo, c->len, j, x->w[k], n))
			continue;
		e = j + n;
		*genitive = e < c->len && c->lo[e] == 's' && !is_wordb(c, e + 1);
		if (*genitive)
			e++;
		if (is_wordb(c, e) || (*genitive && WEEKDAYS[k].val >= WDAY_ABBREV))
			continue;
		*w = WEEKDAYS[k].val;
		return e;
	}
	return 0;
}

/* End of a range "mandag-fredag", "man. - fre.", "mandag til fredag"
 * whose first day ends at e; 0 if none. Opening hours, not a day. */
static size_t
weekday_range_end(const struct ctx *c, size_t e)
{
	size_t j = skip_ws(c, e + (e < c->len && c->s[e] == '.'));
	int w;
	bool g;

	if (in_set(c, j, "-"))
		j++;
	else if (j + 3 <= c->len && memcmp(c->s + j, "\xe2\x80\x93", 3) == 0)
		j += 3;
	else if (phrase_at(c, j, "til") != 0)
		j += 3;
	else
		return 0;
	j = skip_ws(c, j);
	return weekday_name_at(c, j, &w, &g);
}

/* "mandag", "i mandags", "sidste fredag", "man." (weak); a range of
 * weekdays gives a TOK_SKIP. */
static bool
scan_weekday(const struct ctx *c, size_t i, struct tok *t)
{
	size_t j = i, e, r;
	int w;
	bool past = false, genitive;

	if ((e = longest_of(c, i, &ix.wday_past, NULL)) > 0 &&
	    ws_at(c, e) > 0) {
		past = true;
		j = skip_ws(c, e);
	}
	if ((e = weekday_name_at(c, j, &w, &genitive)) == 0)
		return false;
	if ((r = weekday_range_end(c, e)) > 0) {
		tok_init(t, TOK_SKIP, i, r);
		return true;
	}
	if (past && c->lo[i] == 'i' && !genitive)
		past = false;
	tok_init(t, TOK_WDAY, past ? i : j, e);
	t->wday = w % WDAY_ABBREV;
	t->weak = w >= WDAY_ABBREV;
	t->strict = past;
	if (t->weak && e < c->len && c->s[e] == '.')
		t->end = e + 1;
	return true;
}

/* An hour written as a word ("ni", "tolv"); its end or 0. */
static size_t
hour_word_at(const struct ctx *c, size_t i, int *h)
{
	struct number_match nm;

	if (!number_at(c->s, c->len, i, &nm) || !nm.is_word ||
	    nm.value < 1 || nm.value > 23)
		return 0;
	*h = (int)nm.value;
	return nm.end;
}

/* After "kl.": "14", "14.30", "9:05", "ni", "halv ti"; sets t's time. */
static bool
hour_at(const struct ctx *c, size_t i, struct tok *t)
{
	size_t e, n;
	int h, mi = 0;
	bool half = false;

	if ((e = phrase_at(c, i, "halv ")) > 0) {
		half = true;
		i = e;
	}
	if (dig(c, i)) {
		if (!clock_at(c, i, ".:", &h, &mi, &e)) {
			if ((n = read_num(c, i, 2, &h)) == 0 || h > 23 ||
			    (in_set(c, i + n, ".:") && dig(c, i + n + 1)))
				return false;
			e = i + n;
			mi = 0;
		}
	} else if ((e = hour_word_at(c, i, &h)) == 0) {
		return false;
	}
	if (dig(c, e))
		return false;
	if (half) {
		if (mi != 0 || h < 1)
			return false;
		h -= 1;
		mi = 30;
	}
	t->hour = h;
	t->min = mi;
	t->end = e;
	return true;
}

/* "omkring", "om aftenen" etc. after a time. */
static void
time_period_after(const struct ctx *c, struct tok *t)
{
	size_t k = skip_ws(c, t->end), e;
	int p;

	if (k > t->end && (e = longest_val(c, k, TIME_PERIODS,
					   &ix.periods, &p)) > 0) {
		t->period = (enum period)p;
		t->end = e;
	}
}

/* The end of "-tiden" or " tiden" at i ("9-tiden", "ni tiden"), or 0. */
static size_t
tiden_at(const struct ctx *c, size_t i)
{
	size_t e;

	if ((e = phrase_at(c, i, "-tiden")) == 0)
		e = phrase_at(c, i, " tiden");
	return e;
}

/* "kl. 14.30", "klokken 9", "kl. ca. 18", "9-tiden", "14:30", "14.30". */
static bool
scan_time(const struct ctx *c, size_t i, struct tok *t)
{
	size_t e, k;
	int h, mi;

	tok_init(t, TOK_TIME, i, i);
	if ((e = longest_of(c, i, &ix.clock, NULL)) > 0) {
		k = skip_ws(c, e);
		if (k == e && c->s[e - 1] != '.' && c->s[e - 1] != ':')
			return false;
		if ((e = longest_of(c, k, &ix.approx, NULL)) > 0)
			k = skip_ws(c, e);
		if (!hour_at(c, k, t))
			return false;
	} else if (dig(c, i) && num_left_ok(c, i) &&
		   clock_at(c, i, ":.", &h, &mi, &e) && num_right_ok(c, e)) {
		t->hour = h;
		t->min = mi;
		t->end = e;
		t->weak = c->s[e - 3] == '.' &&
			  !word_before_in(c, i, TIME_LABELS, NELEM(TIME_LABELS));
	} else {
		if (dig(c, i)) {
			if (!num_left_ok(c, i) || (k = read_num(c, i, 2, &h)) == 0)
				return false;
			e = i + k;
		} else {
			/* "ni-tiden": only a word followed by "tiden" can be
			 * an hour in words; look before reading the number.
			 * Most words of a text start here and most texts
			 * have no "tiden" at all: dates_find looked once. */
			size_t we = i;

			if (!c->tiden)
				return false;
			while (is_wordb(c, we))
				we++;
			if (tiden_at(c, we) == 0)
				return false;
			if ((e = hour_word_at(c, i, &h)) == 0)
				return false;
		}
		if ((k = tiden_at(c, e)) == 0)
			return false;
		t->hour = h;
		t->min = 0;
		t->end = k;
		return h <= 23;
	}
	time_period_after(c, t);
	return true;
}

/* ---- scanning -------------------------------------------------------- */

struct toks {
	struct tok *v;
	size_t n, cap;
};

static void
toks_push(struct toks *ts, const struct tok *t)
{
	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? ts->cap * 2 : 16;
		ts->v = xreallocarray(ts->v, ts->cap, sizeof(*ts->v));
	}
	ts->v[ts->n++] = *t;
}

/*
 * The words a day can begin with: the leading word of each relative and
 * anchor phrase ("i" of "i går", "d" of "d.d.", "dagen"), "for" of
 * scan_ago, each month (scan_month_first), each past word and weekday,
 * and a weekday with its genitive 's' (scan_weekday). Those readers match
 * only where the whole word at i is one of these, because a phrase that
 * matches there ends its first word where the text's word ends (the next
 * phrase byte is whitespace or punctuation, or a word boundary is
 * required). At any other word start, most words of a text, only
 * scan_time can match ("kl. 10", "ni-tiden"). A hash set with open
 * addressing, built once.
 */
#define START_WORD_MAX 15	/* bytes; "wednesdays" is the longest */
#define START_SLOTS 256		/* over twice the number of words */

struct start_word {
	uint8_t len;		/* 0: an empty slot */
	char w[START_WORD_MAX];
};

static struct start_word start_words[START_SLOTS];

/* The slot that holds w[0..n), or the empty slot where it would go. */
static size_t
start_slot(const char *w, size_t n)
{
	/* the first and last byte and the length tell these words apart
	 * well enough, and cost the same for a word of any length */
	size_t k = (unsigned char)w[0] * 7 + (unsigned char)w[n - 1] * 31 +
		   n * 131;

	for (k %= START_SLOTS; start_words[k].len != 0; k = (k + 1) % START_SLOTS)
		if (start_words[k].len == n && memcmp(start_words[k].w, w, n) == 0)
			break;
	return k;
}

/* Add the leading word of phrase p; with genitive, that word + "s". */
static void
start_add(const char *p, bool genitive)
{
	static size_t count;
	char w[START_WORD_MAX + 1];
	size_t n = 0, len = strlen(p), k;

	while (text_is_word_byte(p, len, n))
		n++;
	assert(n > 0 && n < START_WORD_MAX);
	memcpy(w, p, n);
	if (genitive)
		w[n++] = 's';
	k = start_slot(w, n);
	if (start_words[k].len == 0) {
		count++;
		assert(count < START_SLOTS / 2);
		start_words[k].len = (uint8_t)n;
		memcpy(start_words[k].w, w, n);
	}
}

static void
start_words_build(void)
{
	size_t k;

	for (k = 0; k < NELEM(REL_WORDS); k++)
		start_add(REL_WORDS[k].w, false);
	for (k = 0; k < NELEM(ANCHOR_WORDS); k++)
		start_add(ANCHOR_WORDS[k].w, false);
	for (k = 0; k < NELEM(MONTHS); k++)
		start_add(MONTHS[k].w, false);
	for (k = 0; k < NELEM(WDAY_PAST); k++)
		start_add(WDAY_PAST[k], false);
	for (k = 0; k < NELEM(WEEKDAYS); k++) {
		start_add(WEEKDAYS[k].w, false);
		start_add(WEEKDAYS[k].w, true);
	}
	start_add("for", false);	/* scan_ago: "for to dage siden" */
}

/* Is the word c->lo[i..we) one of start_words? */
static bool
is_start_word(const struct ctx *c, size_t i, size_t we)
{
	return we - i <= START_WORD_MAX &&
	       start_words[start_slot(c->lo + i, we - i)].len != 0;
}

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* The word indexes and start_words, once per process. */
static void
tables_build(void)
{
	index_build(&ix.months, MONTHS, NELEM(MONTHS), sizeof(MONTHS[0]));
	index_build(&ix.weekdays, WEEKDAYS, NELEM(WEEKDAYS), sizeof(WEEKDAYS[0]));
	index_build(&ix.wday_past, WDAY_PAST, NELEM(WDAY_PAST),
		    sizeof(WDAY_PAST[0]));
	index_build(&ix.rel, REL_WORDS, NELEM(REL_WORDS), sizeof(REL_WORDS[0]));
	index_build(&ix.anchor, ANCHOR_WORDS, NELEM(ANCHOR_WORDS),
		    sizeof(ANCHOR_WORDS[0]));
	index_build(&ix.clock, CLOCK_WORDS, NELEM(CLOCK_WORDS),
		    sizeof(CLOCK_WORDS[0]));
	index_build(&ix.approx, APPROX_WORDS, NELEM(APPROX_WORDS),
		    sizeof(APPROX_WORDS[0]));
	index_build(&ix.periods, TIME_PERIODS, NELEM(TIME_PERIODS),
		    sizeof(TIME_PERIODS[0]));
	index_build(&ix.connectors, CONNECTORS, NELEM(CONNECTORS),
		    sizeof(CONNECTORS[0]));
	index_build(&ix.this_month, THIS_MONTH, NELEM(THIS_MONTH),
		    sizeof(THIS_MONTH[0]));
	index_build(&ix.rel_units, REL_UNITS, NELEM(REL_UNITS),
		    sizeof(REL_UNITS[0]));
	start_words_build();
}

/* The token starting at the word c->lo[i..we), if any. */
static bool
scan_at(const struct ctx *c, size_t i, size_t we, struct tok *t)
{
	if (dig(c, i)) {
		if (!num_left_ok(c, i))
			return false;
		if (word_before_in(c, i, NOT_DATE_BEFORE, NELEM(NOT_DATE_BEFORE)))
			return false;
		return scan_iso(c, i, t) || scan_numeric(c, i, t) ||
		       scan_textual(c, i, t) || scan_time(c, i, t);
	}
	if (!is_start_word(c, i, we))
		return scan_time(c, i, t);
	return scan_rel(c, i, t) || scan_time(c, i, t) ||
	       scan_month_first(c, i, t) || scan_weekday(c, i, t);
}

static void
scan(const struct ctx *c, struct toks *ts)
{
	struct tok t;
	size_t i = 0, we;

	while (i < c->len) {
		if (!is_wordb(c, i)) {
			i++;
			continue;
		}
		for (we = i; is_wordb(c, we); we++)
			;
		/* every token starts a word: "kl", "20", "i går" */
		if ((i == 0 || !is_wordb(c, i - 1)) && scan_at(c, i, we, &t) &&
		    t.end > i) {
			toks_push(ts, &t);
			i = t.end;
		} else {
			i = we;
		}
	}
}

/* ---- combining ------------------------------------------------------- */

/* Only whitespace, light punctuation and CONNECTORS in [a, b)? */
static bool
gap_ok(const struct ctx *c, size_t a, size_t b, bool weak)
{
	size_t i = a, e, w;

	if (b < a || b - a > (weak ? DATES_WEAK_GAP_MAX : DATES_GAP_MAX))
		return false;
	while (i < b) {
		if ((w = ws_at(c, i)) > 0) {
			i += w;
		} else if (c->s[i] == ',') {
			i++;
		} else if (weak) {
			return false;
		} else if (in_set(c, i, "()-:")) {
			i++;
		} else if (i + 3 <= b && memcmp(c->s + i, "\xe2\x80\x93", 3) == 0) {
			i += 3;
		} else if ((e = longest_of(c, i, &ix.connectors, NULL)) > 0 && e <= b) {
			i = e;
			if (i < b && c->s[i] == '.')
				i++;
		} else {
			return false;
		}
	}
	return true;
}

static bool
is_day(const struct tok *t)
{
	return t->kind != TOK_TIME;
}

/* Is there a sentence end in [a, b)? ". X", "! X", "? X", a blank line,
 * or a line that starts with a capital. */
static bool
sentence_break(const struct ctx *c, size_t a, size_t b)
{
	size_t i, k;
	unsigned char n;

	if (b - a > DATES_SENTENCE_MAX)
		return true;
	for (i = a; i < b; i++) {
		char ch = c->s[i];

		if (ch != '.' && ch != '!' && ch != '?' && ch != '\n')
			continue;
		k = i + 1;
		if (ch != '\n' && ws_at(c, k) == 0)
			continue;
		while (k < c->len && (c->s[k] == ' ' || c->s[k] == '\t' ||
				      c->s[k] == '\r'))
			k++;
		if (k >= c->len || c->s[k] == '\n')
			return true;
		if (ch != '\n' && ws_at(c, k) > 0)
			k = skip_ws(c, k);
		n = (unsigned char)c->s[k];
		if ((n >= 'A' && n <= 'Z') || (n == 0xC3 && k + 1 < c->len &&
		    (unsigned char)c->s[k + 1] >= 0x80 &&
		    (unsigned char)c->s[k + 1] <= 0x9E))
			return true;
	}
	return false;
}

/* Civil date of day number days. */
static void
civil_of(int64_t days, int *y, int *m, int *d)
{
	struct cph_tm tm;

	/* local noon of that day is the same date at either offset */
	cph_from_utc(days * 86400 + 12 * 3600, &tm);
	*y = tm.year;
	*m = tm.mon;
	*d = tm.day;
}

/* The local day of a day token; hour (or -1) settles "i nat". */
static bool
day_of(const struct ctx *c, const struct tok *t, int hour, int64_t *days)
{
	int y;

	switch (t->kind) {
	case TOK_DATE:
		y = t->y;
		if (y == 0) {
			y = c->ref.year;
			if (cph_days_from_civil(y, t->m, t->d) - c->ref_days >
			    DATES_FUTURE_DAYS)
				y--;
		}
		if (t->d > cph_days_in_month(y, t->m))
			return false;
		*days = cph_days_from_civil(y, t->m, t->d);
		return true;
	case TOK_REL:
		if (t->anchored && !c->have_last)
			return false;
		*days = (t->anchored ? c->last_days : c->ref_days) + t->rel;
		if (t->period == PERIOD_NIGHT && hour >= 12)
			(*days)--;
		return true;
	case TOK_WDAY: {
		int back = (c->ref.wday - t->wday + 7) % 7;

		if (back == 0 && t->strict)
			back = 7;
		*days = c->ref_days - back;
		return true;
	}
	case TOK_TIME:
	case TOK_SKIP:
		break;
	}
	return false;
}

/* Fill m from a day token (or NULL: ref's day) and a time (or NULL). */
static bool
make_match(const struct ctx *c, const struct tok *day, const struct tok *tm,
	   struct date_match *m)
{
	int64_t days;
	int y, mo, d, h = 0, mi = 0;
	enum period p = PERIOD_NONE;

	if (tm != NULL) {
		h = tm->hour;
		mi = tm->min;
		p = tm->period;
	} else if (day != NULL && day->hour >= 0) {
		h = day->hour;
		mi = day->min;
	}
	if (day != NULL && day->period != PERIOD_NONE && p == PERIOD_NONE)
		p = day->period;
	if (p == PERIOD_PM && h < 12 && (tm != NULL || day->hour >= 0))
		h += 12;
	if (day != NULL) {
		if (!day_of(c, day, tm != NULL ? h : -1, &days))
			return false;
	} else {
		days = c->ref_days;
	}
	civil_of(days, &y, &mo, &d);
	if (!cph_to_utc(y, mo, d, h, mi, &m->t))
		return false;
	m->has_date = day != NULL;
	m->has_time = tm != NULL || (day != NULL && day->hour >= 0);
	m->start = day != NULL && (tm == NULL || day->start < tm->start) ?
		   day->start : tm->start;
	m->end = day != NULL && (tm == NULL || day->end > tm->end) ?
		 day->end : tm->end;
	return true;
}

/* A weekday right before a date names the same day: fold it in. Weak
 * weekdays (abbreviations) that fold into nothing are dropped. */
static void
fold_weekdays(const struct ctx *c, struct toks *ts)
{
	size_t k, out = 0;

	for (k = 0; k < ts->n; k++) {
		struct tok *t = &ts->v[k];

		if (t->kind == TOK_WDAY && k + 1 < ts->n &&
		    ts->v[k + 1].kind == TOK_DATE &&
		    gap_ok(c, t->end, ts->v[k + 1].start, false)) {
			ts->v[k + 1].start = t->start;
			continue;
		}
		if ((t->kind == TOK_WDAY && t->weak) || t->kind == TOK_SKIP)
			continue;
		ts->v[out++] = *t;
	}
	ts->n = out;
}

struct matches {
	struct date_match *v;
	size_t n, cap;
};

static void
matches_push(struct matches *ms, const struct date_match *m)
{
	if (ms->n == ms->cap) {
		ms->cap = ms->cap ? ms->cap * 2 : 8;
		ms->v = xreallocarray(ms->v, ms->cap, sizeof(*ms->v));
	}
	ms->v[ms->n++] = *m;
}

/* Does the time token at k pair with the day token after it? */
static bool
time_before_day(const struct ctx *c, const struct toks *ts, size_t k)
{
	const struct tok *t = &ts->v[k], *d;

	if (t->weak || k + 1 >= ts->n || !is_day(&ts->v[k + 1]))
		return false;
	d = &ts->v[k + 1];
	if (d->hour >= 0 || !gap_ok(c, t->end, d->start, false))
		return false;
	/* the day keeps its own time if one follows it */
	return !(k + 2 < ts->n && ts->v[k + 2].kind == TOK_TIME &&
		 gap_ok(c, d->end, ts->v[k + 2].start, ts->v[k + 2].weak));
}

/* The Copenhagen day of instant t, in days since 1970-01-01. */
static int64_t
local_days(int64_t t)
{
	struct cph_tm tm;

	cph_from_utc(t, &tm);
	return cph_days_from_civil(tm.year, tm.mon, tm.day);
}

/* Remember the day of a dated match for the anchored words after it. */
static void
push_dated(struct ctx *c, struct matches *ms, const struct date_match *m)
{
	matches_push(ms, m);
	c->last_days = local_days(m->t);
	c->have_last = true;
}

/* A time without its own day; resolve_lone() gives it one. */
static void
push_lone(const struct ctx *c, const struct toks *ts, size_t k,
	  struct matches *ms)
{
	struct date_match m;

	if (ts->v[k].weak || !make_match(c, NULL, &ts->v[k], &m))
		return;
	m.has_date = false;
	m.start = SIZE_MAX;	/* marks it lone; end holds the token index */
	m.end = k;
	matches_push(ms, &m);
}

static void
combine(struct ctx *c, struct toks *ts, struct matches *ms)
{
	struct date_match m;
	size_t k = 0;

	while (k < ts->n) {
		const struct tok *t = &ts->v[k];
		const struct tok *nx = k + 1 < ts->n ? &ts->v[k + 1] : NULL;

		if (is_day(t) && t->hour < 0 && nx != NULL && nx->kind == TOK_TIME &&
		    gap_ok(c, t->end, nx->start, nx->weak)) {
			if (make_match(c, t, nx, &m))
				push_dated(c, ms, &m);
			else if (t->anchored)
				push_lone(c, ts, k + 1, ms);
			k += 2;
		} else if (is_day(t)) {
			if (make_match(c, t, NULL, &m))
				push_dated(c, ms, &m);
			k++;
		} else if (time_before_day(c, ts, k)) {
			if (make_match(c, nx, t, &m))
				push_dated(c, ms, &m);
			else if (nx->anchored)
				push_lone(c, ts, k, ms);
			k += 2;
		} else {
			push_lone(c, ts, k, ms);
			k++;
		}
	}
}

/* Where match m starts; a lone time not yet resolved (start SIZE_MAX)
 * keeps its token index in end. */
static size_t
match_pos(const struct toks *ts, const struct date_match *m)
{
	return m->start != SIZE_MAX ? m->start : ts->v[m->end].start;
}

/* The day for the lone time t at ms->v[k]: the nearest dated match
 * before it in the same sentence, else the nearest after it in the same
 * sentence if that is not later than ref's day ("lukket kl. 10, mødet er
 * 3. november" is not 3 November). Looks no further than
 * DATES_SENTENCE_MAX, so a text of many times stays linear. */
static const struct date_match *
lone_day(const struct ctx *c, const struct toks *ts, const struct matches *ms,
	 size_t k, const struct tok *t)
{
	const struct date_match *m;
	size_t j;

	for (j = k; j-- > 0;) {
		m = &ms->v[j];
		if (m->end + DATES_SENTENCE_MAX < t->start)
			break;
		if (m->has_date) {
			if (!sentence_break(c, m->end, t->start))
				return m;
			break;
		}
	}
	for (j = k + 1; j < ms->n; j++) {
		m = &ms->v[j];
		if (match_pos(ts, m) > t->end + DATES_SENTENCE_MAX)
			break;
		if (m->has_date && m->start != SIZE_MAX) {
			if (!sentence_break(c, t->end, m->start) &&
			    local_days(m->t) <= c->ref_days)
				return m;
			break;
		}
	}
	return NULL;
}

/* Give each lone time (start == SIZE_MAX, end = its token) the day of
 * its neighbour in the sentence, or leave ref's day. */
static void
resolve_lone(const struct ctx *c, const struct toks *ts, struct matches *ms)
{
	const struct date_match *near;
	const struct tok *t;
	struct cph_tm d;
	size_t k;

	for (k = 0; k < ms->n; k++) {
		if (ms->v[k].start != SIZE_MAX)
			continue;
		t = &ts->v[ms->v[k].end];
		ms->v[k].start = t->start;
		ms->v[k].end = t->end;
		if ((near = lone_day(c, ts, ms, k, t)) == NULL)
			continue;
		cph_from_utc(near->t, &d);
		(void)cph_to_utc(d.year, d.mon, d.day,
				 t->hour + (t->period == PERIOD_PM && t->hour < 12 ?
					    12 : 0), t->min, &ms->v[k].t);
	}
}

size_t
dates_find(const char *text, size_t len, int64_t ref, struct date_match **r)
{
	struct ctx c = { .s = text, .len = len };
	struct toks ts = { 0 };
	struct matches ms = { 0 };

	c.lo = text_lower(text, len);
	c.tiden = memmem(c.lo, len, "tiden", 5) != NULL;
	pthread_once(&tables_once, tables_build);
	cph_from_utc(ref, &c.ref);
	c.ref_days = cph_days_from_civil(c.ref.year, c.ref.mon, c.ref.day);
	scan(&c, &ts);
	fold_weekdays(&c, &ts);
	combine(&c, &ts, &ms);
	resolve_lone(&c, &ts, &ms);
	free(ts.v);
	free((char *)c.lo);
	*r = ms.v;
	return ms.n;
}

bool
dates_first(const char *text, size_t len, int64_t ref, struct date_match *r)
{
	struct date_match *v;
	size_t n = dates_find(text, len, ref, &v), k;
	bool found = false;

	for (k = 0; k < n && !found; k++)
		if (v[k].has_time) {
			*r = v[k];
			found = true;
		}
	free(v);
	return found;
}

/* SPDX-License-Identifier: MIT */
/* Tests for filters/dates.c: Danish date/time expressions resolved in
 * Europe/Copenhagen, across the DST edges, and what is not a date. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filters/dates.h"
#include "lib/cphtime.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Reference instants, Copenhagen wall clock. */
enum ref {
	OCT26,		/* Mon 26 Oct 2026 08:47 +01:00, the day after DST ended */
	OCT14,		/* Wed 14 Oct 2026 16:27 +02:00 */
	OCT20,		/* Tue 20 Oct 2026 12:55 +02:00 */
	MAR30,		/* Mon 30 Mar 2026 09:00 +02:00, the day after DST began */
	MAR29,		/* Sun 29 Mar 2026 01:30 +01:00, before the switch */
	JAN10,		/* Sun 10 Jan 2027 10:00 +01:00 */
};

static int64_t
ref_of(enum ref r)
{
	static const int f[][5] = {
		{ 2026, 10, 26, 8, 47 }, { 2026, 10, 14, 16, 27 },
		{ 2026, 10, 20, 12, 55 }, { 2026, 3, 30, 9, 0 },
		{ 2026, 3, 29, 1, 30 }, { 2027, 1, 10, 10, 0 },
	};
	int64_t t;

	assert_true(cph_to_utc(f[r][0], f[r][1], f[r][2], f[r][3], f[r][4], &t));
	return t;
}

/*
 * Every match, space-separated: the ISO minute when a time was given, the
 * date alone ("2026-11-20") when only a day was; "" for none.
 */
static const struct {
	const char *text;
	enum ref ref;
	const char *want;
} CASES[] = {
	/* the DST edge of sample 06 */
	{ "I går kl. 14", OCT26, "2026-10-25T14:00+01:00" },
	{ "fredag den 23. oktober kl. 16.30", OCT26, "2026-10-23T16:30+02:00" },
	/* explicit forms */
	{ "20. november 2026 kl. 14.30", OCT26, "2026-11-20T14:30+01:00" },
	{ "20. nov. 2026", OCT26, "2026-11-20" },
	{ "20. november", OCT26, "2026-11-20" },
	{ "den 20.november", OCT26, "2026-11-20" },
	{ "d. 20/11", OCT26, "2026-11-20" },
	{ "20/11-2026 14:30", OCT26, "2026-11-20T14:30+01:00" },
	{ "20/11 2026", OCT26, "2026-11-20" },
	{ "20/11/2026", OCT26, "2026-11-20" },
	{ "20-11-2026", OCT26, "2026-11-20" },
	{ "20.11.2026", OCT26, "2026-11-20" },
	{ "20.11.26", OCT26, "2026-11-20" },
	{ "5.1.2026", OCT26, "2026-01-05" },
	{ "05.10.2026 kl. 15.20", OCT26, "2026-10-05T15:20+02:00" },
	{ "08-10-2026 ca. kl. 18", OCT26, "2026-10-08T18:00+02:00" },
	{ "09-10-2026 kl. 07:40", OCT26, "2026-10-09T07:40+02:00" },
	{ "2026-11-20 08:15", OCT26, "2026-11-20T08:15+01:00" },
	{ "2026-10-15 kl. 14:12", OCT26, "2026-10-15T14:12+02:00" },
	{ "2026-10-15T14:12", OCT26, "2026-10-15T14:12+02:00" },
	{ "2026-10-15T14:12:59Z", OCT26, "2026-10-15T14:12+02:00" },
	{ "12. oktober 2026 kl. 07:30 (da", OCT26, "2026-10-12T07:30+02:00" },
	{ "20.11.2026 14.30", OCT26, "2026-11-20T14:30+01:00" },
	{ "den 20. oktober 2026, kl. 13.45", OCT26, "2026-10-20T13:45+02:00" },
	{ "Dato: 05.10.2026\nTidspunkt: kl. 15.20", OCT26,
	  "2026-10-05T15:20+02:00" },
	{ "Oct 5, 2026", OCT26, "2026-10-05" },
	{ "October 5th 2026 at 14:00", OCT26, "2026-10-05T14:00+02:00" },
	{ "5 October 2026", OCT26, "2026-10-05" },
	{ "29. februar 2028", OCT26, "2028-02-29" },
	/* weekdays */
	{ "mandag den 19. oktober kl. 21.14", OCT26, "2026-10-19T21:14+02:00" },
	{ "man. d. 19/10 kl. 8", OCT26, "2026-10-19T08:00+02:00" },
	{ "mandag kl. 9", OCT26, "2026-10-26T09:00+01:00" },
	{ "i mandags", OCT26, "2026-10-19" },
	{ "sidste mandag", OCT26, "2026-10-19" },
	{ "i fredags kl. 12", OCT26, "2026-10-23T12:00+02:00" },
	{ "Søndag", OCT26, "2026-10-25" },
	{ "lørdag kl. 14", MAR30, "2026-03-28T14:00+01:00" },
	/* relative days */
	{ "i dag kl. 10.15", OCT26, "2026-10-26T10:15+01:00" },
	{ "I dag 14.30", OCT26, "2026-10-26T14:30+01:00" },
	{ "i går kl 9", OCT26, "2026-10-25T09:00+01:00" },
	{ "igår kl. 9", OCT26, "2026-10-25T09:00+01:00" },
	{ "i går ved 9-tiden", OCT26, "2026-10-25T09:00+01:00" },
	{ "i går ved ni-tiden", OCT26, "2026-10-25T09:00+01:00" },
	{ "i går omkring kl. 14", OCT26, "2026-10-25T14:00+01:00" },
	{ "i går, kl. 14", OCT26, "2026-10-25T14:00+01:00" },
	{ "i\ngår kl.\xc2\xa0" "14", OCT26, "2026-10-25T14:00+01:00" },
	{ "i forgårs", OCT26, "2026-10-24" },
	{ "i morges (kl. 7.30)", OCT26, "2026-10-26T07:30+01:00" },
	{ "i nat kl. 02.10", OCT26, "2026-10-26T02:10+01:00" },
	{ "i nat kl. 23.30", OCT26, "2026-10-25T23:30+01:00" },
	{ "i nat", OCT26, "2026-10-26" },
	{ "i aftes kl. 21", OCT26, "2026-10-25T21:00+01:00" },
	{ "i aftes kl. 9", OCT26, "2026-10-25T21:00+01:00" },
	{ "i går aftes", OCT26, "2026-10-25" },
	{ "i formiddags", OCT26, "2026-10-26" },
	{ "i eftermiddags kl. 3", OCT26, "2026-10-26T15:00+01:00" },
	{ "dags dato", OCT26, "2026-10-26" },
	/* time before date */
	{ "kl. 14 den 3/11", OCT26, "2026-11-03T14:00+01:00" },
	{ "Kl. 10.40 i dag", OCT26, "2026-10-26T10:40+01:00" },
	/* lone times */
	{ "klokken 14", OCT26, "2026-10-26T14:00+01:00" },
	{ "kl. 9.10", OCT26, "2026-10-26T09:10+01:00" },
	{ "kl. 09:05", OCT26, "2026-10-26T09:05+01:00" },
	{ "kl.9", OCT26, "2026-10-26T09:00+01:00" },
	{ "ca. kl. 18", OCT26, "2026-10-26T18:00+01:00" },
	{ "kl. ca. 18", OCT26, "2026-10-26T18:00+01:00" },
	{ "9-tiden", OCT26, "2026-10-26T09:00+01:00" },
	{ "kl. halv ti", OCT26, "2026-10-26T09:30+01:00" },
	{ "kl. 9 om aftenen", OCT26, "2026-10-26T21:00+01:00" },
	{ "14:30", OCT26, "2026-10-26T14:30+01:00" },
	{ "kl. 10.00-12.00", OCT26, "2026-10-26T10:00+01:00" },
	{ "Den 20. oktober 2026 blev fejlen opdaget, og kl. 13.45 blev "
	  "linket lukket.", OCT26, "2026-10-20 2026-10-20T13:45+02:00" },
	{ "Det skete 2. oktober 2026. Linket blev lukket kl. 10.20.", OCT26,
	  "2026-10-02 2026-10-26T10:20+01:00" },
	{ "Linket blev lukket kl. 10.20 den dag, hvor det skete, "
	  "altså 2. oktober.", OCT26, "2026-10-02T10:20+02:00 2026-10-02" },
	{ "Lukket kl. 10.20.\n\nDen 2. oktober", OCT26,
	  "2026-10-26T10:20+01:00 2026-10-02" },
	{ "3/4 af borgerne, men den 3/11 af en fejl", OCT26, "2026-11-03" },
	{ "Linket blev lukket kl. 10.20 og vi skrev 2. oktober.", OCT26,
	  "2026-10-02T10:20+02:00 2026-10-02" },
	/* the samples */
	{ "I går kl. 13.50 delte en kollega et skærmbillede. Jeg opdagede "
	  "opslaget i dag kl. 9.10 og fik det slettet kl. 9.25.", OCT14,
	  "2026-10-13T13:50+02:00 2026-10-14T09:10+02:00 "
	  "2026-10-14T09:25+02:00" },
	{ "Mailen blev sendt mandag den 19. \r\noktober kl. 21.14 via", OCT20,
	  "2026-10-19T21:14+02:00" },
	{ "aktivt siden 2. oktober 2026 kl. 13.12, og det", OCT20,
	  "2026-10-02T13:12+02:00" },
	/* year-less dates */
	{ "24. december", OCT26, "2026-12-24" },
	{ "30. december", OCT26, "2025-12-30" },
	{ "20/12", JAN10, "2026-12-20" },
	{ "5/1", JAN10, "2027-01-05" },
	/* March DST edge */
	{ "i går kl. 14", MAR30, "2026-03-29T14:00+02:00" },
	{ "i går kl. 1.30", MAR30, "2026-03-29T01:30+01:00" },
	{ "i går kl. 2.30", MAR30, "2026-03-29T03:30+02:00" },
	{ "i forgårs kl. 23.59", MAR30, "2026-03-28T23:59+01:00" },
	{ "i dag kl. 12", MAR29, "2026-03-29T12:00+02:00" },
	{ "i nat kl. 1", MAR29, "2026-03-29T01:00+01:00" },
	{ "29.03.2026 kl. 03.00", MAR29, "2026-03-29T03:00+02:00" },
	{ "tirsdag d. 13.10.2026 ca. kl. 14:30", OCT26,
	  "2026-10-13T14:30+02:00" },
	{ "d. 13.10 kl. 14", OCT26, "2026-10-13T14:00+02:00" },
	{ "den 13-10 kl. 14", OCT26, "2026-10-13T14:00+02:00" },
	{ "fredag den 6. november.", OCT26, "2026-11-06" },
	{ "Dato: 12.10.2026 Tidspunkt: 14.30", OCT26,
	  "2026-10-12T14:30+02:00" },
	{ "Dato: 13.10 kl. 14", OCT26, "2026-10-13T14:00+02:00" },
	{ "Tidspunkt: 14.30", OCT26, "2026-10-26T14:30+01:00" },
	{ "søndag aften kl. 22", OCT26, "2026-10-25T22:00+01:00" },
	{ "ved 14-tiden i går", OCT26, "2026-10-25T14:00+01:00" },
	{ "ca. kl. 9.30 i morges", OCT26, "2026-10-26T09:30+01:00" },
	{ "natten til søndag kl. 2", OCT26, "2026-10-25T02:00+02:00" },
	{ "for to dage siden", OCT26, "2026-10-24" },
	{ "for 3 uger siden kl. 8", OCT26, "2026-10-05T08:00+02:00" },
	{ "Sent: Tuesday, October 13, 2026 1:21 PM", OCT26,
	  "2026-10-13T13:21+02:00" },
	{ "Sendt: 13. oktober 2026 13:21", OCT26, "2026-10-13T13:21+02:00" },
	{ "2026/10/15 14:12", OCT26, "2026-10-15T14:12+02:00" },
	{ "2026-10/15", OCT26, "" },
	{ "20.10.2026, 14.30", OCT26, "2026-10-20T14:30+02:00" },
	{ "i går, 14.30", OCT26, "2026-10-25T14:30+01:00" },
	{ "20. oktober 2026 - kl. 14", OCT26, "2026-10-20T14:00+02:00" },
	{ "Sendt: tirsdag den 13. oktober 2026 13:21", OCT26,
	  "2026-10-13T13:21+02:00" },
	{ "Den tir. 13. okt. 2026 kl. 13.21 skrev Hans <h@x.dk>:", OCT26,
	  "2026-10-13T13:21+02:00" },
	{ "On Tue, Oct 13, 2026 at 1:21 PM Hans wrote:", OCT26,
	  "2026-10-13T13:21+02:00" },
	{ "fra kl. 8 til kl. 16 i går", OCT26,
	  "2026-10-25T08:00+01:00 2026-10-25T16:00+01:00" },
	{ "Bruddet skete den 12. oktober. Dagen efter kl. 9 opdagede vi det.",
	  OCT26, "2026-10-12 2026-10-13T09:00+02:00" },
	{ "i går kl. 14 og samme aften kl. 9", OCT26,
	  "2026-10-25T14:00+01:00 2026-10-25T21:00+01:00" },
	{ "kl. 8 dagen før", OCT26, "2026-10-26T08:00+01:00" },
	{ "Den 3/11 kl. 14. Dagen før kl. 8.", OCT26,
	  "2026-11-03T14:00+01:00 2026-11-02T08:00+01:00" },
	{ "samme dag", OCT26, "" },
	{ "i går ca. 14.30", OCT26, "2026-10-25T14:30+01:00" },
	{ "den 13. ds. kl. 9", OCT26, "2026-10-13T09:00+02:00" },
	{ "d. 13. dennes", OCT26, "2026-10-13" },
	{ "Vi lukkede kl. 10, og mødet er 3. november.", OCT26,
	  "2026-10-26T10:00+01:00 2026-11-03" },
	/* invalid dates */
	{ "31. februar", OCT26, "" },
	{ "31. februar kl. 14", OCT26, "" },
	{ "kl. 14 den 31/2", OCT26, "" },
	{ "31.02.2026", OCT26, "" },
	{ "29/2", OCT26, "" },
	{ "31/4", OCT26, "" },
	{ "32.10.2026", OCT26, "" },
	{ "kl. 24", OCT26, "" },
	{ "kl. 14.75", OCT26, "" },
	/* not dates */
	{ "release 4.12", OCT26, "" },
	{ "version 4.12.26", OCT26, "" },
	{ "1.284 borgere", OCT26, "" },
	{ "18.500 kr", OCT26, "" },
	{ "Tlf. 12 34 56 78", OCT26, "" },
	{ "CPR 030478-1234 og 0304781234", OCT26, "" },
	{ "IP 10.20.30.40 og 192.0.2.1 og 10.1.2.3", OCT26, "" },
	{ "24/7 support", OCT26, "" },
	{ "1/2 time", OCT26, "" },
	{ "14.30", OCT26, "" },
	{ "fra 08.00 til 16.00", OCT26, "" },
	{ "for to timer siden", OCT26, "" },
	{ "10.00-12.00", OCT26, "" },
	{ "man kan se det", OCT26, "" },
	{ "Åbent mandag-fredag", OCT26, "" },
	{ "man. - fre. og lørdag til søndag", OCT26, "" },
	{ "Telefontid: mandag–fredag kl. 8-15", OCT26,
	  "2026-10-26T08:00+01:00" },
	{ "BV-2026-0003", OCT26, "" },
	{ "INC0048213", OCT26, "" },
	{ "ca. 230 borgere i 30 dage", OCT26, "" },
	{ "Marts", OCT26, "" },
	{ "", OCT26, "" },
	/* what the word-start filter must let through: a phrase whose first
	 * word ends in punctuation, a past word before NBSP, capitals, a
	 * genitive, an anchor of three words, an hour word before "tiden" */
	{ "d.d. kl. 9", OCT26, "2026-10-26T09:00+01:00" },
	{ "i\xc2\xa0mandags", OCT26, "2026-10-19" },
	{ "I MANDAGS KL. 8", OCT26, "2026-10-19T08:00+02:00" },
	{ "forrige fredag", OCT26, "2026-10-23" },
	{ "den 12. oktober. Den følgende dag kl. 9", OCT26,
	  "2026-10-12 2026-10-13T09:00+02:00" },
	{ "Yesterday at 14:00", OCT26, "2026-10-25T14:00+01:00" },
	{ "omkring elleve-tiden", OCT26, "2026-10-26T11:00+01:00" },
	{ "ni timer og ti minutter", OCT26, "" },
	{ "ikke informeret i sagen, der", OCT26, "" },
};

static void
render(const struct date_match *m, char *out, size_t cap)
{
	char iso[CPH_ISO_MAX];

	cph_iso_minute(m->t, iso);
	if (!m->has_time)
		iso[10] = '\0';
	snprintf(out, cap, "%s", iso);
}

static void
test_find(void **state)
{
	char got[512], one[CPH_ISO_MAX];
	struct date_match *m;
	size_t i, k, n;
	int bad = 0;

	(void)state;
	for (i = 0; i < N(CASES); i++) {
		const char *t = CASES[i].text;

		n = dates_find(t, strlen(t), ref_of(CASES[i].ref), &m);
		got[0] = '\0';
		for (k = 0; k < n; k++) {
			assert_true(m[k].start < m[k].end && m[k].end <= strlen(t));
			if (k > 0) {
				strcat(got, " ");
				assert_true(m[k].start >= m[k - 1].end);
			}
			render(&m[k], one, sizeof(one));
			strcat(got, one);
		}
		free(m);
		if (strcmp(got, CASES[i].want) != 0) {
			print_error("dates_find(\"%s\") = \"%s\", want \"%s\"\n",
				    t, got, CASES[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_spans(void **state)
{
	static const struct { const char *text, *span; bool has_date; } cases[] = {
		{ "Bruddet skete i går kl. 14 på rådhuset", "i går kl. 14", true },
		{ "sendt fredag den 23. oktober kl. 16.30.",
		  "fredag den 23. oktober kl. 16.30", true },
		{ "opdaget kl. 14 den 3/11 af", "kl. 14 den 3/11", true },
		{ "lukket kl. 9.25.", "kl. 9.25", false },
		{ "i mandags blev", "i mandags", true },
	};
	struct date_match *m;
	size_t i, n;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		const char *t = cases[i].text;

		n = dates_find(t, strlen(t), ref_of(OCT26), &m);
		assert_int_equal(n, 1);
		if (m[0].end - m[0].start != strlen(cases[i].span) ||
		    memcmp(t + m[0].start, cases[i].span, strlen(cases[i].span)))
			fail_msg("span of \"%s\": \"%.*s\"", t,
				 (int)(m[0].end - m[0].start), t + m[0].start);
		assert_int_equal(m[0].has_date, cases[i].has_date);
		free(m);
	}
}

static void
test_first(void **state)
{
	static const char t[] = "Mødet 20.11.2026 og i går kl. 14 og kl. 15";
	struct date_match m;
	char iso[CPH_ISO_MAX];

	(void)state;
	assert_true(dates_first(t, strlen(t), ref_of(OCT26), &m));
	cph_iso_minute(m.t, iso);
	assert_string_equal(iso, "2026-10-25T14:00+01:00");
	assert_true(m.has_time && m.has_date);
	assert_false(dates_first("20.11.2026", 10, ref_of(OCT26), &m));
	assert_false(dates_first("", 0, ref_of(OCT26), &m));
}

static void
test_truncated(void **state)
{
	/* len ends inside an expression; nothing past it may be read */
	static const char t[] = "2026-10-15T14:12";
	struct date_match *m;
	size_t k, n;

	(void)state;
	for (k = 0; k <= strlen(t); k++) {
		char *copy = malloc(k ? k : 1);

		memcpy(copy, t, k);
		n = dates_find(copy, k, ref_of(OCT26), &m);
		assert_true(n <= 1);
		free(m);
		free(copy);
	}
}

/* Random strings over the bytes dates care about: no crash, spans in
 * bounds and in order (run under ASan+UBSan by make check). */
static void
test_random(void **state)
{
	static const char *const parts[] = {
		"0", "1", "2", "9", "3", ".", "-", "/", ":", " ", "\n", ",",
		"kl. ", "kl", "i går", "i ", "mandag", "den ", "d. ", "okt",
		"oktober", "2026", "-tiden", "halv ", "ni", "T", "\xc2\xa0",
		"\xc3", "for ", " dage siden", "I", "(", "om aftenen", "s",
	};
	char text[96];
	struct date_match *m;
	uint32_t x = 2463534242u;
	size_t it, k, n, len;

	(void)state;
	for (it = 0; it < 20000; it++) {
		len = 0;
		for (k = 0; k < 12; k++) {
			const char *p;
			size_t pl;

			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			p = parts[x % N(parts)];
			pl = strlen(p);
			if (len + pl >= sizeof(text))
				break;
			memcpy(text + len, p, pl);
			len += pl;
		}
		n = dates_find(text, len, ref_of(OCT26), &m);
		for (k = 0; k < n; k++) {
			assert_true(m[k].start < m[k].end && m[k].end <= len);
			assert_true(k == 0 || m[k].start >= m[k - 1].end);
		}
		free(m);
	}
}

/* Many lone times: each looks only within its sentence window, so this
 * stays linear (it took 26 s per MB before). */
static void
test_many_times(void **state)
{
	enum { REPS = 40000 };
	static const char unit[] = "kl. 9 ";
	size_t ul = sizeof(unit) - 1, k, n;
	char *text = malloc(REPS * ul);
	struct date_match *m;

	(void)state;
	for (k = 0; k < REPS; k++)
		memcpy(text + k * ul, unit, ul);
	n = dates_find(text, REPS * ul, ref_of(OCT26), &m);
	assert_int_equal(n, REPS);
	free(m);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_first),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_many_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * cphtime.h — Copenhagen wall-clock time, without touching TZ.
 *
 * brudvagt keeps UTC inside and shows Europe/Copenhagen everywhere a person
 * reads a time. Denmark follows the EU rule since 1996: CET (+01:00), and
 * CEST (+02:00) from the last Sunday of March 01:00 UTC to the last Sunday
 * of October 01:00 UTC. Computing it here keeps the filters pure (no
 * setenv("TZ"), no locale) and testable at the DST edges.
 */
#ifndef BV_CPHTIME_H
#define BV_CPHTIME_H

#include <stdbool.h>
#include <stdint.h>

struct cph_tm {
	int year, mon, day;	/* mon 1..12, day 1..31 */
	int hour, min, sec;
	int wday;		/* 0 = Sunday */
	int offset;		/* seconds east of UTC: 3600 or 7200 */
};

/* Seconds east of UTC in Copenhagen at instant t (UTC seconds). */
int cph_offset_at(int64_t t);

/* Break instant t into Copenhagen wall-clock fields. */
void cph_from_utc(int64_t t, struct cph_tm *r);

/*
 * The instant of a Copenhagen wall-clock time. Ambiguous times (the hour
 * repeated when summer time ends) resolve to the first, summer-time one;
 * nonexistent times (the hour skipped in March) are read as winter time,
 * i.e. one hour later on the wall clock. Returns false for a field out of
 * range (e.g. 31 February).
 */
bool cph_to_utc(int year, int mon, int day, int hour, int min, int64_t *r);

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t cph_days_from_civil(int year, int mon, int day);
/* Days in month mon (1..12) of year. */
int cph_days_in_month(int year, int mon);

/* "2026-10-23T16:30+02:00" (minute precision) into out[CPH_ISO_MAX]. */
#define CPH_ISO_MAX 32
void cph_iso_minute(int64_t t, char out[CPH_ISO_MAX]);
/* "23.10.2026 kl. 16.30" — how a Danish reader writes it. */
void cph_danish(int64_t t, char out[CPH_ISO_MAX]);

#endif

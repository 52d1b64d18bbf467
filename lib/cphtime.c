/* SPDX-License-Identifier: MIT */
/*
 * cphtime.c — Europe/Copenhagen time arithmetic (EU summer-time rule).
 * Pure functions; any module may call them.
 */
#include <stdio.h>

#include "lib/cphtime.h"

int64_t
cph_days_from_civil(int y, int m, int d)
{
	/* Howard Hinnant's days_from_civil. */
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int
cph_days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (m < 1 || m > 12)
		return 0;
	return m == 2 && leap ? 29 : dim[m - 1];
}

/* UTC instant of 01:00 UTC on the last Sunday of month m of year y. */
static int64_t
last_sunday_0100(int y, int m)
{
	int64_t days = cph_days_from_civil(y, m, cph_days_in_month(y, m));
	int wday = (int)((days % 7 + 11) % 7);	/* 1970-01-01 was Thursday */

	return (days - wday) * 86400 + 3600;
}

int
cph_offset_at(int64_t t)
{
	int y, m, d;

	civil_from_days(t >= 0 ? t / 86400 : (t - 86399) / 86400, &y, &m, &d);
	if (t >= last_sunday_0100(y, 3) && t < last_sunday_0100(y, 10))
		return 7200;
	return 3600;
}

void
cph_from_utc(int64_t t, struct cph_tm *r)
{
	int off = cph_offset_at(t);
	int64_t l = t + off;
	int64_t days = l >= 0 ? l / 86400 : (l - 86399) / 86400;
	int64_t secs = l - days * 86400;

	civil_from_days(days, &r->year, &r->mon, &r->day);
	r->hour = (int)(secs / 3600);
	r->min = (int)(secs / 60 % 60);
	r->sec = (int)(secs % 60);
	r->wday = (int)((days % 7 + 11) % 7);
	r->offset = off;
}

bool
cph_to_utc(int year, int mon, int day, int hour, int min, int64_t *r)
{
	int64_t local;

	if (mon < 1 || mon > 12 || day < 1 || day > cph_days_in_month(year, mon)
	    || hour < 0 || hour > 23 || min < 0 || min > 59)
		return false;
	local = cph_days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60;
	/* Summer time first: ambiguous times take the earlier instant. */
	if (cph_offset_at(local - 7200) == 7200) {
		*r = local - 7200;
		return true;
	}
	*r = local - 3600;
	return true;
}

void
cph_iso_minute(int64_t t, char out[CPH_ISO_MAX])
{
	struct cph_tm tm;

	cph_from_utc(t, &tm);
	snprintf(out, CPH_ISO_MAX, "%04d-%02d-%02dT%02d:%02d+%02d:00",
		 tm.year, tm.mon, tm.day, tm.hour, tm.min, tm.offset / 3600);
}

void
cph_danish(int64_t t, char out[CPH_ISO_MAX])
{
	struct cph_tm tm;

	cph_from_utc(t, &tm);
	snprintf(out, CPH_ISO_MAX, "%02d.%02d.%04d kl. %02d.%02d",
		 tm.day, tm.mon, tm.year, tm.hour, tm.min);
}

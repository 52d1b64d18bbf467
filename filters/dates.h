/* SPDX-License-Identifier: MIT */
/*
 * dates.h — Danish date and time expressions in free text.
 *
 * Finds what people write: "20. november 2026 kl. 14.30", "20/11-2026 14:30",
 * "2026-11-20 08:15", "05.10.2026 kl. 15.20", "08-10-2026 ca. kl. 18",
 * "mandag den 19. oktober kl. 21.14", "i går ved 9-tiden", "i dag kl. 10.15",
 * "i går kl 9", "i forgårs", "i morges", "i aftes kl. 21", "kl. 14 den 3/11".
 * Relative words and dates without a year are resolved against ref (the
 * Date header) in Europe/Copenhagen; a year-less date later than ref by more
 * than 60 days means the year before. Times are Copenhagen wall clock,
 * converted with lib/cphtime.h. "mandag" is the latest Monday on or
 * before ref's day, "i mandags" the latest strictly before; "i nat kl. H"
 * is ref's day for H < 12, else the day before; "i aftes" is yesterday
 * and, like "om aftenen", reads an hour below 12 as p.m. An invalid date
 * (31. februar) is no match. "dagen efter", "samme dag" count from the
 * previous dated match; "den 13. ds." is in ref's month. Pure functions,
 * no I/O.
 */
#ifndef BV_DATES_H
#define BV_DATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct date_match {
	size_t start, end;	/* byte span in the text, end exclusive */
	int64_t t;		/* UTC instant; when !has_time, 00:00 local */
	bool has_date;		/* a day was stated (explicitly or relatively) */
	bool has_time;		/* a clock time was stated */
};

/*
 * Every date/time expression in text[0..len), in order; a date and a time
 * that belong together ("i går kl. 14", "kl. 9 den 3/11") are one match;
 * a lone time ("kl. 9.10") takes the date of ref. *r is owned by the caller
 * (free()); returns the number of matches.
 */
size_t dates_find(const char *text, size_t len, int64_t ref,
		  struct date_match **r);

/* The first match in text with has_time, as dates_find would give it.
 * Returns false when there is none. */
bool dates_first(const char *text, size_t len, int64_t ref,
		 struct date_match *r);

#endif

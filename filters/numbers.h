/* SPDX-License-Identifier: MIT */
/*
 * numbers.h — Danish numbers as people write them: "1.250", "18.500",
 * "1 250", "57", "tre", "en", "et", "fire", "tolv", "tyve", "hundrede",
 * "to hundrede", "halvtreds". Pure functions.
 */
#ifndef BV_NUMBERS_H
#define BV_NUMBERS_H

#include <stdbool.h>
#include <stddef.h>

struct number_match {
	size_t start, end;	/* byte span, end exclusive */
	long value;
	bool is_word;		/* written in letters */
};

/*
 * Read a number starting exactly at text[i] (digits, with '.' or a single
 * space as thousands separator only in groups of three, or a Danish number
 * word on a word boundary). Returns true and fills r; false if none.
 * A decimal ("2,5") or a clock time ("14.30", "kl. 14", "9-tiden"), a
 * date ("05.10.2026", "20/11") or a version ("4.12") is not a count:
 * false. Neither is the article in "en del", "et par", "en halv". A
 * word number before "-tiden" ("ni-tiden") is read, for the date parser.
 */
bool number_at(const char *text, size_t len, size_t i, struct number_match *r);

/* Every number in text in order (owned array, free()); returns count. */
size_t numbers_find(const char *text, size_t len, struct number_match **r);

#endif

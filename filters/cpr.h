/* SPDX-License-Identifier: MIT */
/*
 * cpr.h — find, count and redact Danish CPR numbers in UTF-8 text.
 *
 * A CPR number is DDMMYY-SSSS, written with a dash, one space or nothing
 * between the date and the serial, whose first six digits are a valid date
 * (the century follows from the 7th digit, as the CPR office defines it).
 * No modulus-11 check: numbers issued since 2007 fail it. Digits that are
 * part of a longer number (IP addresses, phone numbers in groups, order
 * numbers, amounts) do not count; a bare ten-digit number right after a
 * label that names something else (ordre, faktura, sag, konto, tlf, EAN,
 * CVR, ...) does not count. Pure functions, no I/O.
 */
#ifndef BV_CPR_H
#define BV_CPR_H

#include <stdbool.h>
#include <stddef.h>

#define CPR_REDACTED "[CPR fjernet]"

struct cpr_match {
	size_t start;		/* byte offset of the first digit */
	size_t len;		/* bytes up to and including the last digit */
	char digits[11];	/* the ten digits, NUL-terminated */
};

/* Is DDMMYY + serial (ten ASCII digits) a CPR date? */
bool cpr_valid_date(const char digits[10]);

/* Every CPR number in text[0..len), in order. *r is owned by the caller
 * (free()); returns the number of matches (0: *r = NULL). */
size_t cpr_find(const char *text, size_t len, struct cpr_match **r);

/* How many distinct CPR numbers text holds. */
int cpr_count_distinct(const char *text, size_t len);

/* A copy of text with every CPR number replaced by CPR_REDACTED
 * (owned, NUL-terminated, never NULL). */
char *cpr_redact(const char *text, size_t len);

#endif

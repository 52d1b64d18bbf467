/* SPDX-License-Identifier: MIT */
/*
 * cpr.c — find, count and redact Danish CPR numbers in decoded UTF-8 text.
 *
 * A candidate is six digits (DDMMYY), then '-', U+2010/U+2011/U+2013, one
 * space, NBSP or nothing, then four digits, standing alone: no digit, no
 * letter, no "+", and no '.', ',', '/', ':' or '-' joined to a further digit
 * on either side (IP addresses, amounts, phone numbers, dates, order
 * numbers). The date must exist in the century the 7th digit gives. A
 * number written without a dash that follows, on the same line and within
 * CPR_LABEL_WINDOW bytes, a label naming something else (LABELS_OTHER),
 * with nothing but punctuation and LABEL_FILLERS between, is that thing;
 * a CPR label (LABELS_CPR) standing nearer wins. Owns
 * nothing; any filter may call it.
 */
#include <stdlib.h>
#include <string.h>

#include "filters/cpr.h"
#include "filters/text.h"
#include "lib/buf.h"
#include "lib/cphtime.h"
#include "lib/xalloc.h"

#define CPR_LABEL_WINDOW 25
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Labels that make a bare ten-digit number something other than a CPR
 * number when it follows directly (only LABEL_FILLERS between). Tokens
 * as split by label_token(): letters and digits, joined by inner '-' or
 * '.'; a token counts if it or one of its parts is listed. */
static const char *const LABELS_OTHER[] = {
	"ordre", "ordrenr", "ordre-nr", "ordrenummer", "ordre.nr", "order",
	"faktura", "fakturanr", "faktura-nr", "fakturanummer", "invoice",
	"sag", "sagsnr", "sags-nr", "sagsnummer", "sagsid", "sags-id",
	"journal", "journalnr", "journal-nr", "journalnummer", "j.nr", "jnr",
	"j.nr.", "konto", "kontonr", "konto-nr", "kontonummer", "reg.nr",
	"regnr", "account", "reference", "referencenr", "referencenummer",
	"ref", "ref.nr", "refnr", "bestilling", "bestillingsnr",
	"bestillingsnummer", "ticket", "ticketnr", "incident", "inc", "tlf",
	"tlf.nr", "tlfnr", "telefon", "telefonnr", "telefonnummer", "phone",
	"mobil", "mobilnr", "mobilnummer", "fax", "ean", "ean-nr", "eannr",
	"ean-nummer", "cvr", "cvr-nr", "cvrnr", "cvr-nummer", "p-nr", "pnr",
	"p-nummer", "kundenr", "kunde-nr", "kundenummer", "kunde", "varenr",
	"serienr", "serienummer", "bilag", "bilagsnr", "transaktion",
	"transaktionsnr", "transaktions-id", "policenr", "police", "id",
	"medarbejdernr", "lønnr", "løbenr", "dokumentnr", "dok.nr",
	"pin", "kode", "kontrakt", "kontraktnr", "sags", "ordre-id",
	"lønnummer", "medarbejdernummer", "medarbejder", "kvittering",
	"kvitteringsnr", "booking", "bookingnr", "pakke", "pakkenr",
	"forsendelse", "track", "tracking", "serie", "løbenummer", "nummerplade",
	"abonnement", "abonnementsnr", "aftale", "aftalenr", "police",
	"policenummer", "skadesnr", "skadenummer", "betalingsid", "betaling",
	"regning", "fakturaid", "mobilepay", "iban", "swift", "ip",
};

/* Words that may stand between a label and its number: "Ordre nr. er". */
static const char *const LABEL_FILLERS[] = {
	"nr", "nummer", "nummeret", "numre", "no", "number", "num", "id",
	"er", "var", "is", "lyder", "på", "#",
};

/* Token prefixes that name a CPR number. */
static const char *const LABELS_CPR[] = {
	"cpr", "personnr", "personnum", "person-nr", "personal-nr",
	"fødselsnr", "fødselsnum", "personal",
};

bool
cpr_valid_date(const char digits[10])
{
	int d, m, yy, c7, year;
	int i;

	for (i = 0; i < 10; i++)
		if (digits[i] < '0' || digits[i] > '9')
			return false;
	d = (digits[0] - '0') * 10 + digits[1] - '0';
	m = (digits[2] - '0') * 10 + digits[3] - '0';
	yy = (digits[4] - '0') * 10 + digits[5] - '0';
	c7 = digits[6] - '0';
	if (c7 <= 3)
		year = 1900 + yy;
	else if (c7 == 4 || c7 == 9)
		year = (yy <= 36 ? 2000 : 1900) + yy;
	else
		year = (yy <= 57 ? 2000 : 1800) + yy;
	return m >= 1 && m <= 12 && d >= 1 && d <= cph_days_in_month(year, m);
}

static bool
is_digit(const char *s, size_t len, size_t i)
{
	return i < len && s[i] >= '0' && s[i] <= '9';
}

static bool
is_ascii_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_joiner(char c)
{
	return c == '.' || c == ',' || c == '/' || c == ':' || c == '-';
}

/* Does nothing that belongs to a longer number or identifier touch the
 * candidate text[start..end)? */
static bool
stands_alone(const char *s, size_t len, size_t start, size_t end)
{
	if (start > 0) {
		char p = s[start - 1];

		if (is_digit(s, len, start - 1) || is_ascii_alpha(p) || p == '+')
			return false;
		if (start > 1 && is_joiner(p) && is_digit(s, len, start - 2))
			return false;
		/* "+45 0304781234" */
		if (start >= 4 && memcmp(s + start - 4, "+45", 3) == 0)
			return false;
	}
	if (end < len) {
		char n = s[end];

		if (is_digit(s, len, end) || is_ascii_alpha(n))
			return false;
		if (is_joiner(n) && is_digit(s, len, end + 1))
			return false;
	}
	return true;
}

/* Width of the separator at s[i]: 0 for none (a digit follows), 1 or more
 * for a dash, space or NBSP; -1 for anything else. */
static int
separator_at(const char *s, size_t len, size_t i)
{
	static const char *const seps[] = {
		"-", " ", "\xc2\xa0", "\xe2\x80\x90", "\xe2\x80\x91", "\xe2\x80\x93",
	};
	size_t k;

	if (is_digit(s, len, i))
		return 0;
	for (k = 0; k < sizeof(seps) / sizeof(seps[0]); k++) {
		size_t n = strlen(seps[k]);

		if (i + n <= len && memcmp(s + i, seps[k], n) == 0)
			return (int)n;
	}
	return -1;
}

static bool
in_list(const char *tok, size_t n, const char *const *list, size_t count,
	bool prefix)
{
	size_t k;

	for (k = 0; k < count; k++) {
		size_t w = strlen(list[k]);

		if ((prefix ? n >= w : n == w) && memcmp(tok, list[k], w) == 0)
			return true;
	}
	return false;
}

/* Length of the label token at lower[i]: word bytes, with an inner '-' or
 * '.' between word bytes. */
static size_t
label_token(const char *lower, size_t len, size_t i)
{
	size_t j = i;

	while (j < len) {
		if (text_is_word_byte(lower, len, j))
			j++;
		else if ((lower[j] == '-' || lower[j] == '.') && j > i &&
			 text_is_word_byte(lower, len, j + 1))
			j++;
		else
			break;
	}
	return j - i;
}

/* 1 if token tok[0..n) or one of its '-'/'.' parts names a CPR number,
 * -1 if it names something else ("ordre-id", "tlf.nr"), else 0. */
static int
label_kind(const char *tok, size_t n)
{
	size_t a, b;
	int kind = 0;

	if (in_list(tok, n, LABELS_OTHER, NELEM(LABELS_OTHER), false))
		kind = -1;
	for (a = 0; a < n; a = b + 1) {
		for (b = a; b < n && tok[b] != '-' && tok[b] != '.'; b++)
			;
		if (in_list(tok + a, b - a, LABELS_CPR, NELEM(LABELS_CPR), true))
			return 1;
		if (in_list(tok + a, b - a, LABELS_OTHER, NELEM(LABELS_OTHER), false))
			kind = -1;
	}
	return kind;
}

/* Is the bare number at start labelled as something other than a CPR
 * number? The nearest label within the window decides. */
static bool
labelled_other(const char *lower, size_t len, size_t start)
{
	size_t from = start > CPR_LABEL_WINDOW ? start - CPR_LABEL_WINDOW : 0;
	size_t i, n;
	int verdict = 0;	/* 0 none, 1 CPR, -1 other */
	bool direct = false;	/* only fillers since that label */

	for (i = start; i > from && lower[i - 1] != '\n'; i--)
		;
	from = i;
	while (from > 0 && text_is_word_byte(lower, len, from - 1) &&
	       lower[from - 1] != '\n')
		from--;
	for (i = from; i < start; i += n ? n : 1) {
		n = text_is_word_byte(lower, len, i) ? label_token(lower, start, i) : 0;
		if (n == 0)
			continue;
		if (label_kind(lower + i, n) != 0) {
			verdict = label_kind(lower + i, n);
			direct = true;
		} else if (!in_list(lower + i, n, LABEL_FILLERS,
				    NELEM(LABEL_FILLERS), false)) {
			direct = false;
		}
	}
	return verdict < 0 && direct;
}

/* The text cpr_find() scans, with its lowercased copy made on demand. */
struct cpr_scan {
	const char *text;
	size_t len;
	char *lower;		/* text_lower(text), or NULL until needed */
};

/* The lowercased text. Only a bare number's label check reads it, and
 * most texts hold none: making it on first use spares a copy of the
 * whole text per call. */
static const char *
scan_lower(struct cpr_scan *sc)
{
	if (sc->lower == NULL)
		sc->lower = text_lower(sc->text, sc->len);
	return sc->lower;
}

/* A CPR number starting at text[i]? Fills r. */
static bool
match_at(struct cpr_scan *sc, size_t i, struct cpr_match *r)
{
	const char *s = sc->text;
	size_t len = sc->len, k, j;
	bool dashed;
	int sep;

	for (k = 0; k < 6; k++)
		if (!is_digit(s, len, i + k))
			return false;
	sep = separator_at(s, len, i + 6);
	if (sep < 0)
		return false;
	j = i + 6 + (size_t)sep;
	dashed = s[i + 6] == '-' || sep == 3;
	for (k = 0; k < 4; k++)
		if (!is_digit(s, len, j + k))
			return false;
	if (!stands_alone(s, len, i, j + 4))
		return false;
	memcpy(r->digits, s + i, 6);
	memcpy(r->digits + 6, s + j, 4);
	r->digits[10] = '\0';
	if (!cpr_valid_date(r->digits))
		return false;
	/* "12 030478 1234": a group in a run of groups. */
	if (sep > 0 && !dashed && i >= 2 && s[i - 1] == ' ' &&
	    is_digit(s, len, i - 2))
		return false;
	if (!dashed && labelled_other(scan_lower(sc), len, i))
		return false;
	r->start = i;
	r->len = j + 4 - i;
	return true;
}

/* The offset of the first ASCII digit in s[i..len), or len. */
static size_t
next_digit(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] < '0' || s[i] > '9'))
		i++;
	return i;
}

size_t
cpr_find(const char *text, size_t len, struct cpr_match **r)
{
	struct cpr_scan sc = { .text = text, .len = len };
	struct cpr_match m, *v = NULL;
	size_t n = 0, cap = 0, i = 0;

	/* Candidates start at a digit that does not follow one. Past a
	 * match or a run of digits the next byte is no digit, so the scan
	 * only has to look for the next digit. */
	while ((i = next_digit(text, len, i)) < len) {
		if (i > 0 && is_digit(text, len, i - 1)) {
			i++;
			continue;
		}
		if (match_at(&sc, i, &m)) {
			if (n == cap) {
				cap = cap ? cap * 2 : 4;
				v = xreallocarray(v, cap, sizeof(*v));
			}
			v[n++] = m;
			i += m.len;
		} else {
			while (is_digit(text, len, i))
				i++;
		}
	}
	free(sc.lower);
	*r = v;
	return n;
}

static int
cmp_digits(const void *a, const void *b)
{
	return strcmp(((const struct cpr_match *)a)->digits,
		      ((const struct cpr_match *)b)->digits);
}

int
cpr_count_distinct(const char *text, size_t len)
{
	struct cpr_match *v;
	size_t n = cpr_find(text, len, &v), i;
	int distinct = 0;

	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_digits);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(v[i].digits, v[i - 1].digits) != 0)
			distinct++;
	free(v);
	return distinct;
}

char *
cpr_redact(const char *text, size_t len)
{
	struct cpr_match *v;
	size_t n = cpr_find(text, len, &v), i, at = 0;
	struct buf b = { 0 };

	for (i = 0; i < n; i++) {
		buf_append(&b, text + at, v[i].start - at);
		buf_puts(&b, CPR_REDACTED);
		at = v[i].start + v[i].len;
	}
	buf_append(&b, text + at, len - at);
	free(v);
	return buf_steal(&b);
}

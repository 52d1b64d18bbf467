/* SPDX-License-Identifier: MIT */
/*
 * register.h — the breach register (fortegnelse) of `brudvagtctl export`.
 *
 * One row per case and affected municipality (each municipality is a data
 * controller and keeps its own register). A case naming no municipality
 * still gets one row, its Kommune "alle kommuner" when it affects all and
 * empty otherwise, so no case is left out. CSV for a Danish Excel (UTF-8
 * with BOM, ';', CRLF, RFC 4180 quoting, Danish column names and words,
 * dates "05-10-2026 15:20" in Copenhagen, formula injection defused) or
 * JSON with English keys and ISO 8601 times. Pure functions, no I/O.
 */
#ifndef BV_REGISTER_H
#define BV_REGISTER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lib/buf.h"
#include "spool/store.h"

/* One row: borrowed pointers into the cases it was made from. */
struct register_row {
	const struct store_case *c;
	const char *municipality;		/* "" when none */
	enum store_tristate reported;	/* Anmeldt til Datatilsynet */
};

/*
 * The rows of cases v[0..n) created at or after since (UTC; 0: every
 * case), in case order. Anmeldt til Datatilsynet per row: the
 * municipality's own recorded decision, else the case's
 * reported_to_authority when it is the reporting municipality, else
 * unknown. *r is a new array (owned: free); returns the count.
 */
size_t register_rows(const struct store_case *v, size_t n, int64_t since,
		     struct register_row **r);

/* The CSV: BOM, the header row and every row, each ending CRLF. */
void register_csv(const struct register_row *rows, size_t n, struct buf *out);

/* One CSV field (after CPR redaction and the formula guard: a field that
 * starts with = + - @ TAB or CR gets a leading apostrophe), quoted when it
 * holds ; " CR or LF, with quotes doubled. */
void register_csv_field(const char *field, struct buf *out);

/* The same rows as a JSON array of objects (owned: json_decref). */
json_t *register_json(const struct register_row *rows, size_t n);

#endif

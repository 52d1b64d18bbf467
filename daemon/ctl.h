/* SPDX-License-Identifier: MIT */
/*
 * ctl.h — brudvagtctl's commands. Each takes the loaded settings and its
 * own arguments (argv[0] is the command name) and returns a sysexits code.
 *
 * Below the commands: the views of a case they share (ctl_case.c) and the
 * text and JSON they print (ctl_cases.c, ctl_show.c), as plain functions of
 * a struct store_case, the settings and the time "now", so tests can check
 * them without a main. Times are UTC seconds inside and Europe/Copenhagen
 * in everything printed. Free text from the store is printed only after a
 * second pass of CPR redaction (the store holds redacted text already).
 */
#ifndef BV_CTL_H
#define BV_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "conf/settings.h"
#include "lib/buf.h"
#include "spool/store.h"

int ctl_parse(const struct settings *s, int argc, char **argv);
int ctl_cases(const struct settings *s, int argc, char **argv);
int ctl_show(const struct settings *s, int argc, char **argv);
int ctl_ack(const struct settings *s, int argc, char **argv);
int ctl_export(const struct settings *s, int argc, char **argv);
int ctl_draft(const struct settings *s, int argc, char **argv);
int ctl_release(const struct settings *s, int argc, char **argv);
int ctl_reject(const struct settings *s, int argc, char **argv);
int ctl_queue(const struct settings *s, int argc, char **argv);

/* ---- shared views of a case (ctl_case.c) ---- */

#define CTL_EX_USAGE 64
#define CTL_EX_DATAERR 65
#define CTL_EX_UNAVAILABLE 69
#define CTL_EX_IOERR 74

/*
 * Open the store named by s->store_path for a command. A missing file is
 * never created here (brudvagtd creates it). Returns 0 and sets *r (owned:
 * store_close), or prints "brudvagtctl: store PATH: reason" on stderr and
 * returns CTL_EX_UNAVAILABLE.
 */
int ctl_store_open(const struct settings *s, struct store **r);

/* Fetch case ref whole. Returns 0 and sets *r (owned: store_case_free);
 * prints the reason and returns 65 for an unknown ref, 69 when the store
 * fails. */
int ctl_case_fetch(struct store *st, const char *ref, struct store_case **r);

/* "2026-10-15 17:21" (Copenhagen) into out; "" for t == 0. */
#define CTL_TIME_MAX 32
void ctl_time_short(int64_t t, char out[CTL_TIME_MAX]);
/* "2026-10-15T17:21+02:00" as a JSON string, or JSON null for t == 0. */
json_t *ctl_json_time(int64_t t);
/* JSON string of s after CPR redaction, or JSON null for s == NULL. */
json_t *ctl_json_text(const char *s);
/* A CPR-redacted copy of s (owned), or NULL for s == NULL. */
char *ctl_redact(const char *s);

/* Does party p still owe an acknowledgement? (No ack yet; never the
 * reporter, never the system owner, who receives rather than answers.) */
bool ctl_party_owes_ack(const struct store_party *p);

/*
 * Municipality party p's Datatilsynet decision: its own recorded one, else,
 * when p is the reporting municipality, the case's reported_to_authority
 * (its report said so), else STORE_NULL.
 */
enum store_tristate ctl_party_authority(const struct store_case *c,
					const struct store_party *p);

/*
 * The municipalities of a case: the reporting municipality first, then
 * each municipality party not named yet. *v_r is a new array (owned: free)
 * of borrowed names; returns the count (0: *v_r = NULL).
 */
size_t ctl_case_municipalities(const struct store_case *c, const char ***v_r);

enum ctl_deadline_kind { CTL_DEADLINE_ACK, CTL_DEADLINE_AUTHORITY };

struct ctl_deadline {
	int64_t at;
	enum ctl_deadline_kind kind;
	const struct store_party *party;	/* borrowed from the case */
};

/*
 * Every pending deadline of case c, earliest first (ties: ack before
 * authority, then party order): for each party that owes an ack,
 * (notified_at, else created_at) + ack_hours; for each municipality party
 * without an authority decision (ctl_party_authority), aware_at +
 * authority_hours. A closed or
 * rejected case has none. *r is a new array (owned: free); returns the
 * count (0: *r = NULL).
 */
size_t ctl_case_deadlines(const struct settings *s, const struct store_case *c,
			  struct ctl_deadline **r);
/* The earliest of them into *r; false when there is none. */
bool ctl_next_deadline(const struct settings *s, const struct store_case *c,
		       struct ctl_deadline *r);
/* "ack" or "authority". */
const char *ctl_deadline_kind_name(enum ctl_deadline_kind k);

/*
 * Is input a spelling of the canonical name? Case is ignored, for the
 * Danish letters too; æ ø å may be written ae oe aa, and ø å also o a
 * ("Hjoerring", "Bronderslev"); spaces, dots and dashes are ignored.
 */
bool ctl_name_matches(const char *canonical, const char *input);
/*
 * The index of the party of c that input names: "supplier" (or the
 * supplier's name) for the supplier party, or a municipality's name per
 * ctl_name_matches. The system owner is never matched. -1 when none.
 */
int ctl_party_match(const struct store_case *c, const char *input);

/* The Danish word for a data category ("cpr" -> "CPR-nummer"), or NULL. */
const char *ctl_category_danish(const char *name);
/* The categories "cpr health" as Danish words joined with ", " into out. */
void ctl_categories_danish(const char *cats, struct buf *out);
/* The categories "cpr health" as a JSON array of the names. */
json_t *ctl_categories_json(const char *cats);
/* "lav", "middel", "høj" for "low", "medium", "high"; else s (or ""). */
const char *ctl_severity_danish(const char *s);
/* "Ja", "Nej" or "" for a tri-state. */
const char *ctl_tristate_danish(enum store_tristate t);

/* ---- cases (ctl_cases.c) ---- */

/* The aligned table of `cases`, a header line first, into out. */
void ctl_cases_table(const struct settings *s, const struct store_case *v,
		     size_t n, int64_t now, struct buf *out);
/* The JSON object of one case for `cases --json` (owned: json_decref). */
json_t *ctl_cases_json(const struct settings *s, const struct store_case *c);

/* ---- show (ctl_show.c) ---- */

/* The whole case as text for a person, into out. */
void ctl_show_text(const struct settings *s, const struct store_case *c,
		   int64_t now, struct buf *out);
/* The whole case as a JSON object (owned: json_decref). */
json_t *ctl_show_json(const struct settings *s, const struct store_case *c,
		      int64_t now);

/* ---- draft (ctl_draft.c) ---- */

/* The pre-filled Datatilsynet notification of municipality party p of
 * case c, at time now (past the deadline it asks for the reason of the
 * delay), into out. Register fields only, CPR-redacted once more. */
void ctl_draft_text(const struct settings *s, const struct store_case *c,
		    const struct store_party *p, int64_t now, struct buf *out);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * notify.h — the mails a new case calls for, per the procedure.
 *
 * | origin       | receipt to   | triage to    | forward to                      |
 * |--------------|--------------|--------------|---------------------------------|
 * | municipality | the reporter | system owner | the supplier, every other       |
 * |              |              |              | affected municipality           |
 * | supplier     | the reporter | system owner | every affected municipality     |
 * | system owner | the reporter | —            | supplier + affected municipal.  |
 *
 * "Affected" is the case's parties (ingest made them: all 40 when the
 * report says all are affected). A held case (spoofed, or an unknown
 * sender) gets the triage only, marked unverified, until released; an
 * unanalysable one (needs_triage) gets the triage only. A forward never
 * goes to the reporter's own address, and nobody gets two of a kind.
 *
 * The case's commit is the promise; the mails follow in their own step
 * (outbound_queue, with the "mails_queued" event), run by the delivery
 * thread only: a crash in between is caught up by notify_pending.
 */
#ifndef BV_NOTIFY_H
#define BV_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/settings.h"
#include "lib/err.h"
#include "spool/store.h"

#define NOTIFY_RECEIPTS_PER_HOUR 10	/* receipts to one address, at most */

enum notify_kind { NOTIFY_RECEIPT, NOTIFY_TRIAGE, NOTIFY_FORWARD };

struct notify_rcpt {
	enum notify_kind kind;
	const char *addr;		/* borrowed from the settings or the case */
	const char *name;		/* display name, or NULL */
	int64_t party;			/* parties.id for a forward, else 0 */
	const char *party_name;		/* or NULL */
};

enum notify_stage {
	NOTIFY_OPENED,			/* the case's first mails */
	NOTIFY_RELEASED,		/* a held case released: receipt + forwards */
};

/*
 * Who gets what for case c at stage. *r is a new array (owned: free()) of
 * the returned count of recipients, receipts first, then triage, then
 * forwards in party order. Pure: tested as a table.
 */
size_t notify_route(const struct settings *s, const struct store_case *c,
		    enum notify_stage stage, struct notify_rcpt **r);

/* "receipt", "triage", "forward". */
const char *notify_kind_name(enum notify_kind k);

/*
 * Queue the first mails of every case opened in the last max_queue_hours
 * that has none yet. Returns how many cases were handled, or -1 with e
 * (the rest is tried on the next call).
 */
int notify_pending(const struct settings *s, struct store *st, int64_t now,
		   struct err *e);

/* Queue case ref's first mails (with the "mails_queued" event). 0 or -1. */
int notify_case_opened(const struct settings *s, struct store *st,
		       const char *ref, int64_t now, struct err *e);

/*
 * `brudvagtctl release`: case ref, held, becomes open and its receipt and
 * forwards are queued, in one step. -1 with e (65: no such case, or not
 * held).
 */
int notify_release(const struct settings *s, struct store *st, const char *ref,
		   int64_t now, const char *by, struct err *e);

/* `brudvagtctl reject`: held → rejected, nothing sent, an event. 0 or -1. */
int notify_reject(const struct settings *s, struct store *st, const char *ref,
		  int64_t now, const char *by, struct err *e);

#endif

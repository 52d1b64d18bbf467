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
 * unanalysable one (needs_triage) gets the triage only. A sender over
 * the per-hour limit gets its further cases held with nothing sent, and
 * the system owner one notice (notify_sender_over_limit). A forward never
 * goes to the reporter's own address, and nobody gets two of a kind.
 *
 * The case's commit is the promise; the mails follow in their own step
 * (outbound_queue, with the "mails_queued" event), run by the delivery
 * thread only: a crash in between is caught up by notify_pending.
 */
#ifndef BV_NOTIFY_H
#define BV_NOTIFY_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/settings.h"
#include "lib/err.h"
#include "spool/store.h"

#define NOTIFY_HOUR 3600		/* the window of the per-hour limits */

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
 * (the rest is tried on the next call). Stops between two cases once
 * *stop is set (NULL: never), so that SIGTERM is not held up by a backlog.
 */
int notify_pending(const struct settings *s, struct store *st, int64_t now,
		   const volatile sig_atomic_t *stop, struct err *e);

/*
 * The per-sender limit on reports (limits.reports_per_sender_per_hour; 0:
 * none). Every report is stored and opens its case; but when a sender's
 * cases created within the hour up to and including this one number more
 * than the limit, the case gets no receipt, no triage and no forwards: it
 * is held (the deadline clock does not chase a held case) until
 * `brudvagtctl release` sends its receipt and forwards, or `reject`. The
 * hour's first case over the limit brings the system owner one notice
 * (kind "triage", template "flood") naming the sender and the count.
 *
 * notify_sender_over_limit is asked by ingest before the case is opened:
 * would one more report from sender at now be over? Then the case opens
 * held, so that nothing, the deadline clock included, sees it open. The
 * answer counts committed cases only; notify_case_opened counts again,
 * in row-id order, and holds a case ingest let open. A store failure
 * answers false (and logs).
 */
bool notify_sender_over_limit(const struct settings *s, struct store *st,
			      const char *sender, int64_t now);

/* Queue case ref's first mails (with the "mails_queued" event), or hold
 * it when its sender is over the limit (above). 0 or -1. */
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

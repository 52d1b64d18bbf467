/* SPDX-License-Identifier: MIT */
/*
 * deadlines.h — the clock of the breach procedure: who must be chased,
 * who must be told, and when.
 *
 * Two layers. deadline_decide() is a pure function of the settings, the
 * cases (with their parties) and the keys of what was sent before: it
 * returns the mails that are due now, texts and all. deadline_run() takes
 * them from the store, and for each one records its keys in the store's
 * ledger and hands it to a sender callback in ONE transaction
 * (store_deadline_record), so each mail is sent exactly once across
 * restarts and --once runs. No clock is read here: "now" is an argument,
 * and brudvagtd passes time(NULL) (tests move it with libfaketime).
 *
 * The rules (all hours from the settings' deadlines group):
 *  - Only open cases are chased (not held, needs_triage, closed, rejected).
 *  - Acknowledgement: a party that owes one (not the reporter, not the
 *    system owner) and has been notified (notified_at: its forward was
 *    accepted) has ack_hours from notified_at. At each of reminder_hours
 *    it gets a reminder (kind "reminder") at its contacts' addresses; when
 *    several offsets have passed unseen (the daemon was down) only the
 *    latest is sent and the earlier ones are recorded as passed. At the
 *    deadline the system owner gets ONE escalation (kind "escalation")
 *    whose Subject names exactly the parties still silent past their
 *    deadline, "[BV-2026-0007] Eskalering: ingen kvittering fra Viborg,
 *    Favrskov og Deloitte", and whose body holds their contact details. A
 *    party that passes its deadline later brings a new escalation (naming
 *    every party then silent); none is ever named twice on its own.
 *  - GDPR art. 33: each municipality party without a Datatilsynet
 *    decision has authority_hours from the case's aware_at (discovered_at,
 *    else arrival). DEADLINES_AUTHORITY_WARN_HOURS before that deadline it
 *    gets a warning (kind "authority"; at 48 h and 66 h of 72); when it
 *    passes undecided the municipality is told, and the system owner gets
 *    one mail naming every municipality of the case then undecided (both
 *    kind "authority"). A municipality is written to only when it reported
 *    or has been notified; the system owner is always told.
 *  - An acknowledgement or a decision stops its chase at once: it is read
 *    from the case on every run.
 *  - A daily digest to the system owner (kind "digest") once per
 *    Copenhagen day, from digest_hour (-1: none): the cases not closed or
 *    rejected, the silent parties, and every deadline that has passed or
 *    falls in the next 24 hours.
 * A party without an address in the settings gets no mail (the system
 * owner's escalation still names it). Every time in a text is
 * Europe/Copenhagen ("01.12.2026 kl. 10.00"); texts hold no personal data
 * of those affected, only the case's ref, parties and times.
 */
#ifndef BV_DEADLINES_H
#define BV_DEADLINES_H

#include <stddef.h>
#include <stdint.h>

#include "conf/settings.h"
#include "lib/err.h"
#include "spool/store.h"

/* Hours before the authority deadline that a municipality is warned:
 * with authority_hours = 72, at 48 h and at 66 h. Offsets at or beyond
 * authority_hours are skipped. */
#define DEADLINES_AUTHORITY_WARN_HOURS { 24, 6 }
#define DEADLINES_DIGEST_AHEAD_HOURS 24
/* How often brudvagtd runs the check. */
#define DEADLINES_INTERVAL_SECONDS 60

enum deadline_kind {
	DEADLINE_REMINDER,		/* to a silent party */
	DEADLINE_ESCALATION,		/* to the system owner */
	DEADLINE_AUTHORITY_WARNING,	/* to a municipality, before */
	DEADLINE_AUTHORITY_PASSED,	/* to a municipality, after */
	DEADLINE_AUTHORITY_OWNER,	/* to the system owner, after */
	DEADLINE_DIGEST,		/* to the system owner, daily */
};

/* One mail that is due. Everything is owned by the action. */
struct deadline_action {
	enum deadline_kind kind;
	const char *mail_kind;		/* X-Brudvagt-Mail: static string */
	char ref[STORE_REF_MAX];	/* the case, "" for the digest */
	int64_t case_id;		/* 0 for the digest */
	int64_t party;			/* the one party it is about, else 0 */
	int64_t due_at;
	char **recipients;		/* addresses, at least one */
	size_t nrecipients;
	char *subject;			/* with "[REF] " for a case's mail */
	const char *topic;		/* subject without "[REF] " (points
					 * into subject): for a queue that
					 * puts the tag in front itself */
	char *body;			/* plain text, UTF-8, LF line ends */
	char *detail;			/* event detail: "kind=reminder ..." */
	struct store_deadline_mark *marks;	/* ledger keys (owned) */
	size_t nmarks;
};

/*
 * The mails due at now for cases v[0..n) (each with its parties, as
 * store_case_list gives them) that are not in the ledger: sent[0..nsent)
 * are the keys recorded so far, sorted by strcmp (store_deadline_keys).
 * *r is a new array (deadline_actions_free) of the count returned, in case
 * order (the digest last); 0 sets *r to NULL.
 */
size_t deadline_decide(const struct settings *s, const struct store_case *v,
		       size_t n, char *const *sent, size_t nsent, int64_t now,
		       struct deadline_action **r);
void deadline_actions_free(struct deadline_action **v, size_t n);

/* "Viborg, Favrskov og Deloitte" into out (owned); "" for n == 0. */
char *deadline_join_names(const char *const *names, size_t n);

/*
 * Hand one mail on. Runs inside the store's write transaction that records
 * it (see store_deadline_record): return 0 when the mail is safely queued,
 * -1 with e to have nothing recorded (it is tried again on the next run).
 */
typedef int deadline_send_fn(void *ctx, const struct deadline_action *a,
			     struct err *e);

struct deadline_stats {
	size_t due;			/* actions decided */
	size_t sent;			/* recorded and handed on */
	size_t already;			/* recorded by someone else first */
	size_t failed;			/* send or store failed: next run */
};

/*
 * One run of the clock at now: read every case and the ledger from st,
 * decide, and record-and-send each due mail. A failure of one mail is
 * logged and counted; the others still go. Returns 0 (with *r filled),
 * or -1 with e when the store could not be read.
 */
int deadline_run(const struct settings *s, struct store *st, int64_t now,
		 deadline_send_fn *send, void *ctx, struct deadline_stats *r,
		 struct err *e);

/*
 * A sender that writes each mail as a file ROOT/deadline-outbox/KEY.eml,
 * ROOT being ctx (a const char *, an existing directory), atomically and
 * mode 0600 (lib/atomicfile.h): the header fields X-Brudvagt-Mail,
 * X-Brudvagt-Case, To and Subject, a blank line, the body. KEY is the
 * mail's first ledger key with '/' made '_'. brudvagtd uses it with
 * spool.path until the outbound queue (issue 4) takes these mails; tests
 * read the files. Returns 0, or -1 with e (74).
 */
#define DEADLINES_OUTBOX "deadline-outbox"
int deadline_send_to_dir(void *ctx, const struct deadline_action *a,
			 struct err *e);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * store.h — the SQLite case store: messages, cases, parties, events.
 *
 * One database file (settings store.path) holds every message brudvagt has
 * seen, where it was seen, each mailbox's IMAP position, and the cases with
 * their parties, history and outbound mail. SQLite runs in WAL mode with
 * synchronous=FULL and foreign keys on; every logical change is one
 * BEGIN IMMEDIATE transaction (or a savepoint in a caller's batch, see
 * store_batch_begin), so after a crash either all of it is there or none. The schema version lives in PRAGMA user_version and is migrated
 * forward only, at store_open.
 *
 * Callers see only the structs below; sqlite3 stays inside store.c. Times
 * are UTC seconds since the epoch (int64_t); 0 or a has_ flag means "none"
 * where noted. Strings handed in are borrowed for the call; strings handed
 * out belong to the struct that holds them and go with its _free().
 *
 * Errors: -1 with e->code a sysexits value: 74 (EX_IOERR) for a database
 * failure, 75 (EX_TEMPFAIL) when the database stayed busy past the busy
 * timeout, 65 (EX_DATAERR) for a request that does not fit the data (no such
 * case, a UIDVALIDITY that differs from the stored one), 64 for bad input.
 * A failed call changes nothing in the database.
 */
#ifndef BV_STORE_H
#define BV_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define STORE_SCHEMA_VERSION 4
#define STORE_REF_MAX 24		/* "BV-2026-0007" and room to grow */
#define STORE_BUSY_TIMEOUT_MS 10000

struct store;				/* opaque */

/* A message's kind; names as in `brudvagtctl parse`, plus unanalysable. */
enum store_kind {
	STORE_KIND_REPORT,
	STORE_KIND_ACK,
	STORE_KIND_AUTO_REPLY,
	STORE_KIND_BOUNCE,
	STORE_KIND_OTHER,
	STORE_KIND_UNANALYSABLE,	/* analysis failed: opens needs_triage */
};

enum store_case_status {
	STORE_CASE_OPEN,
	STORE_CASE_HELD,		/* unverified sender: nothing forwarded */
	STORE_CASE_NEEDS_TRIAGE,	/* could not be analysed */
	STORE_CASE_CLOSED,
	STORE_CASE_REJECTED,
};

enum store_origin {
	STORE_ORIGIN_NONE,		/* unknown/not stated: SQL NULL */
	STORE_ORIGIN_MUNICIPALITY,
	STORE_ORIGIN_SUPPLIER,
	STORE_ORIGIN_SYSTEM_OWNER,
	STORE_ORIGIN_UNKNOWN,
};

enum store_party_kind {
	STORE_PARTY_SUPPLIER,
	STORE_PARTY_MUNICIPALITY,
	STORE_PARTY_SYSTEM_OWNER,
};

/* Tri-state booleans (reported_to_authority, authority decision). */
enum store_tristate { STORE_NULL = -1, STORE_FALSE = 0, STORE_TRUE = 1 };

/* Names used in the database and in output; NULL for STORE_ORIGIN_NONE. */
const char *store_kind_name(enum store_kind k);
const char *store_case_status_name(enum store_case_status s);
const char *store_origin_name(enum store_origin o);
const char *store_party_kind_name(enum store_party_kind k);

/* ---- input to store_ingest (all pointers borrowed for the call) ---- */

/* The register fields of a report, as the analysis found them. */
struct store_incident_in {
	enum store_origin origin;
	const char *reporter;		/* sender address, or NULL */
	const char *reporting_municipality;	/* canonical name, or NULL */
	bool has_breach_at, has_discovered_at;
	int64_t breach_at, discovered_at;
	const char *description, *cause, *consequences, *measures;
	const char *data_categories;	/* "cpr health", sorted; or NULL */
	long affected_count;		/* -1: not stated */
	int cpr_count;
	const char *severity;		/* "low" "medium" "high" or NULL */
	enum store_tristate reported_to_authority;
	bool affects_all;
	bool spoofed;
};

struct store_party_in {
	enum store_party_kind kind;
	const char *name;		/* municipality name, supplier name … */
	bool reporter;			/* the party that reported: no ack due */
};

struct store_message_in {
	/* where it was seen */
	const char *account, *mailbox;
	uint32_t uidvalidity, uid;
	/* what it is */
	const char *message_id;		/* with <>, or NULL when none */
	const char *body_sha256;	/* archive_body_hash(), required */
	enum store_kind kind;
	const char *from_addr, *subject;	/* or NULL */
	bool has_date;
	int64_t date;
	const char *archive_path;	/* archive_put()'s path, or NULL */
	const char *analysis_json;	/* analysis_to_json(), or NULL */
	const char *case_ref;		/* the BV ref a reply names, or NULL */
	int64_t received_at;		/* now; a new case's year comes from it */
	/* a report (or an unanalysable message) opens a case with these */
	bool hold;			/* report opens as "held", not "open" */
	struct store_incident_in incident;
	const struct store_party_in *parties;
	size_t nparties;
};

struct store_ingest_result {
	int64_t message;		/* row id of the stored message */
	int64_t case_id;		/* case opened or linked; 0 when none */
	char case_ref[STORE_REF_MAX];	/* its ref, "" when none */
	bool duplicate;		/* seen before: only the location was added */
	bool case_opened;
	bool unknown_case_ref;	/* named a BV ref that is not in the store */
};

/* ---- output structs (owned; free with their _free) ---- */

struct store_mailbox {
	uint32_t uidvalidity, last_uid;
	int64_t updated_at;
};

struct store_message {
	int64_t id;
	char *message_id;		/* or NULL */
	char *account, *mailbox;	/* where first seen */
	uint32_t uidvalidity, uid;
	enum store_kind kind;
	char *from_addr, *subject;	/* or NULL */
	bool has_date;
	int64_t date;
	char *archive_path;		/* or NULL */
	char *analysis_json;		/* or NULL */
	char *case_ref_named;		/* ref the message named, or NULL */
	bool unknown_case_ref;
	int64_t case_id;		/* 0: none */
	int64_t received_at;
	size_t nlocations;		/* mailboxes it was seen in */
};

struct store_party {
	int64_t id;
	enum store_party_kind kind;
	char *name;
	bool reporter;
	int64_t notified_at;		/* forward accepted; 0: not yet */
	int64_t ack_at;			/* 0: no acknowledgement yet */
	char *ack_from;			/* or NULL */
	int64_t ack_message;		/* message row id, 0: by hand */
	enum store_tristate authority_decision;
	int64_t authority_decision_at;
	int64_t return_date;		/* from an out-of-office; 0: none */
};

struct store_event {
	int64_t at;
	char *type;			/* "opened", "ack", "linked" … */
	char *detail;			/* or NULL */
};

struct store_field_change {
	int64_t at;
	char *field, *old_value, *new_value;	/* values may be NULL */
	int64_t source_message;		/* 0: none */
};

struct store_case {
	int64_t id;
	char ref[STORE_REF_MAX];
	int year, seq;
	enum store_case_status status;
	enum store_origin origin;
	char *reporter, *reporting_municipality;	/* or NULL */
	bool has_breach_at, has_discovered_at;
	int64_t breach_at, discovered_at;
	char *description, *cause, *consequences, *measures;	/* or NULL */
	char *data_categories;		/* or NULL */
	long affected_count;		/* -1: not stated */
	int cpr_count;
	char *severity;			/* or NULL */
	enum store_tristate reported_to_authority;
	bool affects_all, spoofed;
	int64_t created_at, aware_at;
	int64_t report_message;		/* 0: none */

	struct store_party *parties;
	size_t nparties;
	/* Filled by store_case_get only (empty in store_case_list): */
	struct store_event *events;
	size_t nevents;
	struct store_message *messages;
	size_t nmessages;
	struct store_field_change *changes;
	size_t nchanges;
};

/* ---- operations ---- */

/*
 * Open (creating it, mode 0600, when missing) the database at path, set
 * WAL, synchronous=FULL, foreign keys and the busy timeout, and migrate the
 * schema to STORE_SCHEMA_VERSION, each step in its own transaction. *r is
 * new and owned by the caller (store_close). Fails (74) when the file cannot
 * be opened or a pragma does not take, and (65) when the database was made
 * by a newer brudvagt (its user_version is above ours): never downgraded.
 */
int store_open(const char *path, struct store **r, struct err *e);

/* Close the database (finalizing every statement); accepts NULL, clears *s. */
void store_close(struct store **s);

/*
 * A batch: the changes made on s until store_batch_end form one
 * transaction (BEGIN IMMEDIATE: the write lock is held until the end), and
 * so cost one commit (one WAL fsync) between them. Each change inside is a
 * SAVEPOINT: one that fails is undone alone and returns -1 as usual, the
 * others stay in the batch — unless SQLite rolled back the whole
 * transaction itself (a full disk, an I/O error): then every later change
 * and the end fail. Not for use inside another change (EX_SOFTWARE).
 */
int store_batch_begin(struct store *s, struct err *e);

/*
 * End the batch: with rc 0 commit it — 0, or -1 with e and nothing of the
 * batch kept; with rc -1 roll all of it back and return -1 (e untouched).
 */
int store_batch_end(struct store *s, int rc, struct err *e);

/* The database's schema version (user_version) into *version_r. */
int store_schema_version(struct store *s, int *version_r, struct err *e);

/*
 * Record one fetched message, in ONE transaction:
 *  - dedup by Message-ID across accounts, or without one by the SHA-256 of
 *    body hash + Date + From: a known message only gains the new location
 *    (r->duplicate; no case is opened, nothing is linked again);
 *  - else insert it; a report opens a case (status open, or held when
 *    in->hold) with the next ref of the Copenhagen year of received_at,
 *    its parties and an "opened" event; an unanalysable message opens a
 *    needs_triage case; an ack/auto_reply/bounce/other naming a case ref
 *    is linked to that case with a "linked" event, or flagged
 *    r->unknown_case_ref when no such case exists;
 *  - advance the mailbox state to (uidvalidity, max(last_uid, uid)).
 * Returns 0 and fills *r; -1 with e set and nothing changed. Refuses (65)
 * when the stored UIDVALIDITY of the mailbox differs from in->uidvalidity:
 * the caller resolves that first (store_mailbox_set), it is never guessed.
 */
int store_ingest(struct store *s, const struct store_message_in *in,
		 struct store_ingest_result *r, struct err *e);

/*
 * The stored IMAP position of account/mailbox. Returns 1 and fills *r when
 * known, 0 when the mailbox was never seen, -1 with e on failure.
 */
int store_mailbox_get(struct store *s, const char *account,
		      const char *mailbox, struct store_mailbox *r,
		      struct err *e);

/*
 * Set the position of account/mailbox outright (first sight, or after a
 * UIDVALIDITY change has been resolved). now is the time recorded.
 * Returns 0, or -1 with e.
 */
int store_mailbox_set(struct store *s, const char *account,
		      const char *mailbox, uint32_t uidvalidity,
		      uint32_t last_uid, int64_t now, struct err *e);

/*
 * The message with this Message-ID (with <>). Returns 1 and fills *r
 * (owned: store_message_free) when found, 0 when not, -1 with e.
 */
/* For the daemon's status line: cases still open (open, held, needing
 * triage) and outbound mails still queued. Returns 0, or -1 with e. */
int store_status_counts(struct store *s, long *open_r, long *queued_r,
			struct err *e);

/*
 * The case of the stored message with this Message-ID (the report a
 * reply-all answers, say): returns 1 and writes its ref into ref_r, 0 when
 * the message is unknown or belongs to no case, -1 with e on failure.
 */
int store_case_ref_of_message(struct store *s, const char *message_id,
			      char ref_r[STORE_REF_MAX], struct err *e);

int store_message_find(struct store *s, const char *message_id,
		       struct store_message *r, struct err *e);
void store_message_free(struct store_message *m);

/*
 * The case with this ref, whole: parties, events, messages and field
 * changes. Returns 1 and sets *r (owned: store_case_free) when found, 0
 * when there is no such case (*r untouched), -1 with e.
 */
int store_case_get(struct store *s, const char *ref, struct store_case **r,
		   struct err *e);

/*
 * Every case, oldest first, each with its parties (no events, messages or
 * changes): for `brudvagtctl cases`. *r is a new array of *n_r cases,
 * owned by the caller (store_case_list_free). Returns 0 or -1 with e.
 */
int store_case_list(struct store *s, struct store_case **r, size_t *n_r,
		    struct err *e);

void store_case_free(struct store_case **c);
void store_case_list_free(struct store_case **v, size_t n);

/*
 * Record that party (kind, name) of case ref acknowledged at time at, from
 * address from (or NULL), by message row id message (0: by hand), and
 * append an "ack" event — in one transaction. The first acknowledgement
 * counts; a later one is only recorded as an event. Returns 1 when this was
 * the party's first acknowledgement, 0 when it had acknowledged already,
 * -1 with e (65 for an unknown case or party).
 */
int store_record_ack(struct store *s, const char *ref,
		     enum store_party_kind kind, const char *name, int64_t at,
		     const char *from, int64_t message, struct err *e);

/*
 * Append an event (type, detail — never a body or a CPR number) to case
 * ref's history at time at. Returns 0, or -1 with e (65: no such case).
 * Events are append-only: the schema refuses UPDATE and DELETE on them.
 */
int store_event_append(struct store *s, const char *ref, int64_t at,
		       const char *type, const char *detail, struct err *e);

/* ---- replies and the outbound side ---- */

/*
 * Record that party (kind, name) of case ref was notified (its forward
 * accepted by the mail server) at time at, with a "notified" event, in one
 * transaction. The first time counts: the acknowledgement clock runs from
 * it. Returns 1 when this set notified_at, 0 when it was set already, -1
 * with e (65: unknown case or party). Called by the outbound queue.
 */
int store_record_notified(struct store *s, const char *ref,
			  enum store_party_kind kind, const char *name,
			  int64_t at, struct err *e);

/*
 * Record municipality name's Datatilsynet decision on case ref (TRUE:
 * notified, FALSE: will not notify) at time at, stated in message row
 * message (0: by hand), with an "authority" event naming the previous
 * value. Returns 1 when the decision changed, 0 when it was already this
 * one (nothing written), -1 with e (65: unknown case or party; 64 for
 * STORE_NULL, which is no decision).
 */
int store_record_authority(struct store *s, const char *ref,
			   const char *name, enum store_tristate decision,
			   int64_t at, int64_t message, struct err *e);

/*
 * Record the return date an out-of-office reply from party (kind, name)
 * states (UTC seconds), with an "out_of_office" event at time at. Returns
 * 1 when it changed, 0 when it was this date already, -1 with e.
 */
int store_record_return_date(struct store *s, const char *ref,
			     enum store_party_kind kind, const char *name,
			     int64_t return_date, int64_t at, struct err *e);

/* One register field to set on a case (store_case_update). */
struct store_field_update {
	const char *field;	/* "description", "cause", "consequences",
				 * "measures", "data_categories", "severity",
				 * "affected_count", "breach_at", "discovered_at" */
	const char *text;	/* the text fields' new value (not NULL) */
	int64_t value;		/* affected_count, or a time (UTC seconds) */
};

/*
 * Set register fields of case ref, in ONE transaction: each field whose
 * value differs from the stored one is updated and a field_changes row
 * keeps (field, old value, new value, source_message, at); setting
 * discovered_at moves aware_at with it (the 72-hour clock runs from the
 * time of awareness). Values in field_changes are text: times as
 * "2026-10-05T15:20+02:00", counts in decimal. Returns the number of fields
 * changed (0: all already so), -1 with e (65: unknown case; 64: unknown
 * field name, then nothing is changed).
 */
int store_case_update(struct store *s, const char *ref,
		      const struct store_field_update *v, size_t n,
		      int64_t at, int64_t source_message, struct err *e);

/* ---- the deadline clock's ledger (daemon/deadlines.c) ---- */

/* One key the clock records before it hands a mail to the queue. */
struct store_deadline_mark {
	const char *key;	/* unique: "BV-2026-0007/reminder/p12/8h" */
	int64_t case_id;	/* 0: none (the digest) */
	int64_t party;		/* party row id, 0: none */
	const char *kind;	/* "reminder" "escalation" "authority" "digest" */
	int64_t due_at;
};

/*
 * Every key recorded so far, sorted (strcmp order). *keys_r is a new array
 * of *n_r owned strings (store_deadline_keys_free). Returns 0 or -1 with e.
 */
int store_deadline_keys(struct store *s, char ***keys_r, size_t *n_r,
			struct err *e);
void store_deadline_keys_free(char ***keys, size_t n);

/*
 * Send one deadline mail exactly once. In ONE write transaction: record
 * every mark of v[0..n) (sent_at = now) and a "deadline" event with detail
 * on mark case_id (when not 0), then call send(ctx, e); commit only when
 * send returned 0. So a mail is recorded if and only if it was handed on.
 * send runs inside the transaction: it must not begin one of its own on
 * this handle, but what it writes through this handle commits (or rolls
 * back) together with the marks.
 * Returns 1 when recorded and sent, 0 when any key was recorded already
 * (nothing done, send not called), -1 with e (send's error included) and
 * nothing recorded.
 */
typedef int store_deadline_send_fn(void *ctx, struct err *e);
int store_deadline_record(struct store *s, const struct store_deadline_mark *v,
			  size_t n, int64_t now, const char *detail,
			  store_deadline_send_fn *send, void *ctx,
			  struct err *e);

/*
 * PRAGMA integrity_check and foreign_key_check. Returns 1 when both are
 * clean, 0 when not (e->msg holds the first complaint), -1 with e when the
 * check itself failed.
 */
int store_integrity_check(struct store *s, struct err *e);

/* ---- outbound mail: the queue's rows (the files are spool/outbound.c's) ---- */

enum store_outbound_status {
	STORE_OUT_QUEUED,
	STORE_OUT_SENT,			/* the SMTP server accepted it */
	STORE_OUT_FAILED,		/* refused for good (5xx) */
	STORE_OUT_EXPIRED,		/* still refused after max_queue_hours */
};

const char *store_outbound_status_name(enum store_outbound_status st);

/* One mail to commit: one envelope recipient, one queue file. */
struct store_outbound_in {
	int seq;			/* <case-REF.SEQ@domain>; > 0 */
	const char *kind;		/* "receipt", "forward", … (CHECKed) */
	int64_t party;			/* parties.id it notifies, 0: none */
	const char *recipient;		/* the envelope recipient */
	const char *queue_file;		/* relative to the spool */
};

/*
 * One logical change around outbound mail, all in ONE transaction:
 * optionally a case's status change (from → to; refused with 65 when the
 * case is not in status from), optionally a queued row marked failed (its
 * delivery-failure notice being among mails), the mails' rows, and
 * optionally an event on the case.
 */
struct store_outbound_commit {
	const char *ref;		/* the case; NULL: no case (digest) */
	const struct store_outbound_in *mails;
	size_t nmails;
	bool change_status;
	enum store_case_status from, to;
	int64_t fail_id;		/* 0: none */
	enum store_outbound_status fail_status;	/* FAILED or EXPIRED */
	const char *fail_error;
	bool fail_sent;			/* a sent row may fail too (a bounce) */
	const char *event, *detail;	/* event NULL: none */
	bool once;			/* refuse (73) when the case has an event
					 * of this type already: done once only */
	int64_t now;			/* created_at, first try, event time */
};

struct store_outbound {
	int64_t id;
	char case_ref[STORE_REF_MAX];	/* "" when none */
	int seq;
	char *kind;
	int64_t party;			/* 0: none */
	char *party_name;		/* or NULL */
	char *recipient;
	enum store_outbound_status status;
	int attempts;
	int64_t next_try;		/* 0: at once */
	char *last_error;		/* or NULL */
	char *queue_file;		/* or NULL */
	int64_t created_at, sent_at;	/* sent_at 0: not sent */
};

/*
 * The highest outbound seq used so far on case ref (NULL: the mails of no
 * case) into *seq_r (0 when none). Returns 0, or -1 with e (65: no case).
 * Sequences are re-checked at commit: see store_outbound_commit.
 */
int store_outbound_max_seq(struct store *s, const char *ref, int *seq_r,
			   struct err *e);

/*
 * Apply c in one transaction. Refused with 75 (EX_TEMPFAIL) when a mail's
 * seq is not above every seq the case already has (another writer took it
 * meanwhile: allocate again and retry), with 65 for an unknown case or a
 * case not in status c->from, or a fail_id that is no longer queued, and
 * with 73 (EX_CANTCREAT) when c->once and the event is there already.
 * Returns 0 or -1 with e, nothing changed.
 */
int store_outbound_commit(struct store *s, const struct store_outbound_commit *c,
			  struct err *e);

enum store_outbound_list {
	STORE_OUT_LIST_DUE,		/* queued and next_try <= now; forwards
					 * first among equals (their parties'
					 * deadlines start at acceptance) */
	STORE_OUT_LIST_QUEUED,		/* every queued row */
};

/*
 * Outbound rows per which, oldest first. *r is a new array of *n_r rows
 * (owned: store_outbound_list_free). Returns 0 or -1 with e.
 */
int store_outbound_list(struct store *s, enum store_outbound_list which,
			int64_t now, struct store_outbound **r, size_t *n_r,
			struct err *e);
void store_outbound_list_free(struct store_outbound **v, size_t n);

/*
 * The row whose queue_file is file: 1 and *r filled (owned: free with
 * store_outbound_list_free(&p, 1) on a heap copy, or store_outbound_clear),
 * 0 when there is none, -1 with e.
 */
int store_outbound_by_file(struct store *s, const char *file,
			   struct store_outbound *r, struct err *e);
void store_outbound_clear(struct store_outbound *o);

/* The row of case ref with seq (the SEQ of its Message-ID): as above. */
int store_outbound_by_seq(struct store *s, const char *ref, int seq,
			  struct store_outbound *r, struct err *e);

/*
 * Row id was accepted by the SMTP server at time at: status sent, and when
 * it is a forward, its party's notified_at (the first acceptance counts:
 * the acknowledgement deadline starts there), and a "mail_sent" event on
 * its case. Returns 0, or -1 with e (65: not queued any more).
 */
int store_outbound_sent(struct store *s, int64_t id, int64_t at,
			struct err *e);

/* A temporary failure of row id: one more attempt, next try at next_try,
 * the server's reply in error. Returns 0 or -1 with e. */
int store_outbound_retry(struct store *s, int64_t id, int64_t next_try,
			 const char *error, struct err *e);

/*
 * How many mails of kind went to recipient since time since (for the
 * receipt rate limit) into *n_r. Returns 0 or -1 with e.
 */
int store_outbound_count_recent(struct store *s, const char *kind,
				const char *recipient, int64_t since,
				size_t *n_r, struct err *e);

/*
 * The mails_queued detail of the case that brought the system owner a
 * sender's flood notice (daemon/notify.c) begins with this. The schema's
 * partial index events_flood_notice holds exactly these events: change
 * both or neither.
 */
#define STORE_FLOOD_NOTICE "flood notice: "

/*
 * A sender's recent cases, for the per-sender limit on reports
 * (daemon/notify.c): of the cases whose reporter is sender
 * (case-insensitively; NULL: the cases without a reporter), created at or
 * after since, with a row id up to upto (0: any), *count_r is how many
 * there are, counted up to cap at most (0: all). Read through an index:
 * one entry a case counted. Returns 0 or -1 with e.
 */
int store_sender_cases(struct store *s, const char *sender, int64_t since,
		       int64_t upto, long cap, long *count_r, struct err *e);

/*
 * Of the same cases, whether one brought the system owner a flood notice
 * (STORE_FLOOD_NOTICE). Read through the notices' partial index: one entry
 * a notice since then. Returns 0 or -1 with e.
 */
int store_sender_notified(struct store *s, const char *sender, int64_t since,
			  int64_t upto, bool *notified_r, struct err *e);

/*
 * The refs of the cases created at or after since that still wait for
 * their first mails (open, held or needs_triage, and no "mails_queued"
 * event), oldest first. *r is a new array of *n_r NUL-terminated refs
 * (owned: free()). Returns 0 or -1 with e.
 */
int store_cases_unnotified(struct store *s, int64_t since,
			   char (**r)[STORE_REF_MAX], size_t *n_r, struct err *e);

#endif

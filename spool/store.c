/* SPDX-License-Identifier: MIT */
/*
 * store.c — the SQLite case store (see store.h for the contract).
 *
 * Owns the database connection and its prepared statements; sqlite3 never
 * leaves this file. Every SQL statement is a constant in the table SQL[]
 * below, prepared once on first use and bound with sqlite3_bind_* only.
 * Every logical change runs between one BEGIN IMMEDIATE and its COMMIT (the
 * write lock is taken up front, so a busy database waits at BEGIN, not
 * halfway); any failure rolls the whole change back. BEGIN, COMMIT and
 * ROLLBACK are statements in the table too, so the fault-injection tests
 * (--wrap=sqlite3_step) can fail any step, the COMMIT included.
 *
 * One struct store belongs to one thread. Called by brudvagtd (ingest,
 * acknowledgements, deadlines) and brudvagtctl (cases, show, ack).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <sqlite3.h>

#include "lib/cphtime.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "spool/archive.h"
#include "spool/store.h"
#include "spool/store_schema.h"

enum qid {
	Q_BEGIN_WRITE,
	Q_BEGIN_READ,
	Q_COMMIT,
	Q_ROLLBACK,
	Q_SAVEPOINT,
	Q_RELEASE,
	Q_ROLLBACK_TO,
	Q_USER_VERSION,
	Q_MAILBOX_GET,
	Q_MAILBOX_UPSERT,
	Q_MAILBOX_SET,
	Q_MSG_BY_KEY,
	Q_MSG_INSERT,
	Q_MSG_SET_CASE,
	Q_MSG_BY_MESSAGE_ID,
	Q_CASE_REF_OF_MESSAGE,
	Q_STATUS_COUNTS,
	Q_MSGS_OF_CASE,
	Q_LOCATION_INSERT,
	Q_CASE_NEXT_SEQ,
	Q_CASE_INSERT,
	Q_CASE_ID_BY_REF,
	Q_CASE_REF_BY_ID,
	Q_CASE_BY_REF,
	Q_CASE_ALL,
	Q_PARTY_INSERT,
	Q_PARTIES_OF_CASE,
	Q_PARTY_FIND,
	Q_PARTY_ACK,
	Q_EVENT_INSERT,
	Q_EVENTS_OF_CASE,
	Q_CHANGES_OF_CASE,
	Q_INTEGRITY,
	Q_OUT_MAX_SEQ,
	Q_OUT_INSERT,
	Q_OUT_LIST_DUE,
	Q_OUT_LIST_QUEUED,
	Q_OUT_BY_FILE,
	Q_OUT_BY_ID,
	Q_OUT_BY_SEQ,
	Q_OUT_SENT,
	Q_OUT_RETRY,
	Q_OUT_FAIL,
	Q_OUT_NOTIFIED,
	Q_OUT_RECENT,
	Q_CASE_SET_STATUS,
	Q_CASES_UNNOTIFIED,
	Q_EVENT_EXISTS,
	Q_FK_CHECK,
	Q_PARTY_BY_ID,
	Q_PARTY_NOTIFIED,
	Q_PARTY_AUTHORITY,
	Q_PARTY_RETURN,
	Q_CASE_SET_DESCRIPTION,
	Q_CASE_SET_CAUSE,
	Q_CASE_SET_CONSEQUENCES,
	Q_CASE_SET_MEASURES,
	Q_CASE_SET_CATEGORIES,
	Q_CASE_SET_SEVERITY,
	Q_CASE_SET_COUNT,
	Q_CASE_SET_BREACH,
	Q_CASE_SET_DISCOVERED,
	Q_CHANGE_INSERT,
	Q_DEADLINE_KEYS,
	Q_DEADLINE_INSERT,
	Q_SENDER_CASES,
	Q_SENDER_NOTICES,
	Q_COUNT
};

#define MSG_COLS "id, message_id, account, mailbox, uidvalidity, uid, kind," \
	" from_addr, subject, date, archive_path, analysis_json," \
	" case_ref_named, unknown_case_ref, case_id, received_at," \
	" (SELECT count(*) FROM message_locations WHERE message = messages.id)"
#define CASE_COLS "id, ref, year, seq, status, origin, reporter," \
	" reporting_municipality, breach_at, discovered_at, description," \
	" cause, consequences, measures, data_categories, affected_count," \
	" cpr_count, severity, reported_to_authority, affects_all, spoofed," \
	" created_at, aware_at, report_message"
#define OUT_COLS "o.id, (SELECT ref FROM cases WHERE id = o.case_id)," \
	" o.seq, o.kind, o.party, o.recipients, o.status, o.attempts," \
	" o.next_try, o.last_error, o.queue_file, o.created_at, o.sent_at," \
	" (SELECT name FROM parties WHERE id = o.party)"
#define PARTY_COLS "id, kind, name, reporter, notified_at, ack_at, ack_from," \
	" ack_message, authority_decision, authority_decision_at, return_date"

static const char *const SQL[Q_COUNT] = {
	[Q_BEGIN_WRITE] = "BEGIN IMMEDIATE",
	[Q_BEGIN_READ] = "BEGIN",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
	[Q_SAVEPOINT] = "SAVEPOINT bv",
	[Q_RELEASE] = "RELEASE bv",
	[Q_ROLLBACK_TO] = "ROLLBACK TO bv",
	[Q_USER_VERSION] = "PRAGMA user_version",
	[Q_MAILBOX_GET] = "SELECT uidvalidity, last_uid, updated_at"
		" FROM mailbox_state WHERE account = ?1 AND mailbox = ?2",
	[Q_MAILBOX_UPSERT] = "INSERT INTO mailbox_state (account, mailbox,"
		" uidvalidity, last_uid, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT (account, mailbox) DO UPDATE SET"
		" last_uid = max(last_uid, excluded.last_uid),"
		" updated_at = excluded.updated_at",
	[Q_MAILBOX_SET] = "INSERT INTO mailbox_state (account, mailbox,"
		" uidvalidity, last_uid, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT (account, mailbox) DO UPDATE SET"
		" uidvalidity = excluded.uidvalidity,"
		" last_uid = excluded.last_uid, updated_at = excluded.updated_at",
	[Q_MSG_BY_KEY] = "SELECT id, case_id FROM messages WHERE dedup_key = ?1",
	[Q_MSG_INSERT] = "INSERT INTO messages (dedup_key, message_id, account,"
		" mailbox, uidvalidity, uid, body_sha256, kind, from_addr,"
		" subject, date, archive_path, analysis_json, case_ref_named,"
		" unknown_case_ref, case_id, received_at) VALUES (?1, ?2, ?3,"
		" ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
	[Q_MSG_SET_CASE] = "UPDATE messages SET case_id = ?2 WHERE id = ?1",
	[Q_MSG_BY_MESSAGE_ID] = "SELECT " MSG_COLS " FROM messages"
		" WHERE message_id = ?1 ORDER BY id LIMIT 1",
	[Q_STATUS_COUNTS] = "SELECT (SELECT count(*) FROM cases WHERE status IN"
		" ('open', 'held', 'needs_triage')),"
		" (SELECT count(*) FROM outbound WHERE status = 'queued')",
	[Q_CASE_REF_OF_MESSAGE] = "SELECT c.ref FROM messages m"
		" JOIN cases c ON c.id = m.case_id"
		" WHERE m.message_id = ?1 ORDER BY m.id LIMIT 1",
	[Q_MSGS_OF_CASE] = "SELECT " MSG_COLS " FROM messages"
		" WHERE case_id = ?1 ORDER BY id",
	[Q_LOCATION_INSERT] = "INSERT OR IGNORE INTO message_locations"
		" (message, account, mailbox, uidvalidity, uid, seen_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_CASE_NEXT_SEQ] = "SELECT coalesce(max(seq), 0) + 1 FROM cases"
		" WHERE year = ?1",
	[Q_CASE_INSERT] = "INSERT INTO cases (ref, year, seq, status, origin,"
		" reporter, reporting_municipality, breach_at, discovered_at,"
		" description, cause, consequences, measures, data_categories,"
		" affected_count, cpr_count, severity, reported_to_authority,"
		" affects_all, spoofed, created_at, aware_at, report_message)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
		" ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
	[Q_CASE_ID_BY_REF] = "SELECT id FROM cases WHERE ref = ?1",
	[Q_CASE_REF_BY_ID] = "SELECT ref FROM cases WHERE id = ?1",
	[Q_CASE_BY_REF] = "SELECT " CASE_COLS " FROM cases WHERE ref = ?1",
	[Q_CASE_ALL] = "SELECT " CASE_COLS " FROM cases ORDER BY year, seq",
	[Q_PARTY_INSERT] = "INSERT INTO parties (case_id, kind, name, reporter)"
		" VALUES (?1, ?2, ?3, ?4)",
	[Q_PARTIES_OF_CASE] = "SELECT " PARTY_COLS " FROM parties"
		" WHERE case_id = ?1 ORDER BY id",
	[Q_PARTY_FIND] = "SELECT id, ack_at IS NOT NULL, name FROM parties"
		" WHERE case_id = ?1 AND kind = ?2 AND (?3 IS NULL OR name = ?3)"
		" ORDER BY id LIMIT 1",
	[Q_PARTY_ACK] = "UPDATE parties SET ack_at = ?2, ack_from = ?3,"
		" ack_message = ?4 WHERE id = ?1 AND ack_at IS NULL",
	[Q_EVENT_INSERT] = "INSERT INTO events (case_id, at, type, detail)"
		" VALUES (?1, ?2, ?3, ?4)",
	[Q_EVENTS_OF_CASE] = "SELECT at, type, detail FROM events"
		" WHERE case_id = ?1 ORDER BY id",
	[Q_CHANGES_OF_CASE] = "SELECT at, field, old_value, new_value,"
		" source_message FROM field_changes WHERE case_id = ?1"
		" ORDER BY id",
	[Q_OUT_MAX_SEQ] = "SELECT coalesce(max(seq), 0) FROM outbound"
		" WHERE case_id IS ?1",
	[Q_OUT_INSERT] = "INSERT INTO outbound (case_id, seq, kind, party,"
		" recipients, queue_file, created_at, next_try)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
	[Q_OUT_LIST_DUE] = "SELECT " OUT_COLS " FROM outbound o"
		" WHERE status = 'queued' AND coalesce(next_try, 0) <= ?1"
		" ORDER BY coalesce(next_try, 0), kind <> 'forward', id",
	[Q_OUT_LIST_QUEUED] = "SELECT " OUT_COLS " FROM outbound o"
		" WHERE status = 'queued' ORDER BY id",
	[Q_OUT_BY_FILE] = "SELECT " OUT_COLS " FROM outbound o"
		" WHERE queue_file = ?1",
	[Q_OUT_BY_ID] = "SELECT " OUT_COLS " FROM outbound o WHERE id = ?1",
	[Q_OUT_BY_SEQ] = "SELECT " OUT_COLS " FROM outbound o WHERE case_id ="
		" (SELECT id FROM cases WHERE ref = ?1) AND seq = ?2",
	[Q_OUT_SENT] = "UPDATE outbound SET status = 'sent', sent_at = ?2,"
		" attempts = attempts + 1, last_error = NULL"
		" WHERE id = ?1 AND status = 'queued'",
	[Q_OUT_RETRY] = "UPDATE outbound SET attempts = attempts + 1,"
		" next_try = ?2, last_error = ?3"
		" WHERE id = ?1 AND status = 'queued'",
	[Q_OUT_FAIL] = "UPDATE outbound SET status = ?2, last_error = ?3,"
		" attempts = attempts + ?4"
		" WHERE id = ?1 AND (status = 'queued' OR (?5 AND status = 'sent'))",
	[Q_OUT_NOTIFIED] = "UPDATE parties SET notified_at = ?2"
		" WHERE id = ?1 AND notified_at IS NULL",
	[Q_OUT_RECENT] = "SELECT count(*) FROM outbound WHERE kind = ?1"
		" AND recipients = ?2 AND created_at >= ?3",
	[Q_CASE_SET_STATUS] = "UPDATE cases SET status = ?3"
		" WHERE id = ?1 AND status = ?2",
	[Q_EVENT_EXISTS] = "SELECT count(*) FROM events WHERE case_id = ?1"
		" AND type = ?2",
	/* mails_queued_at IS NULL: the partial index cases_unnotified */
	[Q_CASES_UNNOTIFIED] = "SELECT ref FROM cases"
		" WHERE mails_queued_at IS NULL"
		" AND status IN ('open', 'held', 'needs_triage')"
		" AND created_at >= ?1 ORDER BY id",
	[Q_INTEGRITY] = "PRAGMA integrity_check",
	[Q_FK_CHECK] = "PRAGMA foreign_key_check",
	[Q_PARTY_BY_ID] = "SELECT " PARTY_COLS " FROM parties WHERE id = ?1",
	[Q_PARTY_NOTIFIED] = "UPDATE parties SET notified_at = ?2"
		" WHERE id = ?1 AND notified_at IS NULL",
	[Q_PARTY_AUTHORITY] = "UPDATE parties SET authority_decision = ?2,"
		" authority_decision_at = ?3 WHERE id = ?1",
	[Q_PARTY_RETURN] = "UPDATE parties SET return_date = ?2 WHERE id = ?1",
	[Q_CASE_SET_DESCRIPTION] = "UPDATE cases SET description = ?2"
		" WHERE id = ?1",
	[Q_CASE_SET_CAUSE] = "UPDATE cases SET cause = ?2 WHERE id = ?1",
	[Q_CASE_SET_CONSEQUENCES] = "UPDATE cases SET consequences = ?2"
		" WHERE id = ?1",
	[Q_CASE_SET_MEASURES] = "UPDATE cases SET measures = ?2 WHERE id = ?1",
	[Q_CASE_SET_CATEGORIES] = "UPDATE cases SET data_categories = ?2"
		" WHERE id = ?1",
	[Q_CASE_SET_SEVERITY] = "UPDATE cases SET severity = ?2 WHERE id = ?1",
	[Q_CASE_SET_COUNT] = "UPDATE cases SET affected_count = ?2"
		" WHERE id = ?1",
	[Q_CASE_SET_BREACH] = "UPDATE cases SET breach_at = ?2 WHERE id = ?1",
	[Q_CASE_SET_DISCOVERED] = "UPDATE cases SET discovered_at = ?2,"
		" aware_at = ?2 WHERE id = ?1",
	[Q_CHANGE_INSERT] = "INSERT INTO field_changes (case_id, at, field,"
		" old_value, new_value, source_message)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_DEADLINE_KEYS] = "SELECT key FROM deadline_sent ORDER BY key",
	[Q_DEADLINE_INSERT] = "INSERT OR IGNORE INTO deadline_sent (key,"
		" case_id, party, kind, due_at, sent_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	/* LIMIT ?4 (-1: none) ends the index range scan early */
	[Q_SENDER_CASES] = "SELECT count(*) FROM (SELECT 1 FROM cases"
		" WHERE reporter IS ?1 COLLATE NOCASE AND created_at >= ?2"
		" AND (?3 = 0 OR id <= ?3) LIMIT ?4)",
	/* The literal is the partial index events_flood_notice's (schema 4);
	 * CROSS JOIN keeps the notices the outer loop (SQLite's way to fix
	 * the order): there are a few an hour, a sender's cases thousands. */
	[Q_SENDER_NOTICES] = "SELECT count(*) FROM (SELECT 1 FROM events v"
		" CROSS JOIN cases c ON c.id = v.case_id"
		" WHERE v.type = 'mails_queued' AND v.detail LIKE 'flood notice: %'"
		" AND v.at >= ?2 AND c.reporter IS ?1 COLLATE NOCASE"
		" AND c.created_at >= ?2 AND (?3 = 0 OR c.id <= ?3) LIMIT ?4)",
};

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[Q_COUNT];
	/* Transactions nest: a change made inside another's transaction (the
	 * deadline clock queueing a mail through outbound_queue_to while it
	 * records the mail as sent; each message of an ingest batch) is a
	 * SAVEPOINT in it. A failure inside undoes that change alone and is
	 * returned to the caller, who decides; only when SQLite itself has
	 * rolled back the whole transaction (SQLITE_FULL, IOERR) is it doomed:
	 * the outer commit then fails. */
	int depth;
	bool doomed;
	bool writer;		/* holds this process's writer turn */
};

/* ---- names ---- */

static const char *const KIND_NAMES[] = {
	[STORE_KIND_REPORT] = "report", [STORE_KIND_ACK] = "ack",
	[STORE_KIND_AUTO_REPLY] = "auto_reply", [STORE_KIND_BOUNCE] = "bounce",
	[STORE_KIND_OTHER] = "other", [STORE_KIND_UNANALYSABLE] = "unanalysable",
};
static const char *const STATUS_NAMES[] = {
	[STORE_CASE_OPEN] = "open", [STORE_CASE_HELD] = "held",
	[STORE_CASE_NEEDS_TRIAGE] = "needs_triage",
	[STORE_CASE_CLOSED] = "closed", [STORE_CASE_REJECTED] = "rejected",
};
static const char *const ORIGIN_NAMES[] = {
	[STORE_ORIGIN_NONE] = NULL,
	[STORE_ORIGIN_MUNICIPALITY] = "municipality",
	[STORE_ORIGIN_SUPPLIER] = "supplier",
	[STORE_ORIGIN_SYSTEM_OWNER] = "system_owner",
	[STORE_ORIGIN_UNKNOWN] = "unknown",
};
static const char *const PARTY_NAMES[] = {
	[STORE_PARTY_SUPPLIER] = "supplier",
	[STORE_PARTY_MUNICIPALITY] = "municipality",
	[STORE_PARTY_SYSTEM_OWNER] = "system_owner",
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *
name_of(const char *const *names, size_t n, int v)
{
	return v >= 0 && (size_t)v < n ? names[v] : NULL;
}

/* Index of s in names, or dflt when s is NULL or unknown. */
static int
index_of(const char *const *names, size_t n, const char *s, int dflt)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++)
		if (names[i] != NULL && strcmp(names[i], s) == 0)
			return (int)i;
	return dflt;
}

const char *
store_kind_name(enum store_kind k)
{
	return name_of(KIND_NAMES, NELEM(KIND_NAMES), k);
}

const char *
store_case_status_name(enum store_case_status s)
{
	return name_of(STATUS_NAMES, NELEM(STATUS_NAMES), s);
}

const char *
store_origin_name(enum store_origin o)
{
	return name_of(ORIGIN_NAMES, NELEM(ORIGIN_NAMES), o);
}

const char *
store_party_kind_name(enum store_party_kind k)
{
	return name_of(PARTY_NAMES, NELEM(PARTY_NAMES), k);
}

/* ---- statements ---- */

/* "store: PATH: WHAT: sqlite's message (its code's text)": the path,
 * so that a full or failing disk can be found from the log line. */
static int
db_err(struct store *s, const char *what, int rc, struct err *e)
{
	int code = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED
	    ? EX_TEMPFAIL : EX_IOERR;

	return err_set(e, code, "store: %s: %s: %s (%s)", s->path, what,
		       s->db ? sqlite3_errmsg(s->db) : "no database",
		       sqlite3_errstr(rc));
}

/* The prepared statement for id, reset and unbound, into *r. */
static int
stmt(struct store *s, enum qid id, sqlite3_stmt **r, struct err *e)
{
	int rc;

	if (s->stmt[id] == NULL) {
		rc = sqlite3_prepare_v3(s->db, SQL[id], -1,
					SQLITE_PREPARE_PERSISTENT,
					&s->stmt[id], NULL);
		if (rc != SQLITE_OK)
			return db_err(s, "prepare", rc, e);
	}
	*r = s->stmt[id];
	return 0;
}

/*
 * Forget a statement's last run. sqlite3_reset repeats the error of the
 * last step, which step() has already reported: its result is not news.
 */
static void
done(sqlite3_stmt *st)
{
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
}

/* Step once: SQLITE_ROW, SQLITE_DONE, or -1 with e set (then reset). */
static int
step(struct store *s, sqlite3_stmt *st, struct err *e)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	db_err(s, "step", rc, e);
	done(st);
	return -1;
}

/* Run a statement that returns no rows. */
static int
run(struct store *s, sqlite3_stmt *st, struct err *e)
{
	int rc = step(s, st, e);

	if (rc == -1)
		return -1;
	done(st);
	if (rc != SQLITE_DONE)
		return err_set(e, EX_SOFTWARE, "store: statement returned rows");
	return 0;
}

/* Run statement id, unbound. */
static int
run_id(struct store *s, enum qid id, struct err *e)
{
	sqlite3_stmt *st = NULL;

	if (stmt(s, id, &st, e) == -1)
		return -1;
	return run(s, st, e);
}

static int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC)
		 : sqlite3_bind_null(st, i);
}

static int
bind_opt_int(sqlite3_stmt *st, int i, bool has, int64_t v)
{
	return has ? sqlite3_bind_int64(st, i, v) : sqlite3_bind_null(st, i);
}

/* The result of a run of binds (OR of their codes): 0 or -1 with e. */
static int
bound(struct store *s, sqlite3_stmt *st, int rcs, struct err *e)
{
	if (rcs == SQLITE_OK)
		return 0;
	done(st);
	return db_err(s, "bind", rcs, e);
}

static char *
col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	return v ? xstrdup((const char *)v) : NULL;
}

static int64_t
col_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_int64(st, i);	/* NULL reads as 0 */
}

static bool
col_null(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL;
}

static enum store_tristate
col_tri(sqlite3_stmt *st, int i)
{
	return col_null(st, i) ? STORE_NULL
	     : col_int(st, i) ? STORE_TRUE : STORE_FALSE;
}

/* ---- transactions ---- */

/*
 * The writers of one process take turns in arrival order. SQLite's own
 * wait for its write lock is a poll with sleeps of up to 100 ms and no
 * order: one thread committing back to back (the outbound thread deferring
 * a long queue) kept a watcher waiting past its 10 s busy timeout, and a
 * watcher woke up to 100 ms late. Here a writer waits on a condition
 * variable and is woken the moment the one before it ends. Other
 * processes (brudvagtctl) still meet SQLite's busy timeout.
 */
static pthread_mutex_t turn_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_cond = PTHREAD_COND_INITIALIZER;
static unsigned long turn_next, turn_now;
static _Thread_local bool turn_held;

static void
turn_take(struct store *s)
{
	unsigned long mine;

	if (turn_held)	/* a second handle writing inside a first one's change */
		panic("store: two write transactions in one thread would deadlock");
	pthread_mutex_lock(&turn_lock);
	mine = turn_next++;
	while (mine != turn_now)
		pthread_cond_wait(&turn_cond, &turn_lock);
	pthread_mutex_unlock(&turn_lock);
	turn_held = true;
	s->writer = true;
}

static void
turn_give(struct store *s)
{
	if (!s->writer)
		return;
	s->writer = false;
	turn_held = false;
	pthread_mutex_lock(&turn_lock);
	turn_now++;
	pthread_cond_broadcast(&turn_cond);
	pthread_mutex_unlock(&turn_lock);
}

static int
tx_open(struct store *s, enum qid id, struct err *e)
{
	if (s->depth > 0) {	/* inside another change: a savepoint in it */
		if (s->doomed)
			return err_set(e, EX_IOERR, "store: the transaction "
				       "was rolled back by a failure before");
		if (run_id(s, Q_SAVEPOINT, e) == -1)
			return -1;
		s->depth++;
		return 0;
	}
	if (id == Q_BEGIN_WRITE)
		turn_take(s);
	if (run_id(s, id, e) == -1) {
		turn_give(s);
		return -1;
	}
	s->depth = 1;
	s->doomed = false;
	return 0;
}

static int
tx_begin(struct store *s, struct err *e)
{
	return tx_open(s, Q_BEGIN_WRITE, e);
}

static int
tx_begin_read(struct store *s, struct err *e)
{
	return tx_open(s, Q_BEGIN_READ, e);
}

static void tx_rollback(struct store *s);

static int
tx_commit(struct store *s, struct err *e)
{
	if (s->depth > 1) {
		if (s->doomed)
			return err_set(e, EX_IOERR, "store: the transaction "
				       "was rolled back by a failure");
		if (run_id(s, Q_RELEASE, e) == -1)
			return -1;	/* the caller rolls back */
		s->depth--;
		return 0;
	}
	if (s->doomed) {
		tx_rollback(s);
		return err_set(e, EX_IOERR, "store: a part of the change failed; "
			       "all of it was rolled back");
	}
	if (run_id(s, Q_COMMIT, e) == -1)
		return -1;	/* the caller rolls back */
	s->depth = 0;
	turn_give(s);
	return 0;
}

/* Roll back whatever is open; SQLite may have done so already. Inside a
 * nested change, undo back to its savepoint; when SQLite has rolled back
 * the whole transaction, doom the outer change. */
static void
tx_rollback(struct store *s)
{
	struct err e = { 0 };

	if (s->depth > 1) {
		s->depth--;
		if (s->doomed)
			return;
		if (sqlite3_get_autocommit(s->db) ||
		    run_id(s, Q_ROLLBACK_TO, &e) == -1 ||
		    run_id(s, Q_RELEASE, &e) == -1) {
			if (e.msg[0])
				log_err("store: rollback to savepoint failed: %s", e.msg);
			s->doomed = true;
		}
		return;
	}
	s->depth = 0;
	s->doomed = false;
	if (!sqlite3_get_autocommit(s->db) && run_id(s, Q_ROLLBACK, &e) == -1)
		log_err("store: rollback failed: %s", e.msg);
	turn_give(s);
}

/* Commit; on failure roll back. For the end of a successful change. */
static int
tx_end(struct store *s, int rc, struct err *e)
{
	if (rc == 0 && tx_commit(s, e) == 0)
		return 0;
	tx_rollback(s);
	return -1;
}

int
store_batch_begin(struct store *s, struct err *e)
{
	if (s->depth > 0)
		return err_set(e, EX_SOFTWARE, "store: a batch inside a change");
	return tx_begin(s, e);
}

int
store_batch_end(struct store *s, int rc, struct err *e)
{
	if (s->depth != 1)
		panic("store: batch end at depth %d", s->depth);
	return tx_end(s, rc, e);
}

/* ---- open, close, migrate ---- */

/*
 * Create the file 0600 before SQLite does (it would use the umask). Only
 * when it does not exist: closing any descriptor of the database file drops
 * every POSIX lock this process holds on it, including those of another
 * open connection (another thread's), and a reader elsewhere would then
 * take itself for the last connection and delete the live WAL.
 */
static int
create_file(const char *path, struct err *e)
{
	struct stat sb;
	int fd;

	if (stat(path, &sb) == 0) {
		if ((sb.st_mode & 077) != 0)
			log_warn("store: database readable by others: path=%s "
				 "mode=%04o", path, (unsigned)(sb.st_mode & 07777));
		return 0;
	}
	if (errno != ENOENT)
		return err_set(e, EX_IOERR, "store: stat %s: %s", path,
			       strerror(errno));
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1 && errno == EEXIST)
		return 0;	/* another thread made it just now */
	if (fd == -1)
		return err_set(e, EX_IOERR, "store: open %s: %s", path,
			       strerror(errno));
	if (close(fd) == -1)
		return err_set(e, EX_IOERR, "store: close %s: %s", path,
			       strerror(errno));
	return 0;
}

/* Run a pragma that returns one row; its first column into *text_r. */
static int
pragma(struct store *s, const char *sql, char *text_r, size_t size,
       struct err *e)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *v;
	int rc;

	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_err(s, sql, rc, e);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		db_err(s, sql, rc, e);
		sqlite3_finalize(st);
		return -1;
	}
	v = sqlite3_column_text(st, 0);
	snprintf(text_r, size, "%s", v ? (const char *)v : "");
	rc = sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return db_err(s, sql, rc, e);
	return 0;
}

/* Set a pragma and check that it took: the read-back must be want. */
static int
pragma_set(struct store *s, const char *set, const char *get,
	   const char *want, struct err *e)
{
	char got[32];
	int rc;

	rc = sqlite3_exec(s->db, set, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_err(s, set, rc, e);
	if (pragma(s, get, got, sizeof(got), e) == -1)
		return -1;
	if (strcmp(got, want) != 0)
		return err_set(e, EX_IOERR, "store: %s gave %s, not %s", set,
			       got, want);
	return 0;
}

int
store_schema_version(struct store *s, int *version_r, struct err *e)
{
	sqlite3_stmt *st = NULL;

	if (stmt(s, Q_USER_VERSION, &st, e) == -1 || step(s, st, e) == -1)
		return -1;
	*version_r = sqlite3_column_int(st, 0);
	done(st);
	return 0;
}

/* Take the schema from version v to v + 1 in one transaction. */
static int
migrate_one(struct store *s, int v, struct err *e)
{
	char sql[64];
	int now, rc;

	if (tx_begin(s, e) == -1)
		return -1;
	/* another process may have migrated while we waited for the lock */
	if (store_schema_version(s, &now, e) == -1)
		return tx_end(s, -1, e);
	if (now != v)
		return tx_end(s, 0, e);
	rc = sqlite3_exec(s->db, STORE_MIGRATIONS[v], NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return tx_end(s, db_err(s, "migrate", rc, e), e);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
	rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return tx_end(s, db_err(s, "migrate", rc, e), e);
	if (tx_end(s, 0, e) == -1)
		return -1;
	log_info("store: migrated: path=%s version=%d", s->path, v + 1);
	return 0;
}

static int
migrate(struct store *s, struct err *e)
{
	int v;

	_Static_assert(NELEM(STORE_MIGRATIONS) == STORE_SCHEMA_VERSION,
		       "one migration per schema version");
	if (store_schema_version(s, &v, e) == -1)
		return -1;
	if (v > STORE_SCHEMA_VERSION)
		return err_set(e, EX_DATAERR, "store: %s has schema version "
			       "%d, newer than this brudvagt's %d", s->path, v,
			       STORE_SCHEMA_VERSION);
	for (; v < STORE_SCHEMA_VERSION; v++)
		if (migrate_one(s, v, e) == -1)
			return -1;
	return 0;
}

static int
configure(struct store *s, struct err *e)
{
	int rc;

	if ((rc = sqlite3_extended_result_codes(s->db, 1)) != SQLITE_OK ||
	    (rc = sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS)) !=
	    SQLITE_OK)
		return db_err(s, "configure", rc, e);
	if (pragma_set(s, "PRAGMA foreign_keys = ON", "PRAGMA foreign_keys",
		       "1", e) == -1 ||
	    pragma_set(s, "PRAGMA journal_mode = WAL", "PRAGMA journal_mode",
		       "wal", e) == -1 ||
	    pragma_set(s, "PRAGMA synchronous = FULL", "PRAGMA synchronous",
		       "2", e) == -1)
		return -1;
	return 0;
}

int
store_open(const char *path, struct store **r, struct err *e)
{
	struct store *s;
	int rc;

	if (create_file(path, e) == -1)
		return -1;
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		db_err(s, "open", rc, e);
		store_close(&s);
		return -1;
	}
	if (configure(s, e) == -1 || migrate(s, e) == -1) {
		store_close(&s);
		return -1;
	}
	*r = s;
	return 0;
}

void
store_close(struct store **sp)
{
	struct store *s = *sp;
	size_t i;
	int rc;

	if (s == NULL)
		return;
	for (i = 0; i < Q_COUNT; i++)
		(void)sqlite3_finalize(s->stmt[i]);	/* repeats old errors */
	rc = sqlite3_close(s->db);
	if (rc != SQLITE_OK)
		log_err("store: close %s: %s", s->path, sqlite3_errstr(rc));
	free(s->path);
	free(s);
	*sp = NULL;
}

/* ---- ingest ---- */

/*
 * The key a message is stored under once: its Message-ID, or without one
 * the SHA-256 of body hash, Date and From. Owned by the caller.
 */
static int
dedup_key(const struct store_message_in *in, char **r, struct err *e)
{
	char hex[ARCHIVE_HASH_HEX], *text;
	int rc;

	if (in->message_id != NULL) {
		*r = xasprintf("mid:%s", in->message_id);
		return 0;
	}
	text = xasprintf("%s\n%s%" PRId64 "\n%s", in->body_sha256,
			 in->has_date ? "" : "-", in->has_date ? in->date : 0,
			 in->from_addr ? in->from_addr : "");
	rc = archive_hash(text, strlen(text), hex, e);
	free(text);
	if (rc == -1)
		return -1;
	*r = xasprintf("sha256:%s", hex);
	return 0;
}

/* The mailbox's UIDVALIDITY must be the stored one, if any. */
static int
check_uidvalidity(struct store *s, const struct store_message_in *in,
		  struct err *e)
{
	struct store_mailbox mb;
	int rc;

	rc = store_mailbox_get(s, in->account, in->mailbox, &mb, e);
	if (rc == 1 && mb.uidvalidity != in->uidvalidity)
		return err_set(e, EX_DATAERR, "store: %s/%s: UIDVALIDITY %u, "
			       "stored %u: resolve before ingesting",
			       in->account, in->mailbox, in->uidvalidity,
			       mb.uidvalidity);
	return rc == -1 ? -1 : 0;
}

/* Look up a message by key: 1 with its id and case, 0 none, -1 error. */
static int
find_by_key(struct store *s, const char *key, int64_t *id_r,
	    int64_t *case_r, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_MSG_BY_KEY, &st, e) == -1 ||
	    bound(s, st, bind_text(st, 1, key), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	if (rc == SQLITE_ROW) {
		*id_r = col_int(st, 0);
		*case_r = col_int(st, 1);
	}
	done(st);
	return rc == SQLITE_ROW;
}

/* A case's id by ref: 1 found, 0 not, -1 error. */
static int
case_id_by_ref(struct store *s, const char *ref, int64_t *id_r,
	       struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_CASE_ID_BY_REF, &st, e) == -1 ||
	    bound(s, st, bind_text(st, 1, ref), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	if (rc == SQLITE_ROW)
		*id_r = col_int(st, 0);
	done(st);
	return rc == SQLITE_ROW;
}

static int
case_ref_by_id(struct store *s, int64_t id, char ref_r[STORE_REF_MAX],
	       struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_CASE_REF_BY_ID, &st, e) == -1 ||
	    bound(s, st, sqlite3_bind_int64(st, 1, id), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	if (rc == SQLITE_ROW)
		snprintf(ref_r, STORE_REF_MAX, "%s",
			 (const char *)sqlite3_column_text(st, 0));
	done(st);
	if (rc != SQLITE_ROW)
		return err_set(e, EX_SOFTWARE, "store: case %" PRId64
			       " vanished", id);
	return 0;
}

static int
insert_message(struct store *s, const struct store_message_in *in,
	       const char *key, int64_t case_id, bool unknown_ref,
	       int64_t *id_r, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int b;

	if (stmt(s, Q_MSG_INSERT, &st, e) == -1)
		return -1;
	b = bind_text(st, 1, key) | bind_text(st, 2, in->message_id) |
	    bind_text(st, 3, in->account) | bind_text(st, 4, in->mailbox) |
	    sqlite3_bind_int64(st, 5, in->uidvalidity) |
	    sqlite3_bind_int64(st, 6, in->uid) |
	    bind_text(st, 7, in->body_sha256) |
	    bind_text(st, 8, store_kind_name(in->kind)) |
	    bind_text(st, 9, in->from_addr) | bind_text(st, 10, in->subject) |
	    bind_opt_int(st, 11, in->has_date, in->date) |
	    bind_text(st, 12, in->archive_path) |
	    bind_text(st, 13, in->analysis_json) |
	    bind_text(st, 14, in->case_ref) |
	    sqlite3_bind_int(st, 15, unknown_ref) |
	    bind_opt_int(st, 16, case_id != 0, case_id) |
	    sqlite3_bind_int64(st, 17, in->received_at);
	if (bound(s, st, b, e) == -1 || run(s, st, e) == -1)
		return -1;
	*id_r = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static int
set_message_case(struct store *s, int64_t msg, int64_t case_id,
		 struct err *e)
{
	sqlite3_stmt *st = NULL;

	if (stmt(s, Q_MSG_SET_CASE, &st, e) == -1 ||
	    bound(s, st, sqlite3_bind_int64(st, 1, msg) |
		  sqlite3_bind_int64(st, 2, case_id), e) == -1)
		return -1;
	return run(s, st, e);
}

static int
insert_location(struct store *s, const struct store_message_in *in,
		int64_t msg, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int b;

	if (stmt(s, Q_LOCATION_INSERT, &st, e) == -1)
		return -1;
	b = sqlite3_bind_int64(st, 1, msg) | bind_text(st, 2, in->account) |
	    bind_text(st, 3, in->mailbox) |
	    sqlite3_bind_int64(st, 4, in->uidvalidity) |
	    sqlite3_bind_int64(st, 5, in->uid) |
	    sqlite3_bind_int64(st, 6, in->received_at);
	if (bound(s, st, b, e) == -1)
		return -1;
	return run(s, st, e);
}

static int
advance_mailbox(struct store *s, const struct store_message_in *in,
		struct err *e)
{
	sqlite3_stmt *st = NULL;
	int b;

	if (stmt(s, Q_MAILBOX_UPSERT, &st, e) == -1)
		return -1;
	b = bind_text(st, 1, in->account) | bind_text(st, 2, in->mailbox) |
	    sqlite3_bind_int64(st, 3, in->uidvalidity) |
	    sqlite3_bind_int64(st, 4, in->uid) |
	    sqlite3_bind_int64(st, 5, in->received_at);
	if (bound(s, st, b, e) == -1)
		return -1;
	return run(s, st, e);
}

static int
insert_event(struct store *s, int64_t case_id, int64_t at, const char *type,
	     const char *detail, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int b;

	if (stmt(s, Q_EVENT_INSERT, &st, e) == -1)
		return -1;
	b = sqlite3_bind_int64(st, 1, case_id) |
	    sqlite3_bind_int64(st, 2, at) | bind_text(st, 3, type) |
	    bind_text(st, 4, detail);
	if (bound(s, st, b, e) == -1)
		return -1;
	return run(s, st, e);
}

/* The next sequence number of year: max + 1, inside the write lock. */
static int
next_seq(struct store *s, int year, int *seq_r, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_CASE_NEXT_SEQ, &st, e) == -1 ||
	    bound(s, st, sqlite3_bind_int(st, 1, year), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	*seq_r = sqlite3_column_int(st, 0);
	done(st);
	if (rc != SQLITE_ROW)
		return err_set(e, EX_SOFTWARE, "store: no sequence row");
	return 0;
}

static int
insert_case(struct store *s, const char *ref, int year, int seq,
	    enum store_case_status status, const struct store_incident_in *c,
	    int64_t now, int64_t msg, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int b;

	if (stmt(s, Q_CASE_INSERT, &st, e) == -1)
		return -1;
	b = bind_text(st, 1, ref) | sqlite3_bind_int(st, 2, year) |
	    sqlite3_bind_int(st, 3, seq) |
	    bind_text(st, 4, store_case_status_name(status)) |
	    bind_text(st, 5, store_origin_name(c->origin)) |
	    bind_text(st, 6, c->reporter) |
	    bind_text(st, 7, c->reporting_municipality) |
	    bind_opt_int(st, 8, c->has_breach_at, c->breach_at) |
	    bind_opt_int(st, 9, c->has_discovered_at, c->discovered_at) |
	    bind_text(st, 10, c->description) | bind_text(st, 11, c->cause) |
	    bind_text(st, 12, c->consequences) |
	    bind_text(st, 13, c->measures) |
	    bind_text(st, 14, c->data_categories) |
	    bind_opt_int(st, 15, c->affected_count >= 0, c->affected_count) |
	    sqlite3_bind_int(st, 16, c->cpr_count) |
	    bind_text(st, 17, c->severity) |
	    bind_opt_int(st, 18, c->reported_to_authority != STORE_NULL,
			 c->reported_to_authority == STORE_TRUE) |
	    sqlite3_bind_int(st, 19, c->affects_all) |
	    sqlite3_bind_int(st, 20, c->spoofed) |
	    sqlite3_bind_int64(st, 21, now) |
	    sqlite3_bind_int64(st, 22, c->has_discovered_at
			       ? c->discovered_at : now) |
	    sqlite3_bind_int64(st, 23, msg);
	if (bound(s, st, b, e) == -1)
		return -1;
	return run(s, st, e);
}

static int
insert_parties(struct store *s, int64_t case_id,
	       const struct store_party_in *p, size_t n, struct err *e)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int b;

	for (i = 0; i < n; i++) {
		if (stmt(s, Q_PARTY_INSERT, &st, e) == -1)
			return -1;
		b = sqlite3_bind_int64(st, 1, case_id) |
		    bind_text(st, 2, store_party_kind_name(p[i].kind)) |
		    bind_text(st, 3, p[i].name) |
		    sqlite3_bind_int(st, 4, p[i].reporter);
		if (bound(s, st, b, e) == -1 || run(s, st, e) == -1)
			return -1;
	}
	return 0;
}

/*
 * Open the case for message msg: ref from the Copenhagen year of
 * received_at, parties, an "opened" event, and the message linked to it.
 */
static int
open_case(struct store *s, const struct store_message_in *in, int64_t msg,
	  struct store_ingest_result *r, struct err *e)
{
	static const struct store_incident_in triage = {
		.affected_count = -1, .reported_to_authority = STORE_NULL,
	};
	struct store_incident_in inc = in->incident;
	enum store_case_status status = STORE_CASE_OPEN;
	struct cph_tm tm;
	char detail[128];
	int seq;

	if (in->kind == STORE_KIND_UNANALYSABLE) {
		inc = triage;
		status = STORE_CASE_NEEDS_TRIAGE;
	} else if (in->hold) {
		status = STORE_CASE_HELD;
	}
	if (inc.reporter == NULL)
		inc.reporter = in->from_addr;
	cph_from_utc(in->received_at, &tm);
	if (next_seq(s, tm.year, &seq, e) == -1)
		return -1;
	snprintf(r->case_ref, sizeof(r->case_ref), "BV-%04d-%04d", tm.year,
		 seq);
	if (insert_case(s, r->case_ref, tm.year, seq, status, &inc,
			in->received_at, msg, e) == -1)
		return -1;
	r->case_id = sqlite3_last_insert_rowid(s->db);
	r->case_opened = true;
	snprintf(detail, sizeof(detail), "status=%s origin=%s parties=%zu",
		 store_case_status_name(status),
		 inc.origin ? store_origin_name(inc.origin) : "-",
		 in->kind == STORE_KIND_UNANALYSABLE ? (size_t)0 : in->nparties);
	if (in->kind != STORE_KIND_UNANALYSABLE &&
	    insert_parties(s, r->case_id, in->parties, in->nparties, e) == -1)
		return -1;
	if (insert_event(s, r->case_id, in->received_at, "opened", detail,
			 e) == -1)
		return -1;
	return set_message_case(s, msg, r->case_id, e);
}

/* A message not seen before: insert it, open or link its case. */
static int
ingest_new(struct store *s, const struct store_message_in *in,
	   const char *key, struct store_ingest_result *r, struct err *e)
{
	bool opens = in->kind == STORE_KIND_REPORT ||
		     in->kind == STORE_KIND_UNANALYSABLE;
	int64_t case_id = 0;
	char detail[160];
	int found = 0;

	if (!opens && in->case_ref != NULL) {
		found = case_id_by_ref(s, in->case_ref, &case_id, e);
		if (found == -1)
			return -1;
		r->unknown_case_ref = !found;
	}
	if (insert_message(s, in, key, case_id, r->unknown_case_ref,
			   &r->message, e) == -1)
		return -1;
	if (opens)
		return open_case(s, in, r->message, r, e);
	if (!found)
		return 0;
	r->case_id = case_id;
	snprintf(r->case_ref, sizeof(r->case_ref), "%s", in->case_ref);
	snprintf(detail, sizeof(detail), "kind=%s message=%" PRId64,
		 store_kind_name(in->kind), r->message);
	return insert_event(s, case_id, in->received_at, "linked", detail, e);
}

static int
check_input(const struct store_message_in *in, struct err *e)
{
	if (in->account == NULL || in->mailbox == NULL ||
	    in->body_sha256 == NULL || store_kind_name(in->kind) == NULL ||
	    (in->nparties > 0 && in->parties == NULL))
		return err_set(e, EX_USAGE, "store: ingest: incomplete input");
	return 0;
}

int
store_ingest(struct store *s, const struct store_message_in *in,
	     struct store_ingest_result *r, struct err *e)
{
	char *key = NULL;
	int found, rc = -1;

	memset(r, 0, sizeof(*r));
	if (check_input(in, e) == -1 || dedup_key(in, &key, e) == -1)
		return -1;
	if (tx_begin(s, e) == -1) {
		free(key);
		return -1;
	}
	if (check_uidvalidity(s, in, e) == -1 ||
	    (found = find_by_key(s, key, &r->message, &r->case_id, e)) == -1)
		goto fail;
	if (found) {
		r->duplicate = true;
		if (r->case_id != 0 &&
		    case_ref_by_id(s, r->case_id, r->case_ref, e) == -1)
			goto fail;
	} else if (ingest_new(s, in, key, r, e) == -1) {
		goto fail;
	}
	if (insert_location(s, in, r->message, e) == -1 ||
	    advance_mailbox(s, in, e) == -1)
		goto fail;
	rc = 0;
fail:
	free(key);
	if (tx_end(s, rc, e) == -1) {
		memset(r, 0, sizeof(*r));
		return -1;
	}
	return 0;
}

/* ---- mailbox state ---- */

int
store_mailbox_get(struct store *s, const char *account, const char *mailbox,
		  struct store_mailbox *r, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_MAILBOX_GET, &st, e) == -1 ||
	    bound(s, st, bind_text(st, 1, account) |
		  bind_text(st, 2, mailbox), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	if (rc == SQLITE_ROW) {
		r->uidvalidity = (uint32_t)col_int(st, 0);
		r->last_uid = (uint32_t)col_int(st, 1);
		r->updated_at = col_int(st, 2);
	}
	done(st);
	return rc == SQLITE_ROW;
}

int
store_mailbox_set(struct store *s, const char *account, const char *mailbox,
		  uint32_t uidvalidity, uint32_t last_uid, int64_t now,
		  struct err *e)
{
	sqlite3_stmt *st = NULL;
	int b, rc;

	if (tx_begin(s, e) == -1)
		return -1;
	rc = stmt(s, Q_MAILBOX_SET, &st, e);
	if (rc == 0) {
		b = bind_text(st, 1, account) | bind_text(st, 2, mailbox) |
		    sqlite3_bind_int64(st, 3, uidvalidity) |
		    sqlite3_bind_int64(st, 4, last_uid) |
		    sqlite3_bind_int64(st, 5, now);
		rc = bound(s, st, b, e) == -1 ? -1 : run(s, st, e);
	}
	return tx_end(s, rc, e);
}

/* ---- reading rows ---- */

static int
read_message(sqlite3_stmt *st, struct store_message *m, struct err *e)
{
	const char *kind = (const char *)sqlite3_column_text(st, 6);
	int k = index_of(KIND_NAMES, NELEM(KIND_NAMES), kind, -1);

	if (k == -1)
		return err_set(e, EX_DATAERR, "store: message %lld: bad kind",
			       (long long)col_int(st, 0));
	memset(m, 0, sizeof(*m));
	m->id = col_int(st, 0);
	m->message_id = col_str(st, 1);
	m->account = col_str(st, 2);
	m->mailbox = col_str(st, 3);
	m->uidvalidity = (uint32_t)col_int(st, 4);
	m->uid = (uint32_t)col_int(st, 5);
	m->kind = (enum store_kind)k;
	m->from_addr = col_str(st, 7);
	m->subject = col_str(st, 8);
	m->has_date = !col_null(st, 9);
	m->date = col_int(st, 9);
	m->archive_path = col_str(st, 10);
	m->analysis_json = col_str(st, 11);
	m->case_ref_named = col_str(st, 12);
	m->unknown_case_ref = col_int(st, 13) != 0;
	m->case_id = col_int(st, 14);
	m->received_at = col_int(st, 15);
	m->nlocations = (size_t)col_int(st, 16);
	return 0;
}

void
store_message_free(struct store_message *m)
{
	if (m == NULL)
		return;
	free(m->message_id);
	free(m->account);
	free(m->mailbox);
	free(m->from_addr);
	free(m->subject);
	free(m->archive_path);
	free(m->analysis_json);
	free(m->case_ref_named);
	memset(m, 0, sizeof(*m));
}

int
store_message_find(struct store *s, const char *message_id,
		   struct store_message *r, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_MSG_BY_MESSAGE_ID, &st, e) == -1 ||
	    bound(s, st, bind_text(st, 1, message_id), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	if (rc == SQLITE_ROW && read_message(st, r, e) == -1)
		rc = -1;
	done(st);
	return rc == -1 ? -1 : rc == SQLITE_ROW;
}

int
store_status_counts(struct store *s, long *open_r, long *queued_r, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_STATUS_COUNTS, &st, e) == -1 || (rc = step(s, st, e)) == -1)
		return -1;
	*open_r = rc == SQLITE_ROW ? (long)col_int(st, 0) : 0;
	*queued_r = rc == SQLITE_ROW ? (long)col_int(st, 1) : 0;
	done(st);
	return 0;
}

int
store_case_ref_of_message(struct store *s, const char *message_id,
			  char ref_r[STORE_REF_MAX], struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_CASE_REF_OF_MESSAGE, &st, e) == -1 ||
	    bound(s, st, bind_text(st, 1, message_id), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	if (rc == SQLITE_ROW)
		snprintf(ref_r, STORE_REF_MAX, "%s", sqlite3_column_text(st, 0));
	done(st);
	return rc == SQLITE_ROW;
}

static int
read_case(sqlite3_stmt *st, struct store_case *c, struct err *e)
{
	int status = index_of(STATUS_NAMES, NELEM(STATUS_NAMES),
			      (const char *)sqlite3_column_text(st, 4), -1);

	if (status == -1)
		return err_set(e, EX_DATAERR, "store: case %lld: bad status",
			       (long long)col_int(st, 0));
	c->id = col_int(st, 0);
	snprintf(c->ref, sizeof(c->ref), "%s", sqlite3_column_text(st, 1));
	c->year = sqlite3_column_int(st, 2);
	c->seq = sqlite3_column_int(st, 3);
	c->status = (enum store_case_status)status;
	c->origin = (enum store_origin)index_of(ORIGIN_NAMES,
		NELEM(ORIGIN_NAMES), (const char *)sqlite3_column_text(st, 5),
		STORE_ORIGIN_NONE);
	c->reporter = col_str(st, 6);
	c->reporting_municipality = col_str(st, 7);
	c->has_breach_at = !col_null(st, 8);
	c->breach_at = col_int(st, 8);
	c->has_discovered_at = !col_null(st, 9);
	c->discovered_at = col_int(st, 9);
	c->description = col_str(st, 10);
	c->cause = col_str(st, 11);
	c->consequences = col_str(st, 12);
	c->measures = col_str(st, 13);
	c->data_categories = col_str(st, 14);
	c->affected_count = col_null(st, 15) ? -1 : (long)col_int(st, 15);
	c->cpr_count = sqlite3_column_int(st, 16);
	c->severity = col_str(st, 17);
	c->reported_to_authority = col_tri(st, 18);
	c->affects_all = col_int(st, 19) != 0;
	c->spoofed = col_int(st, 20) != 0;
	c->created_at = col_int(st, 21);
	c->aware_at = col_int(st, 22);
	c->report_message = col_int(st, 23);
	return 0;
}

static void
read_party(sqlite3_stmt *st, struct store_party *p)
{
	p->id = col_int(st, 0);
	p->kind = (enum store_party_kind)index_of(PARTY_NAMES,
		NELEM(PARTY_NAMES), (const char *)sqlite3_column_text(st, 1),
		STORE_PARTY_MUNICIPALITY);
	p->name = col_str(st, 2);
	p->reporter = col_int(st, 3) != 0;
	p->notified_at = col_int(st, 4);
	p->ack_at = col_int(st, 5);
	p->ack_from = col_str(st, 6);
	p->ack_message = col_int(st, 7);
	p->authority_decision = col_tri(st, 8);
	p->authority_decision_at = col_int(st, 9);
	p->return_date = col_int(st, 10);
}

static void
read_event(sqlite3_stmt *st, struct store_event *ev)
{
	ev->at = col_int(st, 0);
	ev->type = col_str(st, 1);
	ev->detail = col_str(st, 2);
}

static void
read_change(sqlite3_stmt *st, struct store_field_change *ch)
{
	ch->at = col_int(st, 0);
	ch->field = col_str(st, 1);
	ch->old_value = col_str(st, 2);
	ch->new_value = col_str(st, 3);
	ch->source_message = col_int(st, 4);
}

/*
 * Run query id for case_id and hand each row to one of the readers into a
 * growing array of elements of size size. *v_r and *n_r grow in place.
 */
static int
load_rows(struct store *s, enum qid id, int64_t case_id, size_t size,
	  void **v_r, size_t *n_r, struct err *e)
{
	sqlite3_stmt *st = NULL;
	char *slot;
	int rc;

	if (stmt(s, id, &st, e) == -1 ||
	    bound(s, st, sqlite3_bind_int64(st, 1, case_id), e) == -1)
		return -1;
	while ((rc = step(s, st, e)) == SQLITE_ROW) {
		*v_r = xreallocarray(*v_r, *n_r + 1, size);
		slot = (char *)*v_r + *n_r * size;
		memset(slot, 0, size);
		if (id == Q_PARTIES_OF_CASE)
			read_party(st, (struct store_party *)(void *)slot);
		else if (id == Q_EVENTS_OF_CASE)
			read_event(st, (struct store_event *)(void *)slot);
		else if (id == Q_CHANGES_OF_CASE)
			read_change(st, (struct store_field_change *)(void *)slot);
		else if (read_message(st, (struct store_message *)(void *)slot,
				      e) == -1) {
			done(st);
			return -1;
		}
		++*n_r;
	}
	if (rc == -1)
		return -1;
	done(st);
	return 0;
}

/* load_rows into one of a case's arrays, through a void * (no aliasing). */
#define LOAD_INTO(s, q, c, field, nfield, e) __extension__ ({	\
	void *v_ = (c)->field;						\
	int rc_ = load_rows((s), (q), (c)->id, sizeof(*(c)->field),	\
			    &v_, &(c)->nfield, (e));			\
	(c)->field = v_;						\
	rc_; })

static int
load_parties(struct store *s, struct store_case *c, struct err *e)
{
	return LOAD_INTO(s, Q_PARTIES_OF_CASE, c, parties, nparties, e);
}

static int
load_details(struct store *s, struct store_case *c, struct err *e)
{
	if (load_parties(s, c, e) == -1 ||
	    LOAD_INTO(s, Q_EVENTS_OF_CASE, c, events, nevents, e) == -1 ||
	    LOAD_INTO(s, Q_MSGS_OF_CASE, c, messages, nmessages, e) == -1 ||
	    LOAD_INTO(s, Q_CHANGES_OF_CASE, c, changes, nchanges, e) == -1)
		return -1;
	return 0;
}

/* Free what a case holds, not the case itself. */
static void
case_clear(struct store_case *c)
{
	size_t i;

	free(c->reporter);
	free(c->reporting_municipality);
	free(c->description);
	free(c->cause);
	free(c->consequences);
	free(c->measures);
	free(c->data_categories);
	free(c->severity);
	for (i = 0; i < c->nparties; i++) {
		free(c->parties[i].name);
		free(c->parties[i].ack_from);
	}
	free(c->parties);
	for (i = 0; i < c->nevents; i++) {
		free(c->events[i].type);
		free(c->events[i].detail);
	}
	free(c->events);
	for (i = 0; i < c->nmessages; i++)
		store_message_free(&c->messages[i]);
	free(c->messages);
	for (i = 0; i < c->nchanges; i++) {
		free(c->changes[i].field);
		free(c->changes[i].old_value);
		free(c->changes[i].new_value);
	}
	free(c->changes);
	memset(c, 0, sizeof(*c));
}

void
store_case_free(struct store_case **c)
{
	if (*c == NULL)
		return;
	case_clear(*c);
	free(*c);
	*c = NULL;
}

void
store_case_list_free(struct store_case **v, size_t n)
{
	size_t i;

	if (*v == NULL)
		return;
	for (i = 0; i < n; i++)
		case_clear(&(*v)[i]);
	free(*v);
	*v = NULL;
}

/* The case row for ref into c: 1 found, 0 not, -1 error. */
static int
case_row(struct store *s, const char *ref, struct store_case *c,
	 struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_CASE_BY_REF, &st, e) == -1 ||
	    bound(s, st, bind_text(st, 1, ref), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	if (rc == SQLITE_ROW && read_case(st, c, e) == -1)
		rc = -1;
	done(st);
	return rc == -1 ? -1 : rc == SQLITE_ROW;
}

int
store_case_get(struct store *s, const char *ref, struct store_case **r,
	       struct err *e)
{
	struct store_case *c = xcalloc(1, sizeof(*c));
	int found;

	if (tx_begin_read(s, e) == -1) {
		free(c);
		return -1;
	}
	found = case_row(s, ref, c, e);
	if (found == 1 && load_details(s, c, e) == -1)
		found = -1;
	if (tx_end(s, found == -1 ? -1 : 0, e) == -1 || found != 1) {
		store_case_free(&c);
		return found == 0 ? 0 : -1;
	}
	*r = c;
	return 1;
}

static int
case_list_rows(struct store *s, struct store_case **v, size_t *n,
	       struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_CASE_ALL, &st, e) == -1)
		return -1;
	while ((rc = step(s, st, e)) == SQLITE_ROW) {
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		memset(&(*v)[*n], 0, sizeof(**v));
		if (read_case(st, &(*v)[*n], e) == -1) {
			done(st);
			return -1;
		}
		++*n;
	}
	if (rc == -1)
		return -1;
	done(st);
	return 0;
}

int
store_case_list(struct store *s, struct store_case **r, size_t *n_r,
		struct err *e)
{
	struct store_case *v = NULL;
	size_t n = 0, i;
	int rc;

	if (tx_begin_read(s, e) == -1)
		return -1;
	rc = case_list_rows(s, &v, &n, e);
	for (i = 0; rc == 0 && i < n; i++)
		rc = load_parties(s, &v[i], e);
	if (tx_end(s, rc, e) == -1) {
		store_case_list_free(&v, n);
		return -1;
	}
	*r = v;
	*n_r = n;
	return 0;
}

/* ---- acknowledgements, events, integrity ---- */

/* Case id of ref, or -1 with e (65) when there is none. */
static int
need_case(struct store *s, const char *ref, int64_t *id_r, struct err *e)
{
	int rc = case_id_by_ref(s, ref, id_r, e);

	if (rc == 0)
		return err_set(e, EX_DATAERR, "store: no case %s", ref);
	return rc == 1 ? 0 : -1;
}

/* Find the party; fills id, whether it acknowledged, its name (owned). */
static int
find_party(struct store *s, int64_t case_id, enum store_party_kind kind,
	   const char *name, int64_t *id_r, bool *acked_r, char **name_r,
	   struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_PARTY_FIND, &st, e) == -1 ||
	    bound(s, st, sqlite3_bind_int64(st, 1, case_id) |
		  bind_text(st, 2, store_party_kind_name(kind)) |
		  bind_text(st, 3, name), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	if (rc == SQLITE_ROW) {
		*id_r = col_int(st, 0);
		*acked_r = col_int(st, 1) != 0;
		*name_r = col_str(st, 2);
	}
	done(st);
	if (rc != SQLITE_ROW)
		return err_set(e, EX_DATAERR, "store: case has no %s party%s%s",
			       store_party_kind_name(kind), name ? " " : "",
			       name ? name : "");
	return 0;
}

static int
mark_ack(struct store *s, int64_t party, int64_t at, const char *from,
	 int64_t message, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int b;

	if (stmt(s, Q_PARTY_ACK, &st, e) == -1)
		return -1;
	b = sqlite3_bind_int64(st, 1, party) | sqlite3_bind_int64(st, 2, at) |
	    bind_text(st, 3, from) |
	    bind_opt_int(st, 4, message != 0, message);
	if (bound(s, st, b, e) == -1)
		return -1;
	return run(s, st, e);
}

int
store_record_ack(struct store *s, const char *ref,
		 enum store_party_kind kind, const char *name, int64_t at,
		 const char *from, int64_t message, struct err *e)
{
	int64_t case_id = 0, party = 0;
	char *pname = NULL, *detail;
	bool acked = false;
	int rc;

	if (store_party_kind_name(kind) == NULL)
		return err_set(e, EX_USAGE, "store: bad party kind %d", kind);
	if (tx_begin(s, e) == -1)
		return -1;
	rc = need_case(s, ref, &case_id, e);
	if (rc == 0)
		rc = find_party(s, case_id, kind, name, &party, &acked, &pname,
				e);
	if (rc == 0 && !acked)
		rc = mark_ack(s, party, at, from, message, e);
	if (rc == 0) {
		detail = xasprintf("party=%s first=%s by=%s",
				   pname, acked ? "no" : "yes",
				   message ? "mail" : "hand");
		rc = insert_event(s, case_id, at, "ack", detail, e);
		free(detail);
	}
	free(pname);
	if (tx_end(s, rc, e) == -1)
		return -1;
	return !acked;
}

int
store_event_append(struct store *s, const char *ref, int64_t at,
		   const char *type, const char *detail, struct err *e)
{
	int64_t case_id = 0;
	int rc;

	if (type == NULL)
		return err_set(e, EX_USAGE, "store: event without a type");
	if (tx_begin(s, e) == -1)
		return -1;
	rc = need_case(s, ref, &case_id, e);
	if (rc == 0)
		rc = insert_event(s, case_id, at, type, detail, e);
	return tx_end(s, rc, e);
}

int
store_integrity_check(struct store *s, struct err *e)
{
	sqlite3_stmt *st = NULL;
	const char *v;
	int rc, ok;

	if (stmt(s, Q_INTEGRITY, &st, e) == -1 || (rc = step(s, st, e)) == -1)
		return -1;
	v = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	ok = v != NULL && strcmp(v, "ok") == 0;
	if (!ok)
		err_set(e, EX_DATAERR, "store: integrity_check: %.200s",
			v ? v : "no answer");
	done(st);
	if (!ok)
		return 0;
	if (stmt(s, Q_FK_CHECK, &st, e) == -1 || (rc = step(s, st, e)) == -1)
		return -1;
	if (rc == SQLITE_ROW)
		err_set(e, EX_DATAERR, "store: foreign_key_check: table %s "
			"row %lld", sqlite3_column_text(st, 0),
			(long long)col_int(st, 1));
	done(st);
	return rc == SQLITE_DONE;
}

/* ---- the outbound side and replies: notified, decision, return date ---- */

/* The party row by id into *p (owned strings: party_clear). */
static int
party_by_id(struct store *s, int64_t id, struct store_party *p,
	    struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_PARTY_BY_ID, &st, e) == -1 ||
	    bound(s, st, sqlite3_bind_int64(st, 1, id), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	if (rc == SQLITE_ROW)
		read_party(st, p);
	done(st);
	if (rc != SQLITE_ROW)
		return err_set(e, EX_SOFTWARE, "store: party %" PRId64
			       " vanished", id);
	return 0;
}

static void
party_clear(struct store_party *p)
{
	free(p->name);
	free(p->ack_from);
	memset(p, 0, sizeof(*p));
}

/*
 * Begin a write transaction and find party (kind, name) of case ref: its
 * case id, and the party row into *p. On failure the transaction is rolled
 * back and -1 returned.
 */
static int
party_begin(struct store *s, const char *ref, enum store_party_kind kind,
	    const char *name, int64_t *case_r, struct store_party *p,
	    struct err *e)
{
	int64_t id = 0;
	char *pname = NULL;
	bool acked = false;
	int rc;

	memset(p, 0, sizeof(*p));
	if (store_party_kind_name(kind) == NULL)
		return err_set(e, EX_USAGE, "store: bad party kind %d", kind);
	if (tx_begin(s, e) == -1)
		return -1;
	rc = need_case(s, ref, case_r, e);
	if (rc == 0)
		rc = find_party(s, *case_r, kind, name, &id, &acked, &pname, e);
	free(pname);
	if (rc == 0)
		rc = party_by_id(s, id, p, e);
	if (rc == -1) {
		party_clear(p);
		tx_rollback(s);
	}
	return rc;
}

/* Run a party UPDATE (id ?1, int64 ?2, optional int64 ?3). */
static int
party_update(struct store *s, enum qid q, int64_t id, int64_t v2,
	     bool has3, int64_t v3, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int b;

	if (stmt(s, q, &st, e) == -1)
		return -1;
	b = sqlite3_bind_int64(st, 1, id) | sqlite3_bind_int64(st, 2, v2);
	if (has3)
		b |= sqlite3_bind_int64(st, 3, v3);
	if (bound(s, st, b, e) == -1)
		return -1;
	return run(s, st, e);
}

int
store_record_notified(struct store *s, const char *ref,
		      enum store_party_kind kind, const char *name,
		      int64_t at, struct err *e)
{
	struct store_party p;
	int64_t case_id = 0;
	bool first;
	char *detail;
	int rc;

	if (party_begin(s, ref, kind, name, &case_id, &p, e) == -1)
		return -1;
	first = p.notified_at == 0;
	rc = 0;
	if (first) {
		rc = party_update(s, Q_PARTY_NOTIFIED, p.id, at, false, 0, e);
		detail = xasprintf("party=%s", p.name);
		if (rc == 0)
			rc = insert_event(s, case_id, at, "notified", detail, e);
		free(detail);
	}
	party_clear(&p);
	if (tx_end(s, rc, e) == -1)
		return -1;
	return first;
}

static const char *
tri_word(enum store_tristate t)
{
	return t == STORE_TRUE ? "yes" : t == STORE_FALSE ? "no" : "none";
}

int
store_record_authority(struct store *s, const char *ref, const char *name,
		       enum store_tristate decision, int64_t at,
		       int64_t message, struct err *e)
{
	struct store_party p;
	int64_t case_id = 0;
	bool changed;
	char *detail;
	int rc;

	if (decision != STORE_TRUE && decision != STORE_FALSE)
		return err_set(e, EX_USAGE, "store: no decision to record");
	if (party_begin(s, ref, STORE_PARTY_MUNICIPALITY, name, &case_id, &p,
			e) == -1)
		return -1;
	changed = p.authority_decision != decision;
	rc = 0;
	if (changed) {
		rc = party_update(s, Q_PARTY_AUTHORITY, p.id,
				  decision == STORE_TRUE, true, at, e);
		detail = xasprintf("party=%s decision=%s previous=%s by=%s",
				   p.name, tri_word(decision),
				   tri_word(p.authority_decision),
				   message ? "mail" : "hand");
		if (rc == 0)
			rc = insert_event(s, case_id, at, "authority", detail,
					  e);
		free(detail);
	}
	party_clear(&p);
	if (tx_end(s, rc, e) == -1)
		return -1;
	return changed;
}

int
store_record_return_date(struct store *s, const char *ref,
			 enum store_party_kind kind, const char *name,
			 int64_t return_date, int64_t at, struct err *e)
{
	struct store_party p;
	char iso[CPH_ISO_MAX], *detail;
	int64_t case_id = 0;
	bool changed;
	int rc;

	if (party_begin(s, ref, kind, name, &case_id, &p, e) == -1)
		return -1;
	changed = p.return_date != return_date;
	rc = 0;
	if (changed) {
		rc = party_update(s, Q_PARTY_RETURN, p.id, return_date, false,
				  0, e);
		cph_iso_minute(return_date, iso);
		detail = xasprintf("party=%s back=%s", p.name, iso);
		if (rc == 0)
			rc = insert_event(s, case_id, at, "out_of_office",
					  detail, e);
		free(detail);
	}
	party_clear(&p);
	if (tx_end(s, rc, e) == -1)
		return -1;
	return changed;
}

/* ---- register fields set by a later message ---- */

enum field_type { FT_TEXT, FT_COUNT, FT_TIME };

/* The fields store_case_update may set: name, statement, where the old
 * value lives in struct store_case. */
static const struct case_field {
	const char *name;
	enum qid q;
	enum field_type type;
	size_t off, has_off;	/* has_off: FT_TIME's bool has_ flag */
} CASE_FIELDS[] = {
	{ "description", Q_CASE_SET_DESCRIPTION, FT_TEXT,
	  offsetof(struct store_case, description), 0 },
	{ "cause", Q_CASE_SET_CAUSE, FT_TEXT,
	  offsetof(struct store_case, cause), 0 },
	{ "consequences", Q_CASE_SET_CONSEQUENCES, FT_TEXT,
	  offsetof(struct store_case, consequences), 0 },
	{ "measures", Q_CASE_SET_MEASURES, FT_TEXT,
	  offsetof(struct store_case, measures), 0 },
	{ "data_categories", Q_CASE_SET_CATEGORIES, FT_TEXT,
	  offsetof(struct store_case, data_categories), 0 },
	{ "severity", Q_CASE_SET_SEVERITY, FT_TEXT,
	  offsetof(struct store_case, severity), 0 },
	{ "affected_count", Q_CASE_SET_COUNT, FT_COUNT,
	  offsetof(struct store_case, affected_count), 0 },
	{ "breach_at", Q_CASE_SET_BREACH, FT_TIME,
	  offsetof(struct store_case, breach_at),
	  offsetof(struct store_case, has_breach_at) },
	{ "discovered_at", Q_CASE_SET_DISCOVERED, FT_TIME,
	  offsetof(struct store_case, discovered_at),
	  offsetof(struct store_case, has_discovered_at) },
};

static const struct case_field *
case_field(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < NELEM(CASE_FIELDS); i++)
		if (strcmp(CASE_FIELDS[i].name, name) == 0)
			return &CASE_FIELDS[i];
	return NULL;
}

/* A field's value as field_changes text (owned), or NULL when unset. */
static char *
field_text(enum field_type type, const char *text, bool has, int64_t v)
{
	char iso[CPH_ISO_MAX];

	if (type == FT_TEXT)
		return text ? xstrdup(text) : NULL;
	if (!has)
		return NULL;
	if (type == FT_COUNT)
		return xasprintf("%" PRId64, v);
	cph_iso_minute(v, iso);
	return xstrdup(iso);
}

static char *
old_text(const struct case_field *f, const struct store_case *c)
{
	const char *base = (const char *)c;
	int64_t t;
	long n;

	if (f->type == FT_TEXT)
		return field_text(FT_TEXT, *(char *const *)(const void *)
				  (base + f->off), false, 0);
	if (f->type == FT_COUNT) {
		memcpy(&n, base + f->off, sizeof(n));
		return field_text(FT_COUNT, NULL, n >= 0, n);
	}
	memcpy(&t, base + f->off, sizeof(t));
	return field_text(FT_TIME, NULL, *(const bool *)(const void *)
			  (base + f->has_off), t);
}

static int
insert_change(struct store *s, int64_t case_id, int64_t at,
	      const char *field, const char *old, const char *new,
	      int64_t msg, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int b;

	if (stmt(s, Q_CHANGE_INSERT, &st, e) == -1)
		return -1;
	b = sqlite3_bind_int64(st, 1, case_id) |
	    sqlite3_bind_int64(st, 2, at) | bind_text(st, 3, field) |
	    bind_text(st, 4, old) | bind_text(st, 5, new) |
	    bind_opt_int(st, 6, msg != 0, msg);
	if (bound(s, st, b, e) == -1)
		return -1;
	return run(s, st, e);
}

/* Set one field when it differs; 1 changed, 0 same, -1 error. */
static int
update_one(struct store *s, const struct store_case *c,
	   const struct store_field_update *u, int64_t at, int64_t msg,
	   struct err *e)
{
	const struct case_field *f = case_field(u->field);
	sqlite3_stmt *st = NULL;
	char *old = old_text(f, c);
	char *new = field_text(f->type, u->text, true, u->value);
	int b, rc = 0;

	if (old != NULL && new != NULL && strcmp(old, new) == 0)
		goto out;
	rc = stmt(s, f->q, &st, e);
	if (rc == 0) {
		b = sqlite3_bind_int64(st, 1, c->id) | (f->type == FT_TEXT ?
		    bind_text(st, 2, u->text) :
		    sqlite3_bind_int64(st, 2, u->value));
		rc = bound(s, st, b, e) == -1 ? -1 : run(s, st, e);
	}
	if (rc == 0)
		rc = insert_change(s, c->id, at, f->name, old, new, msg, e);
	if (rc == 0)
		rc = 1;
out:
	free(old);
	free(new);
	return rc;
}

static int
check_updates(const struct store_field_update *v, size_t n, struct err *e)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (case_field(v[i].field) == NULL)
			return err_set(e, EX_USAGE, "store: no field %s",
				       v[i].field ? v[i].field : "(null)");
		if (case_field(v[i].field)->type == FT_TEXT &&
		    v[i].text == NULL)
			return err_set(e, EX_USAGE, "store: %s without a "
				       "value", v[i].field);
		if (case_field(v[i].field)->type == FT_COUNT && v[i].value < 0)
			return err_set(e, EX_USAGE, "store: negative count");
	}
	return 0;
}

int
store_case_update(struct store *s, const char *ref,
		  const struct store_field_update *v, size_t n, int64_t at,
		  int64_t source_message, struct err *e)
{
	struct store_case c = { 0 };
	int rc, changed = 0, one;
	size_t i;

	if (check_updates(v, n, e) == -1 || tx_begin(s, e) == -1)
		return -1;
	rc = case_row(s, ref, &c, e);
	if (rc == 0)
		rc = err_set(e, EX_DATAERR, "store: no case %s", ref);
	else if (rc == 1)
		rc = 0;
	for (i = 0; rc == 0 && i < n; i++) {
		one = update_one(s, &c, &v[i], at, source_message, e);
		if (one == -1)
			rc = -1;
		else
			changed += one;
	}
	case_clear(&c);
	if (tx_end(s, rc, e) == -1)
		return -1;
	return changed;
}

/* ---- the deadline ledger ---- */

int
store_deadline_keys(struct store *s, char ***keys_r, size_t *n_r,
		    struct err *e)
{
	sqlite3_stmt *st = NULL;
	char **v = NULL;
	size_t n = 0;
	int rc;

	if (stmt(s, Q_DEADLINE_KEYS, &st, e) == -1)
		return -1;
	while ((rc = step(s, st, e)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = col_str(st, 0);
	}
	if (rc == -1) {
		store_deadline_keys_free(&v, n);
		return -1;
	}
	done(st);
	*keys_r = v;
	*n_r = n;
	return 0;
}

void
store_deadline_keys_free(char ***keys, size_t n)
{
	size_t i;

	if (*keys == NULL)
		return;
	for (i = 0; i < n; i++)
		free((*keys)[i]);
	free(*keys);
	*keys = NULL;
}

/* Insert one mark: 1 inserted, 0 the key was there, -1 error. */
static int
insert_mark(struct store *s, const struct store_deadline_mark *m,
	    int64_t now, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int b;

	if (m->key == NULL || m->kind == NULL)
		return err_set(e, EX_USAGE, "store: deadline mark without key");
	if (stmt(s, Q_DEADLINE_INSERT, &st, e) == -1)
		return -1;
	b = bind_text(st, 1, m->key) |
	    bind_opt_int(st, 2, m->case_id != 0, m->case_id) |
	    bind_opt_int(st, 3, m->party != 0, m->party) |
	    bind_text(st, 4, m->kind) | sqlite3_bind_int64(st, 5, m->due_at) |
	    sqlite3_bind_int64(st, 6, now);
	if (bound(s, st, b, e) == -1 || run(s, st, e) == -1)
		return -1;
	return sqlite3_changes(s->db) == 1;
}

int
store_deadline_record(struct store *s, const struct store_deadline_mark *v,
		      size_t n, int64_t now, const char *detail,
		      store_deadline_send_fn *send, void *ctx, struct err *e)
{
	int rc = 0, fresh = 1;
	size_t i;

	if (n == 0)
		return err_set(e, EX_USAGE, "store: deadline without marks");
	if (tx_begin(s, e) == -1)
		return -1;
	for (i = 0; rc == 0 && fresh == 1 && i < n; i++)
		if ((fresh = insert_mark(s, &v[i], now, e)) == -1)
			rc = -1;
	if (rc == 0 && fresh == 0) {
		tx_rollback(s);		/* someone recorded it first */
		return 0;
	}
	if (rc == 0 && v[0].case_id != 0)
		rc = insert_event(s, v[0].case_id, now, "deadline", detail, e);
	if (rc == 0 && send != NULL)
		rc = send(ctx, e);
	if (tx_end(s, rc, e) == -1)
		return -1;
	return 1;
}

/* ---- outbound mail ---- */

static const char *const OUT_STATUS_NAMES[] = {
	[STORE_OUT_QUEUED] = "queued", [STORE_OUT_SENT] = "sent",
	[STORE_OUT_FAILED] = "failed", [STORE_OUT_EXPIRED] = "expired",
};

const char *
store_outbound_status_name(enum store_outbound_status st)
{
	return name_of(OUT_STATUS_NAMES, sizeof(OUT_STATUS_NAMES) /
		       sizeof(OUT_STATUS_NAMES[0]), (int)st);
}

/* The case id of ref into *id_r; 0 for ref NULL (the mails of no case). */
static int
out_case(struct store *s, const char *ref, int64_t *id_r, struct err *e)
{
	*id_r = 0;
	return ref == NULL ? 0 : need_case(s, ref, id_r, e);
}

static int
out_max_seq(struct store *s, int64_t case_id, int *seq_r, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_OUT_MAX_SEQ, &st, e) == -1 ||
	    bound(s, st, bind_opt_int(st, 1, case_id != 0, case_id), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	*seq_r = rc == SQLITE_ROW ? (int)col_int(st, 0) : 0;
	done(st);
	return 0;
}

int
store_outbound_max_seq(struct store *s, const char *ref, int *seq_r,
		       struct err *e)
{
	int64_t case_id = 0;
	int rc;

	if (tx_begin_read(s, e) == -1)
		return -1;
	rc = out_case(s, ref, &case_id, e);
	if (rc == 0)
		rc = out_max_seq(s, case_id, seq_r, e);
	return tx_end(s, rc, e);
}

static int
out_insert(struct store *s, int64_t case_id, const struct store_outbound_in *m,
	   int64_t now, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int b;

	if (m->seq <= 0 || m->kind == NULL || m->recipient == NULL)
		return err_set(e, EX_USAGE, "store: outbound mail without seq, kind or recipient");
	if (stmt(s, Q_OUT_INSERT, &st, e) == -1)
		return -1;
	b = bind_opt_int(st, 1, case_id != 0, case_id) |
	    sqlite3_bind_int(st, 2, m->seq) | bind_text(st, 3, m->kind) |
	    bind_opt_int(st, 4, m->party != 0, m->party) |
	    bind_text(st, 5, m->recipient) | bind_text(st, 6, m->queue_file) |
	    sqlite3_bind_int64(st, 7, now);
	if (bound(s, st, b, e) == -1)
		return -1;
	return run(s, st, e);
}

/* Run an UPDATE bound by the caller; 65 (what) unless it changed one row. */
static int
run_one_row(struct store *s, sqlite3_stmt *st, const char *what, struct err *e)
{
	if (run(s, st, e) == -1)
		return -1;
	if (sqlite3_changes(s->db) != 1)
		return err_set(e, EX_DATAERR, "store: %s", what);
	return 0;
}

static int
out_set_status(struct store *s, int64_t case_id, const struct store_outbound_commit *c,
	       struct err *e)
{
	sqlite3_stmt *st = NULL;
	int b;

	if (stmt(s, Q_CASE_SET_STATUS, &st, e) == -1)
		return -1;
	b = sqlite3_bind_int64(st, 1, case_id) |
	    bind_text(st, 2, store_case_status_name(c->from)) |
	    bind_text(st, 3, store_case_status_name(c->to));
	if (bound(s, st, b, e) == -1)
		return -1;
	if (run(s, st, e) == -1)
		return -1;
	if (sqlite3_changes(s->db) != 1)
		return err_set(e, EX_DATAERR, "store: case %s is not %s", c->ref,
			       store_case_status_name(c->from));
	return 0;
}

static int
out_fail(struct store *s, int64_t id, enum store_outbound_status status,
	 const char *error, int attempt, bool sent_too, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int b;

	if (status != STORE_OUT_FAILED && status != STORE_OUT_EXPIRED)
		return err_set(e, EX_USAGE, "store: bad failure status %d", status);
	if (stmt(s, Q_OUT_FAIL, &st, e) == -1)
		return -1;
	b = sqlite3_bind_int64(st, 1, id) |
	    bind_text(st, 2, store_outbound_status_name(status)) |
	    bind_text(st, 3, error) | sqlite3_bind_int(st, 4, attempt) |
	    sqlite3_bind_int(st, 5, sent_too);
	if (bound(s, st, b, e) == -1)
		return -1;
	return run_one_row(s, st, "outbound mail is no longer queued", e);
}

/* Refuse (73) when case_id has an event of type already. */
static int
out_event_once(struct store *s, int64_t case_id, const char *type, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;
	int64_t n;

	if (case_id == 0 || type == NULL)
		return err_set(e, EX_USAGE, "store: once without a case and an event");
	if (stmt(s, Q_EVENT_EXISTS, &st, e) == -1 ||
	    bound(s, st, sqlite3_bind_int64(st, 1, case_id) |
		  bind_text(st, 2, type), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	n = rc == SQLITE_ROW ? col_int(st, 0) : 0;
	done(st);
	if (n > 0)
		return err_set(e, EX_CANTCREAT, "store: case already has a %s event", type);
	return 0;
}

static int
out_apply(struct store *s, const struct store_outbound_commit *c, struct err *e)
{
	int64_t case_id = 0;
	int max = 0;
	size_t i;

	if (out_case(s, c->ref, &case_id, e) == -1)
		return -1;
	if (c->once && out_event_once(s, case_id, c->event, e) == -1)
		return -1;
	if (c->change_status && out_set_status(s, case_id, c, e) == -1)
		return -1;
	if (c->fail_id != 0 &&
	    out_fail(s, c->fail_id, c->fail_status, c->fail_error,
		     c->fail_sent ? 0 : 1, c->fail_sent, e) == -1)
		return -1;
	if (c->nmails > 0 && out_max_seq(s, case_id, &max, e) == -1)
		return -1;
	for (i = 0; i < c->nmails; i++) {
		if (c->mails[i].seq <= max)
			return err_set(e, EX_TEMPFAIL,
				       "store: outbound seq %d of %s is taken",
				       c->mails[i].seq, c->ref ? c->ref : "(no case)");
		if (out_insert(s, case_id, &c->mails[i], c->now, e) == -1)
			return -1;
	}
	if (c->event != NULL && case_id != 0 &&
	    insert_event(s, case_id, c->now, c->event, c->detail, e) == -1)
		return -1;
	return 0;
}

int
store_outbound_commit(struct store *s, const struct store_outbound_commit *c,
		      struct err *e)
{
	if (tx_begin(s, e) == -1)
		return -1;
	return tx_end(s, out_apply(s, c, e), e);
}

static void
out_row(sqlite3_stmt *st, struct store_outbound *o)
{
	const unsigned char *ref = sqlite3_column_text(st, 1);
	char *status;

	memset(o, 0, sizeof(*o));
	o->id = col_int(st, 0);
	if (ref != NULL)
		snprintf(o->case_ref, sizeof(o->case_ref), "%s", ref);
	o->seq = (int)col_int(st, 2);
	o->kind = col_str(st, 3);
	o->party = col_int(st, 4);
	o->recipient = col_str(st, 5);
	status = col_str(st, 6);
	o->status = (enum store_outbound_status)index_of(OUT_STATUS_NAMES,
		sizeof(OUT_STATUS_NAMES) / sizeof(OUT_STATUS_NAMES[0]), status, 0);
	free(status);
	o->attempts = (int)col_int(st, 7);
	o->next_try = col_int(st, 8);
	o->last_error = col_str(st, 9);
	o->queue_file = col_str(st, 10);
	o->created_at = col_int(st, 11);
	o->sent_at = col_int(st, 12);
	o->party_name = col_str(st, 13);
}

void
store_outbound_clear(struct store_outbound *o)
{
	if (o == NULL)
		return;
	free(o->kind);
	free(o->party_name);
	free(o->recipient);
	free(o->last_error);
	free(o->queue_file);
	memset(o, 0, sizeof(*o));
}

void
store_outbound_list_free(struct store_outbound **v, size_t n)
{
	size_t i;

	if (v == NULL || *v == NULL)
		return;
	for (i = 0; i < n; i++)
		store_outbound_clear(&(*v)[i]);
	free(*v);
	*v = NULL;
}

int
store_outbound_list(struct store *s, enum store_outbound_list which,
		    int64_t now, struct store_outbound **r, size_t *n_r,
		    struct err *e)
{
	struct store_outbound *v = NULL;
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int rc;

	*r = NULL;
	*n_r = 0;
	if (tx_begin_read(s, e) == -1)
		return -1;
	if (stmt(s, which == STORE_OUT_LIST_DUE ? Q_OUT_LIST_DUE : Q_OUT_LIST_QUEUED,
		 &st, e) == -1 ||
	    (which == STORE_OUT_LIST_DUE &&
	     bound(s, st, sqlite3_bind_int64(st, 1, now), e) == -1))
		return tx_end(s, -1, e);
	while ((rc = step(s, st, e)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		out_row(st, &v[n++]);
	}
	if (rc == SQLITE_DONE)
		done(st);
	if (tx_end(s, rc == SQLITE_DONE ? 0 : -1, e) == -1) {
		store_outbound_list_free(&v, n);
		return -1;
	}
	*r = v;
	*n_r = n;
	return 0;
}

int
store_outbound_by_seq(struct store *s, const char *ref, int seq,
		      struct store_outbound *r, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_OUT_BY_SEQ, &st, e) == -1 ||
	    bound(s, st, bind_text(st, 1, ref) | sqlite3_bind_int(st, 2, seq), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	if (rc == SQLITE_ROW)
		out_row(st, r);
	done(st);
	return rc == SQLITE_ROW;
}

int
store_outbound_by_file(struct store *s, const char *file,
		       struct store_outbound *r, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_OUT_BY_FILE, &st, e) == -1 ||
	    bound(s, st, bind_text(st, 1, file), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	if (rc == SQLITE_ROW)
		out_row(st, r);
	done(st);
	return rc == SQLITE_ROW;
}

/* Row id, inside the caller's transaction. */
static int
out_get(struct store *s, int64_t id, struct store_outbound *o, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_OUT_BY_ID, &st, e) == -1 ||
	    bound(s, st, sqlite3_bind_int64(st, 1, id), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	if (rc == SQLITE_ROW)
		out_row(st, o);
	done(st);
	if (rc != SQLITE_ROW)
		return err_set(e, EX_DATAERR, "store: no outbound mail %lld",
			       (long long)id);
	return 0;
}

static int
out_mark_sent(struct store *s, const struct store_outbound *o, int64_t at,
	      struct err *e)
{
	sqlite3_stmt *st = NULL;
	int64_t case_id = 0;
	char *detail;
	int rc;

	if (stmt(s, Q_OUT_SENT, &st, e) == -1 ||
	    bound(s, st, sqlite3_bind_int64(st, 1, o->id) |
		  sqlite3_bind_int64(st, 2, at), e) == -1 ||
	    run_one_row(s, st, "outbound mail is no longer queued", e) == -1)
		return -1;
	if (o->party != 0 && strcmp(o->kind, "forward") == 0) {
		if (stmt(s, Q_OUT_NOTIFIED, &st, e) == -1 ||
		    bound(s, st, sqlite3_bind_int64(st, 1, o->party) |
			  sqlite3_bind_int64(st, 2, at), e) == -1 ||
		    run(s, st, e) == -1)
			return -1;
	}
	if (o->case_ref[0] == '\0')
		return 0;
	if (need_case(s, o->case_ref, &case_id, e) == -1)
		return -1;
	detail = xasprintf("kind=%s seq=%d to=%s%s%s", o->kind, o->seq,
			   o->recipient, o->party_name ? " party=" : "",
			   o->party_name ? o->party_name : "");
	rc = insert_event(s, case_id, at, "mail_sent", detail, e);
	free(detail);
	return rc;
}

int
store_outbound_sent(struct store *s, int64_t id, int64_t at, struct err *e)
{
	struct store_outbound o = { 0 };
	int rc;

	if (tx_begin(s, e) == -1)
		return -1;
	rc = out_get(s, id, &o, e);
	if (rc == 0)
		rc = out_mark_sent(s, &o, at, e);
	store_outbound_clear(&o);
	return tx_end(s, rc, e);
}

int
store_outbound_retry(struct store *s, int64_t id, int64_t next_try,
		     const char *error, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (tx_begin(s, e) == -1)
		return -1;
	if (stmt(s, Q_OUT_RETRY, &st, e) == 0 &&
	    bound(s, st, sqlite3_bind_int64(st, 1, id) |
		  sqlite3_bind_int64(st, 2, next_try) |
		  bind_text(st, 3, error), e) == 0)
		rc = run_one_row(s, st, "outbound mail is no longer queued", e);
	return tx_end(s, rc, e);
}

int
store_outbound_count_recent(struct store *s, const char *kind,
			    const char *recipient, int64_t since,
			    size_t *n_r, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (stmt(s, Q_OUT_RECENT, &st, e) == -1 ||
	    bound(s, st, bind_text(st, 1, kind) | bind_text(st, 2, recipient) |
		  sqlite3_bind_int64(st, 3, since), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	*n_r = rc == SQLITE_ROW ? (size_t)col_int(st, 0) : 0;
	done(st);
	return 0;
}

int
store_cases_unnotified(struct store *s, int64_t since,
		       char (**r)[STORE_REF_MAX], size_t *n_r, struct err *e)
{
	char (*v)[STORE_REF_MAX] = NULL;
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int rc;

	*r = NULL;
	*n_r = 0;
	if (stmt(s, Q_CASES_UNNOTIFIED, &st, e) == -1 ||
	    bound(s, st, sqlite3_bind_int64(st, 1, since), e) == -1)
		return -1;
	while ((rc = step(s, st, e)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		snprintf(v[n++], STORE_REF_MAX, "%s", sqlite3_column_text(st, 0));
	}
	if (rc == -1) {
		free(v);
		return -1;
	}
	done(st);
	*r = v;
	*n_r = n;
	return 0;
}

/* Run q, a count over sender's cases (?1 sender, ?2 since, ?3 upto, ?4
 * the most to count; cap 0: all), into *n_r. */
static int
sender_count(struct store *s, enum qid q, const char *sender, int64_t since,
	     int64_t upto, long cap, long *n_r, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*n_r = 0;
	if (stmt(s, q, &st, e) == -1 ||
	    bound(s, st, bind_text(st, 1, sender) |
		  sqlite3_bind_int64(st, 2, since) |
		  sqlite3_bind_int64(st, 3, upto) |
		  sqlite3_bind_int64(st, 4, cap > 0 ? cap : -1), e) == -1 ||
	    (rc = step(s, st, e)) == -1)
		return -1;
	if (rc == SQLITE_ROW)
		*n_r = (long)col_int(st, 0);
	done(st);
	return 0;
}

int
store_sender_cases(struct store *s, const char *sender, int64_t since,
		   int64_t upto, long cap, long *count_r, struct err *e)
{
	return sender_count(s, Q_SENDER_CASES, sender, since, upto, cap, count_r, e);
}

int
store_sender_notified(struct store *s, const char *sender, int64_t since,
		      int64_t upto, bool *notified_r, struct err *e)
{
	long n = 0;

	*notified_r = false;
	if (sender_count(s, Q_SENDER_NOTICES, sender, since, upto, 1, &n, e) < 0)
		return -1;
	*notified_r = n > 0;
	return 0;
}

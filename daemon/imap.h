/* SPDX-License-Identifier: MIT */
/*
 * imap.h — brudvagtd's IMAP client: one connection to one account's mailbox.
 *
 * Wraps libetpan; no libetpan type crosses this header. A connection is
 * opened on one struct account (conf/settings.h), verified (TLS certificate
 * and host name, before the password is sent), logged in and has the
 * account's mailbox selected. It is used by one thread at a time.
 *
 * Errors: every function returning int returns -1 on failure with a one-line
 * message in e->msg that starts "imap: ACCOUNT: " and is safe to log (no
 * password, no message bytes). After any -1 the connection is unusable:
 * free it and reconnect (imap_backoff_next paces the attempts). Messages are
 * never lost by that: fetching is by UID from the caller's last committed UID.
 *
 * The process must ignore SIGPIPE (a write to a dropped connection must be
 * an error, not a death).
 */
#ifndef BV_IMAP_H
#define BV_IMAP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/settings.h"
#include "lib/err.h"

#define IMAP_KEYWORD		"$Brudvagt"
#define IMAP_IDLE_MAX_SECONDS	(29 * 60)	/* RFC 2177: re-issue before 30 min */
#define IMAP_BACKOFF_MIN_MS	1000
#define IMAP_BACKOFF_MAX_MS	(5 * 60 * 1000)
#define IMAP_FETCH_BATCH_MSGS	256		/* per UID FETCH, unless batch_messages */
#define IMAP_FETCH_BATCH_BYTES	(16u << 20)	/* declared bytes per UID FETCH */
#define IMAP_LINE_MAX		(64u << 10)	/* an untagged line during IDLE */

struct imap_conn;

/* What SELECT reported, and what the server allows. */
struct imap_mailbox_info {
	uint32_t uidvalidity;
	uint32_t uidnext;	/* 0 when the server did not say */
	uint32_t exists;
	bool keywords_allowed;	/* PERMANENTFLAGS has \* or $Brudvagt */
	bool has_idle;		/* IDLE capability */
};

/* One message handed to an imap_message_fn; everything borrowed for the call. */
struct imap_message {
	uint32_t uid;
	const char *data;	/* the raw RFC 5322 bytes (not NUL-terminated) */
	size_t len;		/* bytes in data */
	size_t size;		/* RFC822.SIZE the server declared */
	bool truncated;		/* size > max_bytes: data holds the first max_bytes */
};

/*
 * Called once per fetched batch with v[0..n) (n >= 1) in ascending UID
 * order, as one UID FETCH brought them: the caller commits them together.
 * Return 0 to go on, -1 to stop: imap_fetch_since then returns -1 with
 * "stopped by caller" in e, the connection still usable.
 */
typedef int imap_batch_fn(const struct imap_message *v, size_t n, void *ctx);

/*
 * Connect to account a (a is borrowed and must outlive the connection):
 * TCP, TLS per a->tls (implicit, STARTTLS — refused when the server does
 * not offer it — or none), certificate and host-name check against
 * a->ca_file or the system store, LOGIN with the first line of
 * a->password_file (wiped after use; a world-readable file is warned
 * about), SELECT a->mailbox. Every read is bounded by a->timeout_seconds.
 * With a->processed_mailbox: refused unless the server offers MOVE or
 * UIDPLUS, or when it names the watched mailbox; created when missing.
 * tls = none is done as configured; the caller logs the warning.
 * On success *r is a new connection owned by the caller (imap_close).
 */
int imap_connect(const struct account *a, struct imap_conn **r, struct err *e);

/* What SELECT said (borrowed; valid until the next call on c). */
const struct imap_mailbox_info *imap_mailbox(const struct imap_conn *c);

/*
 * Fetch every message with UID > last_uid (UID FETCH last_uid+1:* of UID,
 * RFC822.SIZE, then BODY.PEEK[] in batches of a->batch_messages messages
 * or IMAP_FETCH_BATCH_BYTES bytes; \Seen is never set) and hand each to fn
 * in ascending UID order. A message larger than max_bytes is fetched
 * partially (BODY.PEEK[]<0.max_bytes>) and delivered with truncated set, so
 * it is never skipped silently. fn gets each batch whole. Returns the
 * number of messages delivered, or -1.
 */
int imap_fetch_since(struct imap_conn *c, uint32_t last_uid, size_t max_bytes,
		     imap_batch_fn *fn, void *ctx, struct err *e);

/*
 * Mark uids[0..n) (ascending) processed, in one command each: UID STORE
 * set +FLAGS.SILENT ($Brudvagt) when the mailbox allows keywords; then,
 * with processed_mailbox, move them there — UID MOVE (RFC 6851), or UID
 * COPY, +FLAGS (\Deleted) and UID EXPUNGE of exactly these UIDs (UIDPLUS),
 * never a plain EXPUNGE. Never touches \Seen. Only for committed messages.
 * Returns 0 or -1.
 */
int imap_mark_processed(struct imap_conn *c, const uint32_t *uids, size_t n,
			struct err *e);

/*
 * Finish what a crash or a failed command left: every message with a UID
 * up to last_uid is committed, so mark those still lacking $Brudvagt (UID
 * SEARCH UID 1:last_uid UNKEYWORD $Brudvagt) or, with processed_mailbox,
 * move those still here. Once per connection, before fetching. 0 or -1.
 */
int imap_mark_committed(struct imap_conn *c, uint32_t last_uid, struct err *e);

/*
 * Wait for new mail. With IDLE: IDLE for at most
 * min(max_seconds, IMAP_IDLE_MAX_SECONDS); ends early on an untagged EXISTS
 * or RECENT (also one arriving before the server's "+ idling", which
 * libetpan's own mailimap_idle mishandles), or when *stop becomes non-zero
 * (checked at least once a second). Without IDLE: sleep max_seconds (the
 * caller passes a->poll_seconds; same stop check) and send NOOP.
 * Returns 1 when new mail may be there (always after a poll), 0 on timeout
 * or stop, -1 on error (connection lost, server restarted, BYE).
 */
int imap_idle_wait(struct imap_conn *c, int max_seconds,
		   const volatile sig_atomic_t *stop, struct err *e);

/*
 * What one server line during IDLE means, given our IDLE command's tag.
 * Pure; exposed for the unit test.
 */
enum imap_idle_line {
	IMAP_IDLE_CONTINUE,	/* "+ idling" */
	IMAP_IDLE_NEWS,		/* "* N EXISTS", "* N RECENT" */
	IMAP_IDLE_BYE,		/* "* BYE ..." */
	IMAP_IDLE_UNTAGGED,	/* any other "* ..." (FETCH, EXPUNGE, OK) */
	IMAP_IDLE_TAGGED_OK,	/* "TAG OK ..." */
	IMAP_IDLE_TAGGED_FAIL,	/* "TAG NO/BAD ..." */
	IMAP_IDLE_OTHER,	/* anything else: a protocol error */
};
int imap_idle_classify(const char *line, const char *tag);

/* LOGOUT (best effort, bounded by the timeout), close, free; NULL is fine. */
void imap_close(struct imap_conn **c);

/*
 * The delay before the next reconnect attempt, in ms. The base is
 * IMAP_BACKOFF_MIN_MS when prev_ms is 0 (the first failure), else prev_ms
 * doubled, capped at IMAP_BACKOFF_MAX_MS; jitter then takes up to a quarter
 * off, placed by rand (any 32-bit value, e.g. from random()): the result is
 * in [max(MIN, base * 3/4), base]. So two accounts failing together drift
 * apart, and the delay still grows by 1.5x to 2x per failure. Pure. Pass the
 * previous result as prev_ms; start from 0 again after a successful connect.
 */
uint32_t imap_backoff_next(uint32_t prev_ms, uint32_t rand);

#endif

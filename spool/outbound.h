/* SPDX-License-Identifier: MIT */
/*
 * outbound.h — the durable outbound queue and its SMTP delivery.
 *
 * Every mail brudvagt sends is one queue file SPOOL/outbound/NAME.msg (one
 * envelope recipient) plus one row in the store's outbound table, and
 * both come into being in one logical step:
 *
 *   1. the files are written first (atomicfile: tmp → fsync → rename →
 *      fsync dir), named REF.SEQ.PID-N.msg;
 *   2. then ONE store transaction commits their rows (with whatever case
 *      change goes with them: the "mails_queued" event, a release, a
 *      failed row);
 *   3. should 2 fail, the files of step 1 are removed at once.
 *
 * A crash between 1 and 2 leaves files without rows ("orphans"):
 * outbound_recover removes them — those whose writer process is gone, or
 * which are older than an hour — logging each; they were never promised.
 * A row is the promise: a queued row whose file is missing or unreadable
 * is marked failed, the file (if any) moved to SPOOL/corrupt/, and the
 * system owner told. A sent row's file is removed after the commit that
 * says so; a crash in between leaves a file recover removes.
 *
 * Delivery (outbound_flush) sends each due row in its own transaction:
 * 250 → sent (a forward's party gets notified_at: the acknowledgement
 * deadline starts there); 4xx or no connection → retried after 1, 2, 4 …
 * minutes, at most an hour apart, until smtp.max_queue_hours after it was
 * queued; 5xx or expiry → the row fails and a delivery-failure mail to the
 * system owner names the address (never for a delivery-failure mail
 * itself: no loops). A crash between the server's 250 and the "sent"
 * commit sends the mail again on restart, with the same Message-ID.
 *
 * Message-IDs are <case-REF.SEQ@smtp.message_id_domain> (CONTRACT.md),
 * SEQ counting per case from 1; subjects carry "[REF]". Used by
 * brudvagtd (ingest, deadlines, delivery) and brudvagtctl (release).
 */
#ifndef BV_OUTBOUND_H
#define BV_OUTBOUND_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/settings.h"
#include "lib/err.h"
#include "spool/store.h"

#define OUTBOUND_DIR "outbound"
#define OUTBOUND_BACKOFF_FIRST 60	/* seconds before the first retry */
#define OUTBOUND_BACKOFF_MAX 3600	/* never more than an hour apart */
#define OUTBOUND_ORPHAN_AGE 3600	/* an orphan of a live writer is kept this long */

/* One mail to queue: strings borrowed for the call. */
struct outbound_mail {
	const char *kind;		/* X-Brudvagt-Mail: "receipt", "reminder" … */
	const char *to;			/* the one envelope recipient (To:) */
	const char *to_name;		/* display name, or NULL */
	int64_t party;			/* parties.id it notifies, or 0 */
	const char *subject;		/* "[REF] " is put in front */
	const char *body;		/* UTF-8 text */
	const char *in_reply_to;	/* a Message-ID with <>, or NULL: also References */
	const char *attach;		/* a raw message attached as message/rfc822, or NULL */
	size_t attach_len;
	const char *attach_name;
};

/* What else to commit with the mails (all optional; see store.h). */
struct outbound_change {
	bool change_status;
	enum store_case_status from, to;
	int64_t fail_id;
	enum store_outbound_status fail_status;
	const char *fail_error;
	bool fail_sent;
	const char *event, *detail;
	bool once;			/* the event may exist once: else 73 */
};

/*
 * Queue mails m[0..n) about case ref (NULL: about no case, e.g. the
 * digest) at time now, together with chg (or NULL), as described above.
 * Returns 0 when files and rows are committed, -1 with e when nothing
 * was (the files written are removed again): 65 unknown case or a status
 * that does not match, 74 file or store trouble.
 */
int outbound_queue(const struct settings *s, struct store *st, const char *ref,
		   const struct outbound_mail *m, size_t n,
		   const struct outbound_change *chg, int64_t now, struct err *e);

/*
 * The short form for the deadline engine: the same subject and body of
 * kind to each of to[0..nto), one mail each, no party, in reply to
 * nothing. Returns as outbound_queue.
 */
int outbound_queue_to(const struct settings *s, struct store *st,
		      const char *ref, const char *kind,
		      const char *const *to, size_t nto, const char *subject,
		      const char *body, int64_t now, struct err *e);

/* "<case-REF.SEQ@domain>" (or "<brudvagt.SEQ@domain>" without a ref); owned. */
char *outbound_message_id(const struct settings *s, const char *ref, int seq);

struct outbound_stats {
	unsigned sent, retried, failed, orphans, corrupt;
};

/*
 * After a crash or at start: remove orphan files, and settle queued rows
 * whose file is gone or unreadable (failed, file to corrupt/, the system
 * owner told). Adds to *r. Returns 0, or -1 with e when the spool or the
 * store cannot be read.
 */
int outbound_recover(const struct settings *s, struct store *st, int64_t now,
		     struct outbound_stats *r, struct err *e);

/*
 * One pass of delivery over the rows due at now, over one SMTP session
 * (opened only when something is due). Adds to *r. Returns 0, or -1 with
 * e when the store failed (an SMTP failure is not an error here: it is
 * recorded on the rows).
 */
int outbound_flush(const struct settings *s, struct store *st, int64_t now,
		   const volatile sig_atomic_t *stop, struct outbound_stats *r,
		   struct err *e);

/*
 * A bounce (DSN) came back for case ref's mail seq: mark that row failed
 * even though the server had accepted it, with a delivery_failed event
 * and a delivery-failure mail to the system owner, as for a 5xx. Returns
 * 1 when a row was marked, 0 when there is no such row or it had failed
 * already (nothing to do), -1 with e.
 */
int outbound_bounced(const struct settings *s, struct store *st, const char *ref,
		     int seq, const char *why, int64_t now, struct err *e);

/*
 * The SEQ of the first Message-ID <case-REF.SEQ@smtp.message_id_domain>
 * in msg[0..len) (a bounce quotes the headers of what bounced), or 0.
 */
int outbound_find_seq(const struct settings *s, const char *ref,
		      const char *msg, size_t len);

/*
 * A queue file read back: from, to and the message point into data (the
 * file's bytes, owned by whoever owns data).
 */
struct outbound_qfile {
	char *data;
	size_t len;
	const char *from, *to;		/* envelope, NUL-terminated in data */
	const char *msg;		/* the message, CRLF, msg_len bytes */
	size_t msg_len;
};

/*
 * Parse the queue file bytes data[0..len) in place (the two envelope line
 * ends become NULs): the magic line, "from ADDR", "to ADDR", an empty line
 * and a non-empty message. ADDR is not empty and holds no control byte
 * (below 0x20, DEL) and no '>' — what the writer never puts there — so a
 * damaged file cannot add a command or a parameter to the SMTP envelope
 * (MAIL FROM:<ADDR>). Fills *q (q->data = data) and returns 0, or returns
 * -1 with e (65) and *q zeroed. data stays the caller's. Called by the
 * delivery and recovery code here, and by tests/fuzz/fuzz_queue.c.
 */
int outbound_qfile_parse(char *data, size_t len, struct outbound_qfile *q,
			 struct err *e);

/* The delay before retry number attempts + 1 (attempts ≥ 0). */
int64_t outbound_backoff(int attempts);

#endif

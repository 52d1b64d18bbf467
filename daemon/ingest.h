/* SPDX-License-Identifier: MIT */
/*
 * ingest.h — one fetched message becomes a stored, analysed record.
 *
 * The raw bytes are archived (spool/archive.h), analysed (filters/), and
 * committed to the store (spool/store.h) in one transaction with the
 * mailbox position, many messages to a batch: a report opens a case with its parties, a reply is
 * linked to its case and, from a party of the case, recorded as its
 * acknowledgement (with a municipality's stated Datatilsynet decision; an
 * out-of-office's return date; the reporter's later register fields, each
 * change kept with its history). A reply from no party is flagged, never
 * counted. A message that cannot be analysed, or only in part because it
 * is past a limit (limits.*: size, header, line, MIME depth or parts,
 * text), is still stored and opens a case flagged needs_triage: nothing is
 * ever dropped, and nothing half-read is forwarded.
 */
#ifndef BV_INGEST_H
#define BV_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/settings.h"
#include "lib/err.h"
#include "spool/store.h"

struct ingest_source {
	const char *account, *mailbox;
	uint32_t uidvalidity, uid;
	bool truncated;		/* the server's copy was larger than we fetched */
};

struct ingest_result {
	char case_ref[STORE_REF_MAX];	/* opened or linked, "" when none */
	bool duplicate;
	bool case_opened;
	bool held;			/* opened as held (unverified sender) */
	bool acked;			/* recorded as a party's acknowledgement */
	bool decision;			/* a municipality's Datatilsynet decision */
	bool unknown_sender;		/* a reply from no party: flagged */
	int fields_changed;		/* register fields the reporter supplied */
	const char *kind;		/* "report", "ack", ..., "unanalysable" */
};

/*
 * A batch of messages committed together: their archive files behind one
 * barrier (lib/atomicfile.h), their rows in one store transaction
 * (store_batch_begin), so many messages cost about what one did. The store
 * handle's write lock is held from ingest_batch_begin to ingest_batch_end.
 */
struct ingest_batch;

/* Begin a batch on st; *r is new and owned (ingest_batch_end). 0 or -1. */
int ingest_batch_begin(const struct settings *s, struct store *st,
		       struct ingest_batch **r, struct err *e);

/*
 * Archive, analyse and record msg[0..len) seen at src, at time now (UTC),
 * into batch b. A message that cannot be analysed is recorded too (a
 * needs_triage case). Returns 0, or -1 with e set when it could not be
 * recorded (archive or store failure): nothing of this message is in the
 * batch, the messages added before it stay. The caller then ends the batch
 * without adding later messages, so the mailbox position never passes a
 * message that is not stored. Nothing is durable before ingest_batch_end.
 */
int ingest_batch_add(struct ingest_batch *b, const struct ingest_source *src,
		     const char *msg, size_t len, int64_t now,
		     struct ingest_result *r, struct err *e);

/* How many messages b holds. */
size_t ingest_batch_count(const struct ingest_batch *b);

/*
 * End batch *b and free it. With rc 0: make the archive files durable, then
 * commit — 0 when every message added is committed (only then may the
 * caller mark them processed on the server), -1 with e when none is (they
 * are fetched again on the next round; nothing half-done remains). With rc
 * -1: roll all of it back, return -1. Wakes the outbound thread after a
 * commit that opened a case.
 */
int ingest_batch_end(struct ingest_batch **b, int rc, struct err *e);

/*
 * One message in a batch of its own: begin, add, end. Returns 0 when the
 * message and its case are committed, -1 with e set otherwise.
 */
int ingest_message(const struct settings *s, struct store *st,
		   const struct ingest_source *src, const char *msg, size_t len,
		   int64_t now, struct ingest_result *r, struct err *e);

#endif

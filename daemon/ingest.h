/* SPDX-License-Identifier: MIT */
/*
 * ingest.h — one fetched message becomes a stored, analysed record.
 *
 * The raw bytes are archived (spool/archive.h), analysed (filters/), and
 * committed to the store (spool/store.h) in one transaction with the
 * mailbox position: a report opens a case with its parties, a reply is
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
 * Archive, analyse and commit msg[0..len) seen at src, at time now (UTC).
 * Returns 0 when the message and its case are committed (only then may the
 * caller mark it processed on the server), -1 with e set otherwise (the
 * message is then retried on the next round; nothing half-done remains).
 */
int ingest_message(const struct settings *s, struct store *st,
		   const struct ingest_source *src, const char *msg, size_t len,
		   int64_t now, struct ingest_result *r, struct err *e);

#endif

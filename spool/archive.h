/* SPDX-License-Identifier: MIT */
/*
 * archive.h — the raw-message archive under the spool directory.
 *
 * Each message's bytes are stored once, content-addressed by SHA-256:
 * SPOOL/archive/ab/abcdef… (the first two hex digits name the directory).
 * Files are written through atomicfile (tmp → fsync → rename, mode 0600), so
 * a stored path always holds the complete message. The store keeps the
 * relative path ("archive/ab/abcdef…") so the spool may move.
 */
#ifndef BV_ARCHIVE_H
#define BV_ARCHIVE_H

#include <stddef.h>

#include "lib/atomicfile.h"
#include "lib/err.h"

#define ARCHIVE_HASH_HEX 65			/* 64 hex digits + NUL */
#define ARCHIVE_PATH_MAX (8 + 3 + 64 + 1)	/* "archive/ab/" + hex + NUL */

/*
 * SHA-256 of p[0..len) as lowercase hex into hex_r. Returns 0, or -1 with
 * e->code = 70 (EX_SOFTWARE) when GnuTLS fails.
 */
int archive_hash(const void *p, size_t len, char hex_r[ARCHIVE_HASH_HEX],
		 struct err *e);

/*
 * SHA-256 hex of a message's body: the bytes after the first empty line
 * (CRLF CRLF or LF LF), or of nothing when there is none. Two deliveries of
 * one message differ in their Received headers but not in their body; the
 * store dedups messages without a Message-ID on this, Date and From.
 */
int archive_body_hash(const char *msg, size_t len,
		      char hex_r[ARCHIVE_HASH_HEX], struct err *e);

/*
 * Store msg[0..len) under spool and put its relative path into path_r.
 * Idempotent: a file already there whose content hashes to its name is
 * kept as it is. One that does not (damaged) is moved to SPOOL/corrupt/
 * with a warning and the message written afresh.
 * Returns 0, or -1 with e set (74 EX_IOERR for file trouble).
 */
int archive_put(const char *spool, const char *msg, size_t len,
		char path_r[ARCHIVE_PATH_MAX], struct err *e);

/*
 * archive_put into batch b (whose root is spool): the file is written but
 * durable only after atomicfile_batch_commit(b) returns 0, and path_r may
 * be referenced (committed to the store) only then. An intact copy already
 * there joins b's barrier too (another thread may have renamed it a moment
 * ago). Returns 0, or -1 with e set; b keeps its other files either way.
 */
int archive_add(struct atomicfile_batch *b, const char *spool, const char *msg,
		size_t len, char path_r[ARCHIVE_PATH_MAX], struct err *e);

/*
 * Read the archived message at relpath (as archive_put gave it) into a new
 * buffer *msg_r of *len_r bytes (NUL-terminated beyond len; owned by the
 * caller, free()). Returns 0, or -1 with e set: 64 for a path that is not
 * an archive path, 74 for a file that cannot be read, 65 (EX_DATAERR) for
 * one whose content no longer matches its hash. The file is never deleted
 * or moved here; the caller reports it.
 */
int archive_get(const char *spool, const char *relpath, char **msg_r,
		size_t *len_r, struct err *e);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * atomicfile.h — write a file so that it is either wholly there or not at all.
 *
 * The bytes go to ROOT/tmp/ (O_EXCL, mode 0600), are fsync'd, renamed to
 * ROOT/RELPATH, and the directory that now holds the name is fsync'd. After
 * a crash at any point ROOT/RELPATH is either absent (or its old content) or
 * complete; never partial. ROOT/tmp and ROOT and RELPATH's directories must
 * be on one file system (they are: they are all under ROOT).
 */
#ifndef BV_ATOMICFILE_H
#define BV_ATOMICFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

/*
 * Write p[0..len) durably as ROOT/RELPATH, replacing a file already there.
 * RELPATH is relative, without "." or ".." components; directories it
 * names are created (mode 0700, parent fsync'd) when missing, and so is
 * ROOT/tmp. ROOT itself must exist.
 *
 * Returns 0, or -1 with e->code = 74 (EX_IOERR; 64 for a bad RELPATH) and
 * e->msg naming the failing call, the path and strerror(errno). On failure
 * the temporary file is removed and nothing new is left at ROOT/RELPATH: a
 * failure before the rename keeps the old file, if any; a failure of the
 * final directory fsync removes the new file (the caller must treat the
 * write as not done and may retry).
 */
int atomicfile_write(const char *root, const char *relpath,
		     const void *p, size_t len, struct err *e);

/*
 * A batch: many files made durable behind one barrier. Each
 * atomicfile_batch_add writes its file to ROOT/tmp/ without waiting;
 * atomicfile_batch_commit makes them durable, renames each into place and
 * makes the renames durable. With ATOMICFILE_BULK_MIN files or more both
 * steps are one syncfs(2) of ROOT's file system each — every fsync ends in
 * a device cache flush, and on ext4 without a journal (these machines) 256
 * fsyncs took 1.5 s where one syncfs took 15-30 ms — at the price of also
 * writing out whatever else is dirty on that file system; fewer files are
 * fsync'd one by one, with their directories, as atomicfile_write does.
 * Until the commit returns 0 none of them may be relied on (or referenced
 * from a database); after it, all of them are durable. A batch belongs to
 * one thread.
 */
#define ATOMICFILE_BULK_MIN 4
struct atomicfile_batch;

/* A new, empty batch of files under ROOT (which must exist); owned by the
 * caller (atomicfile_batch_free). */
struct atomicfile_batch *atomicfile_batch_new(const char *root);

/*
 * Write p[0..len) to a new file in ROOT/tmp/, to become ROOT/RELPATH at the
 * commit; RELPATH as for atomicfile_write, its directories made now. The
 * same RELPATH twice: the later bytes win. Returns 0, or -1 with e set and
 * nothing of this file left (the batch keeps its other files).
 */
int atomicfile_batch_add(struct atomicfile_batch *b, const char *relpath,
			 const void *p, size_t len, struct err *e);

/*
 * Make the existing ROOT/RELPATH durable at the commit too (fsync of the
 * file and its directory): for a file another thread may have renamed into
 * place a moment ago, before its own barrier. Never removed by the batch.
 */
void atomicfile_batch_keep(struct atomicfile_batch *b, const char *relpath);

/* How many files (written or kept) the batch holds. */
size_t atomicfile_batch_count(const struct atomicfile_batch *b);

/*
 * The barrier: make every file of b durable, rename each into place, make
 * the renames durable (see above). Returns 0 (b is empty again, ready for more),
 * or -1 with e set (74): then no written file of b is left, neither in
 * tmp/ nor at its name (one renamed already is not known to be durable and
 * is removed, as atomicfile_write does), and b is empty again.
 */
int atomicfile_batch_commit(struct atomicfile_batch *b, struct err *e);

/* Free b, removing every file added and not committed; NULL is fine. */
void atomicfile_batch_free(struct atomicfile_batch **b);

/*
 * Make ROOT/RELDIR and every missing directory on the way (mode 0700),
 * fsync'ing each parent that gained an entry. Returns 0 or -1 with e set.
 */
int atomicfile_mkdirs(const char *root, const char *reldir, struct err *e);

/* fsync directory dir, so that renames into or out of it are durable. */
int atomicfile_fsync_dir(const char *dir, struct err *e);

/* Whether relpath is a clean relative path (no "", ".", ".." components). */
bool atomicfile_relpath_is_clean(const char *relpath);

#endif

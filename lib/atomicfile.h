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
 * Make ROOT/RELDIR and every missing directory on the way (mode 0700),
 * fsync'ing each parent that gained an entry. Returns 0 or -1 with e set.
 */
int atomicfile_mkdirs(const char *root, const char *reldir, struct err *e);

/* fsync directory dir, so that renames into or out of it are durable. */
int atomicfile_fsync_dir(const char *dir, struct err *e);

/* Whether relpath is a clean relative path (no "", ".", ".." components). */
bool atomicfile_relpath_is_clean(const char *relpath);

#endif

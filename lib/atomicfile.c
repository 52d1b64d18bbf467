/* SPDX-License-Identifier: MIT */
/*
 * atomicfile.c — durable whole-file writes: tmp/ → write → fsync → rename →
 * fsync(dir), for one file or for a batch of them behind one barrier.
 * Owns nothing beyond a batch; any module may use it (spool/ archive and
 * queue files). Every system call is checked, and a failure leaves no
 * partial file behind (see atomicfile.h for the exact promise).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/atomicfile.h"
#include "lib/xalloc.h"

#define TMP_TRIES 16

bool
atomicfile_relpath_is_clean(const char *relpath)
{
	const char *p = relpath, *slash;
	size_t n;

	if (relpath == NULL || *relpath == '\0' || *relpath == '/')
		return false;
	for (;;) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (slash == NULL)
			return true;
		p = slash + 1;
	}
}

/* fsync the file or directory at path (opened read-only: enough for fsync
 * on Linux); flags adds O_DIRECTORY. */
static int
fsync_path(const char *path, int flags, struct err *e)
{
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	if (fd == -1)
		return err_set(e, EX_IOERR, "open %s: %s", path, strerror(errno));
	if (fsync(fd) == -1) {
		saved = errno;
		close(fd);
		return err_set(e, EX_IOERR, "fsync %s: %s", path,
			       strerror(saved));
	}
	if (close(fd) == -1)
		return err_set(e, EX_IOERR, "close %s: %s", path, strerror(errno));
	return 0;
}

int
atomicfile_fsync_dir(const char *dir, struct err *e)
{
	return fsync_path(dir, O_DIRECTORY, e);
}

/* mkdir root/rel; 1 when made, 0 when it was there, -1 on error. */
static int
mkdir_one(const char *path, struct err *e)
{
	struct stat sb;

	if (mkdir(path, 0700) == 0)
		return 1;
	if (errno != EEXIST)
		return err_set(e, EX_IOERR, "mkdir %s: %s", path,
			       strerror(errno));
	if (stat(path, &sb) == -1 || !S_ISDIR(sb.st_mode))
		return err_set(e, EX_IOERR, "mkdir %s: exists and is not a "
			       "directory", path);
	return 0;
}

int
atomicfile_mkdirs(const char *root, const char *reldir, struct err *e)
{
	char *path, *slash;
	size_t rootlen = strlen(root);
	int made, rc = 0;

	if (!atomicfile_relpath_is_clean(reldir))
		return err_set(e, EX_USAGE, "atomicfile: bad path '%s'", reldir);
	path = xasprintf("%s/%s", root, reldir);
	slash = path + rootlen;
	while (rc == 0 && slash != NULL) {
		slash = strchr(slash + 1, '/');
		if (slash != NULL)
			*slash = '\0';
		made = mkdir_one(path, e);
		if (made == 1) {
			/* the new entry lives in the parent: make it durable */
			char *cut = strrchr(path, '/');
			*cut = '\0';
			made = atomicfile_fsync_dir(path, e);
			*cut = '/';
		}
		if (made == -1)
			rc = -1;
		if (slash != NULL)
			*slash = '/';
	}
	free(path);
	return rc;
}

static int
write_all(int fd, const char *p, size_t len, const char *path, struct err *e)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return err_set(e, EX_IOERR, "write %s: %s", path,
				       strerror(errno));
		if (n == 0)
			return err_set(e, EX_IOERR, "write %s: wrote nothing",
				       path);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Create a fresh ROOT/tmp/ file; *path_r is owned by the caller. */
static int
open_tmp(const char *root, char **path_r, struct err *e)
{
	static atomic_ulong counter;	/* shared by the threads of a process */
	char *path;
	int fd, i;

	for (i = 0; i < TMP_TRIES; i++) {
		path = xasprintf("%s/tmp/%ld.%lu", root, (long)getpid(),
				 atomic_fetch_add(&counter, 1));
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd != -1) {
			*path_r = path;
			return fd;
		}
		if (errno != EEXIST) {
			err_set(e, EX_IOERR, "open %s: %s", path,
				strerror(errno));
			free(path);
			return -1;
		}
		free(path);
	}
	return err_set(e, EX_IOERR, "open %s/tmp: no free name", root);
}

/* Directory part of path (owned by the caller). */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
}

/* One file of a batch: written to tmp, to be renamed to dst. */
struct pending {
	char *tmp;		/* NULL: dst is already there (kept) */
	char *dst;
	bool renamed;
};

struct atomicfile_batch {
	char *root;
	int rootfd;		/* for syncfs; opened at the first add */
	struct pending *v;
	size_t n;
};

struct atomicfile_batch *
atomicfile_batch_new(const char *root)
{
	struct atomicfile_batch *b = xcalloc(1, sizeof(*b));

	b->root = xstrdup(root);
	b->rootfd = -1;
	return b;
}

size_t
atomicfile_batch_count(const struct atomicfile_batch *b)
{
	return b->n;
}

static void
push(struct atomicfile_batch *b, char *tmp, char *dst)
{
	b->v = xreallocarray(b->v, b->n + 1, sizeof(*b->v));
	b->v[b->n++] = (struct pending){ tmp, dst, false };
}

/* Forget every file of b; remove what was written but not committed. */
static void
batch_clear(struct atomicfile_batch *b, bool committed)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (!committed && b->v[i].tmp != NULL) {
			/* not known to be durable: take it back */
			unlink(b->v[i].renamed ? b->v[i].dst : b->v[i].tmp);
		}
		free(b->v[i].tmp);
		free(b->v[i].dst);
	}
	free(b->v);
	b->v = NULL;
	b->n = 0;
}

static int
prepare_dirs(const char *root, const char *relpath, struct err *e)
{
	char *reldir;
	int rc;

	if (!atomicfile_relpath_is_clean(relpath))
		return err_set(e, EX_USAGE, "atomicfile: bad path '%s'",
			       relpath ? relpath : "(null)");
	if (atomicfile_mkdirs(root, "tmp", e) == -1)
		return -1;
	if (strchr(relpath, '/') == NULL)
		return 0;
	reldir = dir_of(relpath);
	rc = atomicfile_mkdirs(root, reldir, e);
	free(reldir);
	return rc;
}

int
atomicfile_batch_add(struct atomicfile_batch *b, const char *relpath,
		     const void *p, size_t len, struct err *e)
{
	char *tmp = NULL;
	int fd;

	/* Opened before the first write: syncfs reports any write-back
	 * error of the file system from then on. */
	if (b->rootfd == -1 &&
	    (b->rootfd = open(b->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return err_set(e, EX_IOERR, "open %s: %s", b->root, strerror(errno));
	if (prepare_dirs(b->root, relpath, e) == -1 ||
	    (fd = open_tmp(b->root, &tmp, e)) == -1)
		return -1;
	if (write_all(fd, p, len, tmp, e) == -1) {
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (close(fd) == -1) {
		err_set(e, EX_IOERR, "close %s: %s", tmp, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	push(b, tmp, xasprintf("%s/%s", b->root, relpath));
	return 0;
}

void
atomicfile_batch_keep(struct atomicfile_batch *b, const char *relpath)
{
	if (b->rootfd == -1)	/* as in add; a failure shows at the commit */
		b->rootfd = open(b->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	push(b, NULL, xasprintf("%s/%s", b->root, relpath));
}

/* Everything written to the file system of ROOT so far, durable at once. */
static int
sync_all(struct atomicfile_batch *b, struct err *e)
{
	if (b->rootfd == -1)
		return err_set(e, EX_IOERR, "open %s: cannot sync", b->root);
	if (syncfs(b->rootfd) == -1)
		return err_set(e, EX_IOERR, "syncfs %s: %s", b->root,
			       strerror(errno));
	return 0;
}

/* fsync each directory that holds a name of b, once. */
static int
sync_dirs(struct atomicfile_batch *b, struct err *e)
{
	char **done = xcalloc(b->n + 1, sizeof(*done));
	size_t i, k, ndone = 0;
	int rc = 0;

	for (i = 0; i < b->n && rc == 0; i++) {
		char *dir = dir_of(b->v[i].dst);

		for (k = 0; k < ndone && strcmp(done[k], dir) != 0; k++)
			;
		if (k < ndone) {
			free(dir);
			continue;
		}
		done[ndone++] = dir;
		rc = atomicfile_fsync_dir(dir, e);
	}
	for (k = 0; k < ndone; k++)
		free(done[k]);
	free(done);
	return rc;
}

/* fsync every file of b, one at a time. */
static int
sync_files(struct atomicfile_batch *b, struct err *e)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (fsync_path(b->v[i].tmp != NULL ? b->v[i].tmp : b->v[i].dst,
			       0, e) == -1)
			return -1;
	return 0;
}

int
atomicfile_batch_commit(struct atomicfile_batch *b, struct err *e)
{
	bool bulk = b->n >= ATOMICFILE_BULK_MIN;
	struct pending *f;
	size_t i;

	if ((bulk ? sync_all(b, e) : sync_files(b, e)) == -1)
		goto fail;
	for (i = 0; i < b->n; i++) {
		f = &b->v[i];
		if (f->tmp == NULL)
			continue;
		if (rename(f->tmp, f->dst) == -1) {
			err_set(e, EX_IOERR, "rename %s to %s: %s", f->tmp,
				f->dst, strerror(errno));
			goto fail;
		}
		f->renamed = true;
	}
	if ((bulk ? sync_all(b, e) : sync_dirs(b, e)) == -1)
		goto fail;
	batch_clear(b, true);
	return 0;
fail:
	batch_clear(b, false);
	return -1;
}

void
atomicfile_batch_free(struct atomicfile_batch **bp)
{
	struct atomicfile_batch *b = *bp;

	if (b == NULL)
		return;
	batch_clear(b, false);
	if (b->rootfd != -1)
		close(b->rootfd);
	free(b->root);
	free(b);
	*bp = NULL;
}

int
atomicfile_write(const char *root, const char *relpath,
		 const void *p, size_t len, struct err *e)
{
	struct atomicfile_batch *b = atomicfile_batch_new(root);
	int rc;

	rc = atomicfile_batch_add(b, relpath, p, len, e);
	if (rc == 0)
		rc = atomicfile_batch_commit(b, e);
	atomicfile_batch_free(&b);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * atomicfile.c — durable whole-file writes: tmp/ → write → fsync → rename →
 * fsync(dir). Owns nothing beyond one call; any module may use it (spool/
 * archive and queue files). Every system call is checked, and a failure
 * leaves no partial file behind (see atomicfile.h for the exact promise).
 */
#include <errno.h>
#include <fcntl.h>
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

int
atomicfile_fsync_dir(const char *dir, struct err *e)
{
	int fd, saved;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return err_set(e, EX_IOERR, "open %s: %s", dir, strerror(errno));
	if (fsync(fd) == -1) {
		saved = errno;
		close(fd);
		return err_set(e, EX_IOERR, "fsync %s: %s", dir,
			       strerror(saved));
	}
	if (close(fd) == -1)
		return err_set(e, EX_IOERR, "close %s: %s", dir, strerror(errno));
	return 0;
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
	static unsigned long counter;
	char *path;
	int fd, i;

	for (i = 0; i < TMP_TRIES; i++) {
		path = xasprintf("%s/tmp/%ld.%lu", root, (long)getpid(),
				 counter++);
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

int
atomicfile_write(const char *root, const char *relpath,
		 const void *p, size_t len, struct err *e)
{
	char *tmp = NULL, *dst = NULL, *dir = NULL, *reldir;
	int fd = -1, rc = -1, saved;
	bool renamed = false;

	if (!atomicfile_relpath_is_clean(relpath))
		return err_set(e, EX_USAGE, "atomicfile: bad path '%s'",
			       relpath ? relpath : "(null)");
	reldir = strchr(relpath, '/') ? dir_of(relpath) : NULL;
	if (atomicfile_mkdirs(root, "tmp", e) == -1 ||
	    (reldir != NULL && atomicfile_mkdirs(root, reldir, e) == -1))
		goto fail;
	if ((fd = open_tmp(root, &tmp, e)) == -1)
		goto fail;
	if (write_all(fd, p, len, tmp, e) == -1)
		goto fail;
	if (fsync(fd) == -1) {
		err_set(e, EX_IOERR, "fsync %s: %s", tmp, strerror(errno));
		goto fail;
	}
	saved = close(fd);
	fd = -1;
	if (saved == -1) {
		err_set(e, EX_IOERR, "close %s: %s", tmp, strerror(errno));
		goto fail;
	}
	dst = xasprintf("%s/%s", root, relpath);
	if (rename(tmp, dst) == -1) {
		err_set(e, EX_IOERR, "rename %s to %s: %s", tmp, dst,
			strerror(errno));
		goto fail;
	}
	renamed = true;
	dir = dir_of(dst);
	if (atomicfile_fsync_dir(dir, e) == -1) {
		/* not known to be durable: take it back, the caller retries */
		unlink(dst);
		goto fail;
	}
	rc = 0;
fail:
	if (fd != -1)
		close(fd);
	if (tmp != NULL && !renamed)
		unlink(tmp);
	free(tmp);
	free(dst);
	free(dir);
	free(reldir);
	return rc;
}

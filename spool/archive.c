/* SPDX-License-Identifier: MIT */
/*
 * archive.c — the content-addressed raw-message archive (see archive.h).
 *
 * Owns the SPOOL/archive/ tree and the moves into SPOOL/corrupt/. Called by
 * the daemon before a message is handed to the store, and by brudvagtctl and
 * the outbound code to read a message back (the triaged case attaches it).
 * Nothing is ever deleted here: a damaged file is moved aside with a warning.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "lib/atomicfile.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "spool/archive.h"

#define SHA256_BYTES 32
#define PREFIX "archive/"

int
archive_hash(const void *p, size_t len, char hex_r[ARCHIVE_HASH_HEX],
	     struct err *e)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[SHA256_BYTES];
	int rc, i;

	rc = gnutls_hash_fast(GNUTLS_DIG_SHA256, len ? p : "", len, md);
	if (rc < 0)
		return err_set(e, EX_SOFTWARE, "archive: sha256: %s",
			       gnutls_strerror(rc));
	for (i = 0; i < SHA256_BYTES; i++) {
		hex_r[2 * i] = digits[md[i] >> 4];
		hex_r[2 * i + 1] = digits[md[i] & 15];
	}
	hex_r[2 * SHA256_BYTES] = '\0';
	return 0;
}

int
archive_body_hash(const char *msg, size_t len, char hex_r[ARCHIVE_HASH_HEX],
		  struct err *e)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (msg[i] == '\n' && msg[i + 1] == '\n')
			return archive_hash(msg + i + 2, len - i - 2, hex_r, e);
		if (i + 3 < len && memcmp(msg + i, "\r\n\r\n", 4) == 0)
			return archive_hash(msg + i + 4, len - i - 4, hex_r, e);
	}
	return archive_hash("", 0, hex_r, e);
}

/* Whether relpath is exactly "archive/xx/" + 64 lowercase hex, xx its head. */
static bool
is_archive_path(const char *relpath)
{
	const char *hex;
	size_t i;

	if (strlen(relpath) != ARCHIVE_PATH_MAX - 1 ||
	    strncmp(relpath, PREFIX, strlen(PREFIX)) != 0 ||
	    relpath[strlen(PREFIX) + 2] != '/' ||
	    memcmp(relpath + strlen(PREFIX), relpath + strlen(PREFIX) + 3,
		   2) != 0)
		return false;
	hex = relpath + strlen(PREFIX) + 3;
	for (i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", hex[i]) || hex[i] == '\0')
			return false;
	return true;
}

/* Read a whole file. 0, or -1 with e (74). *buf_r owned by the caller. */
static int
read_file(const char *path, char **buf_r, size_t *len_r, struct err *e)
{
	struct stat sb;
	char *buf;
	size_t off = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return err_set(e, EX_IOERR, "archive: open %s: %s", path,
			       strerror(errno));
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		err_set(e, EX_IOERR, "archive: %s: not a readable file", path);
		close(fd);
		return -1;
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	while (off < (size_t)sb.st_size) {
		n = read(fd, buf + off, (size_t)sb.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_set(e, EX_IOERR, "archive: read %s: %s", path,
				n == 0 ? "file shrank" : strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	*buf_r = buf;
	*len_r = off;
	return 0;
}

/*
 * Check the file at relpath against its name: 1 intact, 0 damaged (e says
 * why), -1 cannot tell (e set).
 */
static int
check_file(const char *spool, const char *relpath, char **buf_r,
	   size_t *len_r, struct err *e)
{
	char hex[ARCHIVE_HASH_HEX], *path, *buf = NULL;
	size_t len = 0;
	int rc;

	path = xasprintf("%s/%s", spool, relpath);
	rc = read_file(path, &buf, &len, e);
	free(path);
	if (rc == -1)
		return -1;
	if (archive_hash(buf, len, hex, e) == -1) {
		free(buf);
		return -1;
	}
	if (strcmp(hex, relpath + strlen(PREFIX) + 3) != 0) {
		err_set(e, EX_DATAERR, "archive: %s: content does not match "
			"its hash", relpath);
		free(buf);
		return 0;
	}
	if (buf_r != NULL) {
		*buf_r = buf;
		*len_r = len;
	} else {
		free(buf);
	}
	return 1;
}

/*
 * Move a damaged archive file to SPOOL/corrupt/NAME.TIME and make the
 * move durable; the file is kept for a person to look at, never deleted.
 */
static int
move_to_corrupt(const char *spool, const char *relpath, struct err *e)
{
	char *from, *to, *dir;
	int rc = 0;

	if (atomicfile_mkdirs(spool, "corrupt", e) == -1)
		return -1;
	from = xasprintf("%s/%s", spool, relpath);
	dir = xasprintf("%s/corrupt", spool);
	to = xasprintf("%s/%s.%ld", dir, strrchr(relpath, '/') + 1,
		       (long)time(NULL));
	if (rename(from, to) == -1)
		rc = err_set(e, EX_IOERR, "archive: rename %s to %s: %s",
			     from, to, strerror(errno));
	if (rc == 0)
		rc = atomicfile_fsync_dir(dir, e);
	if (rc == 0)
		log_warn("archive: damaged file moved: path=%s to=%s",
			 relpath, to);
	free(from);
	free(to);
	free(dir);
	return rc;
}

int
archive_add(struct atomicfile_batch *b, const char *spool, const char *msg,
	    size_t len, char path_r[ARCHIVE_PATH_MAX], struct err *e)
{
	char hex[ARCHIVE_HASH_HEX], *path;
	struct err ce = { 0 };
	int exists, rc;

	if (archive_hash(msg, len, hex, e) == -1)
		return -1;
	snprintf(path_r, ARCHIVE_PATH_MAX, PREFIX "%.2s/%s", hex, hex);
	path = xasprintf("%s/%s", spool, path_r);
	exists = access(path, F_OK) == 0;
	free(path);
	if (exists) {
		rc = check_file(spool, path_r, NULL, NULL, &ce);
		if (rc == 1) {
			/* maybe another thread's, renamed before its barrier */
			atomicfile_batch_keep(b, path_r);
			return 0;
		}
		log_warn("archive: existing copy unusable: %s", ce.msg);
		if (move_to_corrupt(spool, path_r, e) == -1)
			return -1;
	}
	return atomicfile_batch_add(b, path_r, msg, len, e);
}

int
archive_put(const char *spool, const char *msg, size_t len,
	    char path_r[ARCHIVE_PATH_MAX], struct err *e)
{
	struct atomicfile_batch *b = atomicfile_batch_new(spool);
	int rc;

	rc = archive_add(b, spool, msg, len, path_r, e);
	if (rc == 0)
		rc = atomicfile_batch_commit(b, e);
	atomicfile_batch_free(&b);
	return rc;
}

int
archive_get(const char *spool, const char *relpath, char **msg_r,
	    size_t *len_r, struct err *e)
{
	int rc;

	if (!is_archive_path(relpath))
		return err_set(e, EX_USAGE, "archive: not an archive path: "
			       "'%.80s'", relpath);
	rc = check_file(spool, relpath, msg_r, len_r, e);
	if (rc == 1)
		return 0;
	log_warn("archive: unreadable: path=%s", relpath);
	return -1;
}

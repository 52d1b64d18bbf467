/* SPDX-License-Identifier: MIT */
/*
 * itest_faultfs — an LD_PRELOAD shim for the integration tests
 * (tests/integration/faults_disk.sh): makes file writes under chosen
 * directories fail with ENOSPC or EIO while a control file exists. Built
 * as BUILD/tests/itest_faultfs.so; never linked into a product binary.
 *
 *	FAULTFS_CTL=/path/ctl [FAULTFS_LOG=/path/log] \
 *	LD_PRELOAD=build/tests/itest_faultfs.so brudvagtd ...
 *
 * The control file is read on every call, so a test switches the fault on
 * and off while the process runs. While it exists it holds
 *
 *	ERRNO [data]		ENOSPC or EIO; "data": only the calls on
 *				descriptors (the first list below)
 *	PREFIX			one absolute path prefix a line
 *	...
 *
 * and a call fails with ERRNO when the file it touches lies under a PREFIX
 * (a plain string prefix of the path, symlinks of /proc/self/fd resolved):
 *   - write, pwrite, pwrite64, writev, pwritev, ftruncate(64), fallocate(64),
 *     posix_fallocate(64), fsync, fdatasync on a descriptor of such a file
 *     or directory (what brudvagtd's atomicfile.c and SQLite use: checked
 *     with strace and nm -D);
 *   - open/open64/openat(64) with O_CREAT of a file that does not exist yet,
 *     mkdir, and rename whose target lies there (a new directory entry
 *     needs space too).
 * Each injected failure appends "ERRNO CALL PATH" to FAULTFS_LOG, so a test
 * can check that the fault really hit what it meant to hit. Without
 * FAULTFS_CTL every call passes straight through.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define CTL_MAX 4096

/* The errno to inject for path, or 0 (the control file re-read each
 * time); name: the call makes a name (open O_CREAT, mkdir, rename). */
static int
fault_for(const char *path, bool name)
{
	const char *ctl = getenv("FAULTFS_CTL");
	char buf[CTL_MAX], *line, *save = NULL;
	int fd, err = 0;
	ssize_t n;

	if (ctl == NULL || path == NULL || path[0] != '/')
		return 0;
	fd = (int)syscall(SYS_openat, AT_FDCWD, ctl, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (err == 0) {
			err = strncmp(line, "EIO", 3) == 0 ? EIO :
			      strncmp(line, "ENOSPC", 6) == 0 ? ENOSPC : 0;
			if (err == 0 || (name && strstr(line, " data") != NULL))
				return 0;
		} else if (line[0] == '/' &&
			   strncmp(path, line, strlen(line)) == 0) {
			return err;
		}
	}
	return 0;
}

static void
note(int err, const char *call, const char *path)
{
	const char *log = getenv("FAULTFS_LOG");
	char line[PATH_MAX + 64];
	int fd, len;

	if (log == NULL)
		return;
	len = snprintf(line, sizeof(line), "%s %s %s\n",
		       err == EIO ? "EIO" : "ENOSPC", call, path);
	fd = (int)syscall(SYS_openat, AT_FDCWD, log,
			  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	/* SYS_write: not through our own write() */
	len = (int)syscall(SYS_write, fd, line, (size_t)len);
	close(fd);
}

/* 0, or -1 with errno set when fd's file is under a faulted prefix. */
static int
fd_fault(int fd, const char *call)
{
	char link[64], path[PATH_MAX];
	int err, saved = errno;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	err = n > 0 ? fault_for(path, false) : 0;
	errno = saved;
	if (err == 0)
		return 0;
	note(err, call, path);
	errno = err;
	return -1;
}

/* The same for a path named by (dirfd, path); new: only if it is absent. */
static int
path_fault(int dirfd, const char *path, bool only_new, const char *call)
{
	char full[PATH_MAX], dir[PATH_MAX], link[64];
	int err, saved = errno;
	struct stat sb;
	ssize_t n;

	if (path == NULL)
		return 0;
	if (path[0] == '/') {
		snprintf(full, sizeof(full), "%s", path);
	} else {
		if (dirfd == AT_FDCWD) {
			if (getcwd(dir, sizeof(dir)) == NULL)
				dir[0] = '\0';
		} else {
			snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
			n = readlink(link, dir, sizeof(dir) - 1);
			dir[n > 0 ? n : 0] = '\0';
		}
		snprintf(full, sizeof(full), "%s/%s", dir, path);
	}
	err = fault_for(full, true);
	if (err != 0 && only_new && fstatat(AT_FDCWD, full, &sb, 0) == 0)
		err = 0;
	errno = saved;
	if (err == 0)
		return 0;
	note(err, call, full);
	errno = err;
	return -1;
}

/* REAL(name): the next definition of name (libc's), looked up once. */
#define REAL(ret, name, ...)						\
	static ret (*real_##name)(__VA_ARGS__);				\
	if (real_##name == NULL)					\
		*(void **)&real_##name = dlsym(RTLD_NEXT, #name)

ssize_t
write(int fd, const void *p, size_t n)
{
	REAL(ssize_t, write, int, const void *, size_t);
	return fd_fault(fd, "write") < 0 ? -1 : real_write(fd, p, n);
}

ssize_t
pwrite(int fd, const void *p, size_t n, off_t off)
{
	REAL(ssize_t, pwrite, int, const void *, size_t, off_t);
	return fd_fault(fd, "pwrite") < 0 ? -1 : real_pwrite(fd, p, n, off);
}

ssize_t
pwrite64(int fd, const void *p, size_t n, off64_t off)
{
	REAL(ssize_t, pwrite64, int, const void *, size_t, off64_t);
	return fd_fault(fd, "pwrite64") < 0 ? -1 : real_pwrite64(fd, p, n, off);
}

ssize_t
writev(int fd, const struct iovec *v, int n)
{
	REAL(ssize_t, writev, int, const struct iovec *, int);
	return fd_fault(fd, "writev") < 0 ? -1 : real_writev(fd, v, n);
}

ssize_t
pwritev(int fd, const struct iovec *v, int n, off_t off)
{
	REAL(ssize_t, pwritev, int, const struct iovec *, int, off_t);
	return fd_fault(fd, "pwritev") < 0 ? -1 : real_pwritev(fd, v, n, off);
}

int
fsync(int fd)
{
	REAL(int, fsync, int);
	return fd_fault(fd, "fsync") < 0 ? -1 : real_fsync(fd);
}

int
fdatasync(int fd)
{
	REAL(int, fdatasync, int);
	return fd_fault(fd, "fdatasync") < 0 ? -1 : real_fdatasync(fd);
}

int
ftruncate(int fd, off_t len)
{
	REAL(int, ftruncate, int, off_t);
	return fd_fault(fd, "ftruncate") < 0 ? -1 : real_ftruncate(fd, len);
}

int
ftruncate64(int fd, off64_t len)
{
	REAL(int, ftruncate64, int, off64_t);
	return fd_fault(fd, "ftruncate64") < 0 ? -1 : real_ftruncate64(fd, len);
}

int
fallocate(int fd, int mode, off_t off, off_t len)
{
	REAL(int, fallocate, int, int, off_t, off_t);
	return fd_fault(fd, "fallocate") < 0 ? -1 : real_fallocate(fd, mode, off, len);
}

int
fallocate64(int fd, int mode, off64_t off, off64_t len)
{
	REAL(int, fallocate64, int, int, off64_t, off64_t);
	return fd_fault(fd, "fallocate64") < 0 ? -1 :
	       real_fallocate64(fd, mode, off, len);
}

/* posix_fallocate returns the error instead of setting errno. */
int
posix_fallocate(int fd, off_t off, off_t len)
{
	REAL(int, posix_fallocate, int, off_t, off_t);
	return fd_fault(fd, "posix_fallocate") < 0 ? errno :
	       real_posix_fallocate(fd, off, len);
}

int
posix_fallocate64(int fd, off64_t off, off64_t len)
{
	REAL(int, posix_fallocate64, int, off64_t, off64_t);
	return fd_fault(fd, "posix_fallocate64") < 0 ? errno :
	       real_posix_fallocate64(fd, off, len);
}

/* The mode argument of a variadic open, when there is one. */
#define OPEN_MODE(flags, mode)						\
	do {								\
		va_list ap;						\
		if ((flags) & (O_CREAT | __O_TMPFILE)) {		\
			va_start(ap, flags);				\
			mode = (mode_t)va_arg(ap, int);			\
			va_end(ap);					\
		}							\
	} while (0)

int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	REAL(int, open, const char *, int, ...);
	OPEN_MODE(flags, mode);
	if ((flags & O_CREAT) && path_fault(AT_FDCWD, path, true, "open") < 0)
		return -1;
	return real_open(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	REAL(int, open64, const char *, int, ...);
	OPEN_MODE(flags, mode);
	if ((flags & O_CREAT) && path_fault(AT_FDCWD, path, true, "open64") < 0)
		return -1;
	return real_open64(path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	REAL(int, openat, int, const char *, int, ...);
	OPEN_MODE(flags, mode);
	if ((flags & O_CREAT) && path_fault(dirfd, path, true, "openat") < 0)
		return -1;
	return real_openat(dirfd, path, flags, mode);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	REAL(int, openat64, int, const char *, int, ...);
	OPEN_MODE(flags, mode);
	if ((flags & O_CREAT) && path_fault(dirfd, path, true, "openat64") < 0)
		return -1;
	return real_openat64(dirfd, path, flags, mode);
}

int
mkdir(const char *path, mode_t mode)
{
	REAL(int, mkdir, const char *, mode_t);
	return path_fault(AT_FDCWD, path, true, "mkdir") < 0 ? -1 :
	       real_mkdir(path, mode);
}

int
rename(const char *from, const char *to)
{
	REAL(int, rename, const char *, const char *);
	return path_fault(AT_FDCWD, to, false, "rename") < 0 ? -1 :
	       real_rename(from, to);
}

int
renameat(int fromfd, const char *from, int tofd, const char *to)
{
	REAL(int, renameat, int, const char *, int, const char *);
	return path_fault(tofd, to, false, "renameat") < 0 ? -1 :
	       real_renameat(fromfd, from, tofd, to);
}

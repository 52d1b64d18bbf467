/* SPDX-License-Identifier: MIT */
/*
 * itest_imap — drive daemon/imap.c for tests/integration/imap_tls.sh.
 *
 *	itest_imap CONFIG ACCOUNT check
 *	itest_imap CONFIG ACCOUNT fetch LAST_UID [DIR [MAX_BYTES]]
 *	itest_imap CONFIG ACCOUNT mark UID...
 *	itest_imap CONFIG ACCOUNT idle SECONDS
 *	itest_imap CONFIG ACCOUNT survive SECONDS LAST_UID
 *	itest_imap fake-idle MODE
 *
 * CONFIG is a brudvagt.conf with the contract's keys; ACCOUNT names one of
 * its accounts. Until conf/settings.c lands, the account is read here with
 * libconfig directly (only the accounts list is looked at; config_t stays
 * in this test program); then this becomes settings_load_file().
 *
 * check: connect and print what SELECT said. fetch: print "uid=N len=L
 * size=S truncated=T" per message, and write DIR/N.eml. mark: set
 * $Brudvagt. idle: print "ready", IDLE up to SECONDS, print "idle=R ms=T
 * at=EPOCH_MS" (when it returned).
 * survive: IDLE (again and again, up to SECONDS in all) until the
 * connection fails (a server restart), reconnect
 * with imap_backoff_next (bounded), fetch from LAST_UID, print the UIDs.
 * fake-idle: against a scripted server in a child process (no TLS): MODE
 * "before" sends "* 4 EXISTS" in the same write as, and before, "+ idling"
 * (libetpan 1.9.4's own IDLE fails there); "literal" sends an untagged
 * FETCH with a {N} literal during IDLE, then EXISTS; "quiet" sends nothing
 * (expect 0 after 2 s); "bye" sends "* BYE" during IDLE (expect -1).
 *
 * Errors go to stderr as the library words them; exit status 69 on a
 * failed connection or command, 64 on usage, 0 otherwise.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <libconfig.h>

#include "conf/settings.h"
#include "daemon/imap.h"
#include "lib/log.h"
#include "lib/xalloc.h"

static const char *
lookup_str(const config_setting_t *s, const char *key, const char *def)
{
	const char *v;

	return config_setting_lookup_string(s, key, &v) ? v : def;
}

static int
lookup_int(const config_setting_t *s, const char *key, int def)
{
	int v;

	return config_setting_lookup_int(s, key, &v) ? v : def;
}

static void
account_from_config(const char *path, const char *name, struct account *a)
{
	config_setting_t *list, *s;
	const char *tls, *ca, *pm;
	config_t cfg;
	int i;

	config_init(&cfg);
	if (!config_read_file(&cfg, path))
		fatal(EX_CONFIG, "%s:%d: %s", path, config_error_line(&cfg),
		      config_error_text(&cfg));
	if ((list = config_lookup(&cfg, "accounts")) == NULL)
		fatal(EX_CONFIG, "%s: no accounts", path);
	for (i = 0; (s = config_setting_get_elem(list, (unsigned)i)) != NULL; i++)
		if (strcmp(lookup_str(s, "name", ""), name) == 0)
			break;
	if (s == NULL)
		fatal(EX_CONFIG, "%s: no account %s", path, name);
	memset(a, 0, sizeof(*a));
	a->name = xstrdup(name);
	a->host = xstrdup(lookup_str(s, "host", "127.0.0.1"));
	tls = lookup_str(s, "tls", "implicit");
	a->tls = strcmp(tls, "starttls") == 0 ? TLS_STARTTLS :
		 strcmp(tls, "none") == 0 ? TLS_NONE : TLS_IMPLICIT;
	a->port = lookup_int(s, "port", a->tls == TLS_IMPLICIT ? 993 : 143);
	ca = lookup_str(s, "ca_file", NULL);
	a->ca_file = ca != NULL ? xstrdup(ca) : NULL;
	a->user = xstrdup(lookup_str(s, "user", name));
	a->password_file = xstrdup(lookup_str(s, "password_file", "/dev/null"));
	a->mailbox = xstrdup(lookup_str(s, "mailbox", "INBOX"));
	pm = lookup_str(s, "processed_mailbox", NULL);
	a->processed_mailbox = pm != NULL ? xstrdup(pm) : NULL;
	a->poll_seconds = lookup_int(s, "poll_seconds", 60);
	a->timeout_seconds = lookup_int(s, "timeout_seconds", 60);
	a->batch_messages = lookup_int(s, "batch_messages", 256);
	config_destroy(&cfg);
}

static int64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct fetch_ctx {
	const char *dir;
};

static int
print_one(const struct imap_message *m, const struct fetch_ctx *fc)
{
	char path[4096];
	FILE *f;

	printf("uid=%u len=%zu size=%zu truncated=%d\n", m->uid, m->len,
	       m->size, m->truncated);
	if (fc->dir == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/%u.eml", fc->dir, m->uid);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(m->data, 1, m->len, f) != m->len || fclose(f) != 0) {
		fprintf(stderr, "itest_imap: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
print_batch(const struct imap_message *v, size_t n, void *p)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (print_one(&v[i], p) < 0)
			return -1;
	return 0;
}

static int
do_fetch(struct imap_conn *c, uint32_t last, const char *dir, size_t max,
	 struct err *e)
{
	struct fetch_ctx fc = { dir };
	int n;

	if ((n = imap_fetch_since(c, last, max, print_batch, &fc, e)) < 0)
		return -1;
	printf("fetched=%d\n", n);
	return 0;
}

static int
do_idle(struct imap_conn *c, int secs, struct err *e)
{
	struct timespec wall;
	int64_t t0;
	int r;

	printf("ready\n");
	fflush(stdout);
	t0 = ms_now();
	r = imap_idle_wait(c, secs, NULL, e);
	clock_gettime(CLOCK_REALTIME, &wall);
	printf("idle=%d ms=%lld at=%lld\n", r, (long long)(ms_now() - t0),
	       (long long)wall.tv_sec * 1000 + wall.tv_nsec / 1000000);
	return r < 0 ? -1 : 0;
}

/* IDLE until it fails, then reconnect (at most 10 tries) and fetch. */
static int
do_survive(const struct account *a, struct imap_conn **cp, int secs,
	   uint32_t last, struct err *e)
{
	uint32_t delay = 0;
	int tries, r;

	int64_t end = ms_now() + (int64_t)secs * 1000;

	printf("ready\n");
	fflush(stdout);
	/* what a daemon does: IDLE, fetch on news, until the connection fails */
	while ((r = imap_idle_wait(*cp, secs, NULL, e)) >= 0) {
		printf("idle=%d\n", r);
		if (ms_now() >= end)
			return -1;
	}
	printf("idle=%d\n", r);
	fprintf(stderr, "itest_imap: expected: %s\n", e->msg);
	imap_close(cp);
	for (tries = 1; tries <= 10; tries++) {
		delay = imap_backoff_next(delay, (uint32_t)random());
		/* the test keeps the real schedule but caps each wait at 2 s */
		usleep((delay > 2000 ? 2000 : delay) * 1000u);
		if (imap_connect(a, cp, e) == 0)
			break;
		fprintf(stderr, "itest_imap: try %d: %s\n", tries, e->msg);
	}
	if (*cp == NULL)
		return -1;
	printf("reconnected tries=%d\n", tries);
	return do_fetch(*cp, last, NULL, 50u << 20, e);
}

static int
run_account(int argc, char **argv)
{
	struct imap_conn *c = NULL;
	const struct imap_mailbox_info *mi;
	struct account a;
	struct err e = { 0 };
	const char *act = argv[3];
	int rc = 0, i;

	account_from_config(argv[1], argv[2], &a);
	if (imap_connect(&a, &c, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return EX_UNAVAILABLE;
	}
	mi = imap_mailbox(c);
	printf("connected uidvalidity=%u uidnext=%u exists=%u idle=%d "
	       "keywords=%d\n", mi->uidvalidity, mi->uidnext, mi->exists,
	       mi->has_idle, mi->keywords_allowed);
	if (strcmp(act, "fetch") == 0 && argc >= 5)
		rc = do_fetch(c, (uint32_t)strtoul(argv[4], NULL, 10),
			      argc >= 6 ? argv[5] : NULL,
			      argc >= 7 ? strtoul(argv[6], NULL, 10) : 50u << 20,
			      &e);
	else if (strcmp(act, "mark") == 0)
		for (i = 4; i < argc && rc == 0; i++) {
			uint32_t uid = (uint32_t)strtoul(argv[i], NULL, 10);

			rc = imap_mark_processed(c, &uid, 1, &e);
		}
	else if (strcmp(act, "idle") == 0 && argc >= 5)
		rc = do_idle(c, atoi(argv[4]), &e);
	else if (strcmp(act, "survive") == 0 && argc >= 6)
		rc = do_survive(&a, &c, atoi(argv[4]),
				(uint32_t)strtoul(argv[5], NULL, 10), &e);
	else if (strcmp(act, "check") != 0) {
		fprintf(stderr, "itest_imap: unknown action %s\n", act);
		rc = -1;
		e.code = EX_USAGE;
	}
	if (rc < 0 && e.msg[0] != '\0')
		fprintf(stderr, "%s\n", e.msg);
	imap_close(&c);
	return rc < 0 ? (e.code == EX_USAGE ? EX_USAGE : EX_UNAVAILABLE) : 0;
}

/* ---- the scripted server for fake-idle --------------------------------- */

static void
fake_send(int fd, const char *s)
{
	size_t n = strlen(s);

	if (write(fd, s, n) != (ssize_t)n)
		_exit(1);
}

static void
fake_idle(int fd, FILE *in, const char *tag, const char *mode)
{
	char line[1024], out[256];

	if (strcmp(mode, "before") == 0) {
		fake_send(fd, "* 4 EXISTS\r\n+ idling\r\n");
	} else if (strcmp(mode, "literal") == 0) {
		fake_send(fd, "+ idling\r\n");
		usleep(100 * 1000);
		fake_send(fd, "* 2 FETCH (UID 2 X-LABEL {12}\r\nhello\r\nworld)\r\n");
		usleep(100 * 1000);
		fake_send(fd, "* 4 EXISTS\r\n");
	} else if (strcmp(mode, "bye") == 0) {
		fake_send(fd, "+ idling\r\n");
		usleep(200 * 1000);
		fake_send(fd, "* BYE going away\r\n");
		_exit(0);
	} else {
		fake_send(fd, "+ idling\r\n");
	}
	if (fgets(line, sizeof(line), in) == NULL ||
	    strncasecmp(line, "DONE", 4) != 0)
		_exit(1);
	snprintf(out, sizeof(out), "%s OK Idle completed.\r\n", tag);
	fake_send(fd, out);
}

static void
fake_server(int lfd, const char *mode)
{
	char line[1024], tag[64], cmd[64], out[512];
	FILE *in;
	int fd;

	if ((fd = accept(lfd, NULL, NULL)) < 0 || (in = fdopen(fd, "r")) == NULL)
		_exit(1);
	fake_send(fd, "* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] fake\r\n");
	while (fgets(line, sizeof(line), in) != NULL) {
		if (sscanf(line, "%63s %63s", tag, cmd) != 2)
			_exit(1);
		if (strcasecmp(cmd, "CAPABILITY") == 0)
			snprintf(out, sizeof(out), "* CAPABILITY IMAP4rev1 IDLE\r\n"
				 "%s OK done\r\n", tag);
		else if (strcasecmp(cmd, "SELECT") == 0)
			snprintf(out, sizeof(out), "* 3 EXISTS\r\n* 0 RECENT\r\n"
				 "* OK [UIDVALIDITY 42] v\r\n* OK [UIDNEXT 4] n\r\n"
				 "* FLAGS (\\Seen)\r\n"
				 "* OK [PERMANENTFLAGS (\\Seen \\*)] p\r\n"
				 "%s OK [READ-WRITE] done\r\n", tag);
		else if (strcasecmp(cmd, "IDLE") == 0) {
			fake_idle(fd, in, tag, mode);
			continue;
		} else if (strcasecmp(cmd, "LOGOUT") == 0) {
			snprintf(out, sizeof(out), "* BYE\r\n%s OK bye\r\n", tag);
			fake_send(fd, out);
			_exit(0);
		} else
			snprintf(out, sizeof(out), "%s OK done\r\n", tag);
		fake_send(fd, out);
	}
	_exit(0);
}

static int
run_fake(const char *mode)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	struct account a = { 0 };
	struct imap_conn *c = NULL;
	struct err e = { 0 };
	char pwfile[] = "/tmp/itest_imap.pw.XXXXXX";
	int lfd, rc, status, fd;
	pid_t pid;

	if ((fd = mkstemp(pwfile)) < 0 || write(fd, "fake\n", 5) != 5)
		fatal(EX_OSERR, "itest_imap: %s: %s", pwfile, strerror(errno));
	close(fd);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) < 0)
		fatal(EX_OSERR, "itest_imap: socket: %s", strerror(errno));
	alarm(20);	/* the child can never outlive a hung test */
	if ((pid = fork()) == 0)
		fake_server(lfd, mode);
	close(lfd);
	a.name = "fake";
	a.host = "127.0.0.1";
	a.port = ntohs(sin.sin_port);
	a.tls = TLS_NONE;
	a.user = "fake";
	a.password_file = pwfile;
	a.mailbox = "INBOX";
	a.timeout_seconds = 5;
	a.poll_seconds = 1;
	rc = imap_connect(&a, &c, &e);
	if (rc == 0)
		rc = do_idle(c, 2, &e);
	if (rc < 0)
		fprintf(stderr, "%s\n", e.msg);
	imap_close(&c);
	unlink(pwfile);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	return rc < 0 ? EX_UNAVAILABLE : 0;
}

int
main(int argc, char **argv)
{
	log_init("itest_imap", LOG_TO_STDERR);
	log_set_verbose(getenv("ITEST_VERBOSE") != NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "fake-idle") == 0)
		return run_fake(argv[2]);
	if (argc < 4) {
		fprintf(stderr, "usage: itest_imap CONFIG ACCOUNT ACTION ...\n"
			"       itest_imap fake-idle MODE\n");
		return EX_USAGE;
	}
	return run_account(argc, argv);
}

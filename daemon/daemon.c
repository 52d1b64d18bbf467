/* SPDX-License-Identifier: MIT */
/*
 * daemon.c — the main thread of brudvagtd. Starts a watcher per account
 * and the outbound thread (deliver.c), waits for signals with sigtimedwait (all other threads block them), and
 * tells systemd how it is going. Nothing here touches a message.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "daemon/daemon.h"
#include "daemon/deliver.h"
#include "daemon/watch.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "spool/store.h"

#define STOP_GRACE_SECONDS 9	/* SIGTERM → exit within 10 s */

static volatile sig_atomic_t stop_flag;

struct crew {
	struct watch *w;
	size_t n;
	struct deliver d;		/* the outbound thread (not with once) */
	bool delivering;
};

static void
crew_start(struct crew *c, const struct settings *s, bool once)
{
	size_t i;

	stop_flag = 0;
	c->n = s->naccounts;
	c->w = xcalloc(c->n, sizeof(*c->w));
	for (i = 0; i < c->n; i++) {
		c->w[i].s = s;
		c->w[i].account = &s->accounts[i];
		c->w[i].stop = &stop_flag;
		c->w[i].once = once;
		if (watch_start(&c->w[i]) < 0)
			fatal(71, "daemon: cannot start a thread for account %s",
			      s->accounts[i].name);
	}
	c->delivering = false;
	if (once)
		return;
	c->d.s = s;
	c->d.stop = &stop_flag;
	if (deliver_start(&c->d) < 0)
		fatal(71, "daemon: cannot start the outbound thread");
	c->delivering = true;
}

/* Stop (unless once) and join; a thread stuck in a network read past the
 * grace period is left behind: what it committed is safe. Returns the
 * worst status. */
static int
crew_stop(struct crew *c, bool once)
{
	struct timespec deadline;
	int status = 0;
	size_t i;

	if (!once)
		stop_flag = 1;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += STOP_GRACE_SECONDS;
	for (i = 0; i < c->n; i++) {
		if (once)
			pthread_join(c->w[i].thread, NULL);
		else if (pthread_timedjoin_np(c->w[i].thread, NULL, &deadline) != 0) {
			log_warn("daemon: account %s did not stop in time; leaving it",
				 c->w[i].account->name);
			continue;
		}
		if (c->w[i].status > status)
			status = c->w[i].status;
	}
	if (c->delivering) {
		if (pthread_timedjoin_np(c->d.thread, NULL, &deadline) != 0)
			log_warn("daemon: the outbound thread did not stop in time; leaving it");
		c->delivering = false;
	}
	free(c->w);
	c->w = NULL;
	c->n = 0;
	return status;
}

static bool
crew_all_connected(const struct crew *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!c->w[i].connected)
			return false;
	return true;
}

static unsigned long
crew_ingested(const struct crew *c)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < c->n; i++)
		n += c->w[i].ingested;
	return n;
}

static void
block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* SIGHUP: load the file again; swap only a valid one. */
static void
reload(const char *path, struct settings **sp, struct crew *c)
{
	struct settings *fresh = NULL;
	struct err e = { 0 };

	if (settings_load_file(path, &fresh, &e) < 0) {
		log_err("daemon: reload refused, keeping the running configuration: %s", e.msg);
		return;
	}
	sd_notify(0, "RELOADING=1");
	crew_stop(c, false);
	settings_free(sp);
	*sp = fresh;
	crew_start(c, *sp, false);
	log_info("daemon: configuration reloaded from %s", path);
	sd_notify(0, "READY=1");
}

/* mkdir -p path with mode 0700 for what it creates. */
static int
make_dirs(const char *path)
{
	char *p = xstrdup(path), *q;
	int rc = 0;

	for (q = p + 1; rc == 0 && (q = strchr(q, '/')) != NULL; q++) {
		*q = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			rc = -1;
		*q = '/';
	}
	if (rc == 0 && mkdir(p, 0700) < 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* The spool and the store's directory must exist (systemd's StateDirectory
 * and CacheDirectory make them in production; a test or a hand run may
 * not have). */
static int
prepare_dirs(const struct settings *s)
{
	char *dir = xstrdup(s->store_path), *slash = strrchr(dir, '/');
	int rc = 0;

	if (slash && slash != dir) {
		*slash = '\0';
		if (make_dirs(dir) < 0) {
			log_err("daemon: cannot create %s: %s", dir, strerror(errno));
			rc = -1;
		}
	}
	if (rc == 0 && make_dirs(s->spool_path) < 0) {
		log_err("daemon: cannot create %s: %s", s->spool_path, strerror(errno));
		rc = -1;
	}
	free(dir);
	return rc;
}

/* Create and migrate the store once, before the watchers open their own
 * handles: switching a new database to WAL needs it to itself. */
static int
prepare_store(const struct settings *s)
{
	struct store *st = NULL;
	struct err e = { 0 };

	if (store_open(s->store_path, &st, &e) < 0) {
		log_err("daemon: %s", e.msg);
		return -1;
	}
	store_close(&st);
	return 0;
}

int
daemon_run(const char *config_path, struct settings **sp, bool once)
{
	struct timespec tick = { 1, 0 };
	bool ready = false;
	struct crew c = { 0 };
	sigset_t set;
	int sig;

	if (prepare_dirs(*sp) < 0)
		return 73;
	if (prepare_store(*sp) < 0)
		return 74;
	block_signals(&set);
	crew_start(&c, *sp, once);
	if (once) {
		/* Every account caught up: their cases' mails go out before exit. */
		int status = crew_stop(&c, true), dstatus = deliver_once(*sp);

		return status > dstatus ? status : dstatus;
	}
	for (;;) {
		sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("daemon: stopping on signal %d", sig);
			sd_notify(0, "STOPPING=1");
			crew_stop(&c, false);
			return 0;
		}
		if (sig == SIGHUP)
			reload(config_path, sp, &c);
		if (!ready && crew_all_connected(&c)) {
			ready = true;
			sd_notify(0, "READY=1");
			log_info("daemon: every account connected; ready");
		}
		sd_notifyf(0, "WATCHDOG=1\nSTATUS=%s; %lu messages processed since start",
			   ready ? "watching" : "connecting", crew_ingested(&c));
	}
}

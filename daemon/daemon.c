/* SPDX-License-Identifier: MIT */
/*
 * daemon.c — the main thread of brudvagtd. Starts a watcher per account and
 * the outbound thread (deliver.c), waits for signals with sigtimedwait (all
 * other threads block them), runs the deadline clock every
 * DEADLINES_INTERVAL_SECONDS (and once at the end of --once, before the
 * queue is flushed), and tells systemd how it is going. Nothing here
 * touches a message.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "daemon/daemon.h"
#include "daemon/deadlines.h"
#include "daemon/deliver.h"
#include "daemon/watch.h"
#include "spool/outbound.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "spool/store.h"

#define STOP_GRACE_SECONDS 9	/* SIGTERM → exit within 10 s */
#define STATUS_INTERVAL_SECONDS 5	/* open cases, queue length: STATUS= */

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

/*
 * Files left in SPOOL/tmp by a crash are half-written copies whose rename
 * never happened: the message they held is fetched again (its position was
 * not committed). Nothing else writes there while the daemon is down.
 */
static void
sweep_tmp(const char *spool)
{
	char *path = xasprintf("%s/tmp", spool);
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (d == NULL) {
		free(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			n++;
		else
			log_warn("daemon: cannot remove %s/%s: %s", path, de->d_name,
				 strerror(errno));
	}
	closedir(d);
	if (n > 0)
		log_info("daemon: removed %d unfinished file(s) from %s", n, path);
	free(path);
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
	if (rc == 0)
		sweep_tmp(s->spool_path);
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

struct queue_ctx {
	const struct settings *s;
	struct store *db;
	int64_t now;
};

/*
 * The deadline clock's sender: queue the mail in the outbound queue. It runs
 * inside the transaction that records the mail as sent (the store nests
 * outbound_queue_to's change in it), so a crash leaves the mail both
 * recorded and queued, or neither.
 */
static int
queue_deadline_mail(void *ctx, const struct deadline_action *a, struct err *e)
{
	const struct queue_ctx *q = ctx;

	if (outbound_queue_to(q->s, q->db, a->ref[0] ? a->ref : NULL, a->mail_kind,
			      (const char *const *)a->recipients, a->nrecipients,
			      a->topic, a->body, q->now, e) < 0)
		return -1;
	deliver_kick();
	return 0;
}

/*
 * One run of the deadline clock, on a store handle of its own; the mails it
 * finds due go to the outbound queue. Returns 0, or 74 when the store could
 * not be read.
 */
static int
run_deadlines(const struct settings *s)
{
	struct deadline_stats st = { 0 };
	struct store *db = NULL;
	struct err e = { 0 };
	struct queue_ctx q = { s, NULL, (int64_t)time(NULL) };
	int rc = 0;

	if (store_open(s->store_path, &db, &e) == 0) {
		q.db = db;
		rc = deadline_run(s, db, q.now, queue_deadline_mail, &q, &st, &e);
	} else {
		rc = -1;
	}
	if (rc < 0) {
		log_err("daemon: deadline check failed: %s", e.msg);
		rc = 74;
	} else if (st.due > 0) {
		log_info("daemon: deadlines: due=%zu sent=%zu already=%zu failed=%zu",
			 st.due, st.sent, st.already, st.failed);
	}
	store_close(&db);
	return rc;
}

/* Open cases and queued mails, for systemd's STATUS= line. */
static void
status_counts(const struct settings *s, long *open_r, long *queued_r)
{
	struct store *db = NULL;
	struct err e = { 0 };

	if (store_open(s->store_path, &db, &e) < 0 ||
	    store_status_counts(db, open_r, queued_r, &e) < 0)
		log_warn("daemon: status counts: %s", e.msg);
	store_close(&db);
}

/* The work of --once, on its own thread: every account caught up, the
 * clock queues what is due, every queued mail goes out. Each step looks at
 * stop_flag; after a stop the later steps are left to the next run. */
struct once_job {
	const struct settings *s;
	int status;
};

static void *
once_main(void *arg)
{
	struct once_job *j = arg;
	struct crew c = { 0 };
	int rc;

	crew_start(&c, j->s, true);
	j->status = crew_stop(&c, true);
	if (!stop_flag && (rc = run_deadlines(j->s)) > j->status)
		j->status = rc;
	if (!stop_flag && (rc = deliver_once(j->s, &stop_flag)) > j->status)
		j->status = rc;
	return NULL;
}

/*
 * --once. The main thread listens for signals meanwhile, so SIGTERM and
 * SIGINT stop it as they stop the daemon: what is committed stays (the
 * batch in hand is finished), nothing new is started, exit 0 within 10 s.
 * The next run goes on from there.
 */
static int
run_once(const struct settings *s, sigset_t *set)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 }, deadline;
	struct once_job j = { s, 0 };
	pthread_t t;
	int sig;

	if (pthread_create(&t, NULL, once_main, &j) != 0)
		fatal(71, "daemon: cannot start a thread for --once");
	while (pthread_tryjoin_np(t, NULL) != 0) {
		sig = sigtimedwait(set, NULL, &tick);
		if (sig != SIGTERM && sig != SIGINT)
			continue;
		log_info("daemon: stopping on signal %d before --once was done; "
			 "the next run goes on from there", sig);
		stop_flag = 1;
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += STOP_GRACE_SECONDS;
		if (pthread_timedjoin_np(t, NULL, &deadline) != 0)
			log_warn("daemon: --once did not stop in time; leaving it");
		return 0;
	}
	return j.status;
}

int
daemon_run(const char *config_path, struct settings **sp, bool once)
{
	struct timespec tick = { 1, 0 };
	time_t last_check = 0, last_count = 0;
	long nopen = 0, nqueued = 0;
	bool ready = false;
	struct crew c = { 0 };
	sigset_t set;
	int sig;

	if (prepare_dirs(*sp) < 0)
		return 73;
	if (prepare_store(*sp) < 0)
		return 74;
	block_signals(&set);
	if (once)
		return run_once(*sp, &set);
	crew_start(&c, *sp, false);
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
		if (time(NULL) - last_check >= DEADLINES_INTERVAL_SECONDS) {
			last_check = time(NULL);
			run_deadlines(*sp);
		}
		if (time(NULL) - last_count >= STATUS_INTERVAL_SECONDS) {
			last_count = time(NULL);
			status_counts(*sp, &nopen, &nqueued);
		}
		if (!ready && crew_all_connected(&c)) {
			ready = true;
			sd_notify(0, "READY=1");
			log_info("daemon: every account connected; ready");
		}
		sd_notifyf(0, "WATCHDOG=1\nSTATUS=%s; %ld open cases, %ld mails queued; "
			   "%lu messages processed since start",
			   ready ? "watching" : "connecting", nopen, nqueued,
			   crew_ingested(&c));
	}
}

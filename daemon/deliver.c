/* SPDX-License-Identifier: MIT */
/*
 * deliver.c — the outbound thread of brudvagtd (see deliver.h). Owns its
 * store handle and, through outbound.c, the SMTP session. The only thread
 * that runs notify_pending, so a case's first mails are queued once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "daemon/deliver.h"
#include "daemon/notify.h"
#include "lib/log.h"
#include "spool/outbound.h"
#include "spool/store.h"

static pthread_mutex_t kick_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t kick_cond = PTHREAD_COND_INITIALIZER;
static bool kicked;

void
deliver_kick(void)
{
	pthread_mutex_lock(&kick_lock);
	kicked = true;
	pthread_cond_signal(&kick_cond);
	pthread_mutex_unlock(&kick_lock);
}

/* Wait up to seconds, or until kicked (a kick while working counts too). */
static void
wait_kick(int seconds)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	pthread_mutex_lock(&kick_lock);
	while (!kicked)
		if (pthread_cond_timedwait(&kick_cond, &kick_lock, &until) == ETIMEDOUT)
			break;
	kicked = false;
	pthread_mutex_unlock(&kick_lock);
}

static void
log_stats(const struct outbound_stats *r)
{
	if (r->sent || r->retried || r->failed || r->orphans || r->corrupt)
		log_info("deliver: sent=%u deferred=%u failed=%u orphans=%u corrupt=%u",
			 r->sent, r->retried, r->failed, r->orphans, r->corrupt);
}

/* One round: new cases' mails, then what is due. -1 when the store failed. */
static int
round_once(const struct settings *s, struct store *st,
	   const volatile sig_atomic_t *stop, struct outbound_stats *r)
{
	struct err e = { 0 };

	if (notify_pending(s, st, time(NULL), stop, &e) < 0) {
		log_err("deliver: queueing new cases' mails: %s", e.msg);
		return -1;
	}
	if (outbound_flush(s, st, time(NULL), stop, r, &e) < 0) {
		log_err("deliver: %s", e.msg);
		return -1;
	}
	return 0;
}

static int
recover(const struct settings *s, struct store *st, struct outbound_stats *r)
{
	struct err e = { 0 };

	if (outbound_recover(s, st, time(NULL), r, &e) < 0) {
		log_err("deliver: recovery: %s", e.msg);
		return -1;
	}
	return 0;
}

static void *
deliver_main(void *arg)
{
	struct deliver *d = arg;
	struct store *st = NULL;
	struct err e = { 0 };
	time_t last_recover = 0;

	if (store_open(d->s->store_path, &st, &e) < 0) {
		log_err("deliver: %s", e.msg);
		d->status = 74;
		return NULL;
	}
	while (!*d->stop) {
		struct outbound_stats r = { 0 };

		if (time(NULL) - last_recover >= DELIVER_RECOVER_SECONDS) {
			recover(d->s, st, &r);
			last_recover = time(NULL);
		}
		round_once(d->s, st, d->stop, &r);
		log_stats(&r);
		if (!*d->stop)
			wait_kick(DELIVER_TICK_SECONDS);
	}
	store_close(&st);
	return NULL;
}

int
deliver_start(struct deliver *d)
{
	d->status = 0;
	return pthread_create(&d->thread, NULL, deliver_main, d) == 0 ? 0 : -1;
}

int
deliver_once(const struct settings *s, const volatile sig_atomic_t *stop)
{
	struct outbound_stats r = { 0 };
	struct store *st = NULL;
	struct err e = { 0 };
	unsigned before;
	int pass, rc = 0;

	if (store_open(s->store_path, &st, &e) < 0) {
		log_err("deliver: %s", e.msg);
		return 74;
	}
	if (recover(s, st, &r) < 0)
		rc = 74;
	for (pass = 0; rc == 0 && pass < DELIVER_ONCE_PASSES && !*stop; pass++) {
		before = r.sent + r.failed + r.retried;
		if (round_once(s, st, stop, &r) < 0)
			rc = 74;
		if (r.sent + r.failed + r.retried == before)
			break;
	}
	log_stats(&r);
	store_close(&st);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * deliver.h — brudvagtd's outbound thread: queue the mails of new cases
 * (notify_pending) and deliver the queue (outbound_flush), with its own
 * store handle. Woken at once by deliver_kick() (a watcher that opened a
 * case), else every DELIVER_TICK_SECONDS; recovers the spool
 * (outbound_recover) when it starts and every DELIVER_RECOVER_SECONDS.
 */
#ifndef BV_DELIVER_H
#define BV_DELIVER_H

#include <pthread.h>
#include <signal.h>

#include "conf/settings.h"

#define DELIVER_TICK_SECONDS 5
#define DELIVER_RECOVER_SECONDS 600
#define DELIVER_ONCE_PASSES 3	/* --once: notices queued while flushing go too */

struct deliver {
	const struct settings *s;		/* set by the caller */
	const volatile sig_atomic_t *stop;	/* set by the caller */
	pthread_t thread;
	int status;				/* 0, or 74 when the store failed */
};

/* Start d's thread. Returns 0, or -1 when no thread could be made. */
int deliver_start(struct deliver *d);

/* Wake the outbound thread now (any thread may call; cheap; never blocks long). */
void deliver_kick(void);

/*
 * The --once work in the calling thread: recover, queue the mails of new
 * cases, and flush until nothing more is due (at most DELIVER_ONCE_PASSES
 * passes), or until *stop is set (between mails). Returns 0, or 74 when
 * the store could not be used.
 */
int deliver_once(const struct settings *s, const volatile sig_atomic_t *stop);

#endif

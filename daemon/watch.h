/* SPDX-License-Identifier: MIT */
/*
 * watch.h — one thread per IMAP account: connect, catch up by UID, wait
 * for new mail (IDLE, or polling), reconnect with backoff when anything
 * breaks. Each fetched batch is committed together (ingest_batch_*) and
 * its messages are marked processed on the server (or moved to
 * processed_mailbox) only after that commit; the mailbox position in the
 * store advances in that same commit, so a crash anywhere loses nothing
 * and a restart processes nothing twice (the store also dedups by
 * Message-ID), and what was committed but not marked is marked on the
 * next connection.
 */
#ifndef BV_WATCH_H
#define BV_WATCH_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "conf/settings.h"

struct watch {
	/* set by the caller */
	const struct settings *s;
	const struct account *account;
	const volatile sig_atomic_t *stop;
	bool once;			/* catch up once, then return */

	/* set by the thread */
	pthread_t thread;
	volatile sig_atomic_t connected;	/* has connected at least once */
	volatile sig_atomic_t done;
	int status;			/* sysexits: 0, 69 unreachable, 74 store */
	unsigned long ingested;		/* messages committed */
};

/* Start w's thread. Returns 0, or -1 when no thread could be made. */
int watch_start(struct watch *w);

/* The thread body (exposed for a single-threaded --once run). */
void *watch_main(void *w);

#endif

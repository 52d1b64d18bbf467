/* SPDX-License-Identifier: MIT */
/*
 * ctl_outbound.c — `brudvagtctl release REF`, `reject REF` and `queue`.
 *
 * A held case (its sender could not be verified) has sent the system owner
 * its triage only. release makes it open and queues its receipt and
 * forwards in the same step (brudvagtd delivers them within seconds);
 * reject makes it rejected and sends nothing. Both record who did it
 * ($SUDO_USER or $USER) in the case's events. queue lists the outbound
 * mail still waiting, with its attempts and last error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/ctl.h"
#include "daemon/notify.h"
#include "lib/xalloc.h"
#include "spool/outbound.h"

static char *
by_whom(void)
{
	const char *u = getenv("SUDO_USER");

	if (u == NULL || u[0] == '\0')
		u = getenv("USER");
	if (u == NULL || u[0] == '\0' || strlen(u) > 64)
		return xstrdup("by=brudvagtctl");
	return xasprintf("by=brudvagtctl user=%s", u);
}

static int
held_command(const struct settings *s, int argc, char **argv, bool release)
{
	struct store *st = NULL;
	struct err e = { 0 };
	char *by;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: brudvagtctl -c CONFIG %s REF\n", argv[0]);
		return CTL_EX_USAGE;
	}
	if ((rc = ctl_store_open(s, &st)) != 0)
		return rc;
	by = by_whom();
	rc = release ? notify_release(s, st, argv[1], (int64_t)time(NULL), by, &e)
		     : notify_reject(s, st, argv[1], (int64_t)time(NULL), by, &e);
	free(by);
	store_close(&st);
	if (rc < 0) {
		fprintf(stderr, "brudvagtctl: %s: %s\n", argv[0], e.msg);
		return e.code == CTL_EX_DATAERR ? CTL_EX_DATAERR : CTL_EX_UNAVAILABLE;
	}
	printf(release ? "%s: released; its receipt and forwards are queued\n"
		       : "%s: rejected; nothing was sent\n", argv[1]);
	return fflush(stdout) == 0 ? 0 : CTL_EX_IOERR;
}

int
ctl_release(const struct settings *s, int argc, char **argv)
{
	return held_command(s, argc, argv, true);
}

int
ctl_reject(const struct settings *s, int argc, char **argv)
{
	return held_command(s, argc, argv, false);
}

int
ctl_queue(const struct settings *s, int argc, char **argv)
{
	struct store_outbound *v = NULL;
	struct store *st = NULL;
	struct err e = { 0 };
	char created[CTL_TIME_MAX], next[CTL_TIME_MAX];
	size_t n = 0, i;
	int rc;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: brudvagtctl -c CONFIG queue\n");
		return CTL_EX_USAGE;
	}
	if ((rc = ctl_store_open(s, &st)) != 0)
		return rc;
	if (store_outbound_list(st, STORE_OUT_LIST_QUEUED, 0, &v, &n, &e) < 0) {
		fprintf(stderr, "brudvagtctl: queue: %s\n", e.msg);
		store_close(&st);
		return CTL_EX_UNAVAILABLE;
	}
	printf("%-13s %4s %-16s %-32s %-16s %-16s %3s %s\n", "CASE", "SEQ", "KIND",
	       "TO", "QUEUED", "NEXT TRY", "TRY", "LAST ERROR");
	for (i = 0; i < n; i++) {
		ctl_time_short(v[i].created_at, created);
		ctl_time_short(v[i].next_try, next);
		printf("%-13s %4d %-16s %-32s %-16s %-16s %3d %s\n",
		       v[i].case_ref[0] ? v[i].case_ref : "-", v[i].seq, v[i].kind,
		       v[i].recipient, created, next, v[i].attempts,
		       v[i].last_error ? v[i].last_error : "");
	}
	store_outbound_list_free(&v, n);
	store_close(&st);
	return fflush(stdout) == 0 ? 0 : CTL_EX_IOERR;
}

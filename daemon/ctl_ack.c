/* SPDX-License-Identifier: MIT */
/*
 * ctl_ack.c — `brudvagtctl ack REF PARTY`: record by hand that a party of
 * a case acknowledged (a phone call, a letter). PARTY is a municipality
 * name (any case, Danish letters or their ASCII spellings) or "supplier".
 * The sender recorded is "brudvagtctl (by hand: USER)", USER from
 * $SUDO_USER or $USER. A party that acknowledged already is left as it
 * was (exit 0); a party not on the case is refused (65) with the parties
 * that are. Writes one acknowledgement and its "ack" event (store.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/ctl.h"
#include "lib/xalloc.h"

/* "brudvagtctl (by hand: alice)" or "brudvagtctl (by hand)"; owned. */
static char *
sender(void)
{
	const char *u = getenv("SUDO_USER");

	if (u == NULL || u[0] == '\0')
		u = getenv("USER");
	if (u == NULL || u[0] == '\0' || strlen(u) > 64)
		return xstrdup("brudvagtctl (by hand)");
	return xasprintf("brudvagtctl (by hand: %s)", u);
}

static void
print_parties(const struct store_case *c)
{
	const struct store_party *p;
	size_t i;
	int n = 0;

	fprintf(stderr, "brudvagtctl: the parties of %s are:", c->ref);
	for (i = 0; i < c->nparties; i++) {
		p = &c->parties[i];
		if (p->kind == STORE_PARTY_MUNICIPALITY)
			fprintf(stderr, "%s %s", n++ ? "," : "", p->name);
		else if (p->kind == STORE_PARTY_SUPPLIER)
			fprintf(stderr, "%s supplier (%s)", n++ ? "," : "",
				p->name);
	}
	fprintf(stderr, "%s\n", n ? "" : " none");
}

static void
print_ack(const struct store_case *c, const struct store_party *p,
	  int64_t at, const char *from, bool first)
{
	char t[CTL_TIME_MAX];

	ctl_time_short(at, t);
	if (first)
		printf("%s: acknowledgement by %s recorded at %s, from %s\n",
		       c->ref, p->name, t, from);
	else
		printf("%s: %s had acknowledged already at %s, from %s; "
		       "nothing changed\n", c->ref, p->name, t,
		       from ? from : "?");
}

/* Record the ack of party p of case c in st. Returns a sysexits code. */
static int
record(struct store *st, const struct store_case *c,
       const struct store_party *p)
{
	struct store_case *now_c = NULL;
	struct err e = { 0 };
	int64_t at = (int64_t)time(NULL);
	char *from = sender();
	int rc = store_record_ack(st, c->ref, p->kind, p->name, at, from, 0, &e);

	if (rc == 1)
		print_ack(c, p, at, from, true);
	free(from);
	if (rc == -1) {
		fprintf(stderr, "brudvagtctl: %s\n", e.msg);
		return e.code == CTL_EX_DATAERR ? CTL_EX_DATAERR :
		       CTL_EX_UNAVAILABLE;
	}
	if (rc == 1)
		return 0;
	/* acknowledged meanwhile (by brudvagtd): say by whom */
	if (ctl_case_fetch(st, c->ref, &now_c) != 0)
		return CTL_EX_UNAVAILABLE;
	p = &now_c->parties[p - c->parties];
	print_ack(now_c, p, p->ack_at, p->ack_from, false);
	store_case_free(&now_c);
	return 0;
}

int
ctl_ack(const struct settings *s, int argc, char **argv)
{
	struct store *st = NULL;
	struct store_case *c = NULL;
	const struct store_party *p;
	int rc, k;

	if (argc != 3) {
		fprintf(stderr, "usage: brudvagtctl -c CONFIG ack REF PARTY\n");
		return CTL_EX_USAGE;
	}
	if ((rc = ctl_store_open(s, &st)) != 0)
		return rc;
	if ((rc = ctl_case_fetch(st, argv[1], &c)) != 0)
		goto fail;
	if ((k = ctl_party_match(c, argv[2])) < 0) {
		fprintf(stderr, "brudvagtctl: %s is not a party of %s\n",
			argv[2], c->ref);
		print_parties(c);
		rc = CTL_EX_DATAERR;
		goto fail;
	}
	p = &c->parties[k];
	if (p->ack_at != 0) {
		print_ack(c, p, p->ack_at, p->ack_from, false);
		rc = 0;
	} else {
		rc = record(st, c, p);
	}
fail:
	store_case_free(&c);
	store_close(&st);
	if (fflush(stdout) != 0 && rc == 0)
		rc = CTL_EX_IOERR;
	return rc;
}

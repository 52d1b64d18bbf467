/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	brudvagtd — watch the system owner's mailboxes and run the breach procedure
 *
 * SYNOPSIS
 *	brudvagtd -c CONFIG [--check-config] [--once] [-v]
 *
 * DESCRIPTION
 *	brudvagtd watches every account's mailbox named in CONFIG (IMAP IDLE,
 *	polling where the server lacks it), opens a case for each breach
 *	report, forwards it to the affected municipalities and the supplier,
 *	and chases acknowledgements against the deadlines. It runs in the
 *	foreground; systemd supervises it.
 *
 *	-c, --config CONFIG	the configuration (libconfig syntax).
 *	--check-config		validate CONFIG, print "configuration OK", exit.
 *	--once			process what is pending, run the deadline check,
 *				flush the outbound spool, exit 0.
 *	-v, --verbose		debug logging.
 *
 *	Exit status (sysexits.h): 0 success, 64 usage, 69 service unavailable,
 *	78 configuration refused ("file:line: message" on stderr).
 *
 * SECURITY
 *	Runs as an unprivileged user. Passwords are read from the
 *	password_file of each account only when connecting, wiped after use
 *	and never logged; the configuration itself holds only paths.
 *
 * FILES
 *	/etc/brudvagt/brudvagt.conf	the configuration
 *	/var/lib/brudvagt/brudvagt.db	the case store (store.path)
 *	/var/spool/brudvagt		raw messages and the outbound queue (spool.path)
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf/settings.h"
#include "daemon/daemon.h"
#include "lib/log.h"

#define EX_OK		0
#define EX_USAGE	64
#define EX_UNAVAILABLE	69
#define EX_CONFIG	78

struct options {
	const char *config;
	bool check_config, once, verbose;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: brudvagtd -c CONFIG [--check-config] [--once] [-v]\n");
	exit(EX_USAGE);
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "once", no_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'C': o->check_config = true; break;
		case 'o': o->once = true; break;
		case 'v': o->verbose = true; break;
		default: usage();
		}
	}
	if (optind != argc || o->config == NULL)
		usage();
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct settings *s = NULL;
	struct err e;
	int rc;

	parse_options(argc, argv, &o);
	log_init("brudvagtd", LOG_TO_STDERR);
	log_set_verbose(o.verbose);
	if (settings_load_file(o.config, &s, &e) == -1) {
		fprintf(stderr, "%s\n", e.msg);
		return EX_CONFIG;
	}
	if (o.check_config) {
		printf("configuration OK\n");
		settings_free(&s);
		return EX_OK;
	}
	rc = daemon_run(o.config, &s, o.once);
	settings_free(&s);
	return rc;
}

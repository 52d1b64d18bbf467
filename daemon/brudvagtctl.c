/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	brudvagtctl — inspect and steer brudvagt's breach cases
 *
 * SYNOPSIS
 *	brudvagtctl [-c CONFIG] [-v] parse FILE...
 *	brudvagtctl -c CONFIG cases [--json]
 *	brudvagtctl -c CONFIG show [--json] REF
 *	brudvagtctl -c CONFIG ack REF PARTY
 *	brudvagtctl -c CONFIG export --format csv|json [--since DATE]
 *	brudvagtctl -c CONFIG draft REF MUNICIPALITY
 *	brudvagtctl -c CONFIG release REF | reject REF | queue
 *
 * DESCRIPTION
 *	parse analyses RFC 5322 messages ("-" reads stdin) without any state
 *	and prints one JSON object per message, one a line. Without -c it uses
 *	the embedded default configuration (the example conf/brudvagt.conf:
 *	the 40 municipalities of MUNI). The other commands read the case store
 *	named in the configuration (default /etc/brudvagt/brudvagt.conf):
 *	cases lists them with their outstanding acknowledgements and next
 *	deadline, show prints one whole, ack records an acknowledgement by
 *	hand, export prints the breach register (fortegnelse) as CSV for a
 *	Danish Excel or as JSON, draft prints a pre-filled Danish text for a
 *	municipality's notification to Datatilsynet (register fields only).
 *	See docs/brudvagtctl.md. release lets a
 *	held case (unverified sender) go out: it opens, and its receipt and
 *	forwards are queued; reject closes it as rejected, sending nothing;
 *	queue lists the outbound mail still waiting (docs/outbound.md).
 *	-c may stand before or after the command.
 *
 * EXIT STATUS
 *	0 success, 64 usage, 65 bad data (a file could not be analysed, an
 *	unknown case or party), 69 service unavailable (no usable store),
 *	74 output error, 78 configuration error (sysexits.h).
 *
 * SECURITY
 *	parse prints no CPR numbers: only how many there were, and text fields
 *	with every CPR number redacted; the other commands redact the store's
 *	text once more on output. ack writes one acknowledgement and its
 *	event; release and reject one status change with its event (and
 *	release the queued mails, under the spool). The store is never created here.
 *
 * FILES
 *	/etc/brudvagt/brudvagt.conf
 *	/var/lib/brudvagt/brudvagt.db (store.path)
 */
#include <stdio.h>
#include <string.h>

#include "conf/settings.h"
#include "daemon/ctl.h"
#include "lib/log.h"

#define DEFAULT_CONFIG "/etc/brudvagt/brudvagt.conf"

static const struct {
	const char *name;
	int (*run)(const struct settings *, int, char **);
	int embedded_default;	/* may run on the compiled-in config */
} commands[] = {
	{ "parse", ctl_parse, 1 },
	{ "cases", ctl_cases, 0 },
	{ "show", ctl_show, 0 },
	{ "ack", ctl_ack, 0 },
	{ "export", ctl_export, 0 },
	{ "draft", ctl_draft, 0 },
	{ "release", ctl_release, 0 },
	{ "reject", ctl_reject, 0 },
	{ "queue", ctl_queue, 0 },
};

static void
usage(void)
{
	fprintf(stderr,
		"usage: brudvagtctl [-c CONFIG] [-v] parse FILE...\n"
		"       brudvagtctl -c CONFIG cases [--json] | show [--json] REF |\n"
		"                             ack REF PARTY\n"
		"       brudvagtctl -c CONFIG export --format csv|json [--since DATE]\n"
		"       brudvagtctl -c CONFIG draft REF MUNICIPALITY\n"
		"       brudvagtctl -c CONFIG release REF | reject REF | queue\n");
}

/* Take "-c FILE" and "-v" from anywhere in argv; the rest, in order, is
 * the command and its arguments. Returns the new argc, or -1. */
static int
take_globals(int argc, char **argv, const char **config, int *verbose)
{
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) {
			if (++i >= argc)
				return -1;
			*config = argv[i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			*config = argv[i] + 9;
		} else if (strcmp(argv[i], "-v") == 0) {
			*verbose = 1;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			return -1;
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	return n;
}

int
main(int argc, char **argv)
{
	const char *config = NULL;
	struct settings *s = NULL;
	struct err e = { 0 };
	int verbose = 0, n, rc;
	size_t k;

	log_init("brudvagtctl", LOG_TO_STDERR);
	if ((n = take_globals(argc, argv, &config, &verbose)) < 1) {
		usage();
		return 64;
	}
	log_set_verbose(verbose);
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (strcmp(argv[0], commands[k].name) == 0)
			break;
	if (k == sizeof(commands) / sizeof(commands[0])) {
		fprintf(stderr, "brudvagtctl: unknown command '%s'\n", argv[0]);
		usage();
		return 64;
	}
	if (config == NULL && commands[k].embedded_default)
		rc = settings_load_default(&s, &e);
	else
		rc = settings_load_file(config ? config : DEFAULT_CONFIG, &s, &e);
	if (rc < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 78;
	}
	rc = commands[k].run(s, n, argv);
	settings_free(&s);
	return rc;
}

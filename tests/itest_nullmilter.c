/* SPDX-License-Identifier: MIT */
/*
 * itest_nullmilter — the reference milters of tests/bench/milter.sh: what a
 * milter costs Postfix when it does less and less of brudvagt-milter's work.
 *
 *	itest_nullmilter MODE CONFIG
 *
 * Listens on CONFIG's milter.socket, set up as brudvagt-milter sets it up
 * (milter_io_prepare: timeout, TCP_NODELAY), and negotiates with
 * brudvagt-milter's own negotiate callback: the same no-reply stages,
 * skipped commands and macro list. Gathers nothing, analyses nothing:
 *
 *	data	accept at DATA: the protocol floor of a milter that looks at
 *		the envelope only (brudvagt-milter's path for a message not
 *		addressed to milter.recipients)
 *	eom	take headers and body, accept at end-of-message, no edits
 *	edits	the same, with brudvagt-milter's header edits on the bench's
 *		report: delete one X-Brudvagt-Kind, add five X-Brudvagt-*
 *
 * Answers SMFIS_NOREPLY where brudvagt-milter negotiates no reply, so it
 * needs an MTA that offers those (Postfix does from 2.6 on).
 *
 * Runs in the foreground until SIGTERM. Exit status 64 on usage, 78 on a
 * bad CONFIG, 69 when it cannot listen, else 0. A bench tool: no test runs
 * it.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "conf/settings.h"
#include "filters/milter.h"
#include "lib/log.h"

static enum { MODE_DATA, MODE_EOM, MODE_EDITS } mode;

static sfsistat
cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)ctx, (void)host, (void)sa;
	return SMFIS_NOREPLY;
}

static sfsistat
cb_env(SMFICTX *ctx, char **argv)
{
	(void)ctx, (void)argv;
	return SMFIS_NOREPLY;
}

static sfsistat
cb_data(SMFICTX *ctx)
{
	(void)ctx;
	return mode == MODE_DATA ? SMFIS_ACCEPT : SMFIS_CONTINUE;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx, (void)name, (void)value;
	return SMFIS_NOREPLY;
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	(void)ctx, (void)p, (void)n;
	return SMFIS_NOREPLY;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	static char *const add[][2] = {
		{ "X-Brudvagt-Kind", "report" },
		{ "X-Brudvagt-Municipality", "reporting=Hjoerring" },
		{ "X-Brudvagt-Severity", "high" },
		{ "X-Brudvagt-CPR-Count", "0" },
		{ "X-Brudvagt-Spoofed", "no" },
	};
	size_t i;

	if (mode != MODE_EDITS)
		return SMFIS_ACCEPT;
	(void)smfi_chgheader(ctx, "X-Brudvagt-Kind", 1, NULL);
	for (i = 0; i < sizeof(add) / sizeof(add[0]); i++)
		(void)smfi_addheader(ctx, add[i][0], add[i][1]);
	return SMFIS_ACCEPT;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

int
main(int argc, char **argv)
{
	struct smfiDesc desc = {
		.xxfi_name = "itest_nullmilter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
		.xxfi_connect = cb_connect,
		.xxfi_envfrom = cb_env,
		.xxfi_envrcpt = cb_env,
		.xxfi_header = cb_header,
		.xxfi_body = cb_body,
		.xxfi_eom = cb_eom,
		.xxfi_abort = cb_abort,
		.xxfi_data = cb_data,
		/* brudvagt-milter's: its negotiate makes a connection
		 * context, its close frees it */
		.xxfi_negotiate = milter_desc()->xxfi_negotiate,
		.xxfi_close = milter_desc()->xxfi_close,
	};
	struct settings *s = NULL;
	struct err e = { 0 };

	log_init("itest_nullmilter", LOG_TO_STDERR);
	if (argc != 3)
		goto usage;
	if (strcmp(argv[1], "data") == 0)
		mode = MODE_DATA;
	else if (strcmp(argv[1], "eom") == 0)
		mode = MODE_EOM;
	else if (strcmp(argv[1], "edits") == 0)
		mode = MODE_EDITS;
	else
		goto usage;
	if (settings_load_file(argv[2], &s, &e) != 0)
		fatal(EX_CONFIG, "%s", e.msg);
	if (milter_io_prepare(s, &desc, &e) != 0)
		fatal(e.code != 0 ? e.code : EX_SOFTWARE, "%s", e.msg);
	settings_free(&s);
	return milter_io_serve() == 0 ? 0 : EX_SOFTWARE;
usage:
	fprintf(stderr, "usage: itest_nullmilter data|eom|edits CONFIG\n");
	return EX_USAGE;
}

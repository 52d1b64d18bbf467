/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	brudvagt-milter — triage breach mail at SMTP time, in the MTA
 *
 * SYNOPSIS
 *	brudvagt-milter -c CONFIG [-v]
 *
 * DESCRIPTION
 *	A libmilter filter for the system owner's Postfix (or Sendmail). For
 *	each message with an envelope recipient in milter.recipients (default:
 *	system_owner.emails) it removes every incoming X-Brudvagt-* header,
 *	runs the same analysis as brudvagtd and adds X-Brudvagt-Kind, -Case,
 *	-Municipality, -Severity, -CPR-Count and -Spoofed (docs/milter.md).
 *	It never rejects and never changes the body: an internal error, an
 *	oversize message (X-Brudvagt-Kind: unanalysed) or a timeout lets the
 *	message through. The MTA must fail open too:
 *	milter_default_action = accept.
 *
 *	It listens on milter.socket ("inet:PORT@127.0.0.1" or
 *	"unix:/run/brudvagt/milter.sock") in the foreground until SIGTERM or
 *	SIGINT. SIGHUP reloads CONFIG: messages in flight finish on the old
 *	settings, a bad file keeps the old settings (logged). The socket and
 *	the timeout are read at start only. SIGUSR1 logs the counters; they
 *	are logged at exit too. -v logs each message's verdict (debug).
 *
 *	Exit status: 0 after SIGTERM, 64 usage, 78 bad configuration,
 *	69 cannot listen, 75 when libmilter stopped on its own (systemd
 *	restarts it), 70 on an internal failure.
 *
 * SECURITY
 *	Reads mail from the MTA, untrusted: a message is gathered only up to
 *	milter.max_message_bytes, and only headers are added or deleted. No
 *	header value and no log line holds personal data (no names, addresses
 *	or CPR numbers: kinds, case refs, municipality names and counts only).
 *	Runs unprivileged (User=brudvagt under systemd), opens no files after
 *	the configuration and talks to nothing but the MTA.
 *
 * FILES
 *	/etc/brudvagt/brudvagt.conf	the configuration (milter section)
 *	/run/brudvagt/milter.sock	the default unix socket
 *
 * Signals: libmilter runs its own sigwait thread that stops the milter on
 * SIGHUP. So smfi_main runs in a second thread that starts with the signals
 * blocked (libmilter's thread inherits that), while this main thread keeps
 * them unblocked with handlers: Linux delivers a process signal to the main
 * thread first when it accepts it. The handlers only write to a self-pipe;
 * the work (reload, stop, counters) happens here in the main loop.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf/settings.h"
#include "filters/milter.h"
#include "lib/log.h"

int main(int argc, char **argv);

static int sigpipe[2] = { -1, -1 };
static volatile sig_atomic_t got_hup, got_term, got_usr1;

struct server {
	pthread_t thread;
	int rc;
	volatile sig_atomic_t done;
};

static void
on_signal(int sig)
{
	int saved = errno;
	char c = 0;

	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
	(void)!write(sigpipe[1], &c, 1);
	errno = saved;
}

static void
usage(void)
{
	fprintf(stderr, "usage: brudvagt-milter -c CONFIG [-v]\n");
	exit(EX_USAGE);
}

static const char *
parse_args(int argc, char **argv)
{
	const char *config = NULL;
	int ch;

	while ((ch = getopt(argc, argv, "c:v")) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'v':
			log_set_verbose(true);
			break;
		default:
			usage();
		}
	}
	if (config == NULL || optind != argc)
		usage();
	return config;
}

static void *
serve(void *arg)
{
	struct server *sv = arg;
	char c = 0;

	sv->rc = milter_io_serve();
	sv->done = 1;
	(void)!write(sigpipe[1], &c, 1);
	return NULL;
}

/* Handlers, and the serving thread started with the signals blocked. */
static void
start(struct server *sv)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1 };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t set, old;
	size_t i;

	if (pipe(sigpipe) != 0)
		fatal(EX_OSERR, "milter: pipe: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&set, sigs[i]);
	}
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if (pthread_create(&sv->thread, NULL, serve, sv) != 0)
		fatal(EX_OSERR, "milter: cannot start the serving thread");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void
reload(const char *config)
{
	struct settings *s = NULL;
	struct err e = { 0 };

	if (settings_load_file(config, &s, &e) != 0) {
		log_warn("milter: reload: failed, keeping the old settings: %s",
			 e.msg);
		return;
	}
	milter_settings_install(s);
	log_info("milter: reload: ok: file=%s (socket and timeout change "
		 "only on restart)", config);
}

/* Until the serving thread ends; SIGTERM asks it to. */
static void
run(const char *config, struct server *sv)
{
	bool stopping = false;
	char c;

	while (!sv->done) {
		if (read(sigpipe[0], &c, 1) < 0 && errno != EINTR)
			fatal(EX_OSERR, "milter: read: %s", strerror(errno));
		if (got_usr1) {
			got_usr1 = 0;
			milter_log_counters();
		}
		if (got_hup) {
			got_hup = 0;
			reload(config);
		}
		if (got_term && !stopping) {
			stopping = true;
			log_info("milter: stopping");
			milter_io_stop();
		}
	}
}

int
main(int argc, char **argv)
{
	const char *config;
	struct settings *s = NULL;
	struct server sv = { 0 };
	struct err e = { 0 };
	int status;

	log_init("brudvagt-milter", LOG_TO_STDERR);
	config = parse_args(argc, argv);
	if (settings_load_file(config, &s, &e) != 0)
		fatal(EX_CONFIG, "%s", e.msg);
	if (milter_io_prepare(s, milter_desc(), &e) != 0)
		fatal(e.code != 0 ? e.code : EX_SOFTWARE, "milter: %s", e.msg);
	milter_settings_install(s);
	start(&sv);
	run(config, &sv);
	pthread_join(sv.thread, NULL);
	milter_log_counters();
	status = sv.rc != 0 ? EX_SOFTWARE : got_term ? 0 : EX_TEMPFAIL;
	if (status == EX_TEMPFAIL)
		log_warn("milter: libmilter stopped without SIGTERM, exiting "
			 "to be restarted");
	milter_shutdown();
	return status;
}

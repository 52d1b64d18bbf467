/* SPDX-License-Identifier: MIT */
/*
 * itest_smtp — a scripted SMTP server for tests/integration/outbound.sh.
 *
 *	itest_smtp PORT DIR [-t N] [-r ADDR]... [-k] [-l] [-g N] [-H] [-s]
 *
 * Listens on 127.0.0.1:PORT, one session at a time, and writes each
 * accepted message to DIR/N.eml (N counting from 1; the envelope
 * recipient as the first line "X-Rcpt: ADDR"). -t N: answer MAIL FROM of
 * the first N transactions with 451 (a temporary failure); -r ADDR: answer
 * RCPT TO:<ADDR> with 550 (ADDR may be given again); -k: close the
 * connection without a reply after the end of the first DATA (a crash
 * between the server's acceptance and the client's record of it looks
 * like this to the client); -l: append "EPOCH_MS KIND IN-REPLY-TO" to
 * DIR/accepted.log for each message, just before its 250 (for the
 * latency bench, tests/bench/outbound_latency.sh); -g N: greet the first
 * N sessions with 421 and close them; -H: after the end of the first DATA,
 * answer nothing and wait until the client gives up (a server that stops
 * answering mid-DATA); -s: offer STARTTLS and answer it with 454 (a
 * server, or a man in the middle, refusing TLS). Without -s, STARTTLS is
 * not offered (and answered 502). Runs until killed. Lines are bounded (1000
 * bytes); this is a test peer, not a server.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_ 1000
#define REJECT_MAX 16

static const char *rejects[REJECT_MAX];
static int nrejects, tempfail, seq;
static bool kill_after_data, accept_log, hang_after_data, refuse_tls;
static int refuse_sessions;
static char last_kind[128], last_irt[512];

static bool
rejected(const char *line)
{
	int i;

	for (i = 0; i < nrejects; i++)
		if (strcasestr(line, rejects[i]) != NULL)
			return true;
	return false;
}

static void
say(FILE *f, const char *s)
{
	fputs(s, f);
	fflush(f);
}

/* Read the message up to "." into DIR/N.eml. */
static int
take_data(FILE *f, const char *dir, const char *rcpt)
{
	char line[LINE_MAX_ + 2], path[4096];
	FILE *out;

	snprintf(path, sizeof(path), "%s/%d.eml.tmp", dir, ++seq);
	if ((out = fopen(path, "w")) == NULL)
		return -1;
	fprintf(out, "X-Rcpt: %s\n", rcpt);
	last_kind[0] = last_irt[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strcmp(line, ".\r\n") == 0 || strcmp(line, ".\n") == 0) {
			char final[4096];

			fclose(out);
			snprintf(final, sizeof(final), "%s/%d.eml", dir, seq);
			return rename(path, final);
		}
		if (strncasecmp(line, "X-Brudvagt-Mail: ", 17) == 0 && !last_kind[0])
			snprintf(last_kind, sizeof(last_kind), "%.*s",
				 (int)strcspn(line + 17, "\r\n"), line + 17);
		if (strncasecmp(line, "In-Reply-To: ", 13) == 0 && !last_irt[0])
			snprintf(last_irt, sizeof(last_irt), "%.*s",
				 (int)strcspn(line + 13, "\r\n"), line + 13);
		fputs(line[0] == '.' ? line + 1 : line, out);
	}
	fclose(out);
	return -1;
}

static void
log_accept(const char *dir)
{
	struct timespec ts;
	char path[4096];
	FILE *f;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(path, sizeof(path), "%s/accepted.log", dir);
	if ((f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%lld %s %s\n", (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
		last_kind[0] ? last_kind : "-", last_irt[0] ? last_irt : "-");
	fclose(f);
}

static void
session(int fd, const char *dir)
{
	FILE *f = fdopen(fd, "r+");
	char line[LINE_MAX_ + 2], rcpt[LINE_MAX_ + 2] = "";

	if (refuse_sessions > 0) {
		refuse_sessions--;
		say(f, "421 4.3.2 service not available (itest)\r\n");
		fclose(f);
		return;
	}
	say(f, "220 itest_smtp ESMTP\r\n");
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncasecmp(line, "EHLO", 4) == 0) {
			say(f, refuse_tls ? "250-itest_smtp\r\n250-STARTTLS\r\n250 8BITMIME\r\n" :
			    "250-itest_smtp\r\n250 8BITMIME\r\n");
		} else if (refuse_tls && strncasecmp(line, "STARTTLS", 8) == 0) {
			say(f, "454 4.7.0 TLS not available (itest)\r\n");
		} else if (strncasecmp(line, "HELO", 4) == 0) {
			say(f, "250 itest_smtp\r\n");
		} else if (strncasecmp(line, "MAIL", 4) == 0) {
			if (tempfail > 0) {
				tempfail--;
				say(f, "451 4.3.0 try again later (itest)\r\n");
			} else {
				say(f, "250 2.1.0 ok\r\n");
			}
		} else if (strncasecmp(line, "RCPT", 4) == 0) {
			if (rejected(line)) {
				say(f, "550 5.1.1 no such user (itest)\r\n");
			} else {
				snprintf(rcpt, sizeof(rcpt), "%s", line + 8);
				rcpt[strcspn(rcpt, "\r\n")] = '\0';
				say(f, "250 2.1.5 ok\r\n");
			}
		} else if (strncasecmp(line, "DATA", 4) == 0) {
			say(f, "354 go ahead\r\n");
			if (take_data(f, dir, rcpt) < 0)
				break;
			if (kill_after_data) {
				kill_after_data = false;
				break;
			}
			if (hang_after_data) {	/* silent until the client leaves */
				hang_after_data = false;
				while (fgets(line, sizeof(line), f) != NULL)
					;
				break;
			}
			if (accept_log)
				log_accept(dir);
			say(f, "250 2.0.0 queued\r\n");
		} else if (strncasecmp(line, "RSET", 4) == 0 ||
			   strncasecmp(line, "NOOP", 4) == 0) {
			say(f, "250 ok\r\n");
		} else if (strncasecmp(line, "QUIT", 4) == 0) {
			say(f, "221 bye\r\n");
			break;
		} else {
			say(f, "502 5.5.2 not here\r\n");
		}
	}
	fclose(f);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int s, c, one = 1, i;

	if (argc < 3) {
		fprintf(stderr, "usage: itest_smtp PORT DIR [-t N] [-r ADDR]... [-k]\n");
		return 64;
	}
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			tempfail = atoi(argv[++i]);
		else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc && nrejects < REJECT_MAX)
			rejects[nrejects++] = argv[++i];
		else if (strcmp(argv[i], "-k") == 0)
			kill_after_data = true;
		else if (strcmp(argv[i], "-l") == 0)
			accept_log = true;
		else if (strcmp(argv[i], "-g") == 0 && i + 1 < argc)
			refuse_sessions = atoi(argv[++i]);
		else if (strcmp(argv[i], "-H") == 0)
			hang_after_data = true;
		else if (strcmp(argv[i], "-s") == 0)
			refuse_tls = true;
		else
			return 64;
	}
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 8) < 0) {
		perror("itest_smtp");
		return 71;
	}
	for (;;) {
		if ((c = accept(s, NULL, NULL)) < 0)
			continue;
		session(c, argv[2]);
	}
}

/* SPDX-License-Identifier: MIT */
/*
 * milter_io.c — the thin layer over libmilter's smfi_* functions.
 *
 * Owns nothing but the table of smfi_* calls the callbacks make (struct
 * milter_io, swapped for a fake MTA in the tests) and the startup sequence
 * brudvagt-milter's main() runs: register, socket, timeout, listen, serve,
 * stop. Only milter.c, milter_main.c and the bench's reference milters
 * (tests/itest_nullmilter.c) call it.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "filters/milter.h"
#include "lib/log.h"

const struct milter_io milter_io_libmilter = {
	.getpriv = smfi_getpriv,
	.setpriv = smfi_setpriv,
	.getsymval = smfi_getsymval,
	.addheader = smfi_addheader,
	.chgheader = smfi_chgheader,
};

/*
 * TCP_NODELAY on the listening socket (Linux copies it to every accepted
 * connection). Without it each reply after a run of small writes (our
 * header changes, then the verdict) waits for the MTA's delayed ACK:
 * ~40 ms a message, measured 11 msg/s per session instead of ~450.
 * libmilter keeps its socket to itself, so find it: the one listening
 * TCP socket of this process. Returns how many sockets were set.
 */
static int
nodelay_listener(void)
{
	int fd, n = 0, on = 1, listening;
	long max = sysconf(_SC_OPEN_MAX);
	struct sockaddr_storage ss;
	socklen_t len;

	for (fd = 0; fd < (max > 0 && max < 4096 ? max : 4096); fd++) {
		len = sizeof(listening);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
			       &len) != 0 || !listening)
			continue;
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
			       sizeof(on)) == 0)
			n++;
	}
	return n;
}

int
milter_io_prepare(const struct settings *s, const struct smfiDesc *desc,
		  struct err *e)
{
	const char *sock = s->milter.socket;
	int timeout = s->milter.timeout_seconds;

	if (sock == NULL || sock[0] == '\0')
		return err_set(e, EX_CONFIG, "%s: milter.socket is empty",
			       s->file != NULL ? s->file : "config");
	if (smfi_register(*desc) != MI_SUCCESS)
		return err_set(e, EX_SOFTWARE, "smfi_register failed");
	if (smfi_setconn((char *)sock) != MI_SUCCESS)
		return err_set(e, EX_CONFIG, "%s: milter.socket: bad socket "
			       "\"%s\"", s->file != NULL ? s->file : "config",
			       sock);
	/* Explicit: libmilter's default (7210 s) would hold an SMTP session. */
	if (smfi_settimeout(timeout > 0 ? timeout : 30) != MI_SUCCESS)
		return err_set(e, EX_SOFTWARE, "smfi_settimeout failed");
	/* Open now (removing a stale unix socket) so a bind error is seen
	 * at start, not in the serving thread. */
	if (smfi_opensocket(true) != MI_SUCCESS)
		return err_set(e, EX_UNAVAILABLE, "cannot listen on %s", sock);
	if (strncmp(sock, "inet", 4) == 0 && nodelay_listener() == 0)
		log_warn("milter: TCP_NODELAY not set: expect ~40 ms a message");
	log_info("milter: listening: socket=%s timeout=%d", sock,
		 timeout > 0 ? timeout : 30);
	return 0;
}

int
milter_io_serve(void)
{
	return smfi_main() == MI_SUCCESS ? 0 : -1;
}

void
milter_io_stop(void)
{
	(void)smfi_stop();
}

/* SPDX-License-Identifier: MIT */
/*
 * milter_io.c — the thin layer over libmilter's smfi_* functions.
 *
 * Owns nothing but the table of smfi_* calls the callbacks make (struct
 * milter_io, swapped for a fake MTA in the tests) and the startup sequence
 * brudvagt-milter's main() runs: register, socket, timeout, listen, serve,
 * stop. Only milter.c and milter_main.c call it.
 */
#include <sysexits.h>

#include "filters/milter.h"
#include "lib/log.h"

const struct milter_io milter_io_libmilter = {
	.getpriv = smfi_getpriv,
	.setpriv = smfi_setpriv,
	.getsymval = smfi_getsymval,
	.addheader = smfi_addheader,
	.chgheader = smfi_chgheader,
};

int
milter_io_prepare(const struct settings *s, struct err *e)
{
	const char *sock = s->milter.socket;
	int timeout = s->milter.timeout_seconds;

	if (sock == NULL || sock[0] == '\0')
		return err_set(e, EX_CONFIG, "%s: milter.socket is empty",
			       s->file != NULL ? s->file : "config");
	if (smfi_register(*milter_desc()) != MI_SUCCESS)
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

/* SPDX-License-Identifier: MIT */
/*
 * smtp.c — SMTP delivery on libetpan's mailsmtp (see smtp.h). Owns the
 * mailsmtp session of each struct smtp_conn; no libetpan type leaves the
 * file. Called by the outbound queue's delivery (outbound.c) only.
 *
 * Reply classes come from the session's last numeric code: 2xx success,
 * 4xx temporary, 5xx permanent; a lost connection or a timeout is
 * temporary. libetpan's DATA sender converts LF to CRLF and dot-stuffs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "spool/smtp.h"
#include "spool/tlsverify.h"

#define PASSWORD_MAX	1024
#define REPLY_MAX	160	/* server text quoted in errors */

struct smtp_conn {
	const struct smtp_settings *cfg;
	mailsmtp *smtp;
	int broken;
};

/* "CODE text" of the server's last reply, printable and short. */
static void
reply_text(const struct smtp_conn *c, char out[REPLY_MAX + 1])
{
	const char *s = c->smtp->response;
	size_t i, n;

	n = (size_t)snprintf(out, REPLY_MAX + 1, "%d ", c->smtp->response_code);
	for (i = 0; s != NULL && s[i] != '\0' && n < REPLY_MAX; i++)
		out[n++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : ' ';
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static int
fail(struct smtp_conn *c, struct err *e, const char *what, int r)
{
	char text[REPLY_MAX + 1];

	c->broken = 1;
	if (r == MAILSMTP_ERROR_STREAM || r == MAILSMTP_ERROR_CONNECTION_REFUSED ||
	    r == MAILSMTP_ERROR_SSL || c->smtp->response_code == 0)
		return err_set(e, EX_UNAVAILABLE, "smtp: %s:%d: %s: %s",
			       c->cfg->host, c->cfg->port, what, mailsmtp_strerror(r));
	reply_text(c, text);
	return err_set(e, EX_UNAVAILABLE, "smtp: %s:%d: %s: %s", c->cfg->host,
		       c->cfg->port, what, text);
}

static int
verify(struct smtp_conn *c, struct err *e)
{
	struct err ve = { 0 };

	if (tlsverify_stream(c->smtp->stream, c->cfg->host, c->cfg->ca_file, &ve) == 0)
		return 0;
	c->broken = 1;
	return err_set(e, ve.code, "smtp: %s:%d: %s", c->cfg->host, c->cfg->port, ve.msg);
}

static int
ehlo(struct smtp_conn *c, struct err *e)
{
	int r = mailesmtp_ehlo(c->smtp);

	if (r == MAILSMTP_ERROR_NOT_IMPLEMENTED)
		r = mailsmtp_helo(c->smtp);
	return r == MAILSMTP_NO_ERROR ? 0 : fail(c, e, "EHLO", r);
}

static int
open_transport(struct smtp_conn *c, struct err *e)
{
	const struct smtp_settings *cfg = c->cfg;
	int r;

	if (cfg->tls == TLS_IMPLICIT)
		r = mailsmtp_ssl_connect_with_callback(c->smtp, cfg->host,
				(uint16_t)cfg->port, tlsverify_sni_cb, cfg->host);
	else
		r = mailsmtp_socket_connect(c->smtp, cfg->host, (uint16_t)cfg->port);
	if (r != MAILSMTP_NO_ERROR)
		return fail(c, e, cfg->tls == TLS_IMPLICIT ? "TLS connect" : "connect", r);
	if (cfg->tls == TLS_IMPLICIT && verify(c, e) < 0)
		return -1;
	if (ehlo(c, e) < 0)
		return -1;
	if (cfg->tls != TLS_STARTTLS)
		return 0;
	if (!(c->smtp->esmtp & MAILSMTP_ESMTP_STARTTLS)) {
		c->broken = 1;
		return err_set(e, EX_UNAVAILABLE, "smtp: %s:%d: the server does not "
			       "offer STARTTLS; refusing to send without TLS "
			       "(tls = starttls)", cfg->host, cfg->port);
	}
	r = mailsmtp_socket_starttls_with_callback(c->smtp, tlsverify_sni_cb, cfg->host);
	if (r != MAILSMTP_NO_ERROR)
		return fail(c, e, "STARTTLS", r);
	if (verify(c, e) < 0)
		return -1;
	return ehlo(c, e);
}

/* The first line of password_file into pw (wiped by the caller). */
static int
read_password(const char *path, char pw[PASSWORD_MAX], struct err *e)
{
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(e, EX_CONFIG, "smtp: password_file %s: %s", path,
			       strerror(errno));
	while (len < PASSWORD_MAX - 1 &&
	       (n = read(fd, pw + len, PASSWORD_MAX - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return err_set(e, EX_CONFIG, "smtp: password_file %s: %s",
				       path, strerror(errno));
		}
		len += (size_t)n;
	}
	close(fd);
	pw[len] = '\0';
	pw[strcspn(pw, "\r\n")] = '\0';
	if (pw[0] == '\0')
		return err_set(e, EX_CONFIG, "smtp: password_file %s: the first "
			       "line is empty", path);
	return 0;
}

static int
authenticate(struct smtp_conn *c, struct err *e)
{
	char pw[PASSWORD_MAX];
	int r;

	if (c->cfg->user == NULL)
		return 0;
	if (c->cfg->password_file == NULL) {
		c->broken = 1;
		return err_set(e, EX_CONFIG, "smtp: user is set but password_file is not");
	}
	if (read_password(c->cfg->password_file, pw, e) < 0) {
		explicit_bzero(pw, sizeof(pw));
		c->broken = 1;
		return -1;
	}
	r = mailesmtp_auth_sasl(c->smtp, "PLAIN", c->cfg->host, NULL, NULL,
				c->cfg->user, c->cfg->user, pw, NULL);
	explicit_bzero(pw, sizeof(pw));
	return r == MAILSMTP_NO_ERROR ? 0 : fail(c, e, "AUTH", r);
}

/*
 * Every read of the session waits at most timeout_seconds: libetpan's
 * session timeout only bounds the connect, and a server that stops
 * answering after the message data would otherwise hold the delivery (and
 * --once) for good. Set on the stream in use, after any STARTTLS.
 */
static int
bound_reads(struct smtp_conn *c)
{
	mailstream_low *low;

	if (c->smtp->stream != NULL && (low = mailstream_get_low(c->smtp->stream)) != NULL)
		mailstream_low_set_timeout(low, c->cfg->timeout_seconds);
	return 0;
}

int
smtp_open(const struct smtp_settings *cfg, struct smtp_conn **r, struct err *e)
{
	struct smtp_conn *c = xcalloc(1, sizeof(*c));

	c->cfg = cfg;
	if ((c->smtp = mailsmtp_new(0, NULL)) == NULL)
		panic("smtp: mailsmtp_new failed");
	mailsmtp_set_timeout(c->smtp, cfg->timeout_seconds);
	if (open_transport(c, e) < 0 || bound_reads(c) < 0 || authenticate(c, e) < 0) {
		smtp_close(&c);
		return -1;
	}
	log_debug("smtp: connected: host=%s port=%d tls=%s auth=%s", cfg->host,
		  cfg->port, settings_tls_name(cfg->tls), cfg->user ? "yes" : "no");
	*r = c;
	return 0;
}

/* The outcome of a failed step r: the reply class, or broken → temporary. */
static enum smtp_outcome
step_failed(struct smtp_conn *c, const char *what, int r, struct err *e)
{
	int code = c->smtp->response_code;
	char text[REPLY_MAX + 1];

	if (r == MAILSMTP_ERROR_STREAM || r == MAILSMTP_ERROR_MEMORY ||
	    code < 400 || code > 599) {
		c->broken = 1;
		err_set(e, EX_TEMPFAIL, "%s: %s", what, mailsmtp_strerror(r));
		return SMTP_TEMPFAIL;
	}
	reply_text(c, text);
	err_set(e, code >= 500 ? EX_DATAERR : EX_TEMPFAIL, "%s: %s", what, text);
	if (mailsmtp_reset(c->smtp) != MAILSMTP_NO_ERROR)
		c->broken = 1;
	return code >= 500 ? SMTP_PERMFAIL : SMTP_TEMPFAIL;
}

enum smtp_outcome
smtp_send(struct smtp_conn *c, const char *from, const char *rcpt,
	  const char *msg, size_t len, struct err *e)
{
	int r;

	if (c->broken) {
		err_set(e, EX_TEMPFAIL, "the session is broken");
		return SMTP_TEMPFAIL;
	}
	if ((r = mailsmtp_mail(c->smtp, from)) != MAILSMTP_NO_ERROR)
		return step_failed(c, "MAIL FROM", r, e);
	if ((r = mailsmtp_rcpt(c->smtp, rcpt)) != MAILSMTP_NO_ERROR)
		return step_failed(c, "RCPT TO", r, e);
	if ((r = mailsmtp_data(c->smtp)) != MAILSMTP_NO_ERROR)
		return step_failed(c, "DATA", r, e);
	if ((r = mailsmtp_data_message(c->smtp, msg, len)) != MAILSMTP_NO_ERROR)
		return step_failed(c, "end of DATA", r, e);
	return SMTP_SENT;
}

int
smtp_is_broken(const struct smtp_conn *c)
{
	return c->broken;
}

void
smtp_close(struct smtp_conn **cp)
{
	struct smtp_conn *c = cp ? *cp : NULL;

	if (c == NULL)
		return;
	if (c->smtp != NULL) {
		if (!c->broken && c->smtp->stream != NULL)
			mailsmtp_quit(c->smtp);
		mailsmtp_free(c->smtp);
	}
	free(c);
	*cp = NULL;
}

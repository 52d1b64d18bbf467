/* SPDX-License-Identifier: MIT */
/*
 * imap.c — brudvagtd's IMAP client on libetpan: connect, verify, log in,
 * select, fetch by UID, set the $Brudvagt keyword, IDLE, back off.
 *
 * It owns the mailimap session of each struct imap_conn; no libetpan or
 * GnuTLS type leaves this file. Only brudvagtd's account loop (and the test
 * driver) calls it, one thread per connection.
 *
 * Two things libetpan does not do for us are done here:
 *  - Certificate verification (spool/tlsverify.c): Debian's libetpan accepts
 *    any certificate. After the TLS handshake, before LOGIN, the chain the
 *    server sent is checked with a GnuTLS trust list (ca_file or the system
 *    store) and the configured host name (or IP address).
 *  - IDLE: libetpan 1.9.4's mailimap_idle() cannot cope with an untagged
 *    response arriving before the server's "+ idling" (fixed upstream
 *    later). We speak IDLE ourselves on the session's stream, with bounded
 *    lines, and hand the stream back to libetpan only after the tagged
 *    completion, so its parser never sees IDLE.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "daemon/imap.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "spool/tlsverify.h"

#define PASSWORD_MAX	1024
#define SERVER_TEXT_MAX	120	/* server text quoted in errors */
#define TLS_RECORD_MAX	(16u << 10)	/* plaintext in one TLS record */

struct imap_conn {
	const struct account *acct;
	mailimap *imap;
	struct imap_mailbox_info info;
	unsigned idle_seq;
	bool can_move;		/* MOVE (RFC 6851); else COPY + UID EXPUNGE */
	bool broken;		/* a failure happened: no LOGOUT on close */
};

struct uid_size {
	uint32_t uid;
	uint32_t size;
};

/* ---- errors ---------------------------------------------------------- */

static const struct {
	int code;
	const char *text;
} etpan_errors[] = {
	{ MAILIMAP_ERROR_STREAM, "connection lost or read timed out" },
	{ MAILIMAP_ERROR_CONNECTION_REFUSED, "cannot connect" },
	{ MAILIMAP_ERROR_PARSE, "malformed server response" },
	{ MAILIMAP_ERROR_PROTOCOL, "protocol error" },
	{ MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION, "server refuses connections" },
	{ MAILIMAP_ERROR_FATAL, "server said BYE" },
	{ MAILIMAP_ERROR_LOGIN, "login refused" },
	{ MAILIMAP_ERROR_SELECT, "SELECT refused" },
	{ MAILIMAP_ERROR_UID_FETCH, "UID FETCH refused" },
	{ MAILIMAP_ERROR_UID_STORE, "UID STORE refused" },
	{ MAILIMAP_ERROR_UID_COPY, "UID COPY refused" },
	{ MAILIMAP_ERROR_UID_MOVE, "UID MOVE refused" },
	{ MAILIMAP_ERROR_UID_SEARCH, "UID SEARCH refused" },
	{ MAILIMAP_ERROR_CREATE, "CREATE refused" },
	{ MAILIMAP_ERROR_LIST, "LIST refused" },
	{ MAILIMAP_ERROR_CAPABILITY, "CAPABILITY refused" },
	{ MAILIMAP_ERROR_NOOP, "NOOP refused" },
	{ MAILIMAP_ERROR_STARTTLS, "STARTTLS failed" },
	{ MAILIMAP_ERROR_SSL, "TLS handshake failed" },
	{ MAILIMAP_ERROR_MEMORY, "out of memory" },
};

static const char *
etpan_error_text(int r)
{
	size_t i;

	for (i = 0; i < sizeof(etpan_errors) / sizeof(etpan_errors[0]); i++)
		if (etpan_errors[i].code == r)
			return etpan_errors[i].text;
	return "libetpan error";
}

/* Set e to "imap: ACCOUNT: ..."; mark c broken. Returns -1. */
static int __attribute__((format(printf, 4, 5)))
conn_fail(struct imap_conn *c, struct err *e, int code, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->broken = true;
	return err_set(e, code, "imap: %s: %s", c->acct->name, msg);
}

/* The server's last response text, printable and short, into out. */
static const char *
server_text(const struct imap_conn *c, char out[SERVER_TEXT_MAX + 1])
{
	const char *s = c->imap != NULL ? c->imap->imap_response : NULL;
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i < SERVER_TEXT_MAX; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	out[i] = '\0';
	return out;
}

/* Fail with libetpan's code r, naming what was tried, quoting the server. */
static int
etpan_fail(struct imap_conn *c, struct err *e, const char *what, int r)
{
	char text[SERVER_TEXT_MAX + 1];

	server_text(c, text);
	if (text[0] != '\0' && r != MAILIMAP_ERROR_STREAM)
		return conn_fail(c, e, EX_UNAVAILABLE, "%s: %s (%d): %s",
				 what, etpan_error_text(r), r, text);
	return conn_fail(c, e, EX_UNAVAILABLE, "%s: %s (%d)", what,
			 etpan_error_text(r), r);
}

static bool
etpan_ok(int r)
{
	return r == MAILIMAP_NO_ERROR || r == MAILIMAP_NO_ERROR_AUTHENTICATED ||
	       r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED;
}

/* ---- certificate verification (spool/tlsverify.c) ------------------- */

/* Before LOGIN, always. */
static int
verify_server(struct imap_conn *c, struct err *e)
{
	struct err ve = { 0 };

	if (tlsverify_stream(c->imap->imap_stream, c->acct->host,
			     c->acct->ca_file, &ve) < 0)
		return conn_fail(c, e, ve.code, "%s", ve.msg);
	return 0;
}

/* ---- connect --------------------------------------------------------- */

static int
refresh_capabilities(struct imap_conn *c, struct err *e)
{
	struct mailimap_capability_data *cap = NULL;
	int r;

	r = mailimap_capability(c->imap, &cap);
	if (r != MAILIMAP_NO_ERROR)
		return etpan_fail(c, e, "CAPABILITY", r);
	mailimap_capability_data_free(cap);
	return 0;
}

/*
 * GnuTLS hands out a record (up to 16 KB of plaintext) in as many reads as
 * it takes and keeps the rest where poll() on the socket cannot see it;
 * libetpan reads 8 KB at a time. IDLE waits with poll(), so an EXISTS in
 * the second half of a full record sat unread until the server next wrote
 * (Dovecot: 2 min; else IMAP_IDLE_MAX_SECONDS). With room for a whole
 * record in the stream's buffers, every read empties GnuTLS (it reads no
 * further than the record it decrypts) and the socket tells the truth.
 */
static void
fit_tls_records(struct imap_conn *c)
{
	mailstream *s = c->imap->imap_stream;

	if (s->buffer_max_size >= TLS_RECORD_MAX)
		return;
	s->read_buffer = xrealloc(s->read_buffer, TLS_RECORD_MAX);
	s->write_buffer = xrealloc(s->write_buffer, TLS_RECORD_MAX);
	s->buffer_max_size = TLS_RECORD_MAX;
}

/* TCP and TLS per the account, up to (not including) LOGIN. */
static int
open_transport(struct imap_conn *c, struct err *e)
{
	const struct account *a = c->acct;
	int r;

	if (a->tls == TLS_IMPLICIT)
		r = mailimap_ssl_connect_with_callback(c->imap, a->host,
				(uint16_t)a->port, tlsverify_sni_cb, a->host);
	else
		r = mailimap_socket_connect(c->imap, a->host, (uint16_t)a->port);
	if (!etpan_ok(r))
		return etpan_fail(c, e, a->tls == TLS_IMPLICIT ?
				  "TLS connect" : "connect", r);
	if (a->tls == TLS_NONE)
		return 0;
	if (a->tls == TLS_STARTTLS) {
		if (refresh_capabilities(c, e) < 0)
			return -1;
		if (!mailimap_has_extension(c->imap, "STARTTLS"))
			return conn_fail(c, e, EX_UNAVAILABLE,
				"the server does not offer STARTTLS; refusing "
				"to log in without TLS (tls = starttls)");
		r = mailimap_socket_starttls_with_callback(c->imap,
				tlsverify_sni_cb, a->host);
		if (r != MAILIMAP_NO_ERROR)
			return etpan_fail(c, e, "STARTTLS", r);
	}
	fit_tls_records(c);
	return verify_server(c, e);
}

/* The first line of the password file into pw (wiped by the caller). */
static int
read_password(struct imap_conn *c, char pw[PASSWORD_MAX], struct err *e)
{
	const char *path = c->acct->password_file;
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return conn_fail(c, e, EX_CONFIG, "password_file %s: %s", path,
				 strerror(errno));
	if (fstat(fd, &st) == 0 && (st.st_mode & S_IROTH))
		log_warn("imap: %s: password_file %s is world-readable",
			 c->acct->name, path);
	while (len < PASSWORD_MAX - 1 &&
	       (n = read(fd, pw + len, PASSWORD_MAX - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return conn_fail(c, e, EX_CONFIG, "password_file %s: %s",
					 path, strerror(errno));
		}
		len += (size_t)n;
	}
	close(fd);
	pw[len] = '\0';
	pw[strcspn(pw, "\r\n")] = '\0';
	if (pw[0] == '\0')
		return conn_fail(c, e, EX_CONFIG,
				 "password_file %s: the first line is empty", path);
	if (strlen(pw) == len && len == PASSWORD_MAX - 1)
		return conn_fail(c, e, EX_CONFIG,
				 "password_file %s: the first line is too long", path);
	return 0;
}

static int
login(struct imap_conn *c, struct err *e)
{
	char pw[PASSWORD_MAX];
	int r;

	if (read_password(c, pw, e) < 0) {
		explicit_bzero(pw, sizeof(pw));
		return -1;
	}
	r = mailimap_login(c->imap, c->acct->user, pw);
	explicit_bzero(pw, sizeof(pw));
	if (r != MAILIMAP_NO_ERROR)
		return etpan_fail(c, e, "LOGIN", r);
	return 0;
}

static bool
keywords_allowed(const struct mailimap_selection_info *sel)
{
	clistiter *it;

	if (sel->sel_perm_flags == NULL)
		return false;
	for (it = clist_begin(sel->sel_perm_flags); it; it = clist_next(it)) {
		const struct mailimap_flag_perm *p = clist_content(it);

		if (p->fl_type == MAILIMAP_FLAG_PERM_ALL)
			return true;
		if (p->fl_type == MAILIMAP_FLAG_PERM_FLAG && p->fl_flag != NULL &&
		    p->fl_flag->fl_type == MAILIMAP_FLAG_KEYWORD &&
		    strcasecmp(p->fl_flag->fl_data.fl_keyword, IMAP_KEYWORD) == 0)
			return true;
	}
	return false;
}

static int
select_mailbox(struct imap_conn *c, struct err *e)
{
	const struct mailimap_selection_info *sel;
	int r;

	r = mailimap_select(c->imap, c->acct->mailbox);
	if (r != MAILIMAP_NO_ERROR)
		return etpan_fail(c, e, "SELECT", r);
	sel = c->imap->imap_selection_info;
	if (sel == NULL || sel->sel_uidvalidity == 0)
		return conn_fail(c, e, EX_PROTOCOL,
			"SELECT %s gave no UIDVALIDITY; refusing to guess",
			c->acct->mailbox);
	c->info.uidvalidity = sel->sel_uidvalidity;
	c->info.uidnext = sel->sel_uidnext;
	c->info.exists = sel->sel_exists;
	c->info.keywords_allowed = keywords_allowed(sel);
	return 0;
}

/*
 * libetpan's parser tries the alternatives of its grammar in turn, and
 * each may read again: after a read timed out, the next one waited the
 * whole timeout once more, so a server silent mid-FETCH held the session
 * for twice timeout_seconds. After the first failed read, cancel the
 * stream: every later read fails at once.
 */
static void
read_failed_cancels(mailimap *imap, int log_type, const char *str, size_t size,
		    void *ctx)
{
	(void)str;
	(void)size;
	(void)ctx;
	if (log_type == MAILSTREAM_LOG_TYPE_ERROR_RECEIVED && imap->imap_stream != NULL)
		mailstream_cancel(imap->imap_stream);
}

/* The mailbox names the same as INBOX, or each other? */
static bool
same_mailbox(const char *x, const char *y)
{
	return strcmp(x, y) == 0 ||
	       (strcasecmp(x, "INBOX") == 0 && strcasecmp(y, "INBOX") == 0);
}

/*
 * With processed_mailbox: the server must offer MOVE, or UIDPLUS for
 * COPY + UID EXPUNGE of exactly our UIDs (a plain EXPUNGE would remove
 * whatever else a person marked \Deleted); the mailbox is created when
 * missing. Refused, naming why, otherwise.
 */
static int
prepare_processed(struct imap_conn *c, struct err *e)
{
	const char *pm = c->acct->processed_mailbox;
	clist *found = NULL;
	int r, n;

	if (pm == NULL)
		return 0;
	if (same_mailbox(pm, c->acct->mailbox))
		return conn_fail(c, e, EX_CONFIG, "processed_mailbox \"%s\" is "
				 "the watched mailbox", pm);
	c->can_move = mailimap_has_extension(c->imap, "MOVE") != 0;
	if (!c->can_move && !mailimap_has_uidplus(c->imap))
		return conn_fail(c, e, EX_UNAVAILABLE, "the server offers neither "
			"MOVE nor UIDPLUS: refusing to move processed mail to %s "
			"(only a plain EXPUNGE would be left, which removes every "
			"message marked \\Deleted)", pm);
	r = mailimap_list(c->imap, "", pm, &found);
	if (r != MAILIMAP_NO_ERROR)
		return etpan_fail(c, e, "LIST processed_mailbox", r);
	n = clist_count(found);
	mailimap_list_result_free(found);
	if (n > 0)
		return 0;
	r = mailimap_create(c->imap, pm);
	if (r != MAILIMAP_NO_ERROR)
		return etpan_fail(c, e, "CREATE processed_mailbox", r);
	log_info("imap: %s: created %s for processed mail", c->acct->name, pm);
	return 0;
}

int
imap_connect(const struct account *a, struct imap_conn **r, struct err *e)
{
	struct imap_conn *c = xcalloc(1, sizeof(*c));

	c->acct = a;
	if ((c->imap = mailimap_new(0, NULL)) == NULL)
		panic("imap: mailimap_new failed");
	mailimap_set_timeout(c->imap, a->timeout_seconds);
	mailimap_set_logger(c->imap, read_failed_cancels, NULL);
	if (open_transport(c, e) < 0 || login(c, e) < 0 ||
	    refresh_capabilities(c, e) < 0 || prepare_processed(c, e) < 0 ||
	    select_mailbox(c, e) < 0) {
		imap_close(&c);
		return -1;
	}
	c->info.has_idle = mailimap_has_idle(c->imap) != 0;
	log_debug("imap: %s: connected: host=%s port=%d tls=%s uidvalidity=%u "
		  "uidnext=%u exists=%u idle=%d keywords=%d", a->name, a->host,
		  a->port, a->tls == TLS_IMPLICIT ? "implicit" :
		  a->tls == TLS_STARTTLS ? "starttls" : "none",
		  c->info.uidvalidity, c->info.uidnext, c->info.exists,
		  c->info.has_idle, c->info.keywords_allowed);
	*r = c;
	return 0;
}

const struct imap_mailbox_info *
imap_mailbox(const struct imap_conn *c)
{
	return &c->info;
}

void
imap_close(struct imap_conn **cp)
{
	struct imap_conn *c = cp != NULL ? *cp : NULL;

	if (c == NULL)
		return;
	if (c->imap != NULL) {
		/* mailimap_free says LOGOUT on an open stream and waits for
		 * the answer: not on a broken one, which may never answer. */
		if (c->broken && c->imap->imap_stream != NULL) {
			mailstream_close(c->imap->imap_stream);
			c->imap->imap_stream = NULL;
		} else if (c->imap->imap_stream != NULL) {
			mailimap_logout(c->imap);
		}
		mailimap_free(c->imap);
	}
	free(c);
	*cp = NULL;
}

/* ---- fetch ----------------------------------------------------------- */

static const struct mailimap_msg_att_static *
msg_att_find(const struct mailimap_msg_att *m, int type)
{
	clistiter *it;

	for (it = clist_begin(m->att_list); it; it = clist_next(it)) {
		const struct mailimap_msg_att_item *item = clist_content(it);

		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
		    item->att_data.att_static->att_type == type)
			return item->att_data.att_static;
	}
	return NULL;
}

static int
uint32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static int
uid_size_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct uid_size *)a)->uid;
	uint32_t y = ((const struct uid_size *)b)->uid;

	return (x > y) - (x < y);
}

/* UID and RFC822.SIZE of every message with UID > last_uid, sorted. */
static int
list_since(struct imap_conn *c, uint32_t last_uid, struct uid_size **r,
	   size_t *nr, struct err *e)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *result = NULL;
	struct uid_size *v = NULL;
	size_t n = 0;
	clistiter *it;
	int rv;

	*r = NULL;
	*nr = 0;
	if (last_uid == UINT32_MAX)
		return 0;
	set = mailimap_set_new_interval(last_uid + 1, 0);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
		mailimap_fetch_att_new_rfc822_size());
	rv = mailimap_uid_fetch(c->imap, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (rv != MAILIMAP_NO_ERROR)
		return etpan_fail(c, e, "UID FETCH (UID RFC822.SIZE)", rv);
	v = xreallocarray(NULL, (size_t)clist_count(result) + 1, sizeof(*v));
	for (it = clist_begin(result); it; it = clist_next(it)) {
		const struct mailimap_msg_att_static *uid, *size;

		uid = msg_att_find(clist_content(it), MAILIMAP_MSG_ATT_UID);
		size = msg_att_find(clist_content(it), MAILIMAP_MSG_ATT_RFC822_SIZE);
		/* "n:*" also names the last message when n is past it */
		if (uid == NULL || uid->att_data.att_uid <= last_uid)
			continue;
		v[n].uid = uid->att_data.att_uid;
		v[n].size = size != NULL ? size->att_data.att_rfc822_size : 0;
		n++;
	}
	mailimap_fetch_list_free(result);
	qsort(v, n, sizeof(*v), uid_size_cmp);
	*r = v;
	*nr = n;
	return 0;
}

/* How many of v[0..n) go into one body fetch (at least one). */
static size_t
batch_len(const struct uid_size *v, size_t n, size_t max_bytes, size_t max_msgs)
{
	size_t i, bytes = 0;

	if (n == 0 || v[0].size > max_bytes)
		return n == 0 ? 0 : 1;
	for (i = 0; i < n && i < max_msgs; i++) {
		if (v[i].size > max_bytes)
			break;
		if (i > 0 && bytes + v[i].size > IMAP_FETCH_BATCH_BYTES)
			break;
		bytes += v[i].size;
	}
	return i;
}

static struct mailimap_fetch_type *
body_fetch_type(bool partial, size_t max_bytes)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_fetch_att *body;

	if (partial)
		body = mailimap_fetch_att_new_body_peek_section_partial(
			mailimap_section_new(NULL), 0, (uint32_t)max_bytes);
	else
		body = mailimap_fetch_att_new_body_peek_section(
			mailimap_section_new(NULL));
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, body);
	return ft;
}

/* Hand the bodies in result for the batch v[0..n) to fn, in UID order. */
static int
deliver_batch(struct imap_conn *c, const struct uid_size *v, size_t n,
	      clist *result, size_t max_bytes, imap_batch_fn *fn, void *ctx,
	      int *delivered, struct err *e)
{
	const struct mailimap_msg_att_body_section **body;
	struct imap_message *m;
	clistiter *it;
	size_t i, k = 0;
	int rc = 0;

	body = xcalloc(n, sizeof(*body));
	m = xcalloc(n, sizeof(*m));
	for (it = clist_begin(result); it; it = clist_next(it)) {
		const struct mailimap_msg_att_static *uid, *sec;
		struct uid_size key, *hit;

		uid = msg_att_find(clist_content(it), MAILIMAP_MSG_ATT_UID);
		sec = msg_att_find(clist_content(it), MAILIMAP_MSG_ATT_BODY_SECTION);
		if (uid == NULL || sec == NULL)
			continue;	/* an unsolicited FLAGS update */
		key.uid = uid->att_data.att_uid;
		hit = bsearch(&key, v, n, sizeof(*v), uid_size_cmp);
		if (hit != NULL)
			body[hit - v] = sec->att_data.att_body_section;
	}
	for (i = 0; i < n; i++) {
		if (body[i] == NULL || body[i]->sec_body_part == NULL) {
			log_warn("imap: %s: uid %u vanished before its body was "
				 "fetched", c->acct->name, v[i].uid);
			continue;
		}
		m[k].uid = v[i].uid;
		m[k].size = v[i].size;
		m[k].data = body[i]->sec_body_part;
		m[k].len = body[i]->sec_length;
		if (m[k].len > max_bytes)
			m[k].len = max_bytes;	/* a server ignoring <0.max> */
		m[k].truncated = v[i].size > max_bytes ||
				 m[k].len < body[i]->sec_length;
		k++;
	}
	if (k > 0 && fn(m, k, ctx) < 0)
		rc = err_set(e, 0, "imap: %s: stopped by caller in the batch "
			     "from uid %u", c->acct->name, m[0].uid);
	else
		*delivered += (int)k;
	free(m);
	free(body);
	return rc;
}

static int
fetch_batch(struct imap_conn *c, const struct uid_size *v, size_t n,
	    size_t max_bytes, imap_batch_fn *fn, void *ctx, int *delivered,
	    struct err *e)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set = mailimap_set_new_empty();
	clist *result = NULL;
	size_t i;
	int r;

	for (i = 0; i < n; i++)
		mailimap_set_add_single(set, v[i].uid);
	ft = body_fetch_type(n == 1 && v[0].size > max_bytes, max_bytes);
	r = mailimap_uid_fetch(c->imap, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return etpan_fail(c, e, "UID FETCH (BODY.PEEK[])", r);
	r = deliver_batch(c, v, n, result, max_bytes, fn, ctx, delivered, e);
	mailimap_fetch_list_free(result);
	return r;
}

int
imap_fetch_since(struct imap_conn *c, uint32_t last_uid, size_t max_bytes,
		 imap_batch_fn *fn, void *ctx, struct err *e)
{
	struct uid_size *v;
	size_t n, i, k;
	int delivered = 0;

	assert(max_bytes > 0 && max_bytes <= UINT32_MAX);
	if (list_since(c, last_uid, &v, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i += k) {
		k = batch_len(v + i, n - i, max_bytes,
			      c->acct->batch_messages > 0 ?
			      (size_t)c->acct->batch_messages : IMAP_FETCH_BATCH_MSGS);
		if (fetch_batch(c, v + i, k, max_bytes, fn, ctx, &delivered,
				e) < 0) {
			free(v);
			return -1;
		}
	}
	free(v);
	return delivered;
}

/* ---- processed: keyword, move ---------------------------------------- */

/* The set of uids[0..n) (ascending), consecutive runs as ranges. */
static struct mailimap_set *
uid_set(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	size_t i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && uids[j] == uids[j - 1] + 1; j++)
			;
		if (j - i == 1)
			mailimap_set_add_single(set, uids[i]);
		else
			mailimap_set_add_interval(set, uids[i], uids[j - 1]);
	}
	return set;
}

/* UID STORE set +FLAGS.SILENT (flag); flag is consumed. */
static int
store_flag(struct imap_conn *c, struct mailimap_set *set,
	   struct mailimap_flag *flag, const char *what, struct err *e)
{
	struct mailimap_store_att_flags *sa;
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	int r;

	mailimap_flag_list_add(fl, flag);
	sa = mailimap_store_att_flags_new_add_flags_silent(fl);
	r = mailimap_uid_store(c->imap, set, sa);
	mailimap_store_att_flags_free(sa);
	if (r != MAILIMAP_NO_ERROR)
		return etpan_fail(c, e, what, r);
	return 0;
}

/* Move set to processed_mailbox: UID MOVE, or UID COPY, \Deleted and a
 * UID EXPUNGE of exactly set (never a plain EXPUNGE). */
static int
move_processed(struct imap_conn *c, struct mailimap_set *set, struct err *e)
{
	const char *to = c->acct->processed_mailbox;
	int r;

	if (c->can_move) {
		r = mailimap_uid_move(c->imap, set, to);
		return r == MAILIMAP_NO_ERROR ? 0 : etpan_fail(c, e, "UID MOVE", r);
	}
	r = mailimap_uid_copy(c->imap, set, to);
	if (r != MAILIMAP_NO_ERROR)
		return etpan_fail(c, e, "UID COPY", r);
	if (store_flag(c, set, mailimap_flag_new_deleted(),
		       "UID STORE \\Deleted", e) < 0)
		return -1;
	r = mailimap_uid_expunge(c->imap, set);
	return r == MAILIMAP_NO_ERROR ? 0 : etpan_fail(c, e, "UID EXPUNGE", r);
}

int
imap_mark_processed(struct imap_conn *c, const uint32_t *uids, size_t n,
		    struct err *e)
{
	struct mailimap_set *set;
	int rc = 0;

	if (n == 0 || (!c->info.keywords_allowed && !c->acct->processed_mailbox))
		return 0;
	set = uid_set(uids, n);
	if (c->info.keywords_allowed)
		rc = store_flag(c, set, mailimap_flag_new_flag_keyword(
			xstrdup(IMAP_KEYWORD)), "UID STORE " IMAP_KEYWORD, e);
	if (rc == 0 && c->acct->processed_mailbox != NULL)
		rc = move_processed(c, set, e);
	mailimap_set_free(set);
	return rc;
}

int
imap_mark_committed(struct imap_conn *c, uint32_t last_uid, struct err *e)
{
	struct mailimap_search_key *key;
	uint32_t *uids;
	clist *found = NULL;
	clistiter *it;
	size_t n = 0;
	int r;

	if (last_uid == 0 || (!c->info.keywords_allowed && !c->acct->processed_mailbox))
		return 0;
	key = mailimap_search_key_new_multiple_empty();
	mailimap_search_key_multiple_add(key, mailimap_search_key_new_uid(
		mailimap_set_new_interval(1, last_uid)));
	if (c->acct->processed_mailbox == NULL)	/* moved ones are gone */
		mailimap_search_key_multiple_add(key,
			mailimap_search_key_new_unkeyword(xstrdup(IMAP_KEYWORD)));
	r = mailimap_uid_search(c->imap, NULL, key, &found);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return etpan_fail(c, e, "UID SEARCH", r);
	uids = xcalloc((size_t)clist_count(found) + 1, sizeof(*uids));
	for (it = clist_begin(found); it; it = clist_next(it)) {
		uint32_t u = *(const uint32_t *)clist_content(it);

		if (u >= 1 && u <= last_uid)	/* "1:n" names the last one too */
			uids[n++] = u;
	}
	mailimap_search_result_free(found);
	qsort(uids, n, sizeof(*uids), uint32_cmp);
	if (n > 0)
		log_info("imap: %s: %zu committed message(s) not yet marked: "
			 "marking them now", c->acct->name, n);
	r = imap_mark_processed(c, uids, n, e);
	free(uids);
	return r;
}

/* ---- IDLE ------------------------------------------------------------ */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
imap_idle_classify(const char *line, const char *tag)
{
	size_t taglen = strlen(tag);
	const char *p;

	if (line[0] == '+')
		return IMAP_IDLE_CONTINUE;
	if (strncmp(line, "* ", 2) == 0) {
		p = line + 2;
		if (strncasecmp(p, "BYE", 3) == 0 && (p[3] == ' ' || p[3] == '\r' ||
						       p[3] == '\n' || p[3] == '\0'))
			return IMAP_IDLE_BYE;
		if (*p >= '0' && *p <= '9') {
			bool zero = strtoul(p, NULL, 10) == 0;

			p += strspn(p, "0123456789");
			if (strncasecmp(p, " EXISTS", 7) == 0 ||
			    (strncasecmp(p, " RECENT", 7) == 0 && !zero))
				return IMAP_IDLE_NEWS;
		}
		return IMAP_IDLE_UNTAGGED;
	}
	if (strncmp(line, tag, taglen) == 0 && line[taglen] == ' ') {
		p = line + taglen + 1;
		if (strncasecmp(p, "OK", 2) == 0 &&
		    (p[2] == ' ' || p[2] == '\r' || p[2] == '\n' || p[2] == '\0'))
			return IMAP_IDLE_TAGGED_OK;
		return IMAP_IDLE_TAGGED_FAIL;
	}
	return IMAP_IDLE_OTHER;
}

/* Wait up to ms for the socket (0: not readable, 1: readable, -1: error). */
static int
wait_readable(struct imap_conn *c, int ms)
{
	mailstream *s = c->imap->imap_stream;
	struct pollfd pfd;
	int r;

	if (s->read_buffer_len > 0)
		return 1;
	pfd.fd = mailstream_low_get_fd(mailstream_get_low(s));
	pfd.events = POLLIN;
	r = poll(&pfd, 1, ms);
	if (r < 0 && errno == EINTR)
		return 0;	/* a signal: let the caller look at stop */
	return r < 0 ? -1 : r > 0;
}

/* Move up to n buffered bytes of the stream into b, up to a newline. */
static size_t
take_buffered(mailstream *s, struct buf *b, bool to_newline, size_t n)
{
	char tmp[4096];
	const char *nl;
	size_t k = s->read_buffer_len < n ? s->read_buffer_len : n;

	if (to_newline && (nl = memchr(s->read_buffer, '\n', k)) != NULL)
		k = (size_t)(nl - s->read_buffer) + 1;
	if (k > sizeof(tmp))
		k = sizeof(tmp);
	/* only buffered bytes: no read from the network here */
	if (mailstream_read(s, tmp, k) != (ssize_t)k)
		panic("imap: mailstream_read of buffered bytes failed");
	buf_append(b, tmp, k);
	return k;
}

/*
 * Read one response line during IDLE into line (with any {N} literal and
 * the rest of the line after it), at most IMAP_LINE_MAX bytes. Waits up to
 * wait_ms for the first byte (-1: the account timeout); once a line has
 * started, every read is bounded by the account timeout. Returns 1 for a
 * line, 0 when nothing arrived within wait_ms, -1 on error.
 */
static int
idle_read_line(struct imap_conn *c, struct buf *line, int wait_ms,
	       struct err *e)
{
	mailstream *s = c->imap->imap_stream;
	size_t literal = 0;
	const char *open;
	ssize_t r;

	buf_truncate(line, 0);
	if (wait_ms >= 0) {
		int w = wait_readable(c, wait_ms);

		if (w <= 0)
			return w == 0 ? 0 : conn_fail(c, e, EX_UNAVAILABLE,
				"IDLE: poll: %s", strerror(errno));
	}
	for (;;) {
		if (s->read_buffer_len == 0 &&
		    (r = mailstream_feed_read_buffer(s)) <= 0)
			return conn_fail(c, e, EX_UNAVAILABLE, "IDLE: %s",
				r == 0 ? "connection closed by the server" :
				"connection lost or read timed out");
		if (literal > 0) {
			literal -= take_buffered(s, line, false, literal);
			continue;
		}
		take_buffered(s, line, true, s->read_buffer_len);
		if (line->len > IMAP_LINE_MAX)
			return conn_fail(c, e, EX_PROTOCOL,
				"IDLE: response line longer than %u bytes",
				IMAP_LINE_MAX);
		if (line->s[line->len - 1] != '\n')
			continue;
		/* "... {N}\r\n": N literal bytes, then the line goes on */
		if (line->len >= 4 && line->s[line->len - 2] == '\r' &&
		    line->s[line->len - 3] == '}' &&
		    (open = strrchr(line->s, '{')) != NULL) {
			literal = strtoul(open + 1, NULL, 10);
			if (literal > IMAP_LINE_MAX - line->len)
				return conn_fail(c, e, EX_PROTOCOL,
					"IDLE: literal of %zu bytes", literal);
			if (literal > 0)
				continue;
		}
		return 1;
	}
}

static int
stream_send(struct imap_conn *c, const char *text, struct err *e)
{
	mailstream *s = c->imap->imap_stream;

	if (mailstream_write(s, text, strlen(text)) < 0 ||
	    mailstream_flush(s) < 0)
		return conn_fail(c, e, EX_UNAVAILABLE,
				 "IDLE: write failed: connection lost");
	return 0;
}

struct idle_state {
	char tag[16];
	bool idling;		/* "+" seen */
	bool done_sent;
	bool news;		/* EXISTS or RECENT seen */
	int64_t deadline;	/* end of this IDLE, ms */
	int64_t started;
};

/* Act on one line; returns 1 when the IDLE command completed, 0, or -1. */
static int
idle_handle_line(struct imap_conn *c, struct idle_state *st, const char *line,
		 struct err *e)
{
	char text[SERVER_TEXT_MAX + 1];
	size_t i;

	switch (imap_idle_classify(line, st->tag)) {
	case IMAP_IDLE_CONTINUE:
		st->idling = true;
		return 0;
	case IMAP_IDLE_NEWS:
		st->news = true;
		if (log_is_verbose()) {
			struct timespec ts;

			/* for tests/bench/ingest.sh: when the server told us */
			clock_gettime(CLOCK_REALTIME, &ts);
			log_debug("imap: %s: IDLE news at=%lld", c->acct->name,
				  (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
		}
		return 0;
	case IMAP_IDLE_UNTAGGED:
		return 0;
	case IMAP_IDLE_TAGGED_OK:
		/* completed, after our DONE or (unasked) before it */
		return 1;
	default:
		break;
	}
	for (i = 0; line[i] != '\0' && line[i] != '\r' && i < SERVER_TEXT_MAX; i++)
		text[i] = (line[i] >= 0x20 && line[i] < 0x7f) ? line[i] : '?';
	text[i] = '\0';
	return conn_fail(c, e, EX_UNAVAILABLE, "IDLE: %s: %s",
		imap_idle_classify(line, st->tag) == IMAP_IDLE_BYE ?
		"server said BYE" : "unexpected response", text);
}

/* With IDLE. 1 news, 0 none, -1 error. */
static int
idle_run(struct imap_conn *c, int max_seconds,
	 const volatile sig_atomic_t *stop, struct err *e)
{
	struct idle_state st = { .idling = false };
	int64_t now, timeout_ms = (int64_t)c->acct->timeout_seconds * 1000;
	struct buf line = { 0 };
	int r, wait;

	snprintf(st.tag, sizeof(st.tag), "BVI%u", ++c->idle_seq);
	st.started = now_ms();
	st.deadline = st.started + (int64_t)max_seconds * 1000;
	buf_printf(&line, "%s IDLE\r\n", st.tag);
	if (stream_send(c, buf_cstr(&line), e) < 0)
		goto fail;
	for (;;) {
		now = now_ms();
		if (st.idling && !st.done_sent &&
		    (st.news || now >= st.deadline || (stop != NULL && *stop))) {
			if (stream_send(c, "DONE\r\n", e) < 0)
				goto fail;
			st.done_sent = true;
		}
		if (!st.idling && now - st.started > timeout_ms) {
			conn_fail(c, e, EX_UNAVAILABLE,
				  "IDLE: no continuation within %d s",
				  c->acct->timeout_seconds);
			goto fail;
		}
		wait = st.done_sent ? -1 :
		       (int)(st.deadline - now > 1000 ? 1000 :
			     st.deadline - now > 0 ? st.deadline - now : 0);
		if ((r = idle_read_line(c, &line, wait, e)) < 0)
			goto fail;
		if (r == 0)
			continue;
		if ((r = idle_handle_line(c, &st, buf_cstr(&line), e)) < 0)
			goto fail;
		if (r == 1)
			break;
	}
	buf_free(&line);
	return st.news ? 1 : 0;
fail:
	buf_free(&line);
	return -1;
}

/* Without IDLE: sleep max_seconds in slices, then NOOP. */
static int
poll_run(struct imap_conn *c, int max_seconds,
	 const volatile sig_atomic_t *stop, struct err *e)
{
	int64_t deadline = now_ms() + (int64_t)max_seconds * 1000;
	int64_t left;
	int r;

	while ((left = deadline - now_ms()) > 0) {
		if (stop != NULL && *stop)
			return 0;
		poll(NULL, 0, left > 1000 ? 1000 : (int)left);
	}
	r = mailimap_noop(c->imap);
	if (r != MAILIMAP_NO_ERROR)
		return etpan_fail(c, e, "NOOP", r);
	return 1;
}

int
imap_idle_wait(struct imap_conn *c, int max_seconds,
	       const volatile sig_atomic_t *stop, struct err *e)
{
	if (max_seconds < 1)
		max_seconds = 1;
	if (!c->info.has_idle)
		return poll_run(c, max_seconds, stop, e);
	if (max_seconds > IMAP_IDLE_MAX_SECONDS)
		max_seconds = IMAP_IDLE_MAX_SECONDS;
	return idle_run(c, max_seconds, stop, e);
}

/* ---- backoff --------------------------------------------------------- */

uint32_t
imap_backoff_next(uint32_t prev_ms, uint32_t rand)
{
	uint32_t base, span;

	if (prev_ms == 0)
		base = IMAP_BACKOFF_MIN_MS;
	else if (prev_ms >= IMAP_BACKOFF_MAX_MS / 2)
		base = IMAP_BACKOFF_MAX_MS;
	else
		base = prev_ms * 2;
	if (base < IMAP_BACKOFF_MIN_MS)
		base = IMAP_BACKOFF_MIN_MS;
	span = base / 4;
	if (base - span < IMAP_BACKOFF_MIN_MS)
		span = base - IMAP_BACKOFF_MIN_MS;
	return base - (span == 0 ? 0 : rand % (span + 1));
}

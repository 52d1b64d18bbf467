/* SPDX-License-Identifier: MIT */
/*
 * milter.c — brudvagt-milter's callbacks, contexts and settings snapshot.
 *
 * Owns the per-connection context (struct milter_conn, smfi_setpriv), the
 * per-message context (struct milter_msg: the settings snapshot it runs on,
 * the headers and body gathered for analysis_run_triage, the forged X-Brudvagt-*
 * headers to remove) and the process-wide counters. Called by libmilter
 * (through milter_desc) and by the tests (through the same table, with a
 * fake struct milter_io).
 *
 * The policy, in one place each:
 * - milter_leave() is the only place that chooses an SMFIS_* code. It knows
 *   CONTINUE and ACCEPT only (and NOREPLY where the MTA was told to expect
 *   no reply). Connection-level callbacks always CONTINUE (an ACCEPT there
 *   would let the rest of the connection pass unfiltered).
 * - A message is ours when an envelope recipient is in milter.recipients;
 *   any other message is ACCEPTed at its first header, untouched.
 * - On an internal error with a message context the message is marked
 *   failed and still reaches end-of-message, so the forged headers are
 *   removed and it is tagged "unanalysed"; without a context it is ACCEPTed
 *   as it is. Each failure is logged once per message and counted.
 * - Headers are only added and deleted; the body is never changed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filters/analysis.h"
#include "filters/milter.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define MILTER_NAME		"brudvagt-milter"
#define HDR_PREFIX		"X-Brudvagt-"
#define DEFAULT_MAX_BYTES	(10u * 1024 * 1024)
#define LABEL_MAX		160	/* "qid=... msgid=..." in log lines */
#define MSGID_MAX		100	/* Message-ID kept for logging */
/* X-Brudvagt-Municipality stays within a 998-character header line. */
#define MUNICIPALITY_MAX	900

/* ---- settings snapshot ------------------------------------------------ */

struct snapshot {
	struct settings *s;
	atomic_int refs;	/* one for being current, one per message */
};

static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *snap_current;

static void
snapshot_release(struct snapshot **p)
{
	struct snapshot *sn = *p;

	*p = NULL;
	if (sn == NULL || atomic_fetch_sub(&sn->refs, 1) != 1)
		return;
	settings_free(&sn->s);
	free(sn);
}

/* The current snapshot with a reference for the caller, or NULL. */
static struct snapshot *
snapshot_acquire(void)
{
	struct snapshot *sn;

	pthread_mutex_lock(&snap_lock);
	sn = snap_current;
	if (sn != NULL)
		atomic_fetch_add(&sn->refs, 1);
	pthread_mutex_unlock(&snap_lock);
	return sn;
}

void
milter_settings_install(struct settings *s)
{
	struct snapshot *sn = NULL, *old;

	if (s != NULL) {
		sn = xmalloc(sizeof(*sn));
		sn->s = s;
		atomic_init(&sn->refs, 1);
	}
	pthread_mutex_lock(&snap_lock);
	old = snap_current;
	snap_current = sn;
	pthread_mutex_unlock(&snap_lock);
	snapshot_release(&old);
}

void
milter_shutdown(void)
{
	milter_settings_install(NULL);
}

/* ---- counters ---------------------------------------------------------- */

static atomic_ulong counters[MC_COUNT];

static const char *const counter_names[MC_COUNT] = {
	[MC_MESSAGES] = "messages",	[MC_NOT_OURS] = "not_ours",
	[MC_TAGGED] = "tagged",		[MC_UNANALYSED] = "unanalysed",
	[MC_OVERSIZE] = "oversize",	[MC_ERRORS] = "errors",
	[MC_INTERRUPTED] = "interrupted", [MC_FORGED] = "forged_removed",
};

static void
count(enum milter_counter c)
{
	atomic_fetch_add(&counters[c], 1);
}

unsigned long
milter_counter_get(enum milter_counter c)
{
	return atomic_load(&counters[c]);
}

const char *
milter_counter_name(enum milter_counter c)
{
	return counter_names[c];
}

void
milter_log_counters(void)
{
	struct buf b = { 0 };
	int c;

	for (c = 0; c < MC_COUNT; c++)
		buf_printf(&b, " %s=%lu", counter_names[c],
			   milter_counter_get(c));
	log_info("milter: counters:%s", buf_cstr(&b));
	buf_free(&b);
}

/* ---- the smfi_* wrappers ----------------------------------------------- */

static const struct milter_io *io = &milter_io_libmilter;

void
milter_set_io(const struct milter_io *p)
{
	io = p != NULL ? p : &milter_io_libmilter;
}

/* ---- contexts ---------------------------------------------------------- */

struct forged {
	char *name;		/* as the MTA gave it */
	int index;		/* 1-based among headers of that name */
};

struct milter_msg {
	struct snapshot *snap;	/* held from MAIL FROM to the end */
	bool ours;		/* a recipient is in milter.recipients */
	bool oversize;		/* over the limit: raw dropped */
	bool failed;		/* internal error: tag unanalysed */
	bool logged;		/* a failure has been logged */
	bool in_body;		/* the blank line after the headers is in raw */
	struct buf raw;		/* headers + body for analysis_run_triage */
	struct forged *forged;	/* X-Brudvagt-* headers to delete */
	size_t nforged;
	char msgid[MSGID_MAX];
};

struct milter_conn {
	struct milter_msg *msg;	/* the open transaction, or NULL */
	bool noreply;		/* MTA expects no reply to header/eoh/body */
	bool noreply_env;	/* ... nor to connect, MAIL and RCPT */
};

/*
 * The contexts are the one place allocation may fail without aborting:
 * the milter then lets the message through untouched (calloc, not xcalloc).
 */
static struct milter_msg *
msg_new(void)
{
	struct milter_msg *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->snap = snapshot_acquire();
	return m;
}

static void
msg_free(struct milter_msg **p)
{
	struct milter_msg *m = *p;
	size_t i;

	if (m == NULL)
		return;
	*p = NULL;
	for (i = 0; i < m->nforged; i++)
		free(m->forged[i].name);
	free(m->forged);
	buf_free(&m->raw);
	snapshot_release(&m->snap);
	free(m);
}

static struct milter_conn *
conn_get(SMFICTX *ctx)
{
	return io->getpriv(ctx);
}

/* The connection context, made now if connect could not make it. */
static struct milter_conn *
conn_get_or_new(SMFICTX *ctx)
{
	struct milter_conn *c = conn_get(ctx);

	if (c != NULL)
		return c;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (io->setpriv(ctx, c) != MI_SUCCESS) {
		free(c);
		return NULL;
	}
	return c;
}

static struct milter_msg *
msg_get(SMFICTX *ctx)
{
	struct milter_conn *c = conn_get(ctx);

	return c != NULL ? c->msg : NULL;
}

/* ---- logging once per message ----------------------------------------- */

/* Append "s" to out without CR, LF or other control characters. */
static void
put_clean(struct buf *out, const char *s, size_t max)
{
	size_t n;

	for (n = 0; s != NULL && *s != '\0' && n < max; s++, n++)
		if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			buf_putc(out, *s);
}

static void
msg_label(SMFICTX *ctx, const struct milter_msg *m, char out[LABEL_MAX])
{
	struct buf b = { 0 };
	const char *qid = io->getsymval(ctx, "i");

	buf_puts(&b, "qid=");
	put_clean(&b, qid != NULL ? qid : "-", 32);
	buf_puts(&b, " msgid=");
	put_clean(&b, m != NULL && m->msgid[0] != '\0' ? m->msgid : "-",
		  MSGID_MAX);
	snprintf(out, LABEL_MAX, "%s", buf_cstr(&b));
	buf_free(&b);
}

/* An internal error: count it and log it, once per message (m may be NULL). */
static void
msg_error(SMFICTX *ctx, struct milter_msg *m, const char *what,
	  const char *detail)
{
	char label[LABEL_MAX];

	count(MC_ERRORS);
	if (m != NULL) {
		if (m->logged)
			return;
		m->logged = true;
	}
	msg_label(ctx, m, label);
	log_warn("milter: %s: %s reason=\"%s\", failing open", what, label,
		 detail != NULL ? detail : "");
}

/* The same, and the message can no longer be analysed: "unanalysed". */
static void
msg_fail(SMFICTX *ctx, struct milter_msg *m, const char *what,
	 const char *detail)
{
	if (m != NULL)
		m->failed = true;
	msg_error(ctx, m, what, detail);
}

/* ---- outcome → SMFIS_* (the only place) -------------------------------- */

enum stage {
	STAGE_CONN,	/* connection level: an ACCEPT would pass them all */
	STAGE_CONNECT,	/* connect: no reply when negotiated */
	STAGE_ENV,	/* MAIL, RCPT: no reply when negotiated (DATA decides) */
	STAGE_MSG,	/* message level, a reply due */
	STAGE_NR,	/* header, eoh, body: no reply when negotiated */
	STAGE_EOM,
};

enum outcome {
	GO_ON,		/* keep calling us for this message */
	DONE,		/* nothing more to do with this message */
	FAILED,		/* no context to go on with: let it through as is */
};

static sfsistat
milter_leave(SMFICTX *ctx, enum stage st, enum outcome o)
{
	const struct milter_conn *c;

	if ((st == STAGE_CONNECT || st == STAGE_ENV) && (c = conn_get(ctx)) != NULL &&
	    c->noreply_env)
		return SMFIS_NOREPLY;
	if (st == STAGE_CONN || st == STAGE_CONNECT)
		return SMFIS_CONTINUE;
	if (st == STAGE_NR && (c = conn_get(ctx)) != NULL && c->noreply)
		return SMFIS_NOREPLY;
	if (st == STAGE_EOM)
		return SMFIS_ACCEPT;
	return o == GO_ON ? SMFIS_CONTINUE : SMFIS_ACCEPT;
}

/* ---- recipients -------------------------------------------------------- */

/* addr from "<a@b>", "a@b" or "<@route:a@b>", into out; false if too long. */
static bool
rcpt_addr(const char *arg, char *out, size_t size)
{
	const char *p = arg, *colon;
	size_t n;

	while (*p == ' ' || *p == '<')
		p++;
	if (*p == '@' && (colon = strchr(p, ':')) != NULL)
		p = colon + 1;
	n = strcspn(p, ">");
	if (n == 0 || n >= size)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

static bool
rcpt_is_ours(const struct settings *s, const char *arg)
{
	const struct strlist *l = &s->milter.recipients;
	char addr[512];
	size_t i;

	if (l->n == 0)
		l = &s->system_owner.emails;
	if (!rcpt_addr(arg, addr, sizeof(addr)))
		return false;
	for (i = 0; i < l->n; i++)
		if (strcasecmp(addr, l->v[i]) == 0)
			return true;
	return false;
}

/* ---- gathering the message -------------------------------------------- */

static size_t
msg_limit(const struct milter_msg *m)
{
	size_t max = m->snap->s->milter.max_message_bytes;

	return max != 0 ? max : DEFAULT_MAX_BYTES;
}

/* Append to raw within the limit; past it drop raw and flag oversize. */
static void
msg_gather(SMFICTX *ctx, struct milter_msg *m, const void *p, size_t n)
{
	char label[LABEL_MAX];

	if (m->oversize)
		return;
	if (n <= msg_limit(m) && m->raw.len <= msg_limit(m) - n) {
		buf_append(&m->raw, p, n);
		return;
	}
	m->oversize = true;
	buf_free(&m->raw);
	count(MC_OVERSIZE);
	msg_label(ctx, m, label);
	log_info("milter: oversize: %s limit=%zu, tagging unanalysed",
		 label, msg_limit(m));
}

static bool
is_ours_header(const char *name)
{
	return strncasecmp(name, HDR_PREFIX, strlen(HDR_PREFIX)) == 0;
}

/* Remember an X-Brudvagt-* header with its index among its namesakes. */
static void
msg_note_forged(struct milter_msg *m, const char *name)
{
	int index = 1;
	size_t i;

	for (i = 0; i < m->nforged; i++)
		if (strcasecmp(m->forged[i].name, name) == 0)
			index++;
	m->forged = xreallocarray(m->forged, m->nforged + 1,
				  sizeof(*m->forged));
	m->forged[m->nforged].name = xstrdup(name);
	m->forged[m->nforged].index = index;
	m->nforged++;
}

/* "Name: value\r\n"; a folded value's bare LFs become CRLF. */
static void
msg_add_header_line(SMFICTX *ctx, struct milter_msg *m, const char *name,
		    const char *value)
{
	struct buf line = { 0 };
	const char *p;

	buf_printf(&line, "%s: ", name);
	for (p = value; *p != '\0'; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			buf_putc(&line, '\r');
		buf_putc(&line, *p);
	}
	buf_puts(&line, "\r\n");
	msg_gather(ctx, m, line.s, line.len);
	buf_free(&line);
}

/* ---- the headers we add ------------------------------------------------ */

static const char *const kind_values[] = {
	[KIND_REPORT] = "report",	[KIND_ACK] = "ack",
	[KIND_AUTO_REPLY] = "auto_reply", [KIND_BOUNCE] = "bounce",
	[KIND_OTHER] = "other",
};

static const char *const severity_values[] = {
	[SEV_LOW] = "low", [SEV_MEDIUM] = "medium", [SEV_HIGH] = "high",
};

#define KIND_UNANALYSED "unanalysed"

void
milter_encode_2047(const char *t, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t word = 0;	/* payload bytes in the open word; 0: none */
	bool ascii = true;

	for (p = (const unsigned char *)t; *p != '\0'; p++)
		ascii = ascii && *p < 0x80;
	if (ascii) {
		put_clean(out, t, (size_t)-1);
		return;
	}
	for (p = (const unsigned char *)t; *p != '\0';) {
		char enc[4 * 3 + 1];	/* one character, up to 4 bytes */
		size_t len = 0, n = 1, i;

		while (p[n] != '\0' && (p[n] & 0xc0) == 0x80 && n < 4)
			n++;
		for (i = 0; i < n; i++) {
			unsigned char c = p[i];

			if (c < 0x20 || c == 0x7f)
				continue;
			if (c == ' ')
				enc[len++] = '_';
			else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				 (c >= '0' && c <= '9') || strchr("!*+-/", c))
				enc[len++] = (char)c;
			else {
				enc[len++] = '=';
				enc[len++] = hex[c >> 4];
				enc[len++] = hex[c & 15];
			}
		}
		p += n;
		if (len == 0)
			continue;
		/* "=?UTF-8?Q?" + payload + "?=" is at most 75: payload <= 63 */
		if (word != 0 && word + len > 63) {
			buf_puts(out, "?= ");
			word = 0;
		}
		if (word == 0)
			buf_puts(out, "=?UTF-8?Q?");
		buf_append(out, enc, len);
		word += len;
	}
	if (word != 0)
		buf_puts(out, "?=");
}

/* The plain text of the value; names false: "affected=N" as a count. */
static void
municipality_text(const struct settings *s, const struct analysis *a,
		  bool names, struct buf *v)
{
	const char *sep = "affected=";
	size_t i, n = 0;

	if (a->reporting_municipality >= 0 &&
	    (size_t)a->reporting_municipality < s->nmunicipalities)
		buf_printf(v, "reporting=%s",
			   s->municipalities[a->reporting_municipality].name);
	if (v->len != 0)
		sep = "; affected=";
	if (a->affects_all) {
		buf_printf(v, "%sall", sep);
		return;
	}
	for (i = 0; i < a->naffected_slots && i < s->nmunicipalities; i++) {
		if (a->affected == NULL || !a->affected[i])
			continue;
		if (names)
			buf_printf(v, "%s%s", sep, s->municipalities[i].name);
		sep = ", ";
		n++;
	}
	if (!names && n != 0)
		buf_printf(v, "%s%zu", v->len != 0 ? "; affected=" :
			   "affected=", n);
}

bool
milter_municipality_value(const struct settings *s, const struct analysis *a,
			  struct buf *out)
{
	struct buf v = { 0 }, enc = { 0 };
	bool any;

	municipality_text(s, a, true, &v);
	milter_encode_2047(buf_cstr(&v), &enc);
	if (enc.len > MUNICIPALITY_MAX) {	/* a count, not the names */
		buf_truncate(&v, 0);
		buf_truncate(&enc, 0);
		municipality_text(s, a, false, &v);
		milter_encode_2047(buf_cstr(&v), &enc);
	}
	if ((any = enc.len != 0))
		buf_append(out, enc.s, enc.len);
	buf_free(&v);
	buf_free(&enc);
	return any;
}

/* "BV-2026-0007": anything else is not written into a header. */
static bool
is_case_ref(const char *r)
{
	size_t i, n = strlen(r);

	if (n < 12 || n >= ANALYSIS_CASE_REF_MAX || strncmp(r, "BV-", 3) != 0)
		return false;
	for (i = 3; i < n; i++)
		if (!(r[i] >= '0' && r[i] <= '9') && !(i == 7 && r[i] == '-'))
			return false;
	return r[7] == '-';
}

static void
msg_addheader(SMFICTX *ctx, struct milter_msg *m, const char *name,
	      const char *value)
{
	struct buf v = { 0 };

	put_clean(&v, value, 998 - strlen(name) - 2);
	if (io->addheader(ctx, (char *)name, (char *)buf_cstr(&v)) !=
	    MI_SUCCESS)
		msg_error(ctx, m, "addheader", name);
	buf_free(&v);
}

static void
msg_tag(SMFICTX *ctx, struct milter_msg *m, const struct analysis *a)
{
	const struct settings *s = m->snap->s;
	struct buf v = { 0 };
	int kind = a->kind;
	char num[24];

	if (kind < 0 || kind > KIND_OTHER)
		kind = KIND_OTHER;
	msg_addheader(ctx, m, HDR_PREFIX "Kind", kind_values[kind]);
	if (is_case_ref(a->case_ref))
		msg_addheader(ctx, m, HDR_PREFIX "Case", a->case_ref);
	if (milter_municipality_value(s, a, &v))
		msg_addheader(ctx, m, HDR_PREFIX "Municipality", v.s);
	if (a->severity >= SEV_LOW && a->severity <= SEV_HIGH)
		msg_addheader(ctx, m, HDR_PREFIX "Severity",
			      severity_values[a->severity]);
	snprintf(num, sizeof(num), "%d", a->cpr_count > 0 ? a->cpr_count : 0);
	msg_addheader(ctx, m, HDR_PREFIX "CPR-Count", num);
	msg_addheader(ctx, m, HDR_PREFIX "Spoofed", a->spoofed ? "yes" : "no");
	buf_free(&v);
}

/* Delete the incoming X-Brudvagt-* headers, last first. */
static void
msg_unforge(SMFICTX *ctx, struct milter_msg *m)
{
	size_t i;

	for (i = m->nforged; i-- > 0;) {
		if (io->chgheader(ctx, m->forged[i].name, m->forged[i].index,
				  NULL) != MI_SUCCESS)
			msg_error(ctx, m, "chgheader", HDR_PREFIX "*");
		else
			count(MC_FORGED);
	}
}

static void
msg_analyse(SMFICTX *ctx, struct milter_msg *m)
{
	struct analysis *a = NULL;
	struct err e = { 0 };
	char label[LABEL_MAX];

	if (!m->oversize && !m->failed && m->raw.len != 0 &&
	    analysis_run_triage(m->snap->s, m->raw.s, m->raw.len, &a, &e) >= 0 &&
	    a != NULL) {
		msg_tag(ctx, m, a);
		msg_label(ctx, m, label);
		log_debug("milter: tagged: %s kind=%s case=%s", label,
			  kind_values[a->kind <= KIND_OTHER ? a->kind :
				      KIND_OTHER],
			  a->case_ref[0] != '\0' ? a->case_ref : "-");
		analysis_free(&a);
		count(MC_TAGGED);
		return;
	}
	if (!m->oversize && !m->failed)
		msg_fail(ctx, m, "analysis", e.msg[0] != '\0' ? e.msg :
			 "empty message");
	analysis_free(&a);
	msg_addheader(ctx, m, HDR_PREFIX "Kind", KIND_UNANALYSED);
	count(MC_UNANALYSED);
}

/* ---- handlers: our outcome from the MTA's event ------------------------ */

/*
 * Ask for no replies to header, end-of-header and body commands (they only
 * gather: the verdict comes at end-of-message) and for no HELO, unknown or
 * end-of-header commands: fewer packets and round trips per message. Only
 * what the MTA offers. (Postfix still sends each skipped event's macros,
 * and a macro packet before every header: libmilter reads ~28 packets for
 * a message with 8 headers. docs/milter.md, "Performance".)
 */
#define WANT_NOREPLY	(SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY)
/* MAIL and RCPT only gather too: a failure there is let through at DATA,
 * which still answers (a message not ours is accepted there). */
#define WANT_NOREPLY_ENV (SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT)
#define WANT_SKIPPED	(SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NOEOH)

static enum outcome
on_negotiate(SMFICTX *ctx, unsigned long actions, unsigned long proto,
	     unsigned long *actions_r, unsigned long *proto_r)
{
	struct milter_conn *c = conn_get_or_new(ctx);

	*actions_r = actions & (SMFIF_ADDHDRS | SMFIF_CHGHDRS);
	*proto_r = proto & WANT_SKIPPED;
	if (c != NULL && (proto & WANT_NOREPLY) == WANT_NOREPLY) {
		*proto_r |= WANT_NOREPLY;
		c->noreply = true;
	}
	if (c != NULL && (proto & WANT_NOREPLY_ENV) == WANT_NOREPLY_ENV) {
		*proto_r |= WANT_NOREPLY_ENV;
		c->noreply_env = true;
	}
	return GO_ON;
}

static enum outcome
on_connect(SMFICTX *ctx)
{
	if (conn_get_or_new(ctx) == NULL) {
		msg_fail(ctx, NULL, "connect", "no connection context");
		return FAILED;
	}
	return GO_ON;
}

static enum outcome
on_envfrom(SMFICTX *ctx)
{
	struct milter_conn *c = conn_get_or_new(ctx);
	char label[LABEL_MAX];

	count(MC_MESSAGES);
	if (c == NULL) {
		msg_fail(ctx, NULL, "envfrom", "no connection context");
		return FAILED;
	}
	if (c->msg != NULL) {	/* the MTA skipped end-of-message/abort */
		count(MC_INTERRUPTED);
		msg_label(ctx, c->msg, label);
		log_info("milter: interrupted: %s", label);
		msg_free(&c->msg);
	}
	if ((c->msg = msg_new()) == NULL) {
		msg_fail(ctx, NULL, "envfrom", "no message context");
		return FAILED;
	}
	if (c->msg->snap == NULL) {
		msg_fail(ctx, NULL, "envfrom", "no settings");
		msg_free(&c->msg);
		return FAILED;
	}
	return GO_ON;
}

static enum outcome
on_envrcpt(SMFICTX *ctx, char **argv)
{
	struct milter_msg *m = msg_get(ctx);

	if (m == NULL) {
		msg_fail(ctx, NULL, "envrcpt", "no envelope");
		return FAILED;
	}
	if (argv == NULL || argv[0] == NULL)
		msg_fail(ctx, m, "envrcpt", "no recipient");
	else if (rcpt_is_ours(m->snap->s, argv[0]))
		m->ours = true;
	return GO_ON;
}

/* The message context of an ours-message, or NULL after dealing with it. */
static struct milter_msg *
msg_ours(SMFICTX *ctx, const char *where, enum outcome *o_r)
{
	struct milter_conn *c = conn_get(ctx);

	if (c == NULL || c->msg == NULL) {
		msg_fail(ctx, NULL, where, "no envelope");
		*o_r = FAILED;
		return NULL;
	}
	if (!c->msg->ours) {
		count(MC_NOT_OURS);
		msg_free(&c->msg);
		*o_r = DONE;
		return NULL;
	}
	*o_r = GO_ON;
	return c->msg;
}

/* All recipients are known: a message not ours is let go here. */
static enum outcome
on_data(SMFICTX *ctx)
{
	enum outcome o;

	(void)msg_ours(ctx, "data", &o);
	return o;
}

static enum outcome
on_header(SMFICTX *ctx, const char *name, const char *value)
{
	enum outcome o;
	struct milter_msg *m = msg_ours(ctx, "header", &o);

	if (m == NULL)
		return o;
	if (name == NULL || value == NULL) {
		msg_fail(ctx, m, "header", "no header");
		return GO_ON;
	}
	if (is_ours_header(name)) {
		msg_note_forged(m, name);
		return GO_ON;
	}
	if (strcasecmp(name, "Message-ID") == 0) {
		struct buf b = { 0 };

		put_clean(&b, value, MSGID_MAX - 1);
		snprintf(m->msgid, sizeof(m->msgid), "%s", buf_cstr(&b));
		buf_free(&b);
	}
	msg_add_header_line(ctx, m, name, value);
	return GO_ON;
}

/*
 * The blank line between headers and body, once: at end-of-headers when the
 * MTA sends it, else (SMFIP_NOEOH) before the first body chunk or at
 * end-of-message.
 */
static void
msg_end_headers(SMFICTX *ctx, struct milter_msg *m)
{
	if (m->in_body)
		return;
	m->in_body = true;
	msg_gather(ctx, m, "\r\n", 2);
}

static enum outcome
on_eoh(SMFICTX *ctx)
{
	enum outcome o;
	struct milter_msg *m = msg_ours(ctx, "eoh", &o);

	if (m != NULL)
		msg_end_headers(ctx, m);
	return o;
}

static enum outcome
on_body(SMFICTX *ctx, const unsigned char *p, size_t n)
{
	enum outcome o;
	struct milter_msg *m = msg_ours(ctx, "body", &o);

	if (m != NULL && p != NULL) {
		msg_end_headers(ctx, m);
		msg_gather(ctx, m, p, n);
	}
	return o;
}

static enum outcome
on_eom(SMFICTX *ctx)
{
	enum outcome o;
	struct milter_msg *m = msg_ours(ctx, "eom", &o);
	struct milter_conn *c;

	if (m == NULL)
		return o;
	msg_end_headers(ctx, m);
	msg_unforge(ctx, m);
	msg_analyse(ctx, m);
	c = conn_get(ctx);
	msg_free(&c->msg);
	return DONE;
}

static enum outcome
on_abort(SMFICTX *ctx)
{
	struct milter_conn *c = conn_get(ctx);

	if (c != NULL)
		msg_free(&c->msg);
	return DONE;
}

static enum outcome
on_close(SMFICTX *ctx)
{
	struct milter_conn *c = conn_get(ctx);
	char label[LABEL_MAX];

	if (c == NULL)
		return DONE;
	if (c->msg != NULL) {	/* timeout or lost connection mid-message */
		count(MC_INTERRUPTED);
		msg_label(ctx, c->msg, label);
		log_info("milter: interrupted: %s", label);
		msg_free(&c->msg);
	}
	io->setpriv(ctx, NULL);
	free(c);
	return DONE;
}

/* ---- the callbacks: dispatch only -------------------------------------- */

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
	     unsigned long f2, unsigned long f3, unsigned long *pf0,
	     unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)f2, (void)f3;
	*pf2 = *pf3 = 0;
	return milter_leave(ctx, STAGE_CONN,
			    on_negotiate(ctx, f0, f1, pf0, pf1));
}

static sfsistat
cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)host, (void)sa;
	return milter_leave(ctx, STAGE_CONNECT, on_connect(ctx));
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	(void)argv;
	return milter_leave(ctx, STAGE_ENV, on_envfrom(ctx));
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	return milter_leave(ctx, STAGE_ENV, on_envrcpt(ctx, argv));
}

/*
 * Registered also because without it Postfix sends the DATA macros with no
 * reply due, and its next write then waits out our delayed ACK (Nagle):
 * measured ~45 ms a message over TCP.
 */
static sfsistat
cb_data(SMFICTX *ctx)
{
	return milter_leave(ctx, STAGE_MSG, on_data(ctx));
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	return milter_leave(ctx, STAGE_NR, on_header(ctx, name, value));
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	return milter_leave(ctx, STAGE_NR, on_eoh(ctx));
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	return milter_leave(ctx, STAGE_NR, on_body(ctx, p, n));
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	return milter_leave(ctx, STAGE_EOM, on_eom(ctx));
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	return milter_leave(ctx, STAGE_CONN, on_abort(ctx));
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	return milter_leave(ctx, STAGE_CONN, on_close(ctx));
}

static struct smfiDesc desc = {
	.xxfi_name = MILTER_NAME,
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
	.xxfi_connect = cb_connect,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_eoh = cb_eoh,
	.xxfi_body = cb_body,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_data = cb_data,
	.xxfi_negotiate = cb_negotiate,
};

const struct smfiDesc *
milter_desc(void)
{
	return &desc;
}

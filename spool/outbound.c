/* SPDX-License-Identifier: MIT */
/*
 * outbound.c — the outbound queue: files under SPOOL/outbound/, rows in
 * the store, delivery over spool/smtp.c (the rules are in outbound.h).
 *
 * Owns SPOOL/outbound/ and the moves of its files into SPOOL/corrupt/.
 * Called by brudvagtd's threads (each with its own store handle) and by
 * brudvagtctl; the files of concurrent writers never collide (the name
 * holds the writer's PID and a counter) and their rows cannot (the seq is
 * checked again inside the commit, which is then retried).
 *
 * A queue file is versioned:
 *   brudvagt-outbound 1\n  from ADDR\n  to ADDR\n  \n  MESSAGE (CRLF)
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf/template.h"
#include "lib/atomicfile.h"
#include "lib/buf.h"
#include "lib/cphtime.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "spool/mailfmt.h"
#include "spool/outbound.h"
#include "spool/smtp.h"

#define QUEUE_MAGIC "brudvagt-outbound 1\n"
#define QUEUE_FILE_MAX (64u * 1024 * 1024)
#define COMMIT_TRIES 5
#define DEFER_BATCH 256		/* deferrals per commit when the server is down */

static atomic_uint name_counter;

char *
outbound_message_id(const struct settings *s, const char *ref, int seq)
{
	if (ref == NULL)
		return xasprintf("<brudvagt.%d@%s>", seq, s->smtp.message_id_domain);
	return xasprintf("<case-%s.%d@%s>", ref, seq, s->smtp.message_id_domain);
}

int64_t
outbound_backoff(int attempts)
{
	int64_t d = OUTBOUND_BACKOFF_FIRST;

	while (attempts-- > 0 && d < OUTBOUND_BACKOFF_MAX)
		d *= 2;
	return d < OUTBOUND_BACKOFF_MAX ? d : OUTBOUND_BACKOFF_MAX;
}

/* ---- composing and writing ---- */

static char *
tagged_subject(const char *ref, const char *subject)
{
	char tag[STORE_REF_MAX + 2];

	if (ref == NULL)
		return xstrdup(subject ? subject : "");
	snprintf(tag, sizeof(tag), "[%s]", ref);
	if (subject != NULL && strstr(subject, tag) != NULL)
		return xstrdup(subject);
	return xasprintf("%s %s", tag, subject ? subject : "");
}

/* The queue file's bytes for mail m with seq into out. */
static void
compose(const struct settings *s, const char *ref, const struct outbound_mail *m,
	int seq, int64_t now, struct buf *out)
{
	char *mid = outbound_message_id(s, ref, seq);
	char *subject = tagged_subject(ref, m->subject);
	struct buf to = { 0 };
	struct mailfmt_msg f = {
		.from = s->smtp.from, .from_name = "Brudvagt (MUNI)",
		.to = m->to, .to_name = m->to_name, .subject = subject,
		.message_id = mid, .in_reply_to = m->in_reply_to,
		.references = m->in_reply_to, .kind = m->kind, .case_ref = ref,
		.date = now, .body = m->body, .attach = m->attach,
		.attach_len = m->attach_len, .attach_name = m->attach_name,
	};

	mailfmt_clean(m->to, 254, &to);
	buf_puts(out, QUEUE_MAGIC);
	buf_printf(out, "from %s\nto %s\n\n", s->smtp.from, buf_cstr(&to));
	mailfmt_message(&f, out);
	buf_free(&to);
	free(subject);
	free(mid);
}

static char *
queue_name(const char *ref, int seq)
{
	return xasprintf(OUTBOUND_DIR "/%s.%d.%ld-%u.msg", ref ? ref : "none", seq,
			 (long)getpid(), atomic_fetch_add(&name_counter, 1));
}

static void
remove_files(const struct settings *s, char **files, size_t n)
{
	size_t i;
	char *p;

	for (i = 0; i < n; i++) {
		if (files[i] == NULL)
			continue;
		p = xasprintf("%s/%s", s->spool_path, files[i]);
		if (unlink(p) == 0)
			log_info("outbound: removed uncommitted queue file %s", files[i]);
		free(p);
	}
}

/* Write the files of m[0..n) with seqs from first behind one barrier;
 * names into files[] (all NULL again on failure: nothing is left). */
static int
write_files(const struct settings *s, const char *ref, const struct outbound_mail *m,
	    size_t n, int first, int64_t now, char **files, struct err *e)
{
	struct atomicfile_batch *fb = atomicfile_batch_new(s->spool_path);
	struct buf b = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		buf_truncate(&b, 0);
		compose(s, ref, &m[i], first + (int)i, now, &b);
		files[i] = queue_name(ref, first + (int)i);
		rc = atomicfile_batch_add(fb, files[i], b.s, b.len, e);
	}
	if (rc == 0)
		rc = atomicfile_batch_commit(fb, e);
	atomicfile_batch_free(&fb);
	buf_free(&b);
	for (i = 0; rc < 0 && i < n; i++) {
		free(files[i]);
		files[i] = NULL;
	}
	return rc;
}

static int
commit_rows(struct store *st, const char *ref, const struct outbound_mail *m,
	    size_t n, int first, char **files, const struct outbound_change *chg,
	    int64_t now, struct err *e)
{
	struct store_outbound_in *rows = xcalloc(n ? n : 1, sizeof(*rows));
	struct store_outbound_commit c = { .ref = ref, .mails = rows, .nmails = n,
					   .now = now };
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rows[i].seq = first + (int)i;
		rows[i].kind = m[i].kind;
		rows[i].party = m[i].party;
		rows[i].recipient = m[i].to;
		rows[i].queue_file = files[i];
	}
	if (chg != NULL) {
		c.change_status = chg->change_status;
		c.from = chg->from;
		c.to = chg->to;
		c.fail_id = chg->fail_id;
		c.fail_status = chg->fail_status;
		c.fail_error = chg->fail_error;
		c.fail_sent = chg->fail_sent;
		c.event = chg->event;
		c.detail = chg->detail;
		c.once = chg->once;
	}
	rc = store_outbound_commit(st, &c, e);
	free(rows);
	return rc;
}

int
outbound_queue(const struct settings *s, struct store *st, const char *ref,
	       const struct outbound_mail *m, size_t n,
	       const struct outbound_change *chg, int64_t now, struct err *e)
{
	char **files = xcalloc(n ? n : 1, sizeof(*files));
	int tries, max = 0, rc = -1;
	size_t i;

	for (i = 0; i < n; i++)
		if (m[i].to == NULL || m[i].kind == NULL || strchr(m[i].to, '@') == NULL) {
			free(files);
			return err_set(e, EX_USAGE, "outbound: mail %zu has no recipient or kind", i);
		}
	for (tries = 0; tries < COMMIT_TRIES; tries++) {
		if (store_outbound_max_seq(st, ref, &max, e) < 0 ||
		    write_files(s, ref, m, n, max + 1, now, files, e) < 0)
			break;
		if ((rc = commit_rows(st, ref, m, n, max + 1, files, chg, now, e)) == 0)
			break;
		remove_files(s, files, n);
		if (e->code != EX_TEMPFAIL)
			break;
		for (i = 0; i < n; i++) {
			free(files[i]);
			files[i] = NULL;
		}
	}
	if (rc < 0)
		remove_files(s, files, n);
	for (i = 0; i < n; i++)
		free(files[i]);
	free(files);
	if (rc == 0 && n > 0)
		log_info("outbound: %s: queued %zu mail%s (%s…), seq %d-%d",
			 ref ? ref : "-", n, n == 1 ? "" : "s", m[0].kind, max + 1,
			 max + (int)n);
	return rc;
}

int
outbound_queue_to(const struct settings *s, struct store *st,
		  const char *ref, const char *kind,
		  const char *const *to, size_t nto, const char *subject,
		  const char *body, int64_t now, struct err *e)
{
	struct outbound_mail *m = xcalloc(nto ? nto : 1, sizeof(*m));
	size_t i;
	int rc;

	for (i = 0; i < nto; i++) {
		m[i].kind = kind;
		m[i].to = to[i];
		m[i].subject = subject;
		m[i].body = body;
	}
	rc = outbound_queue(s, st, ref, m, nto, NULL, now, e);
	free(m);
	return rc;
}

/* ---- reading queue files ---- */

/*
 * The envelope line at *p (up to end) that starts with key: its value is
 * NUL-terminated in place, *p moves past its LF. NULL when the line is not
 * there, has no LF, or its value is empty or holds a control byte or '>'.
 */
static const char *
envelope_line(char **p, const char *end, const char *key)
{
	size_t klen = strlen(key);
	char *v = *p + klen, *nl, *c;

	if ((size_t)(end - *p) <= klen || memcmp(*p, key, klen) != 0 ||
	    (nl = memchr(v, '\n', (size_t)(end - v))) == NULL || nl == v)
		return NULL;
	for (c = v; c < nl; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '>')
			return NULL;
	*nl = '\0';
	*p = nl + 1;
	return v;
}

int
outbound_qfile_parse(char *data, size_t len, struct outbound_qfile *q, struct err *e)
{
	const size_t magic_len = sizeof(QUEUE_MAGIC) - 1;
	const char *end = data + len;
	char *p;

	memset(q, 0, sizeof(*q));
	if (len < magic_len || memcmp(data, QUEUE_MAGIC, magic_len) != 0)
		goto fail;
	p = data + magic_len;
	if ((q->from = envelope_line(&p, end, "from ")) == NULL ||
	    (q->to = envelope_line(&p, end, "to ")) == NULL ||
	    end - p < 2 || *p != '\n')
		goto fail;
	q->data = data;
	q->len = len;
	q->msg = p + 1;
	q->msg_len = (size_t)(end - q->msg);
	return 0;
fail:
	memset(q, 0, sizeof(*q));
	return err_set(e, EX_DATAERR, "not a version-1 queue file");
}

/* 1 read and parsed, 0 missing, -1 unreadable or malformed (e set). */
static int
qfile_read(const struct settings *s, const char *rel, struct outbound_qfile *q,
	   struct err *e)
{
	char *path = xasprintf("%s/%s", s->spool_path, rel), *data;
	struct buf b = { 0 };
	char chunk[8192];
	size_t n, len;
	FILE *f;

	memset(q, 0, sizeof(*q));
	f = fopen(path, "re");
	free(path);
	if (f == NULL)
		return errno == ENOENT ? 0 : err_set(e, EX_IOERR, "cannot open: %s", strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= QUEUE_FILE_MAX)
		buf_append(&b, chunk, n);
	if (ferror(f) || b.len > QUEUE_FILE_MAX) {
		fclose(f);
		buf_free(&b);
		return err_set(e, EX_IOERR, "unreadable or too large");
	}
	fclose(f);
	len = b.len;
	data = buf_steal(&b);
	if (outbound_qfile_parse(data, len, q, e) < 0) {
		free(data);
		return -1;
	}
	return 1;
}

static void
qfile_free(struct outbound_qfile *q)
{
	free(q->data);
	memset(q, 0, sizeof(*q));
}

static void
move_corrupt(const struct settings *s, const char *rel)
{
	char *from = xasprintf("%s/%s", s->spool_path, rel);
	char *dir = xasprintf("%s/corrupt", s->spool_path);
	char *to = xasprintf("%s/outbound-%s", dir, strrchr(rel, '/') + 1);
	struct err e = { 0 };

	if (atomicfile_mkdirs(s->spool_path, "corrupt", &e) == 0 &&
	    rename(from, to) == 0 && atomicfile_fsync_dir(dir, &e) == 0)
		log_warn("outbound: unreadable queue file moved: path=%s to=%s", rel, to);
	else
		log_err("outbound: cannot move unreadable queue file %s to %s: %s",
			rel, to, e.msg[0] ? e.msg : strerror(errno));
	free(from);
	free(to);
	free(dir);
}

static void
remove_done(const struct settings *s, const char *rel)
{
	char *p = xasprintf("%s/%s", s->spool_path, rel);

	if (unlink(p) < 0 && errno != ENOENT)
		log_warn("outbound: cannot remove sent queue file %s: %s", rel, strerror(errno));
	free(p);
}

/* ---- failure ---- */

/* Settle row o as failed/expired; queue the system owner's notice with it. */
static int
fail_row(const struct settings *s, struct store *st, const struct store_outbound *o,
	 enum store_outbound_status status, const char *error, int64_t now,
	 struct err *e)
{
	struct outbound_change chg = { .fail_id = o->id, .fail_status = status,
		.fail_error = error, .event = "delivery_failed",
		.fail_sent = o->status == STORE_OUT_SENT };
	struct template_var vars[7];
	struct outbound_mail *m = NULL;
	char created[CPH_ISO_MAX], attempts[16], *tpl = NULL, *subject = NULL,
	     *body = NULL, *detail, *party;
	const char *ref = o->case_ref[0] ? o->case_ref : NULL;
	size_t n = 0, i;
	int rc;

	detail = xasprintf("kind=%s seq=%d to=%s%s%s status=%s: %s", o->kind, o->seq,
			   o->recipient, o->party_name ? " party=" : "",
			   o->party_name ? o->party_name : "",
			   store_outbound_status_name(status), error);
	chg.detail = detail;
	log_warn("outbound: %s: delivery failed: %s", ref ? ref : "-", detail);
	/* Never a notice about a notice: that way lies a loop. */
	if (strcmp(o->kind, "delivery-failure") != 0 &&
	    template_load(s, "delivery-failure", &tpl, e) == 0) {
		cph_danish(o->created_at, created);
		snprintf(attempts, sizeof(attempts), "%d", o->attempts + 1);
		party = o->party_name ? xasprintf("(%s)", o->party_name) : xstrdup("");
		vars[0] = (struct template_var){ "ref", ref ? ref : "-" };
		vars[1] = (struct template_var){ "recipient", o->recipient };
		vars[2] = (struct template_var){ "party", party };
		vars[3] = (struct template_var){ "kind", o->kind };
		vars[4] = (struct template_var){ "error", error };
		vars[5] = (struct template_var){ "attempts", attempts };
		vars[6] = (struct template_var){ "created", created };
		if (template_render(tpl, vars, 7, &subject, &body, e) == 0) {
			n = s->system_owner.emails.n;
			m = xcalloc(n ? n : 1, sizeof(*m));
			for (i = 0; i < n; i++) {
				m[i].kind = "delivery-failure";
				m[i].to = s->system_owner.emails.v[i];
				m[i].to_name = s->system_owner.name;
				m[i].subject = subject;
				m[i].body = body;
			}
		}
		free(party);
	}
	rc = outbound_queue(s, st, ref, m, n, &chg, now, e);
	free(m);
	free(tpl);
	free(subject);
	free(body);
	free(detail);
	return rc;
}

int
outbound_bounced(const struct settings *s, struct store *st, const char *ref,
		 int seq, const char *why, int64_t now, struct err *e)
{
	struct store_outbound o = { 0 };
	int rc = store_outbound_by_seq(st, ref, seq, &o, e);

	if (rc == 1 && (o.status == STORE_OUT_SENT || o.status == STORE_OUT_QUEUED))
		rc = fail_row(s, st, &o, STORE_OUT_FAILED, why, now, e) < 0 ? -1 : 1;
	else if (rc == 1)
		rc = 0;
	store_outbound_clear(&o);
	return rc;
}

int
outbound_find_seq(const struct settings *s, const char *ref, const char *msg,
		  size_t len)
{
	char *needle = xasprintf("<case-%s.", ref);
	size_t nl = strlen(needle), dl = strlen(s->smtp.message_id_domain), k;
	const char *p = msg, *end = msg + len, *q;
	long seq = 0;

	while ((q = memmem(p, (size_t)(end - p), needle, nl)) != NULL) {
		p = q + nl;
		for (k = 0, seq = 0; p + k < end && p[k] >= '0' && p[k] <= '9' && k < 6; k++)
			seq = seq * 10 + (p[k] - '0');
		if (k > 0 && p + k + 1 + dl < end && p[k] == '@' &&
		    strncasecmp(p + k + 1, s->smtp.message_id_domain, dl) == 0 &&
		    p[k + 1 + dl] == '>')
			break;
		seq = 0;
	}
	free(needle);
	return (int)seq;
}

/* ---- recovery ---- */

/* The writer's PID from "REF.SEQ.PID-N.msg", or 0. */
static long
writer_pid(const char *name)
{
	const char *dash = strrchr(name, '-'), *dot;

	if (dash == NULL)
		return 0;
	for (dot = dash; dot > name && dot[-1] != '.'; dot--)
		;
	return strtol(dot, NULL, 10);
}

static bool
writer_gone(const char *name)
{
	long pid = writer_pid(name);

	return pid <= 0 || (pid != (long)getpid() && kill((pid_t)pid, 0) < 0 && errno == ESRCH);
}

static void
recover_file(const struct settings *s, struct store *st, const char *name,
	     int64_t now, struct outbound_stats *r)
{
	char *rel = xasprintf(OUTBOUND_DIR "/%s", name), *p;
	struct store_outbound o = { 0 };
	struct err e = { 0 };
	struct stat sb;
	int found;

	found = store_outbound_by_file(st, rel, &o, &e);
	p = xasprintf("%s/%s", s->spool_path, rel);
	if (found == 0 && stat(p, &sb) == 0 &&
	    (writer_gone(name) || now - (int64_t)sb.st_mtime > OUTBOUND_ORPHAN_AGE)) {
		if (unlink(p) == 0) {
			log_info("outbound: removed orphan queue file %s (written, never committed)", rel);
			r->orphans++;
		}
	} else if (found == 1 && o.status != STORE_OUT_QUEUED) {
		remove_done(s, rel);
	} else if (found < 0) {
		log_warn("outbound: %s", e.msg);
	}
	store_outbound_clear(&o);
	free(p);
	free(rel);
}

static void
recover_rows(const struct settings *s, struct store *st, int64_t now,
	     struct outbound_stats *r)
{
	struct store_outbound *v = NULL;
	struct outbound_qfile q;
	struct err e = { 0 };
	size_t n = 0, i;
	int rc;

	if (store_outbound_list(st, STORE_OUT_LIST_QUEUED, now, &v, &n, &e) < 0) {
		log_warn("outbound: %s", e.msg);
		return;
	}
	for (i = 0; i < n; i++) {
		rc = v[i].queue_file ? qfile_read(s, v[i].queue_file, &q, &e) : 0;
		if (rc == 1) {
			qfile_free(&q);
			continue;
		}
		if (rc < 0)
			move_corrupt(s, v[i].queue_file);
		if (fail_row(s, st, &v[i], STORE_OUT_FAILED, rc == 0 ?
			     "the queue file is missing" : "the queue file is unreadable",
			     now, &e) < 0)
			log_err("outbound: %s", e.msg);
		r->corrupt++;
	}
	store_outbound_list_free(&v, n);
}

int
outbound_recover(const struct settings *s, struct store *st, int64_t now,
		 struct outbound_stats *r, struct err *e)
{
	char *dir = xasprintf("%s/" OUTBOUND_DIR, s->spool_path);
	struct dirent *d;
	DIR *dp;

	if (atomicfile_mkdirs(s->spool_path, OUTBOUND_DIR, e) < 0) {
		free(dir);
		return -1;
	}
	if ((dp = opendir(dir)) == NULL) {
		err_set(e, EX_IOERR, "outbound: %s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	while ((d = readdir(dp)) != NULL) {
		size_t len = strlen(d->d_name);

		if (len > 4 && strcmp(d->d_name + len - 4, ".msg") == 0)
			recover_file(s, st, d->d_name, now, r);
	}
	closedir(dp);
	free(dir);
	recover_rows(s, st, now, r);
	return 0;
}

/* ---- delivery ---- */

static int
retry_row(struct store *st, const struct store_outbound *o, int64_t now,
	  const char *error, struct outbound_stats *r, struct err *e)
{
	int64_t next = now + outbound_backoff(o->attempts);

	log_info("outbound: %s: seq %d to %s deferred until +%llds: %s",
		 o->case_ref[0] ? o->case_ref : "-", o->seq, o->recipient,
		 (long long)(next - now), error);
	r->retried++;
	return store_outbound_retry(st, o->id, next, error, e);
}

/* Deliver row o over *conn (opened here when NULL). -1: store failure. */
static int
deliver_one(const struct settings *s, struct store *st, const struct store_outbound *o,
	    struct smtp_conn **conn, int64_t now, struct outbound_stats *r,
	    struct err *e)
{
	int64_t expiry = o->created_at + (int64_t)s->smtp.max_queue_hours * 3600;
	struct err se = { 0 };
	enum smtp_outcome out;
	struct outbound_qfile q;
	char *why;
	int rc;

	if (now >= expiry) {
		why = xasprintf("not delivered within %d hours; last: %s",
				s->smtp.max_queue_hours, o->last_error ? o->last_error : "-");
		rc = fail_row(s, st, o, STORE_OUT_EXPIRED, why, now, e);
		free(why);
		r->failed++;
		return rc;
	}
	if ((rc = qfile_read(s, o->queue_file ? o->queue_file : "-", &q, &se)) != 1) {
		if (rc < 0)
			move_corrupt(s, o->queue_file);
		r->corrupt++;
		return fail_row(s, st, o, STORE_OUT_FAILED, rc == 0 ?
				"the queue file is missing" : "the queue file is unreadable",
				now, e);
	}
	if (*conn == NULL && smtp_open(&s->smtp, conn, &se) < 0) {
		qfile_free(&q);
		return retry_row(st, o, now, se.msg, r, e) < 0 ? -1 : 1;
	}
	out = smtp_send(*conn, q.from, q.to, q.msg, q.msg_len, &se);
	qfile_free(&q);
	if (out == SMTP_SENT) {
		if (store_outbound_sent(st, o->id, now, e) < 0)
			return -1;
		remove_done(s, o->queue_file);
		r->sent++;
		log_info("outbound: %s: sent %s seq %d to %s",
			 o->case_ref[0] ? o->case_ref : "-", o->kind, o->seq, o->recipient);
		return 0;
	}
	if (smtp_is_broken(*conn))
		smtp_close(conn);
	if (out == SMTP_PERMFAIL) {
		r->failed++;
		return fail_row(s, st, o, STORE_OUT_FAILED, se.msg, now, e);
	}
	return retry_row(st, o, now, se.msg, r, e);
}

int
outbound_flush(const struct settings *s, struct store *st, int64_t now,
	       const volatile sig_atomic_t *stop, struct outbound_stats *r,
	       struct err *e)
{
	struct store_outbound *v = NULL;
	struct smtp_conn *conn = NULL;
	bool down = false;
	size_t n = 0, i;
	int rc = 0, k;

	if (store_outbound_list(st, STORE_OUT_LIST_DUE, now, &v, &n, e) < 0)
		return -1;
	for (i = 0; i < n && rc == 0 && !down && !(stop && *stop); i++) {
		k = deliver_one(s, st, &v[i], &conn, now, r, e);
		if (k < 0)
			rc = -1;
		down = k == 1;
	}
	/* The server is unreachable: defer the rest, DEFER_BATCH to a commit
	 * (short enough that a watcher waiting for the write lock is not
	 * held up long). */
	while (rc == 0 && down && i < n && !(stop && *stop)) {
		size_t end = n - i > DEFER_BATCH ? i + DEFER_BATCH : n;

		if (store_batch_begin(st, e) < 0) {
			rc = -1;
			break;
		}
		for (; rc == 0 && i < end; i++)
			rc = retry_row(st, &v[i], now, "the SMTP server was unreachable", r, e);
		rc = store_batch_end(st, rc, e);
	}
	smtp_close(&conn);
	store_outbound_list_free(&v, n);
	return rc;
}

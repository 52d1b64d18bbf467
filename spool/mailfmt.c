/* SPDX-License-Identifier: MIT */
/*
 * mailfmt.c — outbound message bytes (see mailfmt.h). Owns nothing: every
 * function appends to the caller's buffer.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/cphtime.h"
#include "spool/mailfmt.h"

#define QP_LINE_MAX	76	/* RFC 2045 limit, "=" included */
#define EW_CHUNK	45	/* UTF-8 bytes per encoded-word: 60 base64 chars */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t
utf8_len(const unsigned char *s, size_t left)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 :
	    s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
	if (n == 0 || n > left)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void
mailfmt_clean(const char *s, size_t max, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t left = strlen((const char *)p), n, start = out->len;
	bool space = true;	/* drop leading spaces */

	while (left > 0) {
		n = utf8_len(p, left);
		if (n == 0) {
			n = 1;
			if (out->len - start + 1 > max)
				break;
			buf_putc(out, '?');
			space = false;
		} else if (*p == '\r' || *p == '\n' || *p == '\t' || *p == ' ') {
			if (!space && out->len - start + 1 <= max)
				buf_putc(out, ' ');
			space = true;
		} else if (*p < 0x20 || *p == 0x7f) {
			/* dropped */
		} else {
			if (out->len - start + n > max)
				break;
			buf_append(out, p, n);
			space = false;
		}
		p += n;
		left -= n;
	}
	while (out->len > start && out->s[out->len - 1] == ' ')
		buf_truncate(out, out->len - 1);
}

static void
base64(const unsigned char *p, size_t n, struct buf *out)
{
	static const char A[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		buf_putc(out, A[p[i] >> 2]);
		buf_putc(out, A[((p[i] & 3) << 4) | (p[i + 1] >> 4)]);
		buf_putc(out, A[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)]);
		buf_putc(out, A[p[i + 2] & 63]);
	}
	if (n - i == 1) {
		buf_putc(out, A[p[i] >> 2]);
		buf_putc(out, A[(p[i] & 3) << 4]);
		buf_puts(out, "==");
	} else if (n - i == 2) {
		buf_putc(out, A[p[i] >> 2]);
		buf_putc(out, A[((p[i] & 3) << 4) | (p[i + 1] >> 4)]);
		buf_putc(out, A[(p[i + 1] & 15) << 2]);
		buf_putc(out, '=');
	}
}

static bool
needs_encoding(const char *v)
{
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p; p++)
		if (*p >= 0x80)
			return true;
	return strstr(v, "=?") != NULL;
}

/* Encoded-words of whole UTF-8 characters, one per line after the first. */
static void
encoded_words(const char *v, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t left = strlen(v), n, k;
	bool first = true;

	while (left > 0) {
		for (n = 0; n < left; n += k) {
			k = utf8_len(p + n, left - n);
			if (k == 0)
				k = 1;
			if (n + k > EW_CHUNK)
				break;
		}
		buf_puts(out, first ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?");
		base64(p, n, out);
		buf_puts(out, "?=");
		p += n;
		left -= n;
		first = false;
	}
}

void
mailfmt_header(struct buf *out, const char *name, const char *value)
{
	struct buf v = { 0 };

	mailfmt_clean(value, 900, &v);
	buf_puts(out, name);
	buf_puts(out, ": ");
	if (needs_encoding(buf_cstr(&v)))
		encoded_words(buf_cstr(&v), out);
	else
		buf_puts(out, buf_cstr(&v));
	buf_puts(out, "\r\n");
	buf_free(&v);
}

/* Append one QP-encoded byte, breaking softly when the line would be full. */
static void
qp_put(struct buf *out, size_t *col, const char *enc, size_t n)
{
	if (*col + n > QP_LINE_MAX - 1) {
		buf_puts(out, "=\r\n");
		*col = 0;
	}
	buf_append(out, enc, n);
	*col += n;
}

void
mailfmt_qp(const char *text, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i, col = 0;
	char enc[4];
	bool eol;

	for (i = 0; i < len; i++) {
		if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
			continue;
		if (p[i] == '\n') {
			buf_puts(out, "\r\n");
			col = 0;
			continue;
		}
		eol = i + 1 == len || p[i + 1] == '\n' ||
		      (p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n');
		if ((p[i] >= 33 && p[i] <= 126 && p[i] != '=' &&
		     !(col == 0 && (p[i] == '.' || (p[i] == 'F' &&
		       i + 5 <= len && memcmp(p + i, "From ", 5) == 0)))) ||
		    ((p[i] == ' ' || p[i] == '\t') && !eol)) {
			enc[0] = (char)p[i];
			qp_put(out, &col, enc, 1);
		} else {
			snprintf(enc, sizeof(enc), "=%02X", p[i]);
			qp_put(out, &col, enc, 3);
		}
	}
}

void
mailfmt_date(int64_t t, char out[MAILFMT_DATE_MAX])
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct cph_tm tm;

	cph_from_utc(t, &tm);
	snprintf(out, MAILFMT_DATE_MAX, "%s, %02d %s %04d %02d:%02d:%02d +%02d00",
		 wd[tm.wday], tm.day, mo[tm.mon - 1], tm.year, tm.hour, tm.min,
		 tm.sec, tm.offset / 3600);
}

/* "Name <addr>" with the name encoded when needed, or "addr". */
static void
address_header(struct buf *out, const char *hname, const char *name,
	       const char *addr)
{
	struct buf n = { 0 }, a = { 0 };

	mailfmt_clean(addr, 254, &a);
	mailfmt_clean(name, 200, &n);
	buf_puts(out, hname);
	buf_puts(out, ": ");
	if (n.len > 0) {
		if (needs_encoding(buf_cstr(&n)) || strpbrk(buf_cstr(&n), "\"\\()<>[]:;@,.") != NULL)
			encoded_words(buf_cstr(&n), out);
		else
			buf_puts(out, buf_cstr(&n));
		buf_puts(out, " ");
	}
	buf_printf(out, "<%s>\r\n", buf_cstr(&a));
	buf_free(&n);
	buf_free(&a);
}

/* The original message, CRLF line ends, as a message/rfc822 part. */
static void
attach_part(const struct mailfmt_msg *m, const char *boundary, struct buf *out)
{
	bool eight = false;
	size_t i;

	for (i = 0; i < m->attach_len; i++)
		if ((unsigned char)m->attach[i] >= 0x80)
			eight = true;
	buf_printf(out, "--%s\r\nContent-Type: message/rfc822\r\n"
		   "Content-Transfer-Encoding: %s\r\n", boundary, eight ? "8bit" : "7bit");
	if (m->attach_name != NULL) {
		struct buf n = { 0 };

		mailfmt_clean(m->attach_name, 100, &n);
		for (i = 0; i < n.len; i++)
			if (n.s[i] == '"' || n.s[i] == '\\' || (unsigned char)n.s[i] >= 0x80)
				n.s[i] = '_';
		buf_printf(out, "Content-Disposition: attachment; filename=\"%s\"\r\n",
			   buf_cstr(&n));
		buf_free(&n);
	}
	buf_puts(out, "\r\n");
	for (i = 0; i < m->attach_len; i++) {
		if (m->attach[i] == '\n' && (i == 0 || m->attach[i - 1] != '\r'))
			buf_putc(out, '\r');
		if (m->attach[i] != '\0')
			buf_putc(out, m->attach[i]);
	}
	if (m->attach_len > 0 && m->attach[m->attach_len - 1] != '\n')
		buf_puts(out, "\r\n");
}

/* A boundary the attached message does not contain: from the Message-ID,
 * with a counter added until it is absent (a report may guess our IDs). */
static void
boundary_for(const struct mailfmt_msg *m, char out[96])
{
	char id[48];
	unsigned k;

	snprintf(id, sizeof(id), "%s", m->message_id[0] == '<' ? m->message_id + 1
							    : m->message_id);
	id[strcspn(id, ">@\" ")] = '\0';
	for (k = 0;; k++) {
		snprintf(out, 96, "=_brudvagt_%s_%u", id, k);
		if (memmem(m->attach, m->attach_len, out, strlen(out)) == NULL)
			return;
	}
}

void
mailfmt_message(const struct mailfmt_msg *m, struct buf *out)
{
	char date[MAILFMT_DATE_MAX], boundary[96];
	const char *body = m->body ? m->body : "";

	mailfmt_date(m->date, date);
	address_header(out, "From", m->from_name, m->from);
	address_header(out, "To", m->to_name, m->to);
	mailfmt_header(out, "Subject", m->subject ? m->subject : "");
	mailfmt_header(out, "Date", date);
	mailfmt_header(out, "Message-ID", m->message_id);
	if (m->in_reply_to != NULL)
		mailfmt_header(out, "In-Reply-To", m->in_reply_to);
	if (m->references != NULL)
		mailfmt_header(out, "References", m->references);
	mailfmt_header(out, "Auto-Submitted", "auto-generated");
	mailfmt_header(out, "X-Auto-Response-Suppress", "All");
	mailfmt_header(out, "X-Brudvagt-Mail", m->kind);
	if (m->case_ref != NULL)
		mailfmt_header(out, "X-Brudvagt-Case", m->case_ref);
	mailfmt_header(out, "MIME-Version", "1.0");
	if (m->attach == NULL) {
		buf_puts(out, "Content-Type: text/plain; charset=UTF-8\r\n"
			 "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		mailfmt_qp(body, strlen(body), out);
		buf_puts(out, "\r\n");
		return;
	}
	/* The Message-ID is unique: a boundary no message can contain by chance. */
	boundary_for(m, boundary);
	buf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
		   "--%s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		   "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		   boundary, boundary);
	mailfmt_qp(body, strlen(body), out);
	buf_puts(out, "\r\n");
	attach_part(m, boundary, out);
	buf_printf(out, "--%s--\r\n", boundary);
}

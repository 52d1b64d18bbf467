/* SPDX-License-Identifier: MIT */
/*
 * mime.c — decode a message into UTF-8 text, attachments and headers.
 *
 * libetpan's mailmime_parse builds the MIME tree; this module walks it
 * under struct limits (depth, part count, text bytes), decodes the
 * transfer encodings with mailmime_part_parse, converts charsets through
 * charset.c and HTML through html.c. The libetpan tree lives only inside
 * mime_parse and is freed there with mailmime_free.
 *
 * libetpan 1.9.4 is not trusted with unbounded input: it gets a private,
 * NUL-terminated copy cut at max_message_bytes, and cut again before the
 * part that would exceed the part budget (so its recursion stays shallow),
 * and every data pointer it hands back is checked against that copy before
 * it is read. When the parser gives up, the raw body is the text, flagged.
 *
 * Callers: the daemon, the CLI and the milter (through the feeder).
 */
#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "filters/charset.h"
#include "filters/html.h"
#include "filters/mime.h"
#include "filters/mime_header.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

/* One message being decoded. */
struct mime_ctx {
	const struct limits *lim;
	const char *base;	/* the parser's copy of the input */
	size_t len;
	struct mime_msg *m;
	struct buf text;
	bool used_plain, used_html;
	bool in_report;		/* inside multipart/report; delivery-status */
};

/* Is p[0..n) inside the parser's input? libetpan lengths are not trusted. */
static bool
mime_in_input(const struct mime_ctx *c, const char *p, size_t n)
{
	return p != NULL && p >= c->base && p <= c->base + c->len &&
	       n <= (size_t)(c->base + c->len - p);
}

/* libetpan's discrete types by name. */
static const struct {
	int type;
	const char *name;
} MIME_DISCRETE[] = {
	{ MAILMIME_DISCRETE_TYPE_TEXT, "text" },
	{ MAILMIME_DISCRETE_TYPE_IMAGE, "image" },
	{ MAILMIME_DISCRETE_TYPE_AUDIO, "audio" },
	{ MAILMIME_DISCRETE_TYPE_VIDEO, "video" },
	{ MAILMIME_DISCRETE_TYPE_APPLICATION, "application" },
};

/* The top-level type name of ct (borrowed), or NULL. */
static const char *
mime_type_name(const struct mailmime_type *t)
{
	const struct mailmime_discrete_type *d;
	const struct mailmime_composite_type *c;
	size_t i;

	if (t->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
		d = t->tp_data.tp_discrete_type;
		if (d->dt_type == MAILMIME_DISCRETE_TYPE_EXTENSION)
			return d->dt_extension;
		for (i = 0; i < sizeof(MIME_DISCRETE) / sizeof(MIME_DISCRETE[0]); i++)
			if (MIME_DISCRETE[i].type == d->dt_type)
				return MIME_DISCRETE[i].name;
		return NULL;
	}
	c = t->tp_data.tp_composite_type;
	if (c->ct_type == MAILMIME_COMPOSITE_TYPE_EXTENSION)
		return c->ct_token;
	return c->ct_type == MAILMIME_COMPOSITE_TYPE_MESSAGE ? "message" : "multipart";
}

/* "type/subtype" of a part, lowercased (text/plain when absent); owned. */
static char *
mime_type_of(const struct mailmime_content *ct)
{
	const char *type = "text", *sub = "plain";
	char *r, *p;

	if (ct != NULL && ct->ct_type != NULL) {
		type = mime_type_name(ct->ct_type);
		sub = ct->ct_subtype;
	}
	r = xasprintf("%s/%s", type != NULL ? type : "", sub != NULL ? sub : "");
	for (p = r; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return r;
}

static const char *
mime_param(const struct mailmime_content *ct, const char *name)
{
	if (ct == NULL || ct->ct_parameters == NULL)
		return NULL;
	return mailmime_content_param_get((struct mailmime_content *)ct,
					  (char *)name);
}

/*
 * Length of the run at s[0..n) that holds no NUL, CR or LF: the bytes
 * that line-end normalisation copies as they are. memchr finds the line
 * end; the CR and NUL checks then cover only that line.
 */
static size_t
mime_plain_run(const char *s, size_t n)
{
	const char *p;

	if ((p = memchr(s, '\n', n)) != NULL)
		n = (size_t)(p - s);
	if ((p = memchr(s, '\r', n)) != NULL)
		n = (size_t)(p - s);
	if ((p = memchr(s, '\0', n)) != NULL)
		n = (size_t)(p - s);
	return n;
}

/* The byte at s[i] that ends a plain run: a line end (LF, or a CR not
 * before an LF) and not dropped (a NUL, the CR of a CRLF)? */
static bool
mime_ends_line(const char *s, size_t n, size_t i)
{
	return s[i] == '\n' || (s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n'));
}

/*
 * How many of the n bytes of a run (no line end in it) starting at column
 * col survive the cut at max columns: those before the cut, and the
 * continuation bytes of a sequence whose lead survived (keep says whether
 * the byte before the run did).
 */
static size_t
mime_line_kept(const char *s, size_t n, size_t col, size_t max, bool keep)
{
	size_t k = col < max ? max - col : 0;

	if (k >= n)
		return n;
	if (k == 0 && !keep)
		return 0;
	while (k < n && ((unsigned char)s[k] & 0xc0) == 0x80)
		k++;
	return k;
}

/*
 * Add decoded UTF-8 text s[0..n): LF line ends, no NUL bytes, lines cut
 * at max_line_bytes, the whole capped at max_text_bytes. A cut never
 * splits a UTF-8 sequence: continuation bytes share their lead's fate.
 * The text is copied a run between line ends and NUL bytes at a time.
 */
static void
mime_text_add(struct mime_ctx *c, const char *s, size_t n)
{
	const struct limits *lim = c->lim;
	struct buf *t = &c->text;
	size_t i = 0, col = 0, run, kept;
	bool keep = true;

	if (t->len >= lim->max_text_bytes) {
		c->m->truncated = c->m->truncated || n > 0;
		return;
	}
	if (t->len > 0 && t->s[t->len - 1] != '\n')
		buf_putc(t, '\n');
	while (i < n) {
		run = mime_plain_run(s + i, n - i);
		kept = mime_line_kept(s + i, run, col, lim->max_line_bytes, keep);
		buf_append(t, s + i, kept);
		if (kept < run)
			c->m->truncated = true;
		if (run > 0)
			keep = kept == run;
		col += run;
		i += run;
		if (i == n)
			break;
		if (mime_ends_line(s, n, i)) {
			buf_putc(t, '\n');
			col = 0;
			keep = true;
		}
		i++;
	}
	if (t->len > lim->max_text_bytes) {
		buf_truncate(t, charset_utf8_prefix(t->s, t->len,
						    lim->max_text_bytes));
		c->m->truncated = true;
	}
}

/* A NUL-terminated copy of p[0..n), which may hold NUL bytes. */
static char *
mime_dup(const char *p, size_t n)
{
	char *r = xmalloc(n + 1);

	if (n > 0)
		memcpy(r, p, n);
	r[n] = '\0';
	return r;
}

/* Normalise line ends of s[0..n) to LF, dropping NUL bytes. Owned. */
static char *
mime_lf(const char *s, size_t n, size_t *len_r)
{
	struct buf b = { 0 };
	size_t i = 0, run;

	buf_reserve(&b, n);	/* the result is never longer */
	while (i < n) {
		run = mime_plain_run(s + i, n - i);
		buf_append(&b, s + i, run);
		i += run;
		if (i == n)
			break;
		if (mime_ends_line(s, n, i))
			buf_putc(&b, '\n');
		i++;
	}
	*len_r = b.len;
	return buf_steal(&b);
}

/*
 * Undo format=flowed (RFC 3676) on LF text: a line ending in a space
 * continues on the next (with DelSp=yes that space goes), a leading
 * space is stuffing, and the signature separator "-- " stays a line.
 */
static char *
mime_unflow(const char *s, size_t n, bool delsp, size_t *len_r)
{
	struct buf b = { 0 };
	size_t i = 0, start, end;

	while (i < n) {
		start = i;
		while (i < n && s[i] != '\n')
			i++;
		end = i;
		if (start < end && s[start] == ' ')
			start++;
		if (end - start != 3 || memcmp(s + start, "-- ", 3) != 0) {
			if (end > start && s[end - 1] == ' ' && i < n) {
				buf_append(&b, s + start, end - start - (delsp ? 1 : 0));
				i++;
				continue;
			}
		}
		buf_append(&b, s + start, end - start);
		if (i < n)
			buf_putc(&b, '\n');
		i++;
	}
	*len_r = b.len;
	return buf_steal(&b);
}

/*
 * The decoded bytes of a single part (transfer encoding undone), owned,
 * or NULL when the part has no usable data. At most about cap bytes are
 * decoded (the encoded input is cut first; *cut_r says so): a text part is
 * read no further than the text limit, so a 25 MB body costs no 25 MB copy.
 */
static char *
mime_decode_data(struct mime_ctx *c, const struct mailmime_data *d, size_t cap,
		 size_t *len_r, bool *cut_r)
{
	const char *p;
	size_t n, idx = 0, outlen = 0;
	char *out = NULL, *r;
	bool identity;

	*cut_r = false;
	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT)
		return NULL;
	p = d->dt_data.dt_text.dt_data;
	n = d->dt_data.dt_text.dt_length;
	if (!mime_in_input(c, p, n)) {
		c->m->malformed = true;
		return NULL;
	}
	identity = !d->dt_encoded || d->dt_encoding == MAILMIME_MECHANISM_7BIT ||
		   d->dt_encoding == MAILMIME_MECHANISM_8BIT ||
		   d->dt_encoding == MAILMIME_MECHANISM_BINARY;
	/* base64 gives 3 bytes for 4, QP at least 1 for 3: twice cap of
	 * encoded input is enough for cap of output either way */
	if (!identity && cap < SIZE_MAX / 2)
		cap *= 2;
	if (n > cap) {
		n = cap;
		*cut_r = true;
	}
	if (identity ||
	    mailmime_part_parse(p, n, &idx, d->dt_encoding, &out,
				&outlen) != MAILIMF_NO_ERROR) {
		*len_r = n;
		return mime_dup(p, n);
	}
	r = mime_dup(out, outlen);
	mailmime_decoded_part_free(out);
	*len_r = outlen;
	return r;
}

/*
 * The decoded size of an attachment, without decoding it when that can be
 * counted: base64 is 3 bytes per 4 alphabet characters less the padding.
 */
static size_t
mime_data_size(struct mime_ctx *c, const struct mailmime_data *d)
{
	const char *p;
	size_t n, i, chars = 0, pad = 0, len;
	bool cut;
	char *data;

	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT)
		return 0;
	p = d->dt_data.dt_text.dt_data;
	n = d->dt_data.dt_text.dt_length;
	if (!mime_in_input(c, p, n)) {
		c->m->malformed = true;
		return 0;
	}
	if (!d->dt_encoded || d->dt_encoding == MAILMIME_MECHANISM_7BIT ||
	    d->dt_encoding == MAILMIME_MECHANISM_8BIT ||
	    d->dt_encoding == MAILMIME_MECHANISM_BINARY)
		return n;
	if (d->dt_encoding == MAILMIME_MECHANISM_BASE64) {
		for (i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)p[i];

			if (isalnum(ch) || ch == '+' || ch == '/')
				chars++;
			else if (ch == '=')
				pad++;
		}
		len = (chars + pad) / 4 * 3;
		return len >= pad ? len - (pad > 2 ? 2 : pad) : 0;
	}
	data = mime_decode_data(c, d, SIZE_MAX, &len, &cut);
	free(data);
	return len;
}

/* The value of hex digit ch, or -1. */
static int
mime_hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Append an RFC 2231 extended value: %XX escapes undone. */
static void
rfc2231_unescape(struct buf *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '%' && mime_hex(v[1]) >= 0 && mime_hex(v[2]) >= 0) {
			buf_putc(b, (char)(mime_hex(v[1]) * 16 + mime_hex(v[2])));
			v += 2;
		} else {
			buf_putc(b, *v);
		}
	}
}

/*
 * Is parameter name an RFC 2231 piece of base: "base*" (section 0,
 * extended), "base*N" (plain) or "base*N*" (extended)?
 */
static bool
rfc2231_piece(const char *name, const char *base, long *section_r,
	      bool *extended_r)
{
	size_t blen = strlen(base);
	char *end;

	if (name == NULL || strncasecmp(name, base, blen) != 0 ||
	    name[blen] != '*')
		return false;
	name += blen + 1;
	*section_r = 0;
	*extended_r = *name == '\0';
	if (*name == '\0')
		return true;
	if (!isdigit((unsigned char)*name))
		return false;
	*section_r = strtol(name, &end, 10);
	*extended_r = *end == '*';
	return *end == '\0' || strcmp(end, "*") == 0;
}

/* Append section's value of base from params; false when it is absent.
 * Section 0 of an extended value names the charset (into charset). */
static bool
rfc2231_section(clist *params, const char *base, long section,
		struct buf *raw, char charset[64])
{
	const char *v, *q;
	clistiter *it;
	bool extended;
	long n;

	for (it = clist_begin(params); it != NULL; it = clist_next(it)) {
		struct mailmime_parameter *p = clist_content(it);

		if (p->pa_value == NULL ||
		    !rfc2231_piece(p->pa_name, base, &n, &extended) || n != section)
			continue;
		v = p->pa_value;
		if (!extended) {
			buf_puts(raw, v);
			return true;
		}
		if (section == 0 && (q = strchr(v, '\'')) != NULL &&
		    strchr(q + 1, '\'') != NULL) {
			snprintf(charset, 64, "%.*s", (int)(q - v), v);
			v = strchr(q + 1, '\'') + 1;
		}
		rfc2231_unescape(raw, v);
		return true;
	}
	return false;
}

/*
 * Parameter base (e.g. "filename") from its RFC 2231 pieces in params (a
 * clist of struct mailmime_parameter), joined in section order (at most
 * RFC2231_MAX_SECTIONS) and converted to UTF-8; owned, or NULL.
 */
#define RFC2231_MAX_SECTIONS 100
static char *
rfc2231_param(clist *params, const char *base, size_t max)
{
	struct buf raw = { 0 };
	char charset[64] = "";
	size_t ulen;
	long section = 0;
	char *r, *u;

	while (section < RFC2231_MAX_SECTIONS &&
	       rfc2231_section(params, base, section, &raw, charset))
		section++;
	if (raw.len == 0) {
		buf_free(&raw);
		return NULL;
	}
	u = charset_to_utf8(charset[0] ? charset : NULL, raw.s, raw.len, &ulen);
	r = mime_header_decode(u, ulen, max);
	free(u);
	buf_free(&raw);
	return r;
}

/* The disposition's extension parameters as a borrowed clist of
 * struct mailmime_parameter (free the list, not its contents). */
static clist *
mime_disposition_params(const struct mailmime_disposition *dsp)
{
	clist *l = clist_new();
	clistiter *it;

	if (l == NULL)
		abort();
	if (dsp == NULL || dsp->dsp_parms == NULL)
		return l;
	for (it = clist_begin(dsp->dsp_parms); it != NULL; it = clist_next(it)) {
		struct mailmime_disposition_parm *p = clist_content(it);

		if (p->pa_type == MAILMIME_DISPOSITION_PARM_PARAMETER &&
		    clist_append(l, p->pa_data.pa_parameter) < 0)
			abort();
	}
	return l;
}

/*
 * Is v an RFC 2231 extended value, charset'language'text? libetpan
 * files "filename*=" under the plain filename, so the form must tell.
 */
static bool
rfc2231_is_extended(const char *v)
{
	const char *q = strchr(v, '\''), *p;

	if (q == NULL || strchr(q + 1, '\'') == NULL)
		return false;
	for (p = v; p < q; p++)
		if (!(isalnum((unsigned char)*p) || strchr("-_:.", *p) != NULL))
			return false;
	for (p = q + 1; *p != '\''; p++)
		if (!(isalnum((unsigned char)*p) || *p == '-'))
			return false;
	return true;
}

/* A filename libetpan parsed whole: RFC 2231 extended, or RFC 2047. */
static char *
mime_plain_filename(const char *v, size_t max)
{
	struct mailmime_parameter p = { .pa_name = (char *)"f*", .pa_value = (char *)v };
	clist *l;
	char *r;

	if (!rfc2231_is_extended(v))
		return mime_header_decode(v, strlen(v), max);
	if ((l = clist_new()) == NULL || clist_append(l, &p) < 0)
		abort();
	r = rfc2231_param(l, "f", max);
	clist_free(l);
	return r;
}

/* The part's file name as UTF-8 (RFC 2231, then RFC 2047), or NULL. */
static char *
mime_filename(const struct mailmime *mm, const struct mailmime_single_fields *sf,
	      size_t max)
{
	clist *dp = mime_disposition_params(sf->fld_disposition);
	char *r = rfc2231_param(dp, "filename", max);

	clist_free(dp);
	if (r == NULL && sf->fld_disposition_filename != NULL)
		r = mime_plain_filename(sf->fld_disposition_filename, max);
	if (r == NULL && mm->mm_content_type != NULL &&
	    mm->mm_content_type->ct_parameters != NULL)
		r = rfc2231_param(mm->mm_content_type->ct_parameters, "name", max);
	if (r == NULL && sf->fld_content_name != NULL)
		r = mime_plain_filename(sf->fld_content_name, max);
	if (r != NULL && *r == '\0') {
		free(r);
		r = NULL;
	}
	return r;
}

static void
mime_attachment_add(struct mime_ctx *c, char *filename, const char *type,
		    size_t size)
{
	struct mime_msg *m = c->m;
	struct mime_attachment *a;

	m->attachments = xreallocarray(m->attachments, m->nattachments + 1,
				       sizeof(*m->attachments));
	a = &m->attachments[m->nattachments++];
	a->filename = filename;
	a->content_type = xstrdup(type);
	a->size = size;
}

/* Readable text of a text/plain or text/html body in charset. */
static void
mime_text_part(struct mime_ctx *c, const struct mailmime_content *ct,
	       const char *type, const char *data, size_t n)
{
	const char *charset = mime_param(ct, "charset");
	const char *format = mime_param(ct, "format");
	const char *delsp = mime_param(ct, "delsp");
	bool html = strcmp(type, "text/html") == 0;
	size_t ulen, llen, flen;
	char *u, *lf, *out;

	u = charset_to_utf8(charset, data, n, &ulen);
	if (!html && (format == NULL || strcasecmp(format, "flowed") != 0)) {
		/* mime_text_add() does what mime_lf() would: no copy for it */
		c->used_plain = true;
		mime_text_add(c, u, ulen);
		free(u);
		return;
	}
	lf = mime_lf(u, ulen, &llen);
	free(u);
	if (html) {
		out = html_to_text(lf, llen);
		flen = strlen(out);
		c->used_html = true;
	} else {
		out = mime_unflow(lf, llen, delsp != NULL &&
				  strcasecmp(delsp, "yes") == 0, &flen);
		c->used_plain = true;
	}
	mime_text_add(c, out, flen);
	free(out);
	free(lf);
}

/* UTF-8, LF text of data[0..n) in charset; owned. */
static char *
mime_plain(const struct mailmime_content *ct, const char *data, size_t n)
{
	size_t ulen, llen;
	char *u = charset_to_utf8(mime_param(ct, "charset"), data, n, &ulen);
	char *lf = mime_lf(u, ulen, &llen);

	free(u);
	return lf;
}

static bool
mime_is_attachment(const struct mailmime_single_fields *sf, const char *filename)
{
	const struct mailmime_disposition *d = sf->fld_disposition;

	return filename != NULL && d != NULL && d->dsp_type != NULL &&
	       d->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT;
}

/* Is type one mime_report_part() reads (inside a report)? */
static bool
mime_is_report_type(const char *type)
{
	return strcmp(type, "message/delivery-status") == 0 ||
	       strcmp(type, "message/global-delivery-status") == 0 ||
	       strcmp(type, "text/rfc822-headers") == 0 ||
	       strcmp(type, "message/global-headers") == 0;
}

/* Parts inside a delivery report that describe the returned message. */
static bool
mime_report_part(struct mime_ctx *c, const struct mailmime_content *ct,
		 const char *type, const char *data, size_t n)
{
	struct mime_msg *m = c->m;
	char *text;
	bool cut = false;

	if (!c->in_report)
		return false;
	if (strcmp(type, "message/delivery-status") == 0 ||
	    strcmp(type, "message/global-delivery-status") == 0) {
		if (m->delivery_status == NULL) {
			text = mime_plain(ct, data, n);
			n = strlen(text);
			m->delivery_status = n > 0 && text[n - 1] != '\n' ?
				xasprintf("%s\n", text) : xstrdup(text);
			free(text);
		}
		return true;
	}
	if (strcmp(type, "text/rfc822-headers") == 0 ||
	    strcmp(type, "message/global-headers") == 0) {
		if (m->returned_headers == NULL) {
			text = mime_plain(ct, data, n);
			mime_headers_split(text, strlen(text), c->lim,
					   &m->returned_headers,
					   &m->nreturned_headers, &cut);
			free(text);
		}
		return true;
	}
	return false;
}

/* A leaf part: text, a report's status, or an attachment. Only text and
 * report parts are decoded; an attachment is only measured. */
static void
mime_single(struct mime_ctx *c, struct mailmime *mm)
{
	struct mailmime_single_fields sf;
	char *type, *data, *filename;
	size_t n = 0, cap;
	bool text, cut = false;

	mailmime_single_fields_init(&sf, mm->mm_mime_fields, mm->mm_content_type);
	type = mime_type_of(mm->mm_content_type);
	filename = mime_filename(mm, &sf, c->lim->max_line_bytes);
	text = (strcmp(type, "text/plain") == 0 || strcmp(type, "text/html") == 0) &&
	       !mime_is_attachment(&sf, filename);
	if (!text && !mime_is_report_type(type)) {
		mime_attachment_add(c, filename, type,
				    mime_data_size(c, mm->mm_data.mm_single));
		free(type);
		return;
	}
	/* HTML shrinks to text a lot; plain text does not */
	cap = c->lim->max_text_bytes + c->lim->max_text_bytes / 2;
	if (strcmp(type, "text/html") == 0)
		cap = cap < SIZE_MAX / 4 ? cap * 4 : SIZE_MAX;
	data = mime_decode_data(c, mm->mm_data.mm_single, text ? cap : SIZE_MAX, &n, &cut);
	if (cut)
		c->m->truncated = true;
	if (data == NULL) {
		data = xstrdup("");
		n = 0;
	}
	if (mime_report_part(c, mm->mm_content_type, type, data, n)) {
		free(filename);
	} else if (text) {
		mime_text_part(c, mm->mm_content_type, type, data, n);
		free(filename);
	} else {
		mime_attachment_add(c, filename, type, n);
	}
	free(data);
	free(type);
}

static void mime_walk(struct mime_ctx *c, struct mailmime *mm, int depth);

/* Is mm a leaf of type t that is not an attachment? */
static bool
mime_is_inline(const struct mailmime *mm, const char *t)
{
	struct mailmime_single_fields sf;
	char *type;
	bool r;

	if (mm->mm_type != MAILMIME_SINGLE)
		return false;
	mailmime_single_fields_init(&sf, mm->mm_mime_fields, mm->mm_content_type);
	type = mime_type_of(mm->mm_content_type);
	r = strcmp(type, t) == 0 && (sf.fld_disposition == NULL ||
		sf.fld_disposition->dsp_type == NULL ||
		sf.fld_disposition->dsp_type->dsp_type !=
		MAILMIME_DISPOSITION_TYPE_ATTACHMENT);
	free(type);
	return r;
}

/*
 * The one alternative to read: text/plain, else text/html, else the
 * first nested multipart (e.g. multipart/related around the HTML), else
 * the first part.
 */
static struct mailmime *
mime_pick_alternative(clist *parts)
{
	static const char *const PREFERRED[] = { "text/plain", "text/html" };
	clistiter *it;
	size_t i;

	for (i = 0; i < sizeof(PREFERRED) / sizeof(PREFERRED[0]); i++)
		for (it = clist_begin(parts); it != NULL; it = clist_next(it))
			if (mime_is_inline(clist_content(it), PREFERRED[i]))
				return clist_content(it);
	for (it = clist_begin(parts); it != NULL; it = clist_next(it))
		if (((struct mailmime *)clist_content(it))->mm_type == MAILMIME_MULTIPLE)
			return clist_content(it);
	it = clist_begin(parts);
	return it != NULL ? clist_content(it) : NULL;
}

static void
mime_multipart(struct mime_ctx *c, struct mailmime *mm, int depth)
{
	clist *parts = mm->mm_data.mm_multipart.mm_mp_list;
	char *type = mime_type_of(mm->mm_content_type);
	const char *rt = mime_param(mm->mm_content_type, "report-type");
	bool saved = c->in_report;
	clistiter *it;

	if (parts == NULL) {
		free(type);
		return;
	}
	if (strcmp(type, "multipart/alternative") == 0) {
		struct mailmime *pick = mime_pick_alternative(parts);

		if (pick != NULL)
			mime_walk(c, pick, depth + 1);
		free(type);
		return;
	}
	if (strcmp(type, "multipart/report") == 0 && rt != NULL &&
	    strcasecmp(rt, "delivery-status") == 0) {
		c->m->is_delivery_report = true;
		c->in_report = true;
	}
	for (it = clist_begin(parts); it != NULL; it = clist_next(it))
		mime_walk(c, clist_content(it), depth + 1);
	c->in_report = saved;
	free(type);
}

/* The header block that introduces a forwarded message's text. */
static void
mime_forward_intro(struct mime_ctx *c, const struct mime_header *h, size_t n)
{
	static const char *const SHOWN[] = { "From", "Date", "Subject" };
	struct buf b = { 0 };
	const char *v;
	size_t i;

	buf_puts(&b, "---------- Forwarded message ----------\n");
	for (i = 0; i < sizeof(SHOWN) / sizeof(SHOWN[0]); i++)
		if ((v = mime_header_find(h, n, SHOWN[i])) != NULL)
			buf_printf(&b, "%s: %s\n", SHOWN[i], v);
	buf_putc(&b, '\n');
	mime_text_add(c, b.s, b.len);
	buf_free(&b);
}

/*
 * An enclosed message/rfc822: inside a delivery report its headers are
 * the returned message's; anywhere else it is a forwarded mail, read as
 * a short header block and its text.
 */
static void
mime_enclosed(struct mime_ctx *c, struct mailmime *mm, int depth)
{
	const struct mailmime_data *body = mm->mm_body;
	struct mime_header *h = NULL;
	size_t nh = 0;
	bool cut = false;

	if (body != NULL && body->dt_type == MAILMIME_DATA_TEXT &&
	    mime_in_input(c, body->dt_data.dt_text.dt_data,
			  body->dt_data.dt_text.dt_length))
		mime_headers_split(body->dt_data.dt_text.dt_data,
				   body->dt_data.dt_text.dt_length, c->lim,
				   &h, &nh, &cut);
	if (c->in_report) {
		if (c->m->returned_headers == NULL) {
			c->m->returned_headers = h;
			c->m->nreturned_headers = nh;
			h = NULL;
			nh = 0;
		}
	} else {
		mime_forward_intro(c, h, nh);
		if (mm->mm_data.mm_message.mm_msg_mime != NULL)
			mime_walk(c, mm->mm_data.mm_message.mm_msg_mime, depth + 1);
	}
	mime_headers_free(&h, &nh);
}

/* Visit part mm at nesting depth, within the depth and part budgets. */
static void
mime_walk(struct mime_ctx *c, struct mailmime *mm, int depth)
{
	if (depth > c->lim->max_mime_depth ||
	    c->m->nparts >= c->lim->max_mime_parts) {
		c->m->truncated = true;
		return;
	}
	c->m->nparts++;
	switch (mm->mm_type) {
	case MAILMIME_SINGLE:
		mime_single(c, mm);
		break;
	case MAILMIME_MULTIPLE:
		mime_multipart(c, mm, depth);
		break;
	case MAILMIME_MESSAGE:
		mime_enclosed(c, mm, depth);
		break;
	default:
		c->m->malformed = true;
		break;
	}
}

/* Does the line at s[0..n) open a Content-Type field ("name :" too)? */
static bool
mime_is_content_type(const char *s, size_t n)
{
	static const char NAME[] = "content-type";
	size_t i = sizeof(NAME) - 1;

	if (n < i || strncasecmp(s, NAME, i) != 0)
		return false;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i < n && s[i] == ':';
}

/*
 * How much of s[0..n) libetpan may see: everything before the boundary
 * line that opens the part holding the (2 * max_parts + 2)-th
 * Content-Type field. Nesting needs a Content-Type per level, so this
 * bounds libetpan's recursion (it has no depth limit of its own) and the
 * size of its tree. Cutting at the boundary line, not at the field,
 * keeps libetpan from seeing a delimiter with nothing after it, which
 * makes it drop the whole multipart.
 */
static size_t
mime_parser_bound(const char *s, size_t n, int max_parts)
{
	size_t budget = 2 * (size_t)(max_parts > 0 ? max_parts : 0) + 2;
	size_t i = 0, seen = 0, dash = 0;
	const char *lf;

	while (i < n) {
		if (n - i >= 2 && s[i] == '-' && s[i + 1] == '-')
			dash = i;
		if (mime_is_content_type(s + i, n - i) && ++seen > budget)
			return dash > 0 ? dash : i;
		lf = memchr(s + i, '\n', n - i);
		if (lf == NULL)
			break;
		i = (size_t)(lf - s) + 1;
	}
	return n;
}

/*
 * Did libetpan lose the body? It can return a multipart without parts
 * (e.g. input ending on a delimiter): nothing read, nothing listed,
 * yet the body has something to read.
 */
static bool
mime_came_out_empty(const struct mime_ctx *c, const char *body, size_t n)
{
	size_t i;

	if (c->used_plain || c->used_html || c->m->nattachments > 0 ||
	    c->m->is_delivery_report || c->m->nparts > 1)
		return false;
	for (i = 0; i < n; i++)
		if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' &&
		    body[i] != '\n')
			return true;
	return false;
}

/* Decode the body of msg[0..len) (body starts at body) into c->m. */
/*
 * A message that is one part (no multipart/ or message/ top type) needs no
 * more of its body than the text limit can use: libetpan gets a copy of
 * that much only, so a 25 MB one-part message costs no 25 MB copy.
 */
static size_t
mime_single_part_bound(struct mime_ctx *c, size_t start, size_t body, size_t bound)
{
	const char *ct = mime_header_get(c->m, "Content-Type");
	const char *cte = mime_header_get(c->m, "Content-Transfer-Encoding");
	size_t cap = c->lim->max_text_bytes;

	if (ct != NULL) {
		while (*ct == ' ')
			ct++;
		if (strncasecmp(ct, "multipart/", 10) == 0 ||
		    strncasecmp(ct, "message/", 8) == 0)
			return bound;
	}
	if (cap > SIZE_MAX / 16)
		return bound;
	/* as much as mime_single() decodes: 1.5 times the text limit, 4
	 * times that for HTML, and twice that of base64/QP input */
	cap += cap / 2;
	if (ct != NULL && strcasestr(ct, "html") != NULL)
		cap *= 4;
	if (cte != NULL && (strcasestr(cte, "base64") || strcasestr(cte, "quoted")))
		cap *= 2;
	if (body < start || body - start >= bound || bound - (body - start) <= cap)
		return bound;
	c->m->truncated = true;
	return body - start + cap;
}

static void
mime_body(struct mime_ctx *c, const char *msg, size_t len, size_t body)
{
	struct mailmime *root = NULL;
	size_t start = mime_headers_start(msg, len), bound, idx = 0, ulen;
	char *copy, *u;

	bound = mime_parser_bound(msg + start, len - start, c->lim->max_mime_parts);
	if (bound < len - start)
		c->m->truncated = true;
	bound = mime_single_part_bound(c, start, body, bound);
	copy = mime_dup(msg + start, bound);
	c->base = copy;
	c->len = bound;
	if (bound > 0 &&
	    mailmime_parse(copy, bound, &idx, &root) == MAILIMF_NO_ERROR &&
	    root->mm_type == MAILMIME_MESSAGE &&
	    root->mm_data.mm_message.mm_msg_mime != NULL)
		mime_walk(c, root->mm_data.mm_message.mm_msg_mime, 0);
	if (root == NULL || mime_came_out_empty(c, msg + body, len - body)) {
		c->m->malformed = true;
		u = charset_to_utf8(NULL, msg + body, len - body, &ulen);
		mime_text_add(c, u, ulen);
		free(u);
	}
	if (root != NULL)
		mailmime_free(root);
	free(copy);
}

/* mime_parse, with cut set when the caller already dropped bytes. */
static int
mime_decode(const char *msg, size_t len, const struct limits *lim, bool cut,
	    struct mime_msg **r, struct err *e)
{
	struct mime_ctx c = { .lim = lim };
	struct mime_msg *m;
	size_t body;

	assert(lim != NULL && r != NULL);
	*r = NULL;
	if (msg == NULL || len == 0)
		return err_set(e, 65, "mime: empty message");
	if (len > lim->max_message_bytes) {
		len = lim->max_message_bytes;
		cut = true;
	}
	m = xcalloc(1, sizeof(*m));
	body = mime_headers_split(msg, len, lim, &m->headers, &m->nheaders,
				  &m->truncated);
	if (m->nheaders == 0) {
		mime_msg_free(&m);
		return err_set(e, 65, "mime: no header fields");
	}
	m->truncated = m->truncated || cut;
	c.m = m;
	mime_body(&c, msg, len, body);
	m->has_html_only = c.used_html && !c.used_plain;
	m->text_len = c.text.len;
	m->text = buf_steal(&c.text);
	*r = m;
	return 0;
}

int
mime_parse(const char *msg, size_t len, const struct limits *lim,
	   struct mime_msg **r, struct err *e)
{
	return mime_decode(msg, len, lim, false, r, e);
}

void
mime_msg_free(struct mime_msg **mp)
{
	struct mime_msg *m;
	size_t i;

	if (mp == NULL || (m = *mp) == NULL)
		return;
	mime_headers_free(&m->headers, &m->nheaders);
	mime_headers_free(&m->returned_headers, &m->nreturned_headers);
	for (i = 0; i < m->nattachments; i++) {
		free(m->attachments[i].filename);
		free(m->attachments[i].content_type);
	}
	free(m->attachments);
	free(m->text);
	free(m->delivery_status);
	free(m);
	*mp = NULL;
}

const char *
mime_header_find(const struct mime_header *h, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(h[i].name, name) == 0)
			return h[i].value;
	return NULL;
}

const char *
mime_header_get(const struct mime_msg *m, const char *name)
{
	return mime_header_find(m->headers, m->nheaders, name);
}

struct mime_feeder {
	const struct limits *lim;
	struct buf b;
	bool dropped;		/* bytes past max_message_bytes were dropped */
};

struct mime_feeder *
mime_feeder_new(const struct limits *lim)
{
	struct mime_feeder *f = xcalloc(1, sizeof(*f));

	f->lim = lim;
	return f;
}

int
mime_feeder_push(struct mime_feeder *f, const void *p, size_t n)
{
	size_t room = f->lim->max_message_bytes - f->b.len;

	if (n > room) {
		n = room;
		f->dropped = true;
	}
	buf_append(&f->b, p, n);
	return f->b.len >= f->lim->max_message_bytes ? 1 : 0;
}

size_t
mime_feeder_size(const struct mime_feeder *f)
{
	return f->b.len;
}

int
mime_feeder_finish(struct mime_feeder *f, struct mime_msg **r, struct err *e)
{
	return mime_decode(f->b.s, f->b.len, f->lim, f->dropped, r, e);
}

void
mime_feeder_free(struct mime_feeder **f)
{
	if (f == NULL || *f == NULL)
		return;
	buf_free(&(*f)->b);
	free(*f);
	*f = NULL;
}

/* SPDX-License-Identifier: MIT */
/*
 * authres.c — Authentication-Results parsing for the `spoofed` verdict.
 * Only the receiving server's own header is believed.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "filters/authres.h"

static enum authres_result
result_of(const char *v, size_t n)
{
	if (n == 4 && strncasecmp(v, "pass", 4) == 0)
		return AR_PASS;
	if (n == 4 && strncasecmp(v, "fail", 4) == 0)
		return AR_FAIL;
	return AR_OTHER;
}

/* Copy value without (comments), so "spf=fail (sender IP ...)" reads. */
static void
strip_comments(const char *v, char *out, size_t n)
{
	size_t o = 0;
	int depth = 0;

	for (; *v && o + 1 < n; v++) {
		if (*v == '(')
			depth++;
		else if (*v == ')' && depth > 0)
			depth--;
		else if (depth == 0)
			out[o++] = *v;
	}
	out[o] = '\0';
}

static void
note_method(struct authres *r, const char *p, size_t n)
{
	const char *eq = memchr(p, '=', n), *v, *e;
	size_t mlen;
	enum authres_result res;

	if (eq == NULL)
		return;
	while (p < eq && isspace((unsigned char)*p))
		p++;
	mlen = (size_t)(eq - p);
	for (v = eq + 1; v < p + n && isspace((unsigned char)*v); v++)
		;
	for (e = v; e < p + n && !isspace((unsigned char)*e) && *e != ';'; e++)
		;
	res = result_of(v, (size_t)(e - v));
	if (mlen == 3 && strncasecmp(p, "spf", 3) == 0)
		r->spf = res;
	else if (mlen == 4 && strncasecmp(p, "dkim", 4) == 0) {
		if (r->dkim != AR_PASS)
			r->dkim = res;
	} else if (mlen == 5 && strncasecmp(p, "dmarc", 5) == 0)
		r->dmarc = res;
}

bool
authres_parse(const char *value, struct authres *r)
{
	char buf[4096];
	const char *p, *semi;
	size_t n;

	memset(r, 0, sizeof(*r));
	strip_comments(value, buf, sizeof(buf));
	p = buf;
	while (isspace((unsigned char)*p))
		p++;
	semi = strchr(p, ';');
	n = semi ? (size_t)(semi - p) : strlen(p);
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	/* authserv-id [version] */
	if (n == 0 || n >= sizeof(r->authserv_id))
		return false;
	memcpy(r->authserv_id, p, n);
	r->authserv_id[n] = '\0';
	if (strchr(r->authserv_id, ' '))
		*strchr(r->authserv_id, ' ') = '\0';
	while (semi != NULL) {
		p = semi + 1;
		semi = strchr(p, ';');
		note_method(r, p, semi ? (size_t)(semi - p) : strlen(p));
	}
	return true;
}

bool
authres_is_spoofed(const char *const *values, size_t n, const char *authserv_id)
{
	struct authres ar;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!authres_parse(values[i], &ar))
			continue;
		if (authserv_id && strcasecmp(ar.authserv_id, authserv_id) != 0)
			continue;
		return ar.dmarc == AR_FAIL || (ar.spf == AR_FAIL && ar.dkim != AR_PASS);
	}
	return false;
}

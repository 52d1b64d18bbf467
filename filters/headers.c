/* SPDX-License-Identifier: MIT */
/*
 * headers.c — addresses, dates and case references in header values.
 * Pure functions used by classify.c, analysis.c and the milter.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/headers.h"
#include "lib/cphtime.h"
#include "lib/xalloc.h"

static char *
trim_dup(const char *b, const char *e)
{
	while (b < e && (isspace((unsigned char)*b) || *b == '"'))
		b++;
	while (e > b && (isspace((unsigned char)e[-1]) || e[-1] == '"'))
		e--;
	return b < e ? xstrndup(b, (size_t)(e - b)) : NULL;
}

static void
lower_inplace(char *s)
{
	for (; s && *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

void
headers_parse_address(const char *v, char **name_r, char **addr_r)
{
	const char *lt = NULL, *p, *gt;

	*name_r = *addr_r = NULL;
	if (v == NULL)
		return;
	for (p = v; (p = strchr(p, '<')) != NULL; p++) {
		gt = strchr(p, '>');
		if (gt && memchr(p, '@', (size_t)(gt - p)))
			lt = p;
	}
	if (lt != NULL) {
		gt = strchr(lt, '>');
		*addr_r = trim_dup(lt + 1, gt);
		*name_r = trim_dup(v, lt);
	} else {
		const char *at = strchr(v, '@'), *b, *e;

		if (at == NULL)
			return;
		for (b = at; b > v && !isspace((unsigned char)b[-1]) && b[-1] != '<'; b--)
			;
		for (e = at; *e && !isspace((unsigned char)*e) && *e != '>' && *e != ','; e++)
			;
		*addr_r = trim_dup(b, e);
		/* "addr (Display Name)" */
		if ((p = strchr(e, '(')) != NULL && (gt = strchr(p, ')')) != NULL)
			*name_r = trim_dup(p + 1, gt);
	}
	lower_inplace(*addr_r);
}

const char *
headers_addr_domain(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	return at && at[1] ? at + 1 : NULL;
}

static const struct { const char *name; int off; } zones[] = {
	{ "UT", 0 }, { "GMT", 0 }, { "Z", 0 }, { "UTC", 0 },
	{ "EST", -500 }, { "EDT", -400 }, { "CST", -600 }, { "CDT", -500 },
	{ "MST", -700 }, { "MDT", -600 }, { "PST", -800 }, { "PDT", -700 },
	{ "CET", 100 }, { "CEST", 200 },
};

static const char *const months[] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec",
};

bool
headers_parse_date(const char *v, int64_t *r)
{
	char mon[4] = "", zone[8] = "";
	int day, year, h, mi, s = 0, n = 0, m, off = 0;
	const char *p = v;
	size_t i;

	if (v == NULL)
		return false;
	if ((p = strchr(v, ',')) != NULL)
		p++;
	else
		p = v;
	if (sscanf(p, " %d %3s %d %d:%d%n", &day, mon, &year, &h, &mi, &n) < 5)
		return false;
	p += n;
	if (*p == ':' && sscanf(p, ":%d%n", &s, &n) == 1)
		p += n;
	for (m = 0; m < 12; m++)
		if (strncasecmp(mon, months[m], 3) == 0)
			break;
	if (m == 12)
		return false;
	if (year < 50)
		year += 2000;
	else if (year < 1000)
		year += 1900;
	if (sscanf(p, " %7s", zone) == 1) {
		if (zone[0] == '+' || zone[0] == '-')
			off = atoi(zone);
		else
			for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
				if (strcasecmp(zone, zones[i].name) == 0)
					off = zones[i].off;
	}
	if (day < 1 || day > cph_days_in_month(year, m + 1) || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || s < 0 || s > 60 || off < -2400 || off > 2400)
		return false;
	*r = cph_days_from_civil(year, m + 1, day) * 86400 + h * 3600 + mi * 60 + s
	     - (off / 100 * 3600 + off % 100 * 60);
	return true;
}

static bool
digits(const char *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	return true;
}

/* p points at "BV-": is a reference there? Returns its length or 0. */
static size_t
ref_at(const char *p)
{
	size_t n = 8;

	if (strncasecmp(p, "BV-", 3) != 0 || !digits(p + 3, 4) || p[7] != '-' ||
	    !digits(p + 8, 4))
		return 0;
	n = 12;
	while (n < 16 && isdigit((unsigned char)p[n]))
		n++;
	return isdigit((unsigned char)p[n]) ? 0 : n;
}

bool
headers_find_case_ref(const char *s, bool bracketed, bool msgid, char *out, size_t n)
{
	const char *p;
	size_t len;

	if (s == NULL)
		return false;
	for (p = s; (p = strcasestr(p, "BV-")) != NULL; p++) {
		if ((len = ref_at(p)) == 0)
			continue;
		if (bracketed && (p == s || p[-1] != '[' || p[len] != ']'))
			continue;
		if (msgid && (p - s < 5 || strncasecmp(p - 5, "case-", 5) != 0 ||
			      p[len] != '.'))
			continue;
		if (!bracketed && !msgid && p > s &&
		    (isalnum((unsigned char)p[-1]) || p[-1] == '-'))
			continue;
		if (len + 1 > n)
			return false;
		memcpy(out, p, len);
		out[len] = '\0';
		out[0] = 'B';
		out[1] = 'V';
		return true;
	}
	return false;
}

char *
headers_sanitize(const char *s)
{
	char *r = xmalloc(strlen(s) + 1), *q = r;

	for (; *s; s++)
		if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			*q++ = *s;
		else if (*s == '\t')
			*q++ = ' ';
	*q = '\0';
	return r;
}

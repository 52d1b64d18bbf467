/* SPDX-License-Identifier: MIT */
/*
 * settings.c — the settings table and the libconfig loader it drives.
 *
 * SETTINGS below lists every key brudvagt reads: its path, its kind, where it
 * lands in the structs of settings.h, its default and its bounds. One walk
 * over the libconfig tree checks every key it meets against the table
 * (unknown keys are errors), a second walk over the table loads each value
 * or applies its default, a third frees. Checks that span keys (duplicate
 * names and domains) and defaults derived from other keys come after.
 *
 * Owns the config_t, which never leaves this file, and every string in the
 * struct settings it returns. Any module may call the lookups; only main()
 * and tests load. Passwords are never read here: password_file is a path.
 */
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/settings.h"
#include "lib/xalloc.h"

#define EX_CONFIG	78
#define PATH_MAX_TEXT	256	/* "municipalities[39].contacts[1].email" */
#define KIB		1024LL
#define MIB		(1024LL * 1024)
#define GIB		(1024LL * 1024 * 1024)

enum kind {
	K_GROUP,	/* { ... }: children share the parent's base */
	K_LIST,		/* ( { ... }, ... ): off = array, off_n = count */
	K_STR,		/* non-empty string */
	K_EMAIL,	/* e-mail address, lowercased */
	K_DOMAIN,	/* domain, lowercased */
	K_TLS,		/* "implicit" | "starttls" | "none" */
	K_INT,		/* int within min..max */
	K_SIZE,		/* byte count (int or int64) within min..max, size_t */
	K_BOOL,
	K_EMAILS,	/* [ "a@b.dk" ]: struct strlist, lowercased */
	K_DOMAINS,	/* [ "b.dk" ]: struct strlist, lowercased */
	K_INTS,		/* [ 8, 16 ]: off = int *, off_n = count */
};

#define F_REQUIRED	0x1
#define F_NONEMPTY	0x2	/* a list or array needs an element */
#define F_DERIVED	0x4	/* default filled in by derive_defaults() */

struct setting {
	const char *path;	/* "smtp.port"; "*" stands for a list element */
	enum kind kind;
	unsigned flags;
	size_t off, off_n;	/* in the base struct (see K_GROUP, K_LIST) */
	size_t elem_size;	/* K_LIST */
	const char *sdef;	/* strings, tls; K_INTS: "8 16" */
	long long idef, min, max;	/* K_INT, K_SIZE, K_BOOL; K_INTS bounds */
};

#define ST	struct settings
#define AC	struct account
#define MU	struct municipality
#define CO	struct contact

#define GROUP(p, fl) { .path = p, .kind = K_GROUP, .flags = fl }
#define LIST(p, fl, st, m, n, et) { .path = p, .kind = K_LIST, .flags = fl, \
	.off = offsetof(st, m), .off_n = offsetof(st, n), .elem_size = sizeof(et) }
#define STR(p, fl, st, m, def) { .path = p, .kind = K_STR, .flags = fl, \
	.off = offsetof(st, m), .sdef = def }
#define EMAIL(p, fl, st, m) { .path = p, .kind = K_EMAIL, .flags = fl, \
	.off = offsetof(st, m) }
#define DOMAIN(p, fl, st, m) { .path = p, .kind = K_DOMAIN, .flags = fl, \
	.off = offsetof(st, m) }
#define TLS(p, st, m, def) { .path = p, .kind = K_TLS, .off = offsetof(st, m), \
	.sdef = def }
#define INT(p, fl, st, m, def, lo, hi) { .path = p, .kind = K_INT, .flags = fl, \
	.off = offsetof(st, m), .idef = def, .min = lo, .max = hi }
#define SIZE(p, st, m, def, lo, hi) { .path = p, .kind = K_SIZE, \
	.off = offsetof(st, m), .idef = def, .min = lo, .max = hi }
#define BOOL(p, st, m, def) { .path = p, .kind = K_BOOL, .off = offsetof(st, m), \
	.idef = def }
#define LIST_OF(k, p, fl, st, m) { .path = p, .kind = k, .flags = fl, \
	.off = offsetof(st, m) }
#define INTS(p, st, m, n, def, lo, hi) { .path = p, .kind = K_INTS, \
	.off = offsetof(st, m), .off_n = offsetof(st, n), .sdef = def, \
	.min = lo, .max = hi }

/*
 * Every key. A child follows its group; entries under "x.*" are relative to
 * one element of list x. Ports default from tls (F_DERIVED, 0 = unset).
 */
static const struct setting SETTINGS[] = {
	LIST("accounts", F_REQUIRED | F_NONEMPTY, ST, accounts, naccounts, AC),
	STR("accounts.*.name", F_REQUIRED, AC, name, NULL),
	STR("accounts.*.host", F_REQUIRED, AC, host, NULL),
	INT("accounts.*.port", F_DERIVED, AC, port, 0, 1, 65535),
	TLS("accounts.*.tls", AC, tls, "implicit"),
	STR("accounts.*.ca_file", 0, AC, ca_file, NULL),
	STR("accounts.*.user", F_REQUIRED, AC, user, NULL),
	STR("accounts.*.password_file", F_REQUIRED, AC, password_file, NULL),
	STR("accounts.*.mailbox", 0, AC, mailbox, "INBOX"),
	STR("accounts.*.processed_mailbox", 0, AC, processed_mailbox, NULL),
	INT("accounts.*.poll_seconds", 0, AC, poll_seconds, 60, 5, 86400),
	INT("accounts.*.timeout_seconds", 0, AC, timeout_seconds, 60, 1, 3600),
	INT("accounts.*.batch_messages", 0, AC, batch_messages, 256, 1, 4096),

	GROUP("smtp", F_REQUIRED),
	STR("smtp.host", F_REQUIRED, ST, smtp.host, NULL),
	INT("smtp.port", F_DERIVED, ST, smtp.port, 0, 1, 65535),
	TLS("smtp.tls", ST, smtp.tls, "starttls"),
	STR("smtp.ca_file", 0, ST, smtp.ca_file, NULL),
	STR("smtp.user", 0, ST, smtp.user, NULL),
	STR("smtp.password_file", 0, ST, smtp.password_file, NULL),
	EMAIL("smtp.from", F_REQUIRED, ST, smtp.from),
	DOMAIN("smtp.message_id_domain", F_DERIVED, ST, smtp.message_id_domain),
	INT("smtp.timeout_seconds", 0, ST, smtp.timeout_seconds, 60, 1, 3600),
	INT("smtp.max_queue_hours", 0, ST, smtp.max_queue_hours, 48, 1, 720),
	BOOL("smtp.forward_attachments", ST, smtp.forward_attachments, 0),

	GROUP("system_owner", F_REQUIRED),
	STR("system_owner.name", F_REQUIRED, ST, system_owner.name, NULL),
	LIST_OF(K_EMAILS, "system_owner.emails", F_REQUIRED | F_NONEMPTY, ST,
		system_owner.emails),

	GROUP("supplier", F_REQUIRED),
	STR("supplier.name", F_REQUIRED, ST, supplier.name, NULL),
	LIST_OF(K_DOMAINS, "supplier.domains", F_REQUIRED | F_NONEMPTY, ST,
		supplier.domains),
	LIST_OF(K_EMAILS, "supplier.emails", 0, ST, supplier.emails),

	LIST("municipalities", F_REQUIRED | F_NONEMPTY, ST, municipalities,
	     nmunicipalities, MU),
	STR("municipalities.*.name", F_REQUIRED, MU, name, NULL),
	LIST_OF(K_DOMAINS, "municipalities.*.domains", F_REQUIRED | F_NONEMPTY, MU,
		domains),
	LIST("municipalities.*.contacts", 0, MU, contacts, ncontacts, CO),
	STR("municipalities.*.contacts.*.title", 0, CO, title, NULL),
	STR("municipalities.*.contacts.*.name", 0, CO, name, NULL),
	EMAIL("municipalities.*.contacts.*.email", F_REQUIRED, CO, email),
	STR("municipalities.*.contacts.*.mobile", 0, CO, mobile, NULL),

	GROUP("deadlines", 0),
	INT("deadlines.ack_hours", 0, ST, deadlines.ack_hours, 24, 1, 720),
	INTS("deadlines.reminder_hours", ST, deadlines.reminder_hours,
	     deadlines.nreminder_hours, "8 16", 1, 720),
	INT("deadlines.authority_hours", 0, ST, deadlines.authority_hours, 72, 1, 720),
	INT("deadlines.digest_hour", 0, ST, deadlines.digest_hour, 8, -1, 23),

	GROUP("store", 0),
	STR("store.path", 0, ST, store_path, "/var/lib/brudvagt/brudvagt.db"),
	GROUP("spool", 0),
	STR("spool.path", 0, ST, spool_path, "/var/spool/brudvagt"),
	GROUP("templates", 0),
	STR("templates.path", 0, ST, templates_path, "/etc/brudvagt/templates"),
	STR("authserv_id", 0, ST, authserv_id, NULL),

	GROUP("milter", 0),
	STR("milter.socket", 0, ST, milter.socket, "unix:/run/brudvagt/milter.sock"),
	LIST_OF(K_EMAILS, "milter.recipients", F_DERIVED, ST, milter.recipients),
	INT("milter.timeout_seconds", 0, ST, milter.timeout_seconds, 30, 1, 3600),
	SIZE("milter.max_message_bytes", ST, milter.max_message_bytes, 10 * MIB,
	     64 * KIB, GIB),

	GROUP("limits", 0),
	SIZE("limits.max_message_bytes", ST, limits.max_message_bytes, 50 * MIB,
	     64 * KIB, GIB),
	SIZE("limits.max_header_bytes", ST, limits.max_header_bytes, 256 * KIB,
	     4 * KIB, 64 * MIB),
	SIZE("limits.max_line_bytes", ST, limits.max_line_bytes, MIB,
	     1000, 64 * MIB),
	INT("limits.max_mime_depth", 0, ST, limits.max_mime_depth, 20, 1, 100),
	INT("limits.max_mime_parts", 0, ST, limits.max_mime_parts, 500, 1, 100000),
	SIZE("limits.max_text_bytes", ST, limits.max_text_bytes, 1 * MIB,
	     64 * KIB, GIB),
	INT("limits.reports_per_sender_per_hour", 0, ST,
	    reports_per_sender_per_hour, 20, 0, 1000000),
	INT("limits.receipts_per_address_per_hour", 0, ST,
	    receipts_per_address_per_hour, 10, 0, 1000000),
};
#define NSETTINGS (sizeof(SETTINGS) / sizeof(SETTINGS[0]))

static const char *const TLS_NAMES[] = {
	[TLS_IMPLICIT] = "implicit",
	[TLS_STARTTLS] = "starttls",
	[TLS_NONE] = "none",
};

/* One load in progress: where messages point, and where they go. */
struct load {
	const char *name;		/* file name for messages */
	const config_setting_t *root;
	struct err *e;
};

/* Where a value of the struct of base lands. */
#define AT(base, t, type)	((type *)(void *)((char *)(base) + (t)->off))
#define AT_N(base, t)		((size_t *)(void *)((char *)(base) + (t)->off_n))

static int
line_of(const config_setting_t *cs)
{
	for (; cs != NULL; cs = config_setting_parent(cs))
		if (config_setting_source_line(cs) > 0)
			return (int)config_setting_source_line(cs);
	return 1;
}

/* Refuse: "file:line: message" at setting cs (NULL: the top). Returns -1. */
static int __attribute__((format(printf, 3, 4)))
fail_at(struct load *l, const config_setting_t *cs, const char *fmt, ...)
{
	const char *file;
	char msg[ERR_MSG_MAX];
	va_list ap;

	if (cs == NULL)
		cs = l->root;
	file = config_setting_source_file(cs);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(l->e, EX_CONFIG, "%s:%d: %s",
		       file != NULL ? file : l->name, line_of(cs), msg);
}

/* The table entry for path, or NULL. */
static const struct setting *
find_setting(const char *path)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(SETTINGS[i].path, path) == 0)
			return &SETTINGS[i];
	return NULL;
}

/* Is t a direct child of the table path prefix ("" for the top)? */
static bool
is_child(const struct setting *t, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *leaf = t->path;

	if (n > 0) {
		if (strncmp(t->path, prefix, n) != 0 || t->path[n] != '.')
			return false;
		leaf = t->path + n + 1;
	}
	return strchr(leaf, '.') == NULL;
}

static const char *
leaf_of(const struct setting *t)
{
	const char *dot = strrchr(t->path, '.');

	return dot != NULL ? dot + 1 : t->path;
}

static void
join(char *r, size_t size, const char *prefix, const char *name)
{
	snprintf(r, size, "%s%s%s", prefix, *prefix != '\0' ? "." : "", name);
}

/* "accounts[1]": the path in messages of element i of path. */
static void
elem_path(char *r, size_t size, const char *path, int i)
{
	if (snprintf(r, size, "%s[%d]", path, i) >= (int)size)
		r[size - 2] = '~';	/* truncated; only ever shown */
}

/* Validation of single values. */

static void
lowercase(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* RFC 1035 host name, at least two labels: "viborg.dk". */
static bool
is_domain(const char *s)
{
	size_t label = 0, labels = 1;
	const char *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
			labels++;
		} else if (isalnum((unsigned char)*p) ||
			   (*p == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0 && p[-1] != '-' && labels >= 2 && p - s <= 253;
}

/* local@domain, the local part printable ASCII without specials. */
static bool
is_email(const char *s)
{
	const char *at = strchr(s, '@');
	const char *p;

	if (at == NULL || at == s || at - s > 64)
		return false;
	for (p = s; p < at; p++)
		if (!isgraph((unsigned char)*p) || strchr("()<>[]:;,\\\"", *p))
			return false;
	return is_domain(at + 1);
}

/* A string of kind k (K_STR, K_EMAIL, K_DOMAINS...) at cs, owned by *r. */
static int
get_string(struct load *l, const config_setting_t *cs, enum kind k,
	   const char *path, char **r)
{
	const char *v = config_setting_get_string(cs);

	if (config_setting_type(cs) != CONFIG_TYPE_STRING)
		return fail_at(l, cs, "%s: expected a string", path);
	if (*v == '\0')
		return fail_at(l, cs, "%s: must not be empty", path);
	if ((k == K_EMAIL || k == K_EMAILS) && !is_email(v))
		return fail_at(l, cs, "%s: '%s' is not an e-mail address", path, v);
	if ((k == K_DOMAIN || k == K_DOMAINS) && !is_domain(v))
		return fail_at(l, cs, "%s: '%s' is not a domain", path, v);
	*r = xstrdup(v);
	if (k != K_STR)
		lowercase(*r);
	return 0;
}

/* An integer within t's bounds. K_SIZE takes int64 too. */
static int
get_integer(struct load *l, const config_setting_t *cs, const struct setting *t,
	    const char *path, long long *r)
{
	int type = config_setting_type(cs);

	if (type == CONFIG_TYPE_INT64 && t->kind == K_SIZE)
		*r = config_setting_get_int64(cs);
	else if (type == CONFIG_TYPE_INT)
		*r = config_setting_get_int(cs);
	else
		return fail_at(l, cs, "%s: expected an integer%s", path,
			       type == CONFIG_TYPE_INT64 ? ", not a 64-bit one" : "");
	if (*r < t->min || *r > t->max)
		return fail_at(l, cs, "%s: %lld out of range %lld..%lld", path,
			       *r, t->min, t->max);
	return 0;
}

static bool
tls_from_name(const char *name, enum tls_mode *r)
{
	size_t i;

	for (i = 0; i < sizeof(TLS_NAMES) / sizeof(TLS_NAMES[0]); i++) {
		if (strcmp(name, TLS_NAMES[i]) == 0) {
			*r = (enum tls_mode)i;
			return true;
		}
	}
	return false;
}

static int
get_tls(struct load *l, const config_setting_t *cs, const char *path,
	enum tls_mode *r)
{
	if (config_setting_type(cs) != CONFIG_TYPE_STRING)
		return fail_at(l, cs, "%s: expected a string", path);
	if (!tls_from_name(config_setting_get_string(cs), r))
		return fail_at(l, cs, "%s: '%s' is not one of implicit, starttls, none",
			       path, config_setting_get_string(cs));
	return 0;
}

/* [ ... ]: an array (or list) of scalars, non-empty if t says so. */
static int
check_array(struct load *l, const config_setting_t *cs, const struct setting *t,
	    const char *path)
{
	int type = config_setting_type(cs);

	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
		return fail_at(l, cs, "%s: expected an array [ ... ]", path);
	if ((t->flags & F_NONEMPTY) && config_setting_length(cs) == 0)
		return fail_at(l, cs, "%s: must not be empty", path);
	return 0;
}

static int
get_strlist(struct load *l, const config_setting_t *cs, const struct setting *t,
	    const char *path, struct strlist *r)
{
	char epath[PATH_MAX_TEXT];
	int i, n;

	if (check_array(l, cs, t, path) == -1)
		return -1;
	n = config_setting_length(cs);
	r->v = xcalloc((size_t)n + 1, sizeof(*r->v));
	for (i = 0; i < n; i++) {
		elem_path(epath, sizeof(epath), path, i);
		if (get_string(l, config_setting_get_elem(cs, (unsigned)i),
			       t->kind, epath, &r->v[i]) == -1)
			return -1;
		r->n++;
	}
	return 0;
}

static int
get_ints(struct load *l, const config_setting_t *cs, const struct setting *t,
	 const char *path, void *base)
{
	int **v = AT(base, t, int *);
	size_t *n = AT_N(base, t);
	char epath[PATH_MAX_TEXT];
	long long x;
	int i;

	if (check_array(l, cs, t, path) == -1)
		return -1;
	*v = xcalloc((size_t)config_setting_length(cs) + 1, sizeof(**v));
	for (i = 0; i < config_setting_length(cs); i++) {
		elem_path(epath, sizeof(epath), path, i);
		if (get_integer(l, config_setting_get_elem(cs, (unsigned)i), t,
				epath, &x) == -1)
			return -1;
		(*v)[(*n)++] = (int)x;
	}
	return 0;
}

/* Groups and lists of groups: the walk. */

static int load_group(struct load *l, const config_setting_t *grp,
		      const char *tprefix, const char *dprefix, void *base);

static int
load_list(struct load *l, const config_setting_t *cs, const struct setting *t,
	  const char *path, void *base)
{
	size_t *n = AT_N(base, t);
	char tprefix[PATH_MAX_TEXT], epath[PATH_MAX_TEXT];
	const config_setting_t *elem;
	int i, len = config_setting_length(cs);
	char *v;

	if (config_setting_type(cs) != CONFIG_TYPE_LIST)
		return fail_at(l, cs, "%s: expected a list ( { ... }, ... )", path);
	if ((t->flags & F_NONEMPTY) && len == 0)
		return fail_at(l, cs, "%s: must not be empty", path);
	v = xcalloc((size_t)len + 1, t->elem_size);
	memcpy((char *)base + t->off, &v, sizeof(v));	/* struct x *, typed */
	snprintf(tprefix, sizeof(tprefix), "%s.*", t->path);
	for (i = 0; i < len; i++) {
		elem = config_setting_get_elem(cs, (unsigned)i);
		elem_path(epath, sizeof(epath), path, i);
		(*n)++;
		if (config_setting_type(elem) != CONFIG_TYPE_GROUP)
			return fail_at(l, elem, "%s: expected a group { ... }", epath);
		if (load_group(l, elem, tprefix, epath,
			       v + (size_t)i * t->elem_size) == -1)
			return -1;
	}
	return 0;
}

static int
load_value(struct load *l, const config_setting_t *cs, const struct setting *t,
	   const char *path, void *base)
{
	long long x;

	switch (t->kind) {
	case K_GROUP:
		if (config_setting_type(cs) != CONFIG_TYPE_GROUP)
			return fail_at(l, cs, "%s: expected a group { ... }", path);
		return load_group(l, cs, t->path, path, base);
	case K_LIST:
		return load_list(l, cs, t, path, base);
	case K_STR:
	case K_EMAIL:
	case K_DOMAIN:
		return get_string(l, cs, t->kind, path, AT(base, t, char *));
	case K_TLS:
		return get_tls(l, cs, path, AT(base, t, enum tls_mode));
	case K_INT:
	case K_SIZE:
		if (get_integer(l, cs, t, path, &x) == -1)
			return -1;
		if (t->kind == K_INT)
			*AT(base, t, int) = (int)x;
		else
			*AT(base, t, size_t) = (size_t)x;
		return 0;
	case K_BOOL:
		if (config_setting_type(cs) != CONFIG_TYPE_BOOL)
			return fail_at(l, cs, "%s: expected true or false", path);
		*AT(base, t, bool) = config_setting_get_bool(cs) != 0;
		return 0;
	case K_EMAILS:
	case K_DOMAINS:
		return get_strlist(l, cs, t, path, AT(base, t, struct strlist));
	case K_INTS:
		return get_ints(l, cs, t, path, base);
	}
	abort();
}

/* The default of t, for a key the file leaves out. */
static void
set_default(const struct setting *t, void *base)
{
	char *end;
	const char *p;
	size_t *n;
	int **v;

	switch (t->kind) {
	case K_STR:
	case K_EMAIL:
	case K_DOMAIN:
		*AT(base, t, char *) = t->sdef != NULL ? xstrdup(t->sdef) : NULL;
		break;
	case K_TLS:
		if (!tls_from_name(t->sdef, AT(base, t, enum tls_mode)))
			abort();	/* the table is wrong */
		break;
	case K_INT:
		*AT(base, t, int) = (int)t->idef;
		break;
	case K_SIZE:
		*AT(base, t, size_t) = (size_t)t->idef;
		break;
	case K_BOOL:
		*AT(base, t, bool) = t->idef != 0;
		break;
	case K_INTS:
		v = AT(base, t, int *);
		n = AT_N(base, t);
		*v = xcalloc(strlen(t->sdef) + 1, sizeof(**v));
		for (p = t->sdef; *p != '\0'; p = end)
			(*v)[(*n)++] = (int)strtol(p, &end, 10);
		break;
	case K_GROUP:
	case K_LIST:
	case K_EMAILS:
	case K_DOMAINS:
		break;		/* empty; a group's children get theirs below */
	}
}

/*
 * Load group grp (NULL: absent, take every default) whose table path is
 * tprefix and whose path in messages is dprefix, into base.
 */
static int
load_group(struct load *l, const config_setting_t *grp, const char *tprefix,
	   const char *dprefix, void *base)
{
	char tpath[PATH_MAX_TEXT], dpath[PATH_MAX_TEXT];
	const config_setting_t *cs;
	size_t i;
	int k;

	for (k = 0; grp != NULL && k < config_setting_length(grp); k++) {
		cs = config_setting_get_elem(grp, (unsigned)k);
		join(tpath, sizeof(tpath), tprefix, config_setting_name(cs));
		join(dpath, sizeof(dpath), dprefix, config_setting_name(cs));
		if (find_setting(tpath) == NULL)
			return fail_at(l, cs, "unknown key '%s'", dpath);
	}
	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *t = &SETTINGS[i];

		if (!is_child(t, tprefix))
			continue;
		join(dpath, sizeof(dpath), dprefix, leaf_of(t));
		cs = grp != NULL ? config_setting_get_member(grp, leaf_of(t)) : NULL;
		if (cs != NULL) {
			if (load_value(l, cs, t, dpath, base) == -1)
				return -1;
		} else if (t->flags & F_REQUIRED) {
			return fail_at(l, grp != NULL ? grp : l->root,
				       "missing required key '%s'", dpath);
		} else {
			set_default(t, base);
			if (t->kind == K_GROUP &&
			    load_group(l, NULL, t->path, dpath, base) == -1)
				return -1;
		}
	}
	return 0;
}

/* Checks across keys, with the line of the offending setting. */

static const config_setting_t *
elem_member(const config_t *cfg, const char *list, size_t i, const char *name)
{
	const config_setting_t *elem;

	elem = config_setting_get_elem(config_lookup(cfg, list), (unsigned)i);
	return config_setting_get_member(elem, name);
}

static int
check_accounts(struct load *l, const config_t *cfg, const struct settings *s)
{
	size_t i, j;

	for (i = 1; i < s->naccounts; i++)
		for (j = 0; j < i; j++)
			if (strcmp(s->accounts[i].name, s->accounts[j].name) == 0)
				return fail_at(l, elem_member(cfg, "accounts", i, "name"),
					       "accounts[%zu].name: duplicate account name '%s'",
					       i, s->accounts[i].name);
	return 0;
}

/* The municipality listing domain d of municipality i before it, or NULL. */
static const struct municipality *
domain_owner(const struct settings *s, size_t i, size_t d)
{
	const char *domain = s->municipalities[i].domains.v[d];
	const struct municipality *o;
	size_t j, e;

	for (j = 0; j <= i; j++) {
		o = &s->municipalities[j];
		for (e = 0; e < o->domains.n && (j < i || e < d); e++)
			if (strcmp(domain, o->domains.v[e]) == 0)
				return o;
	}
	return NULL;
}

/* A domain belongs to one municipality; names are unique. */
static int
check_municipalities(struct load *l, const config_t *cfg, const struct settings *s)
{
	const struct municipality *m, *o;
	size_t i, j, d;

	for (i = 0; i < s->nmunicipalities; i++) {
		m = &s->municipalities[i];
		for (j = 0; j < i; j++) {
			o = &s->municipalities[j];
			if (strcasecmp(m->name, o->name) == 0)
				return fail_at(l, elem_member(cfg, "municipalities", i, "name"),
					       "municipalities[%zu].name: duplicate municipality '%s'",
					       i, m->name);
		}
		for (d = 0; d < m->domains.n; d++)
			if ((o = domain_owner(s, i, d)) != NULL)
				return fail_at(l, elem_member(cfg, "municipalities",
							      i, "domains"),
					       "municipalities[%zu].domains: '%s' is also %s's",
					       i, m->domains.v[d], o->name);
	}
	return 0;
}

/* Reminders fall before the ack deadline (theirs or the default's). */
static int
check_deadlines(struct load *l, const config_t *cfg, const struct settings *s)
{
	const config_setting_t *at = config_lookup(cfg, "deadlines.reminder_hours");
	size_t i;

	if (at == NULL)
		at = config_lookup(cfg, "deadlines.ack_hours");
	for (i = 0; i < s->deadlines.nreminder_hours; i++)
		if (s->deadlines.reminder_hours[i] >= s->deadlines.ack_hours)
			return fail_at(l, at,
				       "deadlines.reminder_hours[%zu]: %d is not before ack_hours (%d)",
				       i, s->deadlines.reminder_hours[i], s->deadlines.ack_hours);
	return 0;
}

static void
strlist_copy(struct strlist *r, const struct strlist *from)
{
	size_t i;

	r->v = xcalloc(from->n + 1, sizeof(*r->v));
	for (i = 0; i < from->n; i++)
		r->v[i] = xstrdup(from->v[i]);
	r->n = from->n;
}

static int
default_port(enum tls_mode tls, int implicit, int starttls, int none)
{
	return tls == TLS_IMPLICIT ? implicit : tls == TLS_STARTTLS ? starttls : none;
}

/* The F_DERIVED defaults: they depend on other keys. */
static void
derive_defaults(struct settings *s)
{
	size_t i;

	for (i = 0; i < s->naccounts; i++)
		if (s->accounts[i].port == 0)
			s->accounts[i].port = default_port(s->accounts[i].tls,
							   993, 143, 143);
	if (s->smtp.port == 0)
		s->smtp.port = default_port(s->smtp.tls, 465, 587, 25);
	if (s->smtp.message_id_domain == NULL)
		s->smtp.message_id_domain = xstrdup(strchr(s->smtp.from, '@') + 1);
	if (s->milter.recipients.n == 0) {
		free(s->milter.recipients.v);
		strlist_copy(&s->milter.recipients, &s->system_owner.emails);
	}
}

/* Freeing, by the same table. */

static void
strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
free_group(const char *tprefix, void *base)
{
	char tpath[PATH_MAX_TEXT];
	size_t i, k;
	char *v;

	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *t = &SETTINGS[i];

		if (!is_child(t, tprefix))
			continue;
		switch (t->kind) {
		case K_GROUP:
			free_group(t->path, base);
			break;
		case K_LIST:
			memcpy(&v, (char *)base + t->off, sizeof(v));
			snprintf(tpath, sizeof(tpath), "%s.*", t->path);
			for (k = 0; k < *AT_N(base, t); k++)
				free_group(tpath, v + k * t->elem_size);
			free(v);
			break;
		case K_STR:
		case K_EMAIL:
		case K_DOMAIN:
			free(*AT(base, t, char *));
			break;
		case K_INTS:
			free(*AT(base, t, int *));
			break;
		case K_EMAILS:
		case K_DOMAINS:
			strlist_free(AT(base, t, struct strlist));
			break;
		case K_TLS:
		case K_INT:
		case K_SIZE:
		case K_BOOL:
			break;
		}
	}
}

void
settings_free(struct settings **s)
{
	if (s == NULL || *s == NULL)
		return;
	free_group("", *s);
	free((*s)->file);
	free(*s);
	*s = NULL;
}

/* Loading. */

/* Turn a read cfg into *r, or refuse with the first problem. */
static int
load_config(const config_t *cfg, const char *name, struct settings **r,
	    struct err *e)
{
	struct load l = { name, config_root_setting(cfg), e };
	struct settings *s = xcalloc(1, sizeof(*s));

	s->file = xstrdup(name);
	if (load_group(&l, l.root, "", "", s) == -1 ||
	    check_accounts(&l, cfg, s) == -1 ||
	    check_municipalities(&l, cfg, s) == -1 ||
	    check_deadlines(&l, cfg, s) == -1) {
		settings_free(&s);
		return -1;
	}
	derive_defaults(s);
	*r = s;
	return 0;
}

static int
syntax_error(const config_t *cfg, const char *name, struct err *e)
{
	const char *file = config_error_file(cfg);

	return err_set(e, EX_CONFIG, "%s:%d: %s", file != NULL ? file : name,
		       config_error_line(cfg) > 0 ? config_error_line(cfg) : 1,
		       config_error_text(cfg));
}

int
settings_load_string(const char *text, const char *name, struct settings **r,
		     struct err *e)
{
	config_t cfg;
	int rc;

	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE)
		rc = syntax_error(&cfg, name, e);
	else
		rc = load_config(&cfg, name, r, e);
	config_destroy(&cfg);
	return rc;
}

int
settings_load_file(const char *path, struct settings **r, struct err *e)
{
	config_t cfg;
	char *dir;
	FILE *fp;
	int rc;

	if ((fp = fopen(path, "r")) == NULL)
		return err_set(e, EX_CONFIG, "%s: cannot open: %s", path,
			       strerror(errno));
	config_init(&cfg);
	dir = xstrdup(path);
	config_set_include_dir(&cfg, dirname(dir));
	if (config_read(&cfg, fp) != CONFIG_TRUE)
		rc = syntax_error(&cfg, path, e);
	else
		rc = load_config(&cfg, path, r, e);
	config_destroy(&cfg);
	free(dir);
	fclose(fp);
	return rc;
}

int
settings_load_default(struct settings **r, struct err *e)
{
	return settings_load_string(conf_default_text, "(default)", r, e);
}

/* Lookups. */

const char *
settings_tls_name(enum tls_mode tls)
{
	return TLS_NAMES[tls];
}

/* Does domain d equal suffix or lie below it ("mail.viborg.dk")? */
static bool
domain_within(const char *d, const char *suffix)
{
	size_t n = strlen(d), m = strlen(suffix);

	if (n == m)
		return strcasecmp(d, suffix) == 0;
	return n > m && d[n - m - 1] == '.' && strcasecmp(d + n - m, suffix) == 0;
}

static const char *
domain_of(const char *addr_or_domain)
{
	const char *at = strrchr(addr_or_domain, '@');

	return at != NULL ? at + 1 : addr_or_domain;
}

int
settings_municipality_by_domain(const struct settings *s, const char *domain)
{
	const char *d;
	size_t i, k, best_len = 0;
	int best = -1;

	if (domain == NULL)	/* "x@": an address without a domain */
		return -1;
	d = domain_of(domain);
	for (i = 0; i < s->nmunicipalities; i++) {
		const struct strlist *l = &s->municipalities[i].domains;

		for (k = 0; k < l->n; k++)
			if (domain_within(d, l->v[k]) && strlen(l->v[k]) > best_len) {
				best = (int)i;
				best_len = strlen(l->v[k]);
			}
	}
	return best;
}

int
settings_municipality_by_name(const struct settings *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nmunicipalities; i++)
		if (strcasecmp(s->municipalities[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool
strlist_has(const struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return true;
	return false;
}

bool
settings_is_system_owner(const struct settings *s, const char *addr)
{
	return addr != NULL && strlist_has(&s->system_owner.emails, addr);
}

bool
settings_is_supplier(const struct settings *s, const char *addr)
{
	const char *d;
	size_t i;

	if (addr == NULL)
		return false;
	d = domain_of(addr);
	if (strlist_has(&s->supplier.emails, addr))
		return true;
	for (i = 0; i < s->supplier.domains.n; i++)
		if (domain_within(d, s->supplier.domains.v[i]))
			return true;
	return false;
}

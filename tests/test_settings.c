/* SPDX-License-Identifier: MIT */
/*
 * Tests for conf/settings.c: which configurations load and which are refused
 * with which "file:line: message", the defaults, the lookups, and the
 * example configuration (conf/brudvagt.conf, compiled in as the default).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf/settings.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A test config is five sections, one line each unless a case overrides it,
 * then the case's extra lines (from line 6). NULL: the default section;
 * "": leave the section out.
 */
static const char *const SECTIONS[] = {
	"accounts = ( { name = \"a\"; host = \"h\"; user = \"u\"; password_file = \"/p\"; } );",
	"smtp = { host = \"h\"; from = \"brudvagt@aarhus.dk\"; };",
	"system_owner = { name = \"O\"; emails = [ \"owner@aarhus.dk\", \"Dpo@Aarhus.DK\" ]; };",
	"supplier = { name = \"S\"; domains = [ \"Deloitte.dk\" ]; };",
	"municipalities = ( { name = \"Viborg\"; domains = [ \"viborg.dk\" ]; "
	"contacts = ( { email = \"dpo@viborg.dk\"; } ); } );",
};

struct config_case {
	const char *section[5];		/* overrides, see SECTIONS */
	const char *extra;
	const char *error;		/* NULL: loads */
};

static char *
config_text(const struct config_case *c)
{
	size_t i, len = 1;
	char *text;

	for (i = 0; i < N(SECTIONS); i++)
		len += strlen(c->section[i] ? c->section[i] : SECTIONS[i]) + 1;
	len += c->extra ? strlen(c->extra) : 0;
	text = calloc(1, len);
	assert_non_null(text);
	for (i = 0; i < N(SECTIONS); i++) {
		strcat(text, c->section[i] ? c->section[i] : SECTIONS[i]);
		strcat(text, "\n");
	}
	if (c->extra)
		strcat(text, c->extra);
	return text;
}

#define ACC 0
#define SMTP 1
#define OWNER 2
#define SUPPL 3
#define MUNI 4

static const struct config_case CONFIG_CASES[] = {
	/* loads */
	{ {0}, NULL, NULL },
	{ {0}, "deadlines = { ack_hours = 48; reminder_hours = [ 1 ]; digest_hour = -1; };\n"
	  "limits = { max_message_bytes = 104857600L; max_header_bytes = 65536; };\n"
	  "templates = { path = \"/t\"; };\nauthserv_id = \"mx.aarhus.dk\";\n"
	  "milter = { socket = \"inet:8891@127.0.0.1\"; recipients = [ \"a@b.dk\" ]; "
	  "timeout_seconds = 10; max_message_bytes = 1048576; };\n", NULL },
	{ { [SMTP] = "smtp = { host = \"h\"; port = 25; tls = \"none\"; from = \"x@y.dk\";\n"
	    "user = \"u\"; password_file = \"/p\"; ca_file = \"/c\"; message_id_domain = \"M.y.dk\";\n"
	    "timeout_seconds = 5; max_queue_hours = 1; forward_attachments = true; };" },
	  NULL, NULL },
	{ { [MUNI] = "municipalities = ( { name = \"Ringkøbing-Skjern\"; domains = [ \"rksk.dk\" ]; } );" },
	  NULL, NULL },

	/* unknown keys, at every level */
	{ {0}, "colour = 1;\n", "t.conf:6: unknown key 'colour'" },
	{ { [SMTP] = "smtp = { host = \"h\"; from = \"a@b.dk\"; prot = 25; };" }, NULL,
	  "t.conf:2: unknown key 'smtp.prot'" },
	{ { [ACC] = "accounts = ( { name = \"a\"; host = \"h\"; user = \"u\"; password_file = \"/p\"; },\n"
	    "{ name = \"b\"; hots = \"h\"; } );" }, NULL,
	  "t.conf:2: unknown key 'accounts[1].hots'" },
	{ { [MUNI] = "municipalities = ( { name = \"V\"; domains = [ \"v.dk\" ];\n"
	    "contacts = ( { email = \"a@v.dk\"; phone = \"1\"; } ); } );" }, NULL,
	  "t.conf:6: unknown key 'municipalities[0].contacts[0].phone'" },
	{ {0}, "deadlines = { ack_hours = 24; }; store = { path = \"/s\"; file = \"x\"; };\n",
	  "t.conf:6: unknown key 'store.file'" },

	/* wrong types */
	{ { [SMTP] = "smtp = { host = \"h\"; from = \"a@b.dk\"; port = \"25\"; };" }, NULL,
	  "t.conf:2: smtp.port: expected an integer" },
	{ { [SMTP] = "smtp = { host = \"h\"; from = \"a@b.dk\"; port = 25L; };" }, NULL,
	  "t.conf:2: smtp.port: expected an integer, not a 64-bit one" },
	{ {0}, "deadlines = {\n ack_hours = 24.0; };\n",
	  "t.conf:7: deadlines.ack_hours: expected an integer" },
	{ { [SMTP] = "smtp = { host = \"h\"; from = \"a@b.dk\"; forward_attachments = 1; };" }, NULL,
	  "t.conf:2: smtp.forward_attachments: expected true or false" },
	{ { [SMTP] = "smtp = { host = 1; from = \"a@b.dk\"; };" }, NULL,
	  "t.conf:2: smtp.host: expected a string" },
	{ { [SMTP] = "smtp = \"h\";" }, NULL, "t.conf:2: smtp: expected a group { ... }" },
	{ { [ACC] = "accounts = { name = \"a\"; };" }, NULL,
	  "t.conf:1: accounts: expected a list ( { ... }, ... )" },
	{ { [ACC] = "accounts = ( \"a\" );" }, NULL,
	  "t.conf:1: accounts[0]: expected a group { ... }" },
	{ { [SUPPL] = "supplier = { name = \"S\"; domains = \"deloitte.dk\"; };" }, NULL,
	  "t.conf:4: supplier.domains: expected an array [ ... ]" },
	{ { [OWNER] = "system_owner = { name = \"O\"; emails = [ 1 ]; };" }, NULL,
	  "t.conf:3: system_owner.emails[0]: expected a string" },
	{ {0}, "deadlines = { reminder_hours = [ \"8\" ]; };\n",
	  "t.conf:6: deadlines.reminder_hours[0]: expected an integer" },

	/* out of bounds */
	{ { [SMTP] = "smtp = { host = \"h\"; from = \"a@b.dk\"; port = 70000; };" }, NULL,
	  "t.conf:2: smtp.port: 70000 out of range 1..65535" },
	{ {0}, "deadlines = { digest_hour = 24; };\n",
	  "t.conf:6: deadlines.digest_hour: 24 out of range -1..23" },
	{ {0}, "limits = { max_message_bytes = 4294967296L; };\n",
	  "t.conf:6: limits.max_message_bytes: 4294967296 out of range 65536..1073741824" },
	{ {0}, "limits = { max_mime_depth = 0; };\n",
	  "t.conf:6: limits.max_mime_depth: 0 out of range 1..100" },
	{ {0}, "limits = { reports_per_sender_per_hour = -1; };\n",
	  "t.conf:6: limits.reports_per_sender_per_hour: -1 out of range 0..1000000" },
	{ {0}, "deadlines = { reminder_hours = [ 8, 0 ]; };\n",
	  "t.conf:6: deadlines.reminder_hours[1]: 0 out of range 1..720" },
	{ {0}, "deadlines = { ack_hours = 12; reminder_hours = [ 8, 16 ]; };\n",
	  "t.conf:6: deadlines.reminder_hours[1]: 16 is not before ack_hours (12)" },
	{ {0}, "deadlines = {\n ack_hours = 8; };\n",
	  "t.conf:7: deadlines.reminder_hours[0]: 8 is not before ack_hours (8)" },

	/* missing required keys: the line of the enclosing group */
	{ { [SMTP] = "smtp = { host = \"h\"; };" }, NULL,
	  "t.conf:2: missing required key 'smtp.from'" },
	{ { [SUPPL] = "" }, NULL, "t.conf:1: missing required key 'supplier'" },
	{ { [MUNI] = "" }, NULL, "t.conf:1: missing required key 'municipalities'" },
	{ { [ACC] = "accounts = ( { name = \"a\"; host = \"h\"; user = \"u\"; password_file = \"/p\"; },\n"
	    "{ name = \"b\"; host = \"h\"; user = \"u\"; } );" }, NULL,
	  "t.conf:2: missing required key 'accounts[1].password_file'" },
	{ { [MUNI] = "municipalities = ( { name = \"V\"; domains = [ \"v.dk\" ];\n"
	    "contacts = ( { name = \"N\"; } ); } );" }, NULL,
	  "t.conf:6: missing required key 'municipalities[0].contacts[0].email'" },
	{ { [MUNI] = "municipalities = ( { name = \"V\"; } );" }, NULL,
	  "t.conf:5: missing required key 'municipalities[0].domains'" },
	{ { [OWNER] = "system_owner = { emails = [ \"a@b.dk\" ]; };" }, NULL,
	  "t.conf:3: missing required key 'system_owner.name'" },

	/* empty lists and strings */
	{ { [ACC] = "accounts = ( );" }, NULL, "t.conf:1: accounts: must not be empty" },
	{ { [MUNI] = "municipalities = ( );" }, NULL,
	  "t.conf:5: municipalities: must not be empty" },
	{ { [OWNER] = "system_owner = { name = \"O\"; emails = [ ]; };" }, NULL,
	  "t.conf:3: system_owner.emails: must not be empty" },
	{ { [SMTP] = "smtp = { host = \"\"; from = \"a@b.dk\"; };" }, NULL,
	  "t.conf:2: smtp.host: must not be empty" },

	/* bad values */
	{ { [ACC] = "accounts = ( { name = \"a\"; host = \"h\"; user = \"u\"; password_file = \"/p\";\n"
	    "tls = \"ssl\"; } );" }, NULL,
	  "t.conf:2: accounts[0].tls: 'ssl' is not one of implicit, starttls, none" },
	{ { [OWNER] = "system_owner = { name = \"O\"; emails = [ \"a@b.dk\", \"nobody\" ]; };" },
	  NULL, "t.conf:3: system_owner.emails[1]: 'nobody' is not an e-mail address" },
	{ { [SMTP] = "smtp = { host = \"h\"; from = \"<a@b.dk>\"; };" }, NULL,
	  "t.conf:2: smtp.from: '<a@b.dk>' is not an e-mail address" },
	{ { [SMTP] = "smtp = { host = \"h\"; from = \"a@b..dk\"; };" }, NULL,
	  "t.conf:2: smtp.from: 'a@b..dk' is not an e-mail address" },
	{ { [MUNI] = "municipalities = ( { name = \"V\"; domains = [ \"viborg\" ]; } );" }, NULL,
	  "t.conf:5: municipalities[0].domains[0]: 'viborg' is not a domain" },
	{ { [SUPPL] = "supplier = { name = \"S\"; domains = [ \"@deloitte.dk\" ]; };" }, NULL,
	  "t.conf:4: supplier.domains[0]: '@deloitte.dk' is not a domain" },
	{ { [SMTP] = "smtp = { host = \"h\"; from = \"a@b.dk\"; message_id_domain = \"-x.dk\"; };" },
	  NULL, "t.conf:2: smtp.message_id_domain: '-x.dk' is not a domain" },

	/* checks across keys */
	{ { [ACC] = "accounts = ( { name = \"a\"; host = \"h\"; user = \"u\"; password_file = \"/p\"; },\n"
	    "{ name = \"a\"; host = \"h2\"; user = \"u\"; password_file = \"/p\"; } );" }, NULL,
	  "t.conf:2: accounts[1].name: duplicate account name 'a'" },
	{ { [MUNI] = "municipalities = ( { name = \"V\"; domains = [ \"v.dk\" ]; },\n"
	    "{ name = \"V\"; domains = [ \"w.dk\" ]; } );" }, NULL,
	  "t.conf:6: municipalities[1].name: duplicate municipality 'V'" },
	{ { [MUNI] = "municipalities = ( { name = \"V\"; domains = [ \"v.dk\" ]; },\n"
	    "{ name = \"W\"; domains = [ \"w.dk\", \"V.dk\" ]; } );" }, NULL,
	  "t.conf:6: municipalities[1].domains: 'v.dk' is also V's" },
	{ { [MUNI] = "municipalities = ( { name = \"V\"; domains = [ \"v.dk\", \"v.dk\" ]; } );" },
	  NULL, "t.conf:5: municipalities[0].domains: 'v.dk' is also V's" },

	/* libconfig's own errors */
	{ { [SMTP] = "smtp = { host = ; };" }, NULL, "t.conf:2: syntax error" },
	{ {0}, "store = { path = \"/a\"; };\nstore = { path = \"/b\"; };\n",
	  "t.conf:7: duplicate setting name" },
};

static void
test_config_cases(void **state)
{
	struct settings *s;
	struct err e;
	size_t i;
	char *text;
	int rc;

	(void)state;
	for (i = 0; i < N(CONFIG_CASES); i++) {
		const struct config_case *c = &CONFIG_CASES[i];

		text = config_text(c);
		s = NULL;
		err_clear(&e);
		rc = settings_load_string(text, "t.conf", &s, &e);
		if (c->error == NULL) {
			if (rc != 0)
				fail_msg("case %zu: unexpected error: %s", i, e.msg);
			assert_non_null(s);
			assert_string_equal(s->file, "t.conf");
		} else {
			if (rc != -1)
				fail_msg("case %zu: loaded, expected %s", i, c->error);
			assert_null(s);
			assert_int_equal(e.code, 78);
			if (strcmp(e.msg, c->error) != 0)
				fail_msg("case %zu:\n got: %s\nwant: %s", i, e.msg, c->error);
		}
		settings_free(&s);
		assert_null(s);
		free(text);
	}
}

static void
test_defaults(void **state)
{
	static const struct config_case c = { {0}, NULL, NULL };
	struct settings *s = NULL;
	struct err e;
	char *text = config_text(&c);

	(void)state;
	assert_int_equal(settings_load_string(text, "t.conf", &s, &e), 0);
	free(text);
	assert_int_equal(s->naccounts, 1);
	assert_int_equal(s->accounts[0].port, 993);
	assert_int_equal(s->accounts[0].tls, TLS_IMPLICIT);
	assert_null(s->accounts[0].ca_file);
	assert_string_equal(s->accounts[0].mailbox, "INBOX");
	assert_null(s->accounts[0].processed_mailbox);
	assert_int_equal(s->accounts[0].poll_seconds, 60);
	assert_int_equal(s->accounts[0].timeout_seconds, 60);
	assert_int_equal(s->smtp.port, 587);
	assert_int_equal(s->smtp.tls, TLS_STARTTLS);
	assert_null(s->smtp.user);
	assert_null(s->smtp.password_file);
	assert_string_equal(s->smtp.message_id_domain, "aarhus.dk");
	assert_int_equal(s->smtp.timeout_seconds, 60);
	assert_int_equal(s->smtp.max_queue_hours, 48);
	assert_false(s->smtp.forward_attachments);
	assert_int_equal(s->supplier.emails.n, 0);
	assert_int_equal(s->deadlines.ack_hours, 24);
	assert_int_equal(s->deadlines.nreminder_hours, 2);
	assert_int_equal(s->deadlines.reminder_hours[0], 8);
	assert_int_equal(s->deadlines.reminder_hours[1], 16);
	assert_int_equal(s->deadlines.authority_hours, 72);
	assert_int_equal(s->deadlines.digest_hour, 8);
	assert_string_equal(s->store_path, "/var/lib/brudvagt/brudvagt.db");
	assert_string_equal(s->spool_path, "/var/spool/brudvagt");
	assert_string_equal(s->templates_path, "/etc/brudvagt/templates");
	assert_null(s->authserv_id);
	assert_string_equal(s->milter.socket, "unix:/run/brudvagt/milter.sock");
	assert_int_equal(s->milter.recipients.n, 2);
	assert_string_equal(s->milter.recipients.v[0], "owner@aarhus.dk");
	assert_string_equal(s->milter.recipients.v[1], "dpo@aarhus.dk");
	assert_int_equal(s->milter.timeout_seconds, 30);
	assert_int_equal(s->milter.max_message_bytes, 10 * 1024 * 1024);
	assert_int_equal(s->limits.max_message_bytes, 50 * 1024 * 1024);
	assert_int_equal(s->limits.max_header_bytes, 256 * 1024);
	assert_int_equal(s->limits.max_line_bytes, 1024 * 1024);
	assert_int_equal(s->limits.max_mime_depth, 20);
	assert_int_equal(s->limits.max_mime_parts, 500);
	assert_int_equal(s->limits.max_text_bytes, 1 * 1024 * 1024);
	assert_int_equal(s->reports_per_sender_per_hour, 20);
	assert_int_equal(s->receipts_per_address_per_hour, 10);
	/* addresses and domains lowercased, names kept */
	assert_string_equal(s->system_owner.emails.v[1], "dpo@aarhus.dk");
	assert_string_equal(s->supplier.domains.v[0], "deloitte.dk");
	assert_string_equal(s->municipalities[0].name, "Viborg");
	assert_int_equal(s->municipalities[0].ncontacts, 1);
	assert_null(s->municipalities[0].contacts[0].title);
	settings_free(&s);
}

/* Ports default from tls; given values win. */
static void
test_derived(void **state)
{
	static const struct config_case c = {
		{ [ACC] = "accounts = ( { name = \"a\"; host = \"h\"; user = \"u\"; password_file = \"/p\";"
		  " tls = \"starttls\"; }, { name = \"b\"; host = \"h\"; user = \"u\";"
		  " password_file = \"/p\"; tls = \"none\"; port = 1143; } );",
		  [SMTP] = "smtp = { host = \"h\"; from = \"A@B.dk\"; tls = \"implicit\";"
		  " message_id_domain = \"Bv.Aarhus.dk\"; };" },
		"milter = { recipients = [ \"X@Y.dk\" ]; };\n"
		"limits = { max_message_bytes = 104857600L; };\n", NULL };
	struct settings *s = NULL;
	struct err e;
	char *text = config_text(&c);

	(void)state;
	assert_int_equal(settings_load_string(text, "t.conf", &s, &e), 0);
	free(text);
	assert_int_equal(s->accounts[0].port, 143);
	assert_int_equal(s->accounts[1].port, 1143);
	assert_int_equal(s->accounts[1].tls, TLS_NONE);
	assert_int_equal(s->smtp.port, 465);
	assert_string_equal(s->smtp.from, "a@b.dk");
	assert_string_equal(s->smtp.message_id_domain, "bv.aarhus.dk");
	assert_int_equal(s->milter.recipients.n, 1);
	assert_string_equal(s->milter.recipients.v[0], "x@y.dk");
	assert_int_equal(s->limits.max_message_bytes, 100 * 1024 * 1024);
	assert_string_equal(settings_tls_name(s->smtp.tls), "implicit");
	settings_free(&s);
}

/* The 40 municipalities of CONTRACT.md, in its order. */
static const struct { const char *name, *domain; } MUNICIPALITIES[] = {
	{ "Egedal", "egekom.dk" }, { "Favrskov", "favrskov.dk" },
	{ "Fredensborg", "fredensborg.dk" }, { "Frederikshavn", "frederikshavn.dk" },
	{ "Furesø", "furesoe.dk" }, { "Halsnæs", "halsnaes.dk" },
	{ "Hedensted", "hedensted.dk" }, { "Herning", "herning.dk" },
	{ "Hjørring", "hjoerring.dk" }, { "Holbæk", "holb.dk" },
	{ "Holstebro", "holstebro.dk" }, { "Horsens", "horsens.dk" },
	{ "Jammerbugt", "jammerbugt.dk" }, { "Lemvig", "lemvig.dk" },
	{ "Morsø", "morsoe.dk" }, { "Norddjurs", "norddjurs.dk" },
	{ "Odder", "odder.dk" }, { "Rebild", "rebild.dk" },
	{ "Samsø", "samsoe.dk" }, { "Skanderborg", "skanderborg.dk" },
	{ "Skive", "skivekommune.dk" }, { "Struer", "struer.dk" },
	{ "Syddjurs", "syddjurs.dk" }, { "Vesthimmerlands", "vesthimmerland.dk" },
	{ "Viborg", "viborg.dk" }, { "Aarhus", "aarhus.dk" },
	{ "Brønderslev", "bronderslev.dk" }, { "Hørsholm", "horsholm.dk" },
	{ "Randers", "randers.dk" }, { "Ringkøbing-Skjern", "rksk.dk" },
	{ "Silkeborg", "silkeborg.dk" }, { "Thisted", "thisted.dk" },
	{ "Aalborg", "aalborg.dk" }, { "Fredericia", "fredericia.dk" },
	{ "Helsingør", "helsingor.dk" }, { "Ishøj", "ishoj.dk" },
	{ "Middelfart", "middelfart.dk" }, { "Ringsted", "ringsted.dk" },
	{ "Varde", "varde.dk" }, { "Vejen", "vejen.dk" },
};

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0 && s[n - m - 1] == '@';
}

static void
test_example(void **state)
{
	const struct municipality *m;
	struct settings *s = NULL;
	struct err e;
	size_t i, k;

	(void)state;
	if (settings_load_default(&s, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(s->nmunicipalities, N(MUNICIPALITIES));
	for (i = 0; i < N(MUNICIPALITIES); i++) {
		m = &s->municipalities[i];
		assert_string_equal(m->name, MUNICIPALITIES[i].name);
		assert_int_equal(m->domains.n, 1);
		assert_string_equal(m->domains.v[0], MUNICIPALITIES[i].domain);
		assert_true(m->ncontacts >= 1 && m->ncontacts <= 2);
		for (k = 0; k < m->ncontacts; k++) {
			assert_non_null(m->contacts[k].title);
			assert_non_null(m->contacts[k].name);
			assert_non_null(m->contacts[k].mobile);
			assert_true(ends_with(m->contacts[k].email, m->domains.v[0]));
		}
	}
	assert_int_equal(s->naccounts, 2);
	assert_string_equal(s->accounts[0].name, "borgerservice");
	assert_string_equal(s->accounts[1].name, "dpo");
	assert_string_equal(s->system_owner.emails.v[0], "borgerservice@aarhus.dk");
	assert_string_equal(s->system_owner.emails.v[1], "databeskyttelse@aarhus.dk");
	assert_string_equal(s->supplier.name, "Deloitte");
	assert_string_equal(s->supplier.domains.v[0], "deloitte.dk");
	assert_string_equal(s->supplier.emails.v[0], "muni-servicedesk@deloitte.dk");
	settings_free(&s);
}

/* The example file from disk: the same text, under its own name. */
static void
test_example_file(void **state)
{
	struct settings *s = NULL;
	struct err e;

	(void)state;
	if (settings_load_file("conf/brudvagt.conf", &s, &e) != 0)
		fail_msg("%s", e.msg);
	assert_string_equal(s->file, "conf/brudvagt.conf");
	settings_free(&s);
	settings_free(&s);		/* NULL is fine */
	settings_free(NULL);
}

static void
test_file_errors(void **state)
{
	char path[] = "/tmp/test_settings.XXXXXX", want[128];
	struct settings *s = NULL;
	struct err e;
	FILE *fp;
	int fd;

	(void)state;
	assert_int_equal(settings_load_file("/nonexistent/b.conf", &s, &e), -1);
	assert_int_equal(e.code, 78);
	assert_string_equal(e.msg, "/nonexistent/b.conf: cannot open: No such file or directory");

	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	fputs("# comment\n\nbogus = 1;\n", fp);
	fclose(fp);
	assert_int_equal(settings_load_file(path, &s, &e), -1);
	snprintf(want, sizeof(want), "%s:3: unknown key 'bogus'", path);
	assert_string_equal(e.msg, want);

	assert_non_null(fp = fopen(path, "w"));
	fputs("a = 1;\nb = [ 1, \n", fp);
	fclose(fp);
	assert_int_equal(settings_load_file(path, &s, &e), -1);
	assert_int_equal(e.code, 78);
	snprintf(want, sizeof(want), "%s:", path);
	assert_memory_equal(e.msg, want, strlen(want));
	assert_null(s);
	unlink(path);
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* @include is relative to the including file; errors name the included file. */
static void
test_include(void **state)
{
	static const struct config_case c = { {0}, "@include \"part.conf\"\n", NULL };
	char dir[] = "/tmp/test_settings.XXXXXX", main_conf[64], part[64];
	struct settings *s = NULL;
	struct err e;
	char *text = config_text(&c);

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(main_conf, sizeof(main_conf), "%s/main.conf", dir);
	snprintf(part, sizeof(part), "%s/part.conf", dir);
	write_file(main_conf, text);
	free(text);
	write_file(part, "store = { path = \"/s\"; };\n");
	if (settings_load_file(main_conf, &s, &e) != 0)
		fail_msg("%s", e.msg);
	assert_string_equal(s->store_path, "/s");
	settings_free(&s);

	write_file(part, "\nstore = { paht = \"/s\"; };\n");
	assert_int_equal(settings_load_file(main_conf, &s, &e), -1);
	/* libconfig names an included file as the @include line does */
	assert_string_equal(e.msg, "part.conf:2: unknown key 'store.paht'");
	unlink(part);
	unlink(main_conf);
	rmdir(dir);
}

static void
test_lookups(void **state)
{
	static const struct { const char *domain, *name; } by_domain[] = {
		{ "viborg.dk", "Viborg" }, { "VIBORG.DK", "Viborg" },
		{ "mail.viborg.dk", "Viborg" }, { "a.b.viborg.dk", "Viborg" },
		{ "someone@rksk.dk", "Ringkøbing-Skjern" }, { "aarhus.dk", "Aarhus" },
		{ "holb.dk", "Holbæk" }, { "xviborg.dk", NULL }, { "viborg.dk.evil.com", NULL },
		{ "dk", NULL }, { "", NULL }, { "deloitte.dk", NULL },
	};
	static const struct { const char *name; int found; } by_name[] = {
		{ "Viborg", 1 }, { "viborg", 1 }, { "Ringkøbing-Skjern", 1 },
		{ "Hørsholm", 1 }, { "Horsholm", 0 }, { "Vib", 0 },
	};
	static const struct { const char *addr; bool owner, supplier; } who[] = {
		{ "borgerservice@aarhus.dk", true, false },
		{ "Databeskyttelse@Aarhus.dk", true, false },
		{ "dpo@aarhus.dk", false, false },
		{ "someone@deloitte.dk", false, true },
		{ "someone@eu.DELOITTE.dk", false, true },
		{ "muni-servicedesk@deloitte.dk", false, true },
		{ "someone@notdeloitte.dk", false, false },
		{ "deloitte.dk@evil.com", false, false },
	};
	struct settings *s = NULL;
	struct err e;
	size_t i;
	int k;

	(void)state;
	assert_int_equal(settings_load_default(&s, &e), 0);
	for (i = 0; i < N(by_domain); i++) {
		k = settings_municipality_by_domain(s, by_domain[i].domain);
		if (by_domain[i].name == NULL)
			assert_int_equal(k, -1);
		else
			assert_string_equal(s->municipalities[k].name, by_domain[i].name);
	}
	for (i = 0; i < N(by_name); i++) {
		k = settings_municipality_by_name(s, by_name[i].name);
		assert_int_equal(k >= 0, by_name[i].found);
	}
	for (i = 0; i < N(who); i++) {
		assert_int_equal(settings_is_system_owner(s, who[i].addr), who[i].owner);
		assert_int_equal(settings_is_supplier(s, who[i].addr), who[i].supplier);
	}
	settings_free(&s);
}

/* A subdomain listed for one municipality wins over its parent's. */
static void
test_longest_domain(void **state)
{
	static const struct config_case c = {
		{ [MUNI] = "municipalities = ( { name = \"A\"; domains = [ \"a.dk\" ]; },"
		  " { name = \"B\"; domains = [ \"b.a.dk\" ]; } );" }, NULL, NULL };
	struct settings *s = NULL;
	struct err e;
	char *text = config_text(&c);

	(void)state;
	assert_int_equal(settings_load_string(text, "t.conf", &s, &e), 0);
	free(text);
	assert_int_equal(settings_municipality_by_domain(s, "x.a.dk"), 0);
	assert_int_equal(settings_municipality_by_domain(s, "x.b.a.dk"), 1);
	assert_int_equal(settings_municipality_by_domain(s, "b.a.dk"), 1);
	settings_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_cases),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_derived),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_longest_domain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

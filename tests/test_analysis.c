/* SPDX-License-Identifier: MIT */
/*
 * Tests for filters/analysis.c (and through it classify.c, extract.c,
 * authres.c): the sample corpus against expected.jsonl, then tables of
 * messages written the way municipal staff and the supplier write, each
 * with the JSON keys it must give. Runs from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <cmocka.h>

#include <jansson.h>

#include "conf/settings.h"
#include "filters/analysis.h"
#include "filters/prose.h"
#include "lib/buf.h"

static struct settings *S;

static int
setup(void **state)
{
	struct err e = { 0 };

	(void)state;
	if (settings_load_default(&S, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	settings_free(&S);
	return 0;
}

static json_t *
analyse(const char *msg, size_t len, const char *file)
{
	struct analysis *a = NULL;
	struct err e = { 0 };
	json_error_t je;
	json_t *j;
	char *s;

	if (analysis_run(S, msg, len, &a, &e) < 0)
		fail_msg("%s: analysis failed: %s", file, e.msg);
	s = analysis_to_json(S, a, file);
	j = json_loads(s, 0, &je);
	assert_non_null(j);
	free(s);
	analysis_free(&a);
	return j;
}

/* Every key of want must be in got with an equal value; returns how many
 * differ (each printed). */
static int
diff_keys(const char *name, json_t *got, json_t *want)
{
	const char *key;
	json_t *v;
	int bad = 0;

	json_object_foreach(want, key, v) {
		json_t *g = json_object_get(got, key);

		if (g == NULL || !json_equal(g, v)) {
			char *gs = g ? json_dumps(g, JSON_ENCODE_ANY) : strdup("(missing)");
			char *ws = json_dumps(v, JSON_ENCODE_ANY);

			print_error("%s: %s = %s, want %s\n", name, key, gs, ws);
			free(gs);
			free(ws);
			bad++;
		}
	}
	return bad;
}

static void
assert_keys(const char *name, json_t *got, json_t *want)
{
	int bad = diff_keys(name, got, want);

	if (bad)
		fail_msg("%s: %d key(s) differ", name, bad);
}

static char *
slurp(const char *path, size_t *len_r)
{
	struct buf b = { 0 };
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		fail_msg("cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len_r = b.len;
	return buf_steal(&b);
}

static void
test_sample_corpus(void **state)
{
	FILE *f = fopen("tests/corpus/sample/expected.jsonl", "r");
	char line[8192], path[512];
	int n = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		json_error_t je;
		json_t *want = json_loads(line, 0, &je), *got;
		const char *file = json_string_value(json_object_get(want, "file"));
		size_t len;
		char *msg;

		assert_non_null(want);
		snprintf(path, sizeof(path), "tests/corpus/sample/%s", file);
		msg = slurp(path, &len);
		got = analyse(msg, len, file);
		assert_keys(file, got, want);
		json_decref(got);
		json_decref(want);
		free(msg);
		n++;
	}
	fclose(f);
	assert_int_equal(n, 16);
}

struct msg_case {
	const char *name;
	const char *from;
	const char *subject;
	const char *headers;	/* extra header lines, CRLF-terminated */
	const char *body;
	const char *want;	/* JSON object: the keys that must match */
};

#define DATE "Wed, 18 Nov 2026 10:00:00 +0100"

/*
 * analysis_run_triage must give exactly what analysis_run gives for every
 * field brudvagt-milter's headers carry (analysis.h). Returns 0, or 1
 * after printing what differs.
 */
static int
triage_differs(const char *name, const char *msg, size_t len)
{
	struct analysis *full = NULL, *tri = NULL;
	struct err e = { 0 }, e2 = { 0 };
	int rf = analysis_run(S, msg, len, &full, &e);
	int rt = analysis_run_triage(S, msg, len, &tri, &e2);
	int bad = 0;
	size_t i;

	if (rf != rt) {
		print_error("%s: analysis_run %d, analysis_run_triage %d\n", name, rf, rt);
		bad = 1;
	} else if (rf >= 0) {
		bad = full->kind != tri->kind || full->origin != tri->origin ||
		      strcmp(full->case_ref, tri->case_ref) != 0 ||
		      full->reporting_municipality != tri->reporting_municipality ||
		      full->affects_all != tri->affects_all ||
		      full->severity != tri->severity ||
		      full->cpr_count != tri->cpr_count ||
		      full->spoofed != tri->spoofed;
		for (i = 0; i < S->nmunicipalities; i++)
			bad |= full->affected[i] != tri->affected[i];
		if (bad)
			print_error("%s: a header field differs between analysis_run "
				    "and analysis_run_triage\n", name);
	}
	analysis_free(&full);
	analysis_free(&tri);
	return bad;
}

static void
run_cases(const struct msg_case *c, size_t n)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < n; i++) {
		struct buf b = { 0 };
		json_error_t je;
		json_t *want = json_loads(c[i].want, 0, &je), *got;

		if (want == NULL)
			fail_msg("%s: bad expectation: %s", c[i].name, je.text);
		buf_printf(&b, "From: %s\r\nTo: borgerservice@aarhus.dk\r\n"
			   "Subject: %s\r\nDate: " DATE "\r\n"
			   "Message-ID: <test-%zu@example.invalid>\r\n%s"
			   "MIME-Version: 1.0\r\n"
			   "Content-Type: text/plain; charset=utf-8\r\n"
			   "Content-Transfer-Encoding: 8bit\r\n\r\n%s",
			   c[i].from, c[i].subject, i, c[i].headers ? c[i].headers : "",
			   c[i].body);
		got = analyse(b.s, b.len, c[i].name);
		bad += diff_keys(c[i].name, got, want);
		bad += triage_differs(c[i].name, b.s, b.len);
		json_decref(got);
		json_decref(want);
		buf_free(&b);
	}
	if (bad)
		fail_msg("%d key(s) differ", bad);
}

static const struct msg_case classify_cases[] = {
	{ "auto-reply by X-Autoreply", "Ida Berg <ib@viborg.dk>",
	  "Re: [BV-2026-0011] Sikkerhedsbrud", "X-Autoreply: yes\r\n",
	  "Jeg er ikke på kontoret.\n",
	  "{\"kind\": \"auto_reply\", \"case_ref\": \"BV-2026-0011\", \"origin\": null}" },
	{ "auto-reply by subject only", "Ida Berg <ib@viborg.dk>",
	  "Fraværende: [BV-2026-0012] Sikkerhedsbrud i MUNI", NULL,
	  "Jeg er på kursus og tilbage den 20. november.\n",
	  "{\"kind\": \"auto_reply\", \"case_ref\": \"BV-2026-0012\"}" },
	{ "auto-reply: Out of Office", "Ida Berg <ib@viborg.dk>",
	  "Out of Office: sikkerhedsbrud", NULL, "Away.\n",
	  "{\"kind\": \"auto_reply\", \"case_ref\": null}" },
	{ "auto-reply by Precedence: bulk", "Nyhedsbrev <news@viborg.dk>",
	  "Nyt om sikkerhedsbrud", "Precedence: bulk\r\n",
	  "Læs om sikkerhedsbrud i kommunerne.\n", "{\"kind\": \"auto_reply\"}" },
	{ "auto-reply by Auto-Submitted", "Ida Berg <ib@viborg.dk>",
	  "Sikkerhedsbrud", "Auto-Submitted: auto-replied\r\n",
	  "Sikkerhedsbrud i MUNI.\n", "{\"kind\": \"auto_reply\"}" },
	{ "Auto-Submitted: no is a person", "Ida Berg <ib@viborg.dk>",
	  "Sikkerhedsbrud i MUNI", "Auto-Submitted: no\r\n",
	  "Vi har et sikkerhedsbrud.\n", "{\"kind\": \"report\"}" },
	{ "ack by References without the tag", "Ole Dam <od@syddjurs.dk>",
	  "Re: sikkerhedsbrud",
	  "In-Reply-To: <case-BV-2026-0042.3@brudvagt.aarhus.dk>\r\n"
	  "References: <case-BV-2026-0042.3@brudvagt.aarhus.dk>\r\n",
	  "Modtaget, tak.\n",
	  "{\"kind\": \"ack\", \"case_ref\": \"BV-2026-0042\", \"affected_municipalities\": []}" },
	{ "ack by subject tag", "Ole Dam <od@syddjurs.dk>",
	  "SV: [BV-2026-0107] Sikkerhedsbrud i MUNI", NULL,
	  "Syddjurs bekræfter modtagelsen.\n",
	  "{\"kind\": \"ack\", \"case_ref\": \"BV-2026-0107\"}" },
	{ "reply naming the case in its text", "Ole Dam <od@syddjurs.dk>",
	  "SV: Sikkerhedsbrud i MUNI", NULL,
	  "Vi har modtaget sag BV-2026-0031 og vender tilbage.\n",
	  "{\"kind\": \"ack\", \"case_ref\": \"BV-2026-0031\"}" },
	{ "read receipt is automatic", "Ole Dam <od@syddjurs.dk>",
	  "Læst: [BV-2026-0107] Sikkerhedsbrud i MUNI", NULL,
	  "Din meddelelse er blevet læst.\n",
	  "{\"kind\": \"auto_reply\", \"case_ref\": \"BV-2026-0107\"}" },
	{ "'Read this' is no read receipt", "Ole Dam <od@syddjurs.dk>",
	  "Read this: sikkerhedsbrud i MUNI", NULL,
	  "En borger kunne se en anden borgers samtale.\n",
	  "{\"kind\": \"report\"}" },
	{ "an address without a domain (it crashed the lookup)", "x@",
	  "Sikkerhedsbrud", NULL, "Brud i MUNI.\n",
	  "{\"kind\": \"report\", \"origin\": \"unknown\"}" },
	{ "our own forward coming back in (a loop) is automatic, not a report",
	  "MUNI brudvagt <brudvagt@aarhus.dk>", "[BV-2026-0008] Sikkerhedsbrud i MUNI",
	  "Auto-Submitted: auto-generated\r\nX-Brudvagt-Mail: forward\r\n"
	  "Message-ID: <case-BV-2026-0008.3@brudvagt.aarhus.dk>\r\n",
	  "Systemejeren af MUNI videresender en anmeldelse af et sikkerhedsbrud.\n",
	  "{\"kind\": \"auto_reply\", \"case_ref\": \"BV-2026-0008\"}" },
	{ "bounce from postmaster", "postmaster@viborg.dk",
	  "Delivery Status Notification (Failure)", NULL,
	  "Your message to dpo@viborg.dk couldn't be delivered.\n",
	  "{\"kind\": \"bounce\"}" },
	{ "invitation is other", "Lone Dahl <ld@favrskov.dk>",
	  "Invitation: Erfaringsmøde om sikkerhedsbrud", NULL,
	  "Vi inviterer til møde om håndtering af sikkerhedsbrud.\n",
	  "{\"kind\": \"other\", \"origin\": null}" },
	{ "a question is other", "Lone Dahl <ld@favrskov.dk>",
	  "Brugergruppemøde", NULL,
	  "Hvornår holder vi næste brugergruppemøde?\n",
	  "{\"kind\": \"other\"}" },
	{ "newsletter with List-Id is other", "MUNI nyt <nyt@deloitte.dk>",
	  "MUNI nyhedsbrev november", "List-Id: <muni.deloitte.dk>\r\n",
	  "Release 4.13 retter et sikkerhedsbrud i logningen.\n",
	  "{\"kind\": \"other\"}" },
};

static void
test_classify(void **state)
{
	(void)state;
	run_cases(classify_cases, sizeof(classify_cases) / sizeof(classify_cases[0]));
}

#define AR(v) "Authentication-Results: " v "\r\n"

static const struct msg_case spoof_cases[] = {
	{ "dmarc fail", "Lis Holm <lh@lemvig.dk>", "Sikkerhedsbrud",
	  AR("mx.aarhus.dk; spf=pass smtp.mailfrom=lemvig.dk; dmarc=fail header.from=lemvig.dk"),
	  "Brud.\n", "{\"spoofed\": true}" },
	{ "spf fail, dkim pass", "Lis Holm <lh@lemvig.dk>", "Sikkerhedsbrud",
	  AR("mx.aarhus.dk; spf=fail smtp.mailfrom=lemvig.dk; dkim=pass header.d=lemvig.dk"),
	  "Brud.\n", "{\"spoofed\": false}" },
	{ "spf fail, dkim none", "Lis Holm <lh@lemvig.dk>", "Sikkerhedsbrud",
	  AR("mx.aarhus.dk; spf=fail (not permitted) smtp.mailfrom=lemvig.dk; dkim=none"),
	  "Brud.\n", "{\"spoofed\": true}" },
	{ "forged pass below the real fail", "Lis Holm <lh@lemvig.dk>", "Sikkerhedsbrud",
	  AR("mx.aarhus.dk; dmarc=fail header.from=lemvig.dk")
	  AR("mx.aarhus.dk; spf=pass; dkim=pass; dmarc=pass"),
	  "Brud.\n", "{\"spoofed\": true}" },
	{ "forged fail below the real pass", "Lis Holm <lh@lemvig.dk>", "Sikkerhedsbrud",
	  AR("mx.aarhus.dk; spf=pass; dkim=pass; dmarc=pass")
	  AR("evil.example; dmarc=fail"),
	  "Brud.\n", "{\"spoofed\": false}" },
	{ "no Authentication-Results", "Lis Holm <lh@lemvig.dk>", "Sikkerhedsbrud", NULL,
	  "Brud.\n", "{\"spoofed\": false}" },
};

static void
test_spoofed(void **state)
{
	(void)state;
	run_cases(spoof_cases, sizeof(spoof_cases) / sizeof(spoof_cases[0]));
}

static const struct msg_case report_cases[] = {
	{ "labelled, other label words", "Jens Bak <jb@viborg.dk>",
	  "Sikkerhedsbrud i MUNI", NULL,
	  "Hej\n\nTidspunkt for bruddet: 16/11-2026 14:30\n"
	  "Tidspunkt for opdagelse: 17.11.2026 kl. 9\n"
	  "Beskrivelse: En chatlog blev sendt til en forkert borger.\n"
	  "Antal berørte: tre\n"
	  "Typer af personoplysninger: navne og helbredsoplysninger\n"
	  "Anmeldt til Datatilsynet: nej\n"
	  "Alvorlighed: Høj\n\nMvh\nJens\n",
	  "{\"kind\": \"report\", \"origin\": \"municipality\","
	  " \"reporting_municipality\": \"Viborg\", \"affected_municipalities\": [\"Viborg\"],"
	  " \"breach_at\": \"2026-11-16T14:30+01:00\", \"discovered_at\": \"2026-11-17T09:00+01:00\","
	  " \"affected_count\": 3, \"data_categories\": [\"health\", \"name\"],"
	  " \"reported_to_authority\": false, \"severity\": \"high\","
	  " \"description\": \"En chatlog blev sendt til en forkert borger.\"}" },
	{ "one hurried line", "Mette <mette@odder.dk>", "brud", NULL,
	  "I går ved 9-tiden kunne en borger se en anden borgers samtale i MUNI. Mette, Odder Kommune\n",
	  "{\"kind\": \"report\", \"affected_municipalities\": [\"Odder\"],"
	  " \"breach_at\": \"2026-11-17T09:00+01:00\", \"discovered_at\": null,"
	  " \"affected_count\": null, \"severity\": null, \"reported_to_authority\": null}" },
	{ "ASCII spellings", "Per Holm <ph@favrskov.dk>", "Sikkerhedsbrud i MUNI", NULL,
	  "Bruddet berører også borgere i Hoersholm og Ringkobing-Skjern samt Århus.\n",
	  "{\"affected_municipalities\": [\"Aarhus\", \"Favrskov\", \"Hørsholm\", \"Ringkøbing-Skjern\"]}" },
	{ "a municipality said not to be affected", "Per Holm <ph@randers.dk>",
	  "Sikkerhedsbrud i MUNI", NULL,
	  "En samtale blev vist for en forkert borger. Viborg er ikke berørt.\n",
	  "{\"affected_municipalities\": [\"Randers\"]}" },
	{ "all municipalities", "Søren Lund <slund@deloitte.dk>",
	  "Security incident i MUNI", NULL,
	  "Fejlen rammer alle kommuner på platformen. Ca. 4.500 samtaler er berørt.\n",
	  "{\"origin\": \"supplier\", \"reporting_municipality\": null,"
	  " \"affects_all\": true, \"affected_municipalities\": []}" },
	{ "not all municipalities", "Søren Lund <slund@deloitte.dk>",
	  "Sikkerhedshændelse", NULL,
	  "Vi vurderer ikke, at alle kommuner er berørt; kun Vejen Kommune og Varde.\n",
	  "{\"affects_all\": false, \"affected_municipalities\": [\"Varde\", \"Vejen\"]}" },
	{ "the word vejen is not Vejen", "Ane Kro <ak@ishoj.dk>", "Sikkerhedsbrud", NULL,
	  "På vejen hjem mistede medarbejderen en USB-nøgle med navne på 12 borgere.\n",
	  "{\"affected_municipalities\": [\"Ishøj\"], \"affected_count\": 12,"
	  " \"data_categories\": [\"name\"]}" },
	{ "count in prose", "Ane Kro <ak@ishoj.dk>", "Sikkerhedsbrud", NULL,
	  "Vi vurderer, at ca. 120 borgere er berørt af fejlen.\n",
	  "{\"affected_count\": 120}" },
	{ "count with thousands separator", "Ane Kro <ak@ishoj.dk>", "Sikkerhedsbrud", NULL,
	  "Der er 1.250 berørte i alt.\n", "{\"affected_count\": 1250}" },
	{ "a count in words after 'om'", "Ane Kro <ak@ishoj.dk>", "Sikkerhedsbrud", NULL,
	  "Oplysninger om tre personer blev sendt til en forkert modtager.\n",
	  "{\"affected_count\": 3}" },
	{ "count unknown", "Ane Kro <ak@ishoj.dk>", "Sikkerhedsbrud", NULL,
	  "Antal berørte: ukendt, men loggen viser 300 opslag.\n",
	  "{\"affected_count\": null}" },
	{ "CPR forms and look-alikes", "Ane Kro <ak@ishoj.dk>", "Sikkerhedsbrud", NULL,
	  "Borgeren har CPR 010190-1234, også skrevet 0101901234. Ugyldig: 311390-1234."
	  " Tlf. 12 34 56 78.\n",
	  "{\"cpr_count\": 1, \"data_categories\": [\"cpr\"]}" },
	{ "Middelfart states no severity", "Bo Lind <bl@middelfart.dk>",
	  "Sikkerhedsbrud", NULL,
	  "Risikoen for borgerne i Middelfart er endnu ikke vurderet.\n",
	  "{\"severity\": null, \"affected_municipalities\": [\"Middelfart\"]}" },
	{ "severity in prose", "Bo Lind <bl@middelfart.dk>", "Sikkerhedsbrud", NULL,
	  "Vi vurderer, at der er lav risiko for de registrerede.\n",
	  "{\"severity\": \"low\"}" },
	{ "notified Datatilsynet in prose", "Bo Lind <bl@middelfart.dk>",
	  "Sikkerhedsbrud", NULL,
	  "Vi har anmeldt bruddet til Datatilsynet i morges.\n",
	  "{\"reported_to_authority\": true}" },
	{ "will not notify", "Bo Lind <bl@middelfart.dk>", "Sikkerhedsbrud", NULL,
	  "Vi anmelder ikke bruddet til Datatilsynet, da risikoen er lav.\n",
	  "{\"reported_to_authority\": false, \"severity\": \"low\"}" },
	{ "unknown sender", "Karl <karl1987@example.com>", "Sikkerhedsbrud i MUNI", NULL,
	  "Jeg kunne se en andens samtale med chatbotten i Thisted.\n",
	  "{\"kind\": \"report\", \"origin\": \"unknown\", \"reporting_municipality\": null,"
	  " \"affected_municipalities\": [\"Thisted\"]}" },
	{ "system owner forwards a report", "Borgerservice <borgerservice@aarhus.dk>",
	  "VS: Sikkerhedsbrud i MUNI", NULL,
	  "Til orientering.\n\n---------- Videresendt meddelelse ----------\n"
	  "Fra: Ole Hansen <oh@syddjurs.dk>\nDato: 17. nov. 2026 15:02\n"
	  "Emne: Sikkerhedsbrud i MUNI\n\n"
	  "Vi opdagede i dag kl. 14.50, at en chatlog med navne var sendt forkert.\n",
	  "{\"origin\": \"municipality\", \"reporting_municipality\": \"Syddjurs\","
	  " \"discovered_at\": \"2026-11-17T14:50+01:00\", \"affected_municipalities\": [\"Syddjurs\"]}" },
	{ "a forward without VS:, 'i dag' of the forwarded mail", "Kim <kim@viborg.dk>",
	  "Brud i MUNI", NULL,
	  "Til orientering, se nedenfor.\n\n/Kim\n\nFra: Ole Jensen <oj@viborg.dk>\n"
	  "Sendt: 18. november 2026 16:40\nTil: Kim <kim@viborg.dk>\nEmne: Brud i MUNI\n\n"
	  "Hej Kim\n\nI dag kl. 15.10 blev en chatlog med CPR 010101-1234 sendt til en"
	  " forkert borger. Jeg opdagede det kl. 16.30.\n\nOle\n",
	  "{\"kind\": \"report\", \"breach_at\": \"2026-11-18T15:10+01:00\","
	  " \"discovered_at\": \"2026-11-18T16:30+01:00\", \"cpr_count\": 1,"
	  " \"description\": \"I dag kl. 15.10 blev en chatlog med CPR [CPR fjernet]"
	  " sendt til en forkert borger. Jeg opdagede det kl. 16.30. Ole\"}" },
	{ "awareness in prose", "Jens Bak <jb@viborg.dk>", "Sikkerhedsbrud", NULL,
	  "Vi blev opmærksomme på det den 3. november kl. 08:15. Fejlen opstod"
	  " den 2. november kl. 23.40.\n",
	  "{\"discovered_at\": \"2026-11-03T08:15+01:00\", \"breach_at\": \"2026-11-02T23:40+01:00\"}" },
	{ "supplier, English labels", "Mads Vang <mvang@deloitte.dk>",
	  "Security incident INC0049999", NULL,
	  "Severity: Medium\nTime of incident: 2026-11-16 22:10\nDetected: 2026-11-17 06:45\n"
	  "Affected municipalities: Struer, Lemvig\n",
	  "{\"origin\": \"supplier\", \"severity\": \"medium\","
	  " \"breach_at\": \"2026-11-16T22:10+01:00\", \"discovered_at\": \"2026-11-17T06:45+01:00\","
	  " \"affected_municipalities\": [\"Lemvig\", \"Struer\"]}" },
	{ "sent to a wrong address is not contact data", "Hanne Vig <hv@vejen.dk>",
	  "Brud på persondatasikkerheden i MUNI", NULL,
	  "Mandag den 16. november 2026 omkring kl. 13 sendte chatbotten en opsummering"
	  " til en forkert e-mailadresse. Den indeholdt borgerens navn, CPR-nummer"
	  " 150385-1122 og oplysninger om sygdom.\n\nVi blev gjort opmærksom på fejlen"
	  " tirsdag morgen kl. 8.05. Der er tale om én borger.\n",
	  "{\"data_categories\": [\"cpr\", \"health\", \"name\"], \"affected_count\": 1,"
	  " \"breach_at\": \"2026-11-16T13:00+01:00\", \"discovered_at\": \"2026-11-17T08:05+01:00\","
	  " \"affected_municipalities\": [\"Vejen\"], \"cpr_count\": 1}" },
	{ "English incident form", "Service Desk <muni-servicedesk@deloitte.dk>",
	  "INC0051234: Unauthorised access", NULL,
	  "Incident: INC0051234\nSeverity: Critical\nStart of incident: 17-11-2026 02:14\n"
	  "Detected: 17-11-2026 06:30\nAffected municipalities: Helsingør, Fredensborg\n",
	  "{\"origin\": \"supplier\", \"severity\": \"high\","
	  " \"breach_at\": \"2026-11-17T02:14+01:00\", \"discovered_at\": \"2026-11-17T06:30+01:00\","
	  " \"affected_municipalities\": [\"Fredensborg\", \"Helsingør\"]}" },
	{ "samtlige 40 kommuner, Berørte: label, 'ikke relevant'", "B <b@mail.randers.dk>",
	  "Sikkerhedsbrud", NULL,
	  "Tidspunkt for bruddet: 17/11-26 kl. 14\nOpdaget: 2026-11-18T07:05\n"
	  "Berørte: 3 personer\nAnmeldelse til Datatilsynet: Ikke relevant\n"
	  "Risikovurdering: Mellem\n\nBruddet vedrører samtlige 40 kommuner.\n",
	  "{\"reporting_municipality\": \"Randers\", \"affects_all\": true,"
	  " \"affected_count\": 3, \"reported_to_authority\": false, \"severity\": \"medium\","
	  " \"breach_at\": \"2026-11-17T14:00+01:00\", \"discovered_at\": \"2026-11-18T07:05+01:00\"}" },
	{ "a count without a cue, DT", "C <c@aarhus.dk>", "Brud", NULL,
	  "Hej. I dag kl. 8 kunne ca. 1.000 personer se hinandens samtaler i MUNI."
	  " DT er ikke orienteret. /C, Sundhed og Omsorg\n",
	  "{\"reporting_municipality\": \"Aarhus\", \"affected_count\": 1000,"
	  " \"reported_to_authority\": false, \"breach_at\": \"2026-11-18T08:00+01:00\","
	  " \"data_categories\": []}" },
	{ "a numbered form with '?', ' - ' and ' – ' after the labels", "A <a@viborg.dk>",
	  "Sikkerhedsbrud", NULL,
	  "1. Hvornår skete bruddet?\n17. november kl. 14.05\n2. Antal berørte - 12 borgere\n"
	  "3. Årsag – forkert opsætning\na) Alvorlighed: høj\n",
	  "{\"breach_at\": \"2026-11-17T14:05+01:00\", \"affected_count\": 12,"
	  " \"cause\": \"forkert opsætning\", \"severity\": \"high\"}" },
	{ "owner name does not name Aarhus", "Søren Lund <slund@deloitte.dk>",
	  "Sikkerhedsbrud", NULL,
	  "Kære Borgerservice, Aarhus Kommune\n\nEt brud berører Rebild.\n",
	  "{\"affected_municipalities\": [\"Rebild\"]}" },
};

static void
test_reports(void **state)
{
	(void)state;
	run_cases(report_cases, sizeof(report_cases) / sizeof(report_cases[0]));
}

/* Labels in an HTML table (a form pasted into Outlook). */
static void
test_html_table(void **state)
{
	static const char msg[] =
		"From: Ulla <ul@norddjurs.dk>\r\nSubject: Sikkerhedsbrud\r\n"
		"Date: " DATE "\r\nMIME-Version: 1.0\r\n"
		"Content-Type: text/html; charset=utf-8\r\n\r\n"
		"<html><body><p>Hej</p><table>"
		"<tr><td>Dato og tidspunkt for bruddet</td><td>17.11.2026 kl. 10:00</td></tr>"
		"<tr><td>Dato og tidspunkt for underretning</td><td>18.11.2026 kl. 07:45</td></tr>"
		"<tr><td>Antal ber&oslash;rte</td><td>12</td></tr>"
		"<tr><td>Personoplysninger</td><td>Navne og CPR-numre</td></tr>"
		"<tr><td><b>Alvorlighed:</b></td><td>Lav</td></tr>"
		"</table><p>Mvh Ulla</p></body></html>\r\n";
	json_t *got = analyse(msg, sizeof(msg) - 1, "html table");
	json_error_t je;
	json_t *want = json_loads("{\"affected_count\": 12, \"severity\": \"low\","
		" \"breach_at\": \"2026-11-17T10:00+01:00\","
		" \"discovered_at\": \"2026-11-18T07:45+01:00\","
		" \"data_categories\": [\"cpr\", \"name\"]}", 0, &je);

	(void)state;
	assert_keys("html table", got, want);
	json_decref(got);
	json_decref(want);
}

/* A delivery report: "failed" is a bounce, "delivered" only a receipt. */
static void
test_delivery_reports(void **state)
{
	static const char *const actions[] = { "failed", "delivered" };
	static const char *const kinds[] = { "bounce", "auto_reply" };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct buf b = { 0 };
		json_t *got;

		buf_printf(&b, "From: MAILER-DAEMON@mx.viborg.dk\r\nTo: brudvagt@aarhus.dk\r\n"
			   "Subject: Delivery Status Notification\r\nDate: " DATE "\r\n"
			   "MIME-Version: 1.0\r\nContent-Type: multipart/report;"
			   " report-type=delivery-status; boundary=\"B\"\r\n\r\n"
			   "--B\r\nContent-Type: text/plain\r\n\r\nReport.\r\n"
			   "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
			   "Reporting-MTA: dns; mx.viborg.dk\r\n\r\n"
			   "Final-Recipient: rfc822; dpo@viborg.dk\r\nAction: %s\r\n"
			   "Status: 2.0.0\r\n\r\n"
			   "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
			   "Message-ID: <case-BV-2026-0009.4@brudvagt.aarhus.dk>\r\n"
			   "Subject: [BV-2026-0009] Sikkerhedsbrud\r\n\r\n--B--\r\n", actions[i]);
		got = analyse(b.s, b.len, actions[i]);
		assert_string_equal(json_string_value(json_object_get(got, "kind")), kinds[i]);
		assert_string_equal(json_string_value(json_object_get(got, "case_ref")),
				    "BV-2026-0009");
		json_decref(got);
		buf_free(&b);
	}
}

static void
test_redaction_everywhere(void **state)
{
	static const char msg[] =
		"From: Ane Kro <ak@ishoj.dk>\r\nSubject: Brud 010190-1234\r\n"
		"Date: " DATE "\r\n\r\n"
		"Hvad skete der: CPR 010190-1234 blev sendt forkert.\r\n"
		"Årsag: fejl ved 020290-2345\r\n";
	struct analysis *a = NULL;
	struct err e = { 0 };
	char *json;

	(void)state;
	assert_int_equal(analysis_run(S, msg, sizeof(msg) - 1, &a, &e), 0);
	assert_int_equal(a->cpr_count, 2);
	json = analysis_to_json(S, a, "x");
	assert_null(strstr(json, "010190"));
	assert_null(strstr(json, "020290"));
	assert_non_null(strstr(json, "[CPR fjernet]"));
	assert_null(strstr(a->text_redacted, "010190"));
	free(json);
	analysis_free(&a);
}

/* Inputs the fuzzer once failed on: each analyses to JSON whose every text
 * is UTF-8 (analysis_to_json writes "(invalid UTF-8)" otherwise). */
static void
test_fuzz_regressions(void **state)
{
	static const char *const dir = "tests/fixtures/fuzz-regressions/analysis";
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		struct analysis *a = NULL;
		struct err e = { 0 };
		char path[512], *msg, *json;
		size_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		msg = slurp(path, &len);
		if (analysis_run(S, msg, len, &a, &e) >= 0) {
			json = analysis_to_json(S, a, de->d_name);
			if (strstr(json, "(invalid UTF-8)") != NULL)
				fail_msg("%s: a text field is not UTF-8", de->d_name);
			free(json);
			analysis_free(&a);
		}
		free(msg);
		n++;
	}
	closedir(d);
	assert_true(n > 0);
}

/* Every file under dir (recursively, but not the corpus' own notes):
 * analysis_run_triage agrees with analysis_run. Returns files read. */
static int
triage_walk(const char *dir, int *bad)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char path[1024], *msg;
		size_t len;

		if (de->d_name[0] == '.' || de->d_name[0] == '_' ||
		    strcmp(de->d_name, "SOURCES.md") == 0 ||
		    strcmp(de->d_name, "expected.jsonl") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR) {
			n += triage_walk(path, bad);
			continue;
		}
		msg = slurp(path, &len);
		*bad += triage_differs(path, msg, len);
		free(msg);
		n++;
	}
	closedir(d);
	return n;
}

static void
test_triage_same_fields(void **state)
{
	int bad = 0, n;

	(void)state;
	n = triage_walk("tests/corpus", &bad) +
	    triage_walk("tests/fixtures/fuzz-regressions/analysis", &bad) +
	    triage_walk("tests/fixtures/hostile", &bad);
	assert_true(n > 400);
	if (bad)
		fail_msg("%d of %d messages: the triage analysis differs", bad, n);
}

/* prose takes any bytes: a NUL inside the text must not cut its flat
 * copy short (it did, and the scans went on past the copy's end). */
static void
test_prose_nul_inside(void **state)
{
	static const char text[] = "Hej\0 med dig.\nEn linje\nmere her.";
	struct prose p;

	(void)state;
	prose_begin(&p, text, sizeof(text) - 1);
	prose_build(&p, true);
	assert_int_equal(p.len, sizeof(text) - 1);
	assert_memory_equal(p.flat + 4, " med dig.\nen linje mere her.", p.len - 4);
	assert_int_equal(p.flat[p.len], '\0');
	prose_free(&p);
}

static void
test_unreadable(void **state)
{
	struct analysis *a = NULL;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(analysis_run(S, "", 0, &a, &e), -1);
	assert_null(a);
	assert_true(e.msg[0] != '\0');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_corpus),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_spoofed),
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_html_table),
		cmocka_unit_test(test_delivery_reports),
		cmocka_unit_test(test_redaction_everywhere),
		cmocka_unit_test(test_fuzz_regressions),
		cmocka_unit_test(test_triage_same_fields),
		cmocka_unit_test(test_prose_nul_inside),
		cmocka_unit_test(test_unreadable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

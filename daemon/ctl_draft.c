/* SPDX-License-Identifier: MIT */
/*
 * ctl_draft.c — `brudvagtctl draft REF MUNICIPALITY`: a pre-filled Danish
 * text for the municipality's notification to Datatilsynet (GDPR art. 33),
 * laid out by the questions of Datatilsynet's form: the controller and its
 * contact, the processor, when it happened and when it became known (and,
 * past the 72 hours, the reason for the delay), what happened and why,
 * the types of data, how many are affected, the likely consequences and
 * the measures. Filled from the register fields of the case only — never
 * the mails themselves — and printed after a second CPR redaction, so it
 * holds no personal data of those affected beyond what the register
 * texts say; the text asks the reader to check those. What brudvagt does
 * not know is marked "[udfyldes]". Reads the store; writes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/ctl.h"
#include "lib/cphtime.h"
#include "lib/xalloc.h"

static const char TODO[] = "[udfyldes]";

/* "05.10.2026 kl. 15.20", or TODO when unknown. */
static const char *
when(bool has, int64_t t, char out[CPH_ISO_MAX])
{
	if (!has)
		return TODO;
	cph_danish(t, out);
	return out;
}

/* A register text after a second CPR redaction, indented; TODO when none. */
static void
put_text(struct buf *out, const char *title, const char *text)
{
	char *r = ctl_redact(text);
	const char *p;

	buf_printf(out, "\n%s\n  ", title);
	if (r == NULL || r[0] == '\0')
		buf_puts(out, TODO);
	for (p = r; p != NULL && *p != '\0'; p++) {
		if (*p == '\r')
			continue;
		buf_putc(out, *p);
		if (*p == '\n' && p[1] != '\0')
			buf_puts(out, "  ");
	}
	buf_putc(out, '\n');
	free(r);
}

static void
put_controller(const struct settings *s, const struct store_party *p,
	       struct buf *out)
{
	int i = settings_municipality_by_name(s, p->name);
	const struct contact *ct;
	size_t k;

	buf_printf(out, "\n1. Dataansvarlig\n  %s Kommune\n  CVR-nummer: %s\n",
		   p->name, TODO);
	for (k = 0; i >= 0 && k < s->municipalities[i].ncontacts; k++) {
		ct = &s->municipalities[i].contacts[k];
		buf_printf(out, "  Kontaktperson: %s%s%s%s%s%s%s\n",
			   ct->title ? ct->title : "", ct->title ? ", " : "",
			   ct->name ? ct->name : "", ct->name ? ", " : "",
			   ct->email ? ct->email : "", ct->mobile ? ", " : "",
			   ct->mobile ? ct->mobile : "");
	}
	if (i < 0 || s->municipalities[i].ncontacts == 0)
		buf_printf(out, "  Kontaktperson: %s\n", TODO);
	buf_printf(out, "\n2. Databehandler\n  %s (leverandør af chatbotten "
		   "MUNI); systemejer: %s\n", s->supplier.name,
		   s->system_owner.name);
}

static void
put_times(const struct settings *s, const struct store_case *c, int64_t now,
	  struct buf *out)
{
	int64_t deadline = c->aware_at + (int64_t)s->deadlines.authority_hours * 3600;
	char t1[CPH_ISO_MAX], t2[CPH_ISO_MAX], t3[CPH_ISO_MAX];

	buf_printf(out, "\n3. Tidspunkter\n"
		   "  Bruddet skete: %s\n"
		   "  Den dataansvarlige blev bekendt med bruddet: %s\n"
		   "  Frist for anmeldelse (%d timer): %s\n",
		   when(c->has_breach_at, c->breach_at, t1),
		   when(true, c->aware_at, t2), s->deadlines.authority_hours,
		   when(true, deadline, t3));
	if (now > deadline)
		buf_printf(out, "  Anmeldelsen sker efter fristen. Begrundelse "
			   "for forsinkelsen: %s\n", TODO);
}

static void
put_extent(const struct store_case *c, struct buf *out)
{
	struct buf cats = { 0 };

	ctl_categories_danish(c->data_categories, &cats);
	buf_printf(out, "\n6. Typer af personoplysninger\n  %s\n",
		   cats.len ? buf_cstr(&cats) : TODO);
	buf_printf(out, "  CPR-numre indgår: %s\n",
		   c->cpr_count > 0 || (c->data_categories &&
		   strstr(c->data_categories, "cpr")) ? "ja" : TODO);
	buf_puts(out, "\n7. Berørte personer\n  Kategorier: borgere, der har "
		 "brugt chatbotten MUNI\n");
	if (c->affected_count >= 0)
		buf_printf(out, "  Omtrentligt antal: %ld\n", c->affected_count);
	else
		buf_printf(out, "  Omtrentligt antal: %s\n", TODO);
	buf_free(&cats);
}

void
ctl_draft_text(const struct settings *s, const struct store_case *c,
	       const struct store_party *p, int64_t now, struct buf *out)
{
	buf_printf(out, "Udkast: anmeldelse af brud på persondatasikkerheden "
		   "til Datatilsynet\nSag %s i brudvagt, %s Kommune\n\n"
		   "Udfyldt fra sagens registrering. Kontrollér alle tekster, "
		   "før de sendes: der må ikke stå navne, CPR-numre eller andre "
		   "personoplysninger om de berørte borgere. Felter markeret "
		   "%s kender brudvagt ikke.\n", c->ref, p->name, TODO);
	put_controller(s, p, out);
	put_times(s, c, now, out);
	put_text(out, "4. Hvad skete der", c->description);
	put_text(out, "5. Årsag", c->cause);
	put_extent(c, out);
	put_text(out, "8. Sandsynlige konsekvenser for de berørte",
		 c->consequences);
	put_text(out, "9. Trufne og foreslåede foranstaltninger", c->measures);
	buf_printf(out, "\n10. Underretning af de berørte (artikel 34)\n  %s\n",
		   TODO);
	buf_printf(out, "\n11. Alvorlighed\n  %s\n", c->severity ?
		   ctl_severity_danish(c->severity) : TODO);
}

/* The municipality party of c that input names, or NULL. */
static const struct store_party *
muni_party(const struct store_case *c, const char *input)
{
	int k = ctl_party_match(c, input);

	if (k < 0 || c->parties[k].kind != STORE_PARTY_MUNICIPALITY)
		return NULL;
	return &c->parties[k];
}

int
ctl_draft(const struct settings *s, int argc, char **argv)
{
	struct store *st = NULL;
	struct store_case *c = NULL;
	const struct store_party *p;
	struct buf out = { 0 };
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: brudvagtctl -c CONFIG draft REF MUNICIPALITY\n");
		return CTL_EX_USAGE;
	}
	if ((rc = ctl_store_open(s, &st)) != 0)
		return rc;
	if ((rc = ctl_case_fetch(st, argv[1], &c)) != 0)
		goto fail;
	if ((p = muni_party(c, argv[2])) == NULL) {
		fprintf(stderr, "brudvagtctl: %s is not a municipality of %s\n",
			argv[2], c->ref);
		rc = CTL_EX_DATAERR;
		goto fail;
	}
	ctl_draft_text(s, c, p, (int64_t)time(NULL), &out);
	fputs(buf_cstr(&out), stdout);
	buf_free(&out);
fail:
	store_case_free(&c);
	store_close(&st);
	if (fflush(stdout) != 0 && rc == 0)
		rc = CTL_EX_IOERR;
	return rc;
}

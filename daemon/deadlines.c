/* SPDX-License-Identifier: MIT */
/*
 * deadlines.c — the procedure's clock (see deadlines.h for the rules).
 *
 * deadline_decide() is pure: cases, ledger keys and "now" in, due mails
 * out. It walks each open case twice (acknowledgements, then the
 * Datatilsynet deadline of each municipality) and adds the digest last.
 * Every mail carries the ledger keys that make it "sent":
 *	REF/reminder/pID/8h		REF/escalation/pID
 *	REF/authority-warning/pID/48h	REF/authority-passed/pID
 *	REF/authority-owner/pID		digest/2026-12-01
 * deadline_run() is the only part that touches the store; it is called by
 * brudvagtd's main loop every DEADLINES_INTERVAL_SECONDS and by --once.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/ctl.h"
#include "daemon/deadlines.h"
#include "lib/atomicfile.h"
#include "lib/buf.h"
#include "lib/cphtime.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define HOUR 3600

static const int AUTHORITY_WARN_HOURS[] = DEADLINES_AUTHORITY_WARN_HOURS;
#define NWARN (sizeof(AUTHORITY_WARN_HOURS) / sizeof(AUTHORITY_WARN_HOURS[0]))

static const char *const MAIL_KINDS[] = {
	[DEADLINE_REMINDER] = "reminder",
	[DEADLINE_ESCALATION] = "escalation",
	[DEADLINE_AUTHORITY_WARNING] = "authority",
	[DEADLINE_AUTHORITY_PASSED] = "authority",
	[DEADLINE_AUTHORITY_OWNER] = "authority",
	[DEADLINE_DIGEST] = "digest",
};

struct decide {
	const struct settings *s;
	char *const *sent;
	size_t nsent;
	int64_t now;
	struct deadline_action *v;
	size_t n;
};

/* ---- small helpers ---- */

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
was_sent(const struct decide *d, const char *key)
{
	return d->nsent > 0 &&
	       bsearch(&key, d->sent, d->nsent, sizeof(*d->sent), key_cmp);
}

/* "01.12.2026 kl. 10.00" (Copenhagen) into a static-size buffer. */
static const char *
when(int64_t t, char out[CPH_ISO_MAX])
{
	cph_danish(t, out);
	return out;
}

char *
deadline_join_names(const char *const *names, size_t n)
{
	struct buf b = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_puts(&b, i + 1 == n ? " og " : ", ");
		buf_puts(&b, names[i]);
	}
	return buf_steal(&b);
}

static const struct municipality *
muni_of(const struct settings *s, const struct store_party *p)
{
	int i;

	if (p->kind != STORE_PARTY_MUNICIPALITY)
		return NULL;
	i = settings_municipality_by_name(s, p->name);
	return i < 0 ? NULL : &s->municipalities[i];
}

static void
add_rcpt(struct deadline_action *a, const char *addr)
{
	size_t i;

	if (addr == NULL || addr[0] == '\0')
		return;
	for (i = 0; i < a->nrecipients; i++)
		if (strcasecmp(a->recipients[i], addr) == 0)
			return;
	a->recipients = xreallocarray(a->recipients, a->nrecipients + 1,
				      sizeof(*a->recipients));
	a->recipients[a->nrecipients++] = xstrdup(addr);
}

/* The party's own addresses: a municipality's contacts, the supplier's
 * listed emails. */
static void
add_party_rcpts(const struct settings *s, const struct store_party *p,
		struct deadline_action *a)
{
	const struct municipality *m = muni_of(s, p);
	size_t i;

	if (m != NULL)
		for (i = 0; i < m->ncontacts; i++)
			add_rcpt(a, m->contacts[i].email);
	if (p->kind == STORE_PARTY_SUPPLIER)
		for (i = 0; i < s->supplier.emails.n; i++)
			add_rcpt(a, s->supplier.emails.v[i]);
}

static void
add_owner_rcpts(const struct settings *s, struct deadline_action *a)
{
	size_t i;

	for (i = 0; i < s->system_owner.emails.n; i++)
		add_rcpt(a, s->system_owner.emails.v[i]);
}

static bool
party_reachable(const struct settings *s, const struct store_party *p)
{
	const struct municipality *m = muni_of(s, p);
	size_t i;

	for (i = 0; m != NULL && i < m->ncontacts; i++)
		if (m->contacts[i].email != NULL)
			return true;
	return p->kind == STORE_PARTY_SUPPLIER && s->supplier.emails.n > 0;
}

static void
add_mark(struct deadline_action *a, char *key, int64_t party, int64_t due)
{
	a->marks = xreallocarray(a->marks, a->nmarks + 1, sizeof(*a->marks));
	a->marks[a->nmarks++] = (struct store_deadline_mark){
		key, a->case_id, party, a->mail_kind, due };
}

static struct deadline_action *
push(struct decide *d, enum deadline_kind k, const struct store_case *c,
     int64_t party, int64_t due)
{
	struct deadline_action *a;

	d->v = xreallocarray(d->v, d->n + 1, sizeof(*d->v));
	a = &d->v[d->n++];
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->mail_kind = MAIL_KINDS[k];
	if (c != NULL) {
		snprintf(a->ref, sizeof(a->ref), "%s", c->ref);
		a->case_id = c->id;
	}
	a->party = party;
	a->due_at = due;
	return a;
}

/* The names of parties v[0..n): municipalities first, then the supplier,
 * as people say it ("Viborg, Favrskov og Deloitte"). Owned string. */
static char *
names_of(const struct store_party *const *v, size_t n)
{
	const char **names = xcalloc(n + 1, sizeof(*names));
	size_t i, k = 0;
	char *out;

	for (i = 0; i < n; i++)
		if (v[i]->kind == STORE_PARTY_MUNICIPALITY)
			names[k++] = v[i]->name;
	for (i = 0; i < n; i++)
		if (v[i]->kind != STORE_PARTY_MUNICIPALITY)
			names[k++] = v[i]->name;
	out = deadline_join_names(names, k);
	free(names);
	return out;
}

static void
put_contacts(const struct settings *s, const struct store_party *p,
	     struct buf *b)
{
	const struct municipality *m = muni_of(s, p);
	const struct contact *ct;
	size_t i;

	for (i = 0; m != NULL && i < m->ncontacts; i++) {
		ct = &m->contacts[i];
		buf_printf(b, "  Kontakt: %s%s%s%s<%s>", ct->title ? ct->title : "",
			   ct->title ? " " : "", ct->name ? ct->name : "",
			   ct->name ? " " : "", ct->email ? ct->email : "");
		if (ct->mobile)
			buf_printf(b, ", mobil %s", ct->mobile);
		buf_putc(b, '\n');
	}
	if (p->kind == STORE_PARTY_SUPPLIER)
		for (i = 0; i < s->supplier.emails.n; i++)
			buf_printf(b, "  Kontakt: <%s>\n", s->supplier.emails.v[i]);
	if ((m == NULL || m->ncontacts == 0) &&
	    (p->kind != STORE_PARTY_SUPPLIER || s->supplier.emails.n == 0))
		buf_puts(b, "  Kontakt: ingen adresse i brudvagts konfiguration\n");
}

static void
sign(const struct settings *s, struct buf *b)
{
	buf_printf(b, "\nMed venlig hilsen\nbrudvagt, på vegne af %s\n"
		   "(automatisk besked; svar på denne mail og behold sagsnummeret "
		   "i emnefeltet)\n", s->system_owner.name);
}

static void
finish(struct deadline_action *a, struct buf *body, char *subject,
       char *detail)
{
	size_t tag = strlen(a->ref) + 3;	/* "[REF] " */

	a->body = buf_steal(body);
	a->subject = subject;
	a->topic = a->ref[0] && strlen(subject) >= tag ? subject + tag : subject;
	a->detail = detail;
}

/* ---- acknowledgements ---- */

static bool
owes_ack(const struct store_party *p)
{
	return ctl_party_owes_ack(p) && p->notified_at != 0;
}

/* Reminder texts: to the silent party itself. */
static void
reminder_text(const struct settings *s, const struct store_case *c,
	      const struct store_party *p, int64_t deadline,
	      struct deadline_action *a)
{
	char t1[CPH_ISO_MAX], t2[CPH_ISO_MAX];
	struct buf b = { 0 };

	buf_printf(&b, "Til %s\n\n", p->name);
	buf_printf(&b, "Den %s sendte brudvagt jer sag %s om et brud på "
		   "persondatasikkerheden i MUNI. Vi har endnu ikke modtaget "
		   "jeres kvittering.\n\n", when(p->notified_at, t1), c->ref);
	buf_printf(&b, "Kvittér venligst ved at svare på denne mail senest "
		   "%s. Uden kvittering inden da går sagen videre til "
		   "systemejeren, %s.\n", when(deadline, t2),
		   s->system_owner.name);
	sign(s, &b);
	finish(a, &b, xasprintf("[%s] Påmindelse: kvittering senest %s",
				c->ref, t2),
	       xasprintf("kind=reminder party=%s deadline=%s", p->name, t2));
}

static char *
reminder_key(const struct store_case *c, const struct store_party *p, int h)
{
	return xasprintf("%s/reminder/p%" PRId64 "/%dh", c->ref, p->id, h);
}

/*
 * The latest reminder offset that has passed, when it was not sent; the
 * earlier unsent ones are recorded with it, so they never go late.
 */
static void
reminder(struct decide *d, const struct store_case *c,
	 const struct store_party *p, int64_t deadline)
{
	const struct settings *s = d->s;
	struct deadline_action *a;
	int best = -1, h;
	size_t i;
	char *key;

	for (i = 0; i < s->deadlines.nreminder_hours; i++) {
		h = s->deadlines.reminder_hours[i];
		if (p->notified_at + (int64_t)h * HOUR <= d->now && h > best)
			best = h;
	}
	if (best < 0 || !party_reachable(s, p))
		return;
	key = reminder_key(c, p, best);
	if (was_sent(d, key)) {
		free(key);
		return;
	}
	a = push(d, DEADLINE_REMINDER, c, p->id,
		 p->notified_at + (int64_t)best * HOUR);
	add_mark(a, key, p->id, a->due_at);
	for (i = 0; i < s->deadlines.nreminder_hours; i++) {
		h = s->deadlines.reminder_hours[i];
		if (h == best || p->notified_at + (int64_t)h * HOUR > d->now)
			continue;
		key = reminder_key(c, p, h);
		if (was_sent(d, key))
			free(key);
		else
			add_mark(a, key, p->id, p->notified_at + (int64_t)h * HOUR);
	}
	add_party_rcpts(s, p, a);
	reminder_text(s, c, p, deadline, a);
}

static void
escalation_text(const struct settings *s, const struct store_case *c,
		const struct store_party *const *late, size_t n,
		struct deadline_action *a)
{
	char t1[CPH_ISO_MAX], t2[CPH_ISO_MAX], *names = names_of(late, n);
	struct buf b = { 0 };
	size_t i;

	buf_printf(&b, "Til %s\n\n", s->system_owner.name);
	buf_printf(&b, "Sag %s: %s har ikke kvitteret for modtagelsen inden "
		   "fristen på %d timer.\n\n", c->ref, names,
		   s->deadlines.ack_hours);
	for (i = 0; i < n; i++) {
		buf_printf(&b, "%s\n  Underrettet: %s, frist: %s\n", late[i]->name,
			   when(late[i]->notified_at, t1),
			   when(late[i]->notified_at +
				(int64_t)s->deadlines.ack_hours * HOUR, t2));
		if (late[i]->return_date != 0)
			buf_printf(&b, "  Fraværsbesked: tilbage %s\n",
				   when(late[i]->return_date, t1));
		put_contacts(s, late[i], &b);
		buf_putc(&b, '\n');
	}
	buf_puts(&b, "Kontakt dem venligst direkte. brudvagt stopper "
		 "påmindelserne, så snart en kvittering kommer.\n");
	sign(s, &b);
	finish(a, &b, xasprintf("[%s] Eskalering: ingen kvittering fra %s",
				c->ref, names),
	       xasprintf("kind=escalation parties=%s", names));
	free(names);
}

/* One escalation naming every party silent past its deadline, when one
 * of them was not escalated before. */
static void
escalation(struct decide *d, const struct store_case *c,
	   const struct store_party *const *late, size_t n)
{
	struct deadline_action *a = NULL;
	int64_t due;
	size_t i;
	char *key;

	for (i = 0; i < n; i++) {
		key = xasprintf("%s/escalation/p%" PRId64, c->ref, late[i]->id);
		due = late[i]->notified_at +
		      (int64_t)d->s->deadlines.ack_hours * HOUR;
		if (was_sent(d, key)) {
			free(key);
			continue;
		}
		if (a == NULL)
			a = push(d, DEADLINE_ESCALATION, c, 0, due);
		add_mark(a, key, late[i]->id, due);
	}
	if (a == NULL)
		return;
	if (a->nmarks == 1)
		a->party = a->marks[0].party;
	add_owner_rcpts(d->s, a);
	escalation_text(d->s, c, late, n, a);
}

static void
decide_acks(struct decide *d, const struct store_case *c)
{
	const struct store_party **late = xcalloc(c->nparties + 1, sizeof(*late));
	const struct store_party *p;
	int64_t deadline;
	size_t i, n = 0;

	for (i = 0; i < c->nparties; i++) {
		p = &c->parties[i];
		if (!owes_ack(p))
			continue;
		deadline = p->notified_at + (int64_t)d->s->deadlines.ack_hours * HOUR;
		if (d->now < deadline)
			reminder(d, c, p, deadline);
		else
			late[n++] = p;
	}
	if (n > 0)
		escalation(d, c, late, n);
	free(late);
}

/* ---- GDPR art. 33: the municipalities' Datatilsynet decisions ---- */

static bool
undecided(const struct store_case *c, const struct store_party *p)
{
	return p->kind == STORE_PARTY_MUNICIPALITY &&
	       ctl_party_authority(c, p) == STORE_NULL;
}

/* May the municipality be written to about the case? It knows of it. */
static bool
knows(const struct settings *s, const struct store_party *p)
{
	return (p->reporter || p->notified_at != 0) && party_reachable(s, p);
}

static void
authority_how(struct buf *b)
{
	buf_puts(b, "Svar venligst på denne mail med jeres beslutning, fx "
		 "\"Anmeldt til Datatilsynet: ja\" eller \"Anmeldt til "
		 "Datatilsynet: nej\", så registreres den på sagen.\n");
}

static void
warning_text(const struct settings *s, const struct store_case *c,
	     const struct store_party *p, int64_t deadline,
	     struct deadline_action *a)
{
	char t1[CPH_ISO_MAX], t2[CPH_ISO_MAX];
	struct buf b = { 0 };

	buf_printf(&b, "Til %s\n\n", p->name);
	buf_printf(&b, "I sag %s (brud på persondatasikkerheden i MUNI) har "
		   "brudvagt endnu ikke registreret jeres beslutning om "
		   "anmeldelse til Datatilsynet.\n\n", c->ref);
	buf_printf(&b, "Som dataansvarlig skal kommunen efter "
		   "databeskyttelsesforordningens artikel 33 anmelde bruddet "
		   "senest %d timer efter, at den blev bekendt med det, "
		   "medmindre det sandsynligvis ikke indebærer en risiko for "
		   "de registrerede.\n\n", s->deadlines.authority_hours);
	buf_printf(&b, "Bekendt med bruddet: %s\nFrist: %s\n\n",
		   when(c->aware_at, t1), when(deadline, t2));
	authority_how(&b);
	sign(s, &b);
	finish(a, &b, xasprintf("[%s] Påmindelse: frist for anmeldelse til "
				"Datatilsynet %s (%s)", c->ref, t2, p->name),
	       xasprintf("kind=authority party=%s deadline=%s", p->name, t2));
}

/* The latest warning offset that has passed, when not sent. */
static void
authority_warning(struct decide *d, const struct store_case *c,
		  const struct store_party *p, int64_t deadline)
{
	int hours = d->s->deadlines.authority_hours, best = -1, at;
	struct deadline_action *a;
	size_t i;
	char *key;

	for (i = 0; i < NWARN; i++) {
		at = hours - AUTHORITY_WARN_HOURS[i];
		if (at > 0 && c->aware_at + (int64_t)at * HOUR <= d->now &&
		    at > best)
			best = at;
	}
	if (best < 0)
		return;
	key = xasprintf("%s/authority-warning/p%" PRId64 "/%dh", c->ref, p->id,
			best);
	if (was_sent(d, key)) {
		free(key);
		return;
	}
	a = push(d, DEADLINE_AUTHORITY_WARNING, c, p->id,
		 c->aware_at + (int64_t)best * HOUR);
	add_mark(a, key, p->id, a->due_at);
	add_party_rcpts(d->s, p, a);
	warning_text(d->s, c, p, deadline, a);
}

static void
passed_text(const struct settings *s, const struct store_case *c,
	    const struct store_party *p, int64_t deadline,
	    struct deadline_action *a)
{
	char t1[CPH_ISO_MAX], t2[CPH_ISO_MAX];
	struct buf b = { 0 };

	buf_printf(&b, "Til %s\n\n", p->name);
	buf_printf(&b, "I sag %s er fristen på %d timer for anmeldelse til "
		   "Datatilsynet udløbet %s (bekendt med bruddet %s), uden at "
		   "brudvagt har registreret jeres beslutning. Systemejeren, "
		   "%s, er orienteret.\n\n", c->ref, s->deadlines.authority_hours,
		   when(deadline, t2), when(c->aware_at, t1),
		   s->system_owner.name);
	buf_puts(&b, "Anmeldes bruddet senere end 72 timer efter, skal "
		 "anmeldelsen ledsages af en begrundelse for forsinkelsen.\n\n");
	authority_how(&b);
	sign(s, &b);
	finish(a, &b, xasprintf("[%s] Fristen for anmeldelse til Datatilsynet "
				"er overskredet (%s)", c->ref, p->name),
	       xasprintf("kind=authority party=%s passed=%s", p->name, t2));
}

static void
authority_passed(struct decide *d, const struct store_case *c,
		 const struct store_party *p, int64_t deadline)
{
	struct deadline_action *a;
	char *key;

	key = xasprintf("%s/authority-passed/p%" PRId64, c->ref, p->id);
	if (was_sent(d, key)) {
		free(key);
		return;
	}
	a = push(d, DEADLINE_AUTHORITY_PASSED, c, p->id, deadline);
	add_mark(a, key, p->id, deadline);
	add_party_rcpts(d->s, p, a);
	passed_text(d->s, c, p, deadline, a);
}

static void
owner_text(const struct settings *s, const struct store_case *c,
	   const struct store_party *const *late, size_t n, int64_t deadline,
	   struct deadline_action *a)
{
	char t1[CPH_ISO_MAX], t2[CPH_ISO_MAX], *names = names_of(late, n);
	struct buf b = { 0 };
	size_t i;

	buf_printf(&b, "Til %s\n\n", s->system_owner.name);
	buf_printf(&b, "Sag %s: fristen på %d timer for anmeldelse til "
		   "Datatilsynet (artikel 33) udløb %s, regnet fra %s, hvor "
		   "bruddet blev kendt. Der er ikke registreret en beslutning "
		   "fra %s.\n\n", c->ref, s->deadlines.authority_hours,
		   when(deadline, t2), when(c->aware_at, t1), names);
	for (i = 0; i < n; i++) {
		buf_printf(&b, "%s%s\n", late[i]->name,
			   late[i]->reporter ? " (anmelder)" :
			   late[i]->notified_at ? "" : " (ikke underrettet endnu)");
		put_contacts(s, late[i], &b);
		buf_putc(&b, '\n');
	}
	buf_puts(&b, "Kommunerne er selv orienteret. En beslutning "
		 "registreres, når kommunen svarer, eller med brudvagtctl.\n");
	sign(s, &b);
	finish(a, &b, xasprintf("[%s] Datatilsynet: fristen er overskredet "
				"uden beslutning fra %s", c->ref, names),
	       xasprintf("kind=authority owner parties=%s", names));
	free(names);
}

static void
authority_owner(struct decide *d, const struct store_case *c,
		const struct store_party *const *late, size_t n,
		int64_t deadline)
{
	struct deadline_action *a = NULL;
	size_t i;
	char *key;

	for (i = 0; i < n; i++) {
		key = xasprintf("%s/authority-owner/p%" PRId64, c->ref,
				late[i]->id);
		if (was_sent(d, key)) {
			free(key);
			continue;
		}
		if (a == NULL)
			a = push(d, DEADLINE_AUTHORITY_OWNER, c, 0, deadline);
		add_mark(a, key, late[i]->id, deadline);
	}
	if (a == NULL)
		return;
	if (a->nmarks == 1)
		a->party = a->marks[0].party;
	add_owner_rcpts(d->s, a);
	owner_text(d->s, c, late, n, deadline, a);
}

static void
decide_authority(struct decide *d, const struct store_case *c)
{
	const struct store_party **late = xcalloc(c->nparties + 1, sizeof(*late));
	int64_t deadline = c->aware_at +
			   (int64_t)d->s->deadlines.authority_hours * HOUR;
	const struct store_party *p;
	size_t i, n = 0;

	/* A report that came in after its 72 hours were over: the receipt,
	 * triage and forwards say so; the clock has nothing to chase. */
	if (c->created_at >= deadline) {
		free(late);
		return;
	}
	for (i = 0; i < c->nparties; i++) {
		p = &c->parties[i];
		if (!undecided(c, p))
			continue;
		if (d->now < deadline) {
			if (knows(d->s, p))
				authority_warning(d, c, p, deadline);
			continue;
		}
		if (knows(d->s, p))
			authority_passed(d, c, p, deadline);
		late[n++] = p;
	}
	if (n > 0)
		authority_owner(d, c, late, n, deadline);
	free(late);
}

/* ---- the daily digest ---- */

static const char *
status_danish(enum store_case_status st)
{
	static const char *const names[] = {
		[STORE_CASE_OPEN] = "åben", [STORE_CASE_HELD] = "tilbageholdt",
		[STORE_CASE_NEEDS_TRIAGE] = "kræver vurdering",
		[STORE_CASE_CLOSED] = "lukket", [STORE_CASE_REJECTED] = "afvist",
	};

	return names[st];
}

static bool
case_live(const struct store_case *c)
{
	return c->status != STORE_CASE_CLOSED && c->status != STORE_CASE_REJECTED;
}

static void
digest_case(const struct store_case *c, struct buf *b)
{
	char t[CPH_ISO_MAX];
	const struct store_party *p;
	size_t i;

	buf_printf(b, "%s  %s  %s  modtaget %s\n", c->ref, status_danish(c->status),
		   c->reporting_municipality ? c->reporting_municipality : "-",
		   when(c->created_at, t));
	for (i = 0; i < c->nparties; i++) {
		p = &c->parties[i];
		if (ctl_party_owes_ack(p))
			buf_printf(b, "  Mangler kvittering: %s%s\n", p->name,
				   p->notified_at ? "" : " (ikke underrettet endnu)");
		if (undecided(c, p))
			buf_printf(b, "  Mangler beslutning om Datatilsynet: %s\n",
				   p->name);
	}
}

static void
digest_deadlines(const struct settings *s, const struct store_case *v,
		 size_t n, int64_t now, struct buf *b)
{
	char t[CPH_ISO_MAX];
	struct ctl_deadline *dl;
	size_t i, j, k, count = 0;

	buf_printf(b, "\nFrister der er overskredet eller udløber inden for "
		   "%d timer:\n", DEADLINES_DIGEST_AHEAD_HOURS);
	for (i = 0; i < n; i++) {
		if (v[i].status != STORE_CASE_OPEN)
			continue;
		k = ctl_case_deadlines(s, &v[i], &dl);
		for (j = 0; j < k; j++) {
			if (dl[j].at > now + DEADLINES_DIGEST_AHEAD_HOURS * HOUR)
				continue;
			buf_printf(b, "  %s  %s  %s  %s%s\n", when(dl[j].at, t),
				   v[i].ref, dl[j].kind == CTL_DEADLINE_ACK ?
				   "kvittering" : "Datatilsynet",
				   dl[j].party->name,
				   dl[j].at <= now ? "  (overskredet)" : "");
			count++;
		}
		free(dl);
	}
	if (count == 0)
		buf_puts(b, "  ingen\n");
}

static void
digest(struct decide *d, const struct store_case *v, size_t n)
{
	struct deadline_action *a;
	struct cph_tm tm;
	char date[16], t[CPH_ISO_MAX], *key;
	struct buf b = { 0 };
	int64_t due;
	size_t i, live = 0;

	if (d->s->deadlines.digest_hour < 0)
		return;
	cph_from_utc(d->now, &tm);
	if (tm.hour < d->s->deadlines.digest_hour ||
	    !cph_to_utc(tm.year, tm.mon, tm.day, d->s->deadlines.digest_hour, 0,
			&due))
		return;
	snprintf(date, sizeof(date), "%04d-%02d-%02d", tm.year, tm.mon, tm.day);
	key = xasprintf("digest/%s", date);
	if (was_sent(d, key)) {
		free(key);
		return;
	}
	a = push(d, DEADLINE_DIGEST, NULL, 0, due);
	add_mark(a, key, 0, due);
	add_owner_rcpts(d->s, a);
	for (i = 0; i < n; i++)
		live += case_live(&v[i]);
	buf_printf(&b, "Til %s\n\nDaglig oversigt fra brudvagt, %s.\n\n",
		   d->s->system_owner.name, when(d->now, t));
	buf_printf(&b, "Sager der ikke er lukket: %zu\n\n", live);
	for (i = 0; i < n; i++)
		if (case_live(&v[i]))
			digest_case(&v[i], &b);
	digest_deadlines(d->s, v, n, d->now, &b);
	sign(d->s, &b);
	finish(a, &b, xasprintf("brudvagt: daglig oversigt %02d.%02d.%04d "
				"(%zu %s)", tm.day, tm.mon, tm.year, live,
				live == 1 ? "åben sag" : "åbne sager"),
	       xasprintf("kind=digest date=%s", date));
}

/* ---- decide ---- */

static void
action_clear(struct deadline_action *a)
{
	size_t j;

	for (j = 0; j < a->nrecipients; j++)
		free(a->recipients[j]);
	free(a->recipients);
	for (j = 0; j < a->nmarks; j++)
		free((char *)a->marks[j].key);
	free(a->marks);
	free(a->subject);
	free(a->body);
	free(a->detail);
	memset(a, 0, sizeof(*a));
}

/* A mail with no one to write to is no mail (the system owner without
 * emails): dropped, and said once per run. */
static void
drop_unaddressed(struct decide *d)
{
	struct deadline_action *a;
	size_t i, k = 0;

	for (i = 0; i < d->n; i++) {
		a = &d->v[i];
		if (a->nrecipients > 0) {
			d->v[k++] = *a;
			continue;
		}
		log_warn("deadlines: %s: %s mail has no recipient; not sent",
			 a->ref[0] ? a->ref : "digest", a->mail_kind);
		action_clear(a);
	}
	d->n = k;
}

size_t
deadline_decide(const struct settings *s, const struct store_case *v,
		size_t n, char *const *sent, size_t nsent, int64_t now,
		struct deadline_action **r)
{
	struct decide d = { s, sent, nsent, now, NULL, 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].status != STORE_CASE_OPEN)
			continue;
		decide_acks(&d, &v[i]);
		decide_authority(&d, &v[i]);
	}
	digest(&d, v, n);
	drop_unaddressed(&d);
	if (d.n == 0) {
		free(d.v);
		d.v = NULL;
	}
	*r = d.v;
	return d.n;
}

void
deadline_actions_free(struct deadline_action **vp, size_t n)
{
	size_t i;

	if (*vp == NULL)
		return;
	for (i = 0; i < n; i++)
		action_clear(&(*vp)[i]);
	free(*vp);
	*vp = NULL;
}

/* ---- run: the store-backed side ---- */

struct hand_on {
	deadline_send_fn *send;
	void *ctx;
	const struct deadline_action *a;
};

static int
hand_on(void *p, struct err *e)
{
	const struct hand_on *h = p;

	return h->send(h->ctx, h->a, e);
}

static void
run_one(struct store *st, const struct deadline_action *a, int64_t now,
	deadline_send_fn *send, void *ctx, struct deadline_stats *r)
{
	struct hand_on h = { send, ctx, a };
	struct err e = { 0 };
	int rc;

	rc = store_deadline_record(st, a->marks, a->nmarks, now, a->detail,
				   hand_on, &h, &e);
	if (rc == 1) {
		r->sent++;
		log_info("deadlines: %s: %s sent to %zu: %s",
			 a->ref[0] ? a->ref : "-", a->mail_kind,
			 a->nrecipients, a->detail);
	} else if (rc == 0) {
		r->already++;
	} else {
		r->failed++;
		log_warn("deadlines: %s: %s not sent, next run tries again: %s",
			 a->ref[0] ? a->ref : "-", a->mail_kind, e.msg);
	}
}

int
deadline_run(const struct settings *s, struct store *st, int64_t now,
	     deadline_send_fn *send, void *ctx, struct deadline_stats *r,
	     struct err *e)
{
	struct deadline_action *v = NULL;
	struct store_case *cases = NULL;
	char **keys = NULL;
	size_t ncases = 0, nkeys = 0, n, i;

	memset(r, 0, sizeof(*r));
	if (store_case_list(st, &cases, &ncases, e) == -1)
		return -1;
	if (store_deadline_keys(st, &keys, &nkeys, e) == -1) {
		store_case_list_free(&cases, ncases);
		return -1;
	}
	n = deadline_decide(s, cases, ncases, keys, nkeys, now, &v);
	r->due = n;
	for (i = 0; i < n; i++)
		run_one(st, &v[i], now, send, ctx, r);
	deadline_actions_free(&v, n);
	store_deadline_keys_free(&keys, nkeys);
	store_case_list_free(&cases, ncases);
	return 0;
}

/* ---- the outbox sender ---- */

/* The file name of a mail: its first ledger key, '/' made '_'. */
static char *
outbox_name(const struct deadline_action *a)
{
	char *name = xasprintf("%s/%s.eml", DEADLINES_OUTBOX, a->marks[0].key), *p;

	for (p = name + strlen(DEADLINES_OUTBOX) + 1; *p != '\0'; p++)
		if (*p == '/')
			*p = '_';
	return name;
}

int
deadline_send_to_dir(void *ctx, const struct deadline_action *a,
		     struct err *e)
{
	const char *root = ctx;
	struct buf b = { 0 };
	char *name = outbox_name(a);
	size_t i;
	int rc;

	buf_printf(&b, "X-Brudvagt-Mail: %s\n", a->mail_kind);
	if (a->ref[0])
		buf_printf(&b, "X-Brudvagt-Case: %s\n", a->ref);
	buf_puts(&b, "To: ");
	for (i = 0; i < a->nrecipients; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", a->recipients[i]);
	buf_printf(&b, "\nSubject: %s\n\n%s", a->subject, a->body);
	rc = atomicfile_write(root, name, b.s, b.len, e);
	buf_free(&b);
	free(name);
	return rc;
}

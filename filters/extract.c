/* SPDX-License-Identifier: MIT */
/*
 * extract.c — reading the procedure's register fields out of a report.
 *
 * Labelled lines win ("Antal berørte: 57"); prose is read sentence by
 * sentence, a time by the verb next to it (opdagede → discovered, sendt →
 * breach, slettet → a later action). Words come from lexicon.c. Pure,
 * but for the municipality spellings, built once per list of names and
 * shared by all threads (alias_table_for).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "filters/charset.h"
#include "filters/cpr.h"
#include "filters/dates.h"
#include "filters/extract.h"
#include "filters/lexmatch.h"
#include "filters/numbers.h"
#include "filters/text.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

#define TEXT_FIELD_MAX 4000

enum cue { CUE_NONE, CUE_BREACH, CUE_ACTION, CUE_DISCOVERY };

/* How far from a time its verb may stand, outside the time's clause. */
#define CUE_REACH 160

/* ---- times ---- */

static size_t
skip_bullets(const struct prose *p, size_t i)
{
	while (i < p->len && (p->lower[i] == ' ' || p->lower[i] == '\t' ||
			      p->lower[i] == '>' || p->lower[i] == '*'))
		i++;
	return i;
}

/* The strongest cue in flat[b..e): discovery > action > breach. */
static enum cue
cue_in(const char *flat, size_t b, size_t e)
{
	static const struct { const struct lex_entry *tab; enum cue cue; } tabs[] = {
		{ lex_discovery_cues, CUE_DISCOVERY },
		{ lex_action_cues, CUE_ACTION },
		{ lex_breach_cues, CUE_BREACH },
	};
	enum cue best = CUE_NONE;
	size_t i, k, n, longest;

	for (i = b; i < e;) {
		enum cue here = CUE_NONE;

		longest = 0;
		for (k = 0; k < 3; k++)
			if (lex_at(flat, e, i, tabs[k].tab, &n) && n > longest) {
				longest = n;
				here = tabs[k].cue;
			}
		if (here > best)
			best = here;
		i = longest ? i + longest : lex_next(flat, e, i);
	}
	return best;
}

static enum cue
cue_for(const struct prose *p, size_t pos)
{
	size_t b, e;
	enum cue c;

	prose_clause(p, pos, &b, &e);
	if ((c = cue_in(p->flat, b, e)) != CUE_NONE)
		return c;
	/* the verb may stand outside the clause, but near: a few words */
	prose_sentence(p, pos, &b, &e);
	if (pos > b + CUE_REACH)
		b = pos - CUE_REACH;
	if (e > pos + CUE_REACH)
		e = pos + CUE_REACH;
	return cue_in(p->flat, b, e);
}

static bool
time_in_field(const struct prose *p, enum field_id id, int64_t ref, int64_t *t_r)
{
	const struct prose_field *f = prose_field(p, id);
	struct date_match dm;

	if (f == NULL || !dates_first(p->text + f->start, f->end - f->start, ref, &dm))
		return false;
	*t_r = dm.t;
	return true;
}

static void
extract_times(const struct prose *p, int64_t ref, const struct date_match *m,
	      size_t n, struct analysis *a)
{
	bool has_uncued = false;
	int64_t uncued = 0;
	size_t i;

	a->has_breach_at = time_in_field(p, F_BREACH_AT, ref, &a->breach_at);
	a->has_discovered_at = time_in_field(p, F_DISCOVERED_AT, ref, &a->discovered_at);
	if (a->has_breach_at && a->has_discovered_at)
		return;
	for (i = 0; i < n; i++) {
		if (!m[i].has_time || prose_in_other_field(p, m[i].start, F_DESCRIPTION))
			continue;
		switch (cue_for(p, m[i].start)) {
		case CUE_NONE:
			/* a time with no verb to tell: most reports say first
			 * when it happened */
			if (!has_uncued) {
				has_uncued = true;
				uncued = m[i].t;
			}
			break;
		case CUE_DISCOVERY:
			if (!a->has_discovered_at) {
				a->has_discovered_at = true;
				a->discovered_at = m[i].t;
			}
			break;
		case CUE_BREACH:
			if (!a->has_breach_at) {
				a->has_breach_at = true;
				a->breach_at = m[i].t;
			}
			break;
		default:
			break;
		}
	}
	if (!a->has_breach_at && has_uncued &&
	    !(a->has_discovered_at && uncued == a->discovered_at)) {
		a->has_breach_at = true;
		a->breach_at = uncued;
	}
}

/* ---- the number affected ---- */

/* Is pos inside one of the date spans m[0..n) (in text order)? *cur is a
 * cursor the caller keeps across calls with growing pos: linear overall. */
static bool
span_hits(const struct date_match *m, size_t n, size_t pos, size_t *cur)
{
	while (*cur < n && m[*cur].end <= pos)
		(*cur)++;
	return *cur < n && pos >= m[*cur].start;
}

/* Skip spaces and up to two filler words ("andre", "berørte") after a
 * number; is a person noun next? */
static bool
person_follows(const char *flat, size_t len, size_t i)
{
	static const struct lex_entry fillers[] = {
		{ "andre", 0, 0 }, { "forskellige", 0, 0 }, { "unikke", 0, 0 },
		{ "berørte", 0, 0 }, { "registrerede", 0, 0 }, { "voksne", 0, 0 },
		{ "af", 0, 0 }, { "de", 0, 0 }, { "enkelte", 0, 0 },
		{ "konkrete", 0, 0 }, { "potentielt", 0, 0 }, { "mulige", 0, 0 },
		{ NULL, 0, 0 },
	};
	size_t n;
	int k;

	for (k = 0; k < 3; k++) {
		while (i < len && flat[i] == ' ')
			i++;
		if (lex_at(flat, len, i, lex_person_nouns, NULL))
			return true;
		if (!lex_at(flat, len, i, fillers, &n))
			return false;
		i += n;
	}
	return false;
}

static bool
word_before(const char *flat, size_t i, const char *w)
{
	size_t n = strlen(w);

	while (i > 0 && flat[i - 1] == ' ')
		i--;
	return i >= n && strncmp(flat + i - n, w, n) == 0 &&
	       (i == n || !isalpha((unsigned char)flat[i - n - 1]));
}

static int
count_score(const struct prose *p, const struct number_match *nm)
{
	size_t sb, se, cb, ce;
	bool person = person_follows(p->flat, p->len, nm->end);
	bool cue, antal;

	if (word_before(p->flat, nm->start, "kl.") || word_before(p->flat, nm->start, "kl"))
		return 0;
	prose_sentence(p, nm->start, &sb, &se);
	prose_clause(p, nm->start, &cb, &ce);
	cue = lex_any(p->flat, sb, se, lex_affected_cues);
	antal = memmem(p->flat + cb, nm->start - cb, "antal", 5) != NULL &&
		lex_any(p->flat, cb, nm->start, lex_affected_cues);
	if (antal)
		return 3;
	if (!person)
		return 0;
	if (cue)
		return 3;
	/* "på 1.284 borgere", "57 borgere": digits before a person noun; a
	 * number word only with a cue, or after "om"/"på" ("oplysninger om
	 * tre personer"), and never the article ("en borger") */
	if (!nm->is_word)
		return 2;
	if (nm->value > 1 && (word_before(p->flat, nm->start, "på") ||
			      word_before(p->flat, nm->start, "om")))
		return 2;
	return 1;
}

static long
count_in_field(const struct prose *p, const struct prose_field *f)
{
	struct number_match nm;
	size_t i;

	if (lex_any(p->lower, f->start, f->end, lex_unknown_words))
		return -1;
	for (i = f->start; i < f->end; i++)
		if ((i == f->start || !isalnum((unsigned char)p->lower[i - 1])) &&
		    number_at(p->text, f->end, i, &nm))
			return nm.value;
	return -1;
}

static void
extract_count(const struct prose *p, const struct date_match *dm, size_t nd,
	      struct analysis *a)
{
	const struct prose_field *f = prose_field(p, F_COUNT);
	struct number_match *nums = NULL;
	struct cpr_match *cm = NULL;
	size_t n, nc, i, k, dcur = 0, ccur = 0;
	int best = 1, s;

	a->affected_count = -1;
	if (f != NULL) {
		a->affected_count = count_in_field(p, f);
		return;
	}
	n = numbers_find(p->text, p->body_end, &nums);
	nc = cpr_find(p->text, p->body_end, &cm);
	for (i = 0; i < n; i++) {
		if (span_hits(dm, nd, nums[i].start, &dcur) ||
		    prose_in_other_field(p, nums[i].start, F_DESCRIPTION))
			continue;
		while (ccur < nc && cm[ccur].start + cm[ccur].len <= nums[i].start)
			ccur++;
		k = ccur;
		if (k < nc && nums[i].start >= cm[k].start)
			continue;
		s = count_score(p, &nums[i]);
		if (s > best) {
			best = s;
			a->affected_count = nums[i].value;
		}
	}
	free(nums);
	free(cm);
}

/* ---- data categories ---- */

static bool
negated_before(const struct prose *p, size_t pos)
{
	size_t b, e;

	prose_clause(p, pos, &b, &e);
	return lex_any(p->flat, b, pos, lex_negations);
}

static unsigned
categories_in(const struct prose *p, const char *lower, size_t b, size_t e,
	      bool check_negation)
{
	const struct lex_entry *le;
	unsigned cats = 0;
	size_t i, n;

	for (i = b; i < e;) {
		if ((le = lex_at(lower, e, i, lex_categories, &n)) == NULL) {
			i = lex_next(lower, e, i);
			continue;
		}
		if (le->value && !(check_negation && negated_before(p, i)))
			cats |= (unsigned)le->value;
		i += n;
	}
	return cats;
}

static void
extract_categories(const struct prose *p, const char *subject, struct analysis *a)
{
	const struct prose_field *f = prose_field(p, F_DATA);

	if (f != NULL) {
		a->categories = categories_in(p, p->lower, f->start, f->end, false);
	} else {
		a->categories = categories_in(p, p->flat, 0, p->body_end, true);
		if (subject) {
			char *ls = text_lower(subject, strlen(subject));

			a->categories |= categories_in(p, ls, 0, strlen(ls), false);
			free(ls);
		}
	}
	if (a->cpr_count > 0)
		a->categories |= CAT_CPR;
}

/* ---- severity ---- */

static enum severity
level_near(const char *s, size_t b, size_t e)
{
	const struct lex_entry *le = lex_find(s, b, e, lex_severity_levels, NULL, NULL);

	return le ? (enum severity)le->value : SEV_NONE;
}

static void
extract_severity(const struct prose *p, struct analysis *a)
{
	const struct prose_field *f = prose_field(p, F_SEVERITY);
	size_t pos = 0, n, sb, se, wb, we;

	a->severity = SEV_NONE;
	if (f != NULL && (a->severity = level_near(p->lower, f->start, f->end)) != SEV_NONE)
		return;
	while (lex_find(p->flat, pos, p->body_end, lex_severity_keys, &pos, &n)) {
		if (!prose_in_other_field(p, pos, F_SEVERITY)) {
			prose_sentence(p, pos, &sb, &se);
			wb = pos > sb + 40 ? pos - 40 : sb;
			we = pos + n + 60 < se ? pos + n + 60 : se;
			if ((a->severity = level_near(p->flat, wb, we)) != SEV_NONE)
				return;
		}
		pos += n;
	}
}

/* ---- Datatilsynet ---- */

static enum tristate
authority_clause(const char *s, size_t b, size_t e, bool decision)
{
	const struct lex_entry *le;
	size_t i, n;
	bool yes = false;

	if (lex_any(s, b, e, lex_authority_pending) && !decision)
		return TRI_NULL;
	if (lex_any(s, b, e, lex_negations))
		return TRI_FALSE;
	for (i = b; i < e; i++)
		if ((le = lex_at(s, e, i, lex_authority_yes, &n)) != NULL &&
		    (le->value == 1 || decision))
			yes = true;
	return yes ? TRI_TRUE : TRI_NULL;
}

enum tristate
extract_authority(const struct prose *p, bool decision)
{
	const struct prose_field *f = prose_field(p, F_AUTHORITY);
	size_t pos = 0, b, e, i;
	enum tristate t;

	if (f != NULL) {
		for (i = f->start; i < f->end && !isalpha((unsigned char)p->lower[i]); i++)
			;
		if (lex_at(p->lower, f->end, i, lex_negations, NULL))
			return TRI_FALSE;
		if (lex_at(p->lower, f->end, i, lex_authority_yes, NULL))
			return TRI_TRUE;
		return authority_clause(p->lower, f->start, f->end, decision);
	}
	while ((pos = text_find_prefix(p->flat, p->body_end, pos, "datatilsyn")) != (size_t)-1) {
		prose_clause(p, pos, &b, &e);
		if ((t = authority_clause(p->flat, b, e, decision)) != TRI_NULL)
			return t;
		pos++;
	}
	/* "DT er ikke orienteret": the abbreviation, written in capitals */
	for (pos = 0; (pos = text_find_word(p->flat, p->body_end, pos, "dt")) != (size_t)-1; pos++) {
		if (p->text[pos] != 'D' || p->text[pos + 1] != 'T')
			continue;
		prose_clause(p, pos, &b, &e);
		if ((t = authority_clause(p->flat, b, e, decision)) != TRI_NULL)
			return t;
	}
	if (decision) {
		/* "vi anmelder ikke" without naming Datatilsynet */
		pos = 0;
		while ((pos = text_find_prefix(p->flat, p->body_end, pos, "anmeld")) != (size_t)-1) {
			prose_clause(p, pos, &b, &e);
			if ((t = authority_clause(p->flat, b, e, true)) != TRI_NULL)
				return t;
			pos++;
		}
	}
	return TRI_NULL;
}

/* ---- municipalities ---- */

struct alias {
	char *text;	/* lowercase */
	size_t len;
	int muni;
};

/*
 * Every spelling of the configured municipalities (their names, the
 * transliterations, lex_muni_aliases), sorted by first byte: first[c] ..
 * first[c + 1] are the spellings that start with byte c. A table depends
 * on nothing but the list of names, so one is built per distinct list
 * (alias_table_for) and kept: the daemon and the milter share it between
 * messages and threads, and a settings reload with the same names finds
 * it again. Tables are immutable once published and never freed.
 */
struct alias_table {
	const struct alias_table *older;
	char **names;		/* the names it was built from, in order */
	size_t nnames;
	struct alias *v;
	size_t n;
	size_t first[257];
};

static _Atomic(const struct alias_table *) alias_tables;
static pthread_mutex_t alias_lock = PTHREAD_MUTEX_INITIALIZER;

static void
alias_add(struct alias **v, size_t *n, const char *text, int muni)
{
	size_t i;

	/* a municipality's spellings are adjacent: look back over its own */
	for (i = *n; i > 0 && (*v)[i - 1].muni == muni; i--)
		if (strcmp((*v)[i - 1].text, text) == 0)
			return;
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].text = xstrdup(text);
	(*v)[*n].len = strlen(text);
	(*v)[(*n)++].muni = muni;
}

/* Replace Danish letters: style 0 æ→ae ø→oe å→aa, 1 æ→a ø→o å→a; and a
 * hyphen by a space when space is set. */
static char *
translit(const char *s, int style, bool space)
{
	static const char *const from[] = { "æ", "ø", "å" };
	static const char *const to[2][3] = { { "ae", "oe", "aa" }, { "a", "o", "a" } };
	struct buf b = { 0 };
	int k;

	while (*s) {
		k = 3;
		if ((unsigned char)*s == 0xC3)
			for (k = 0; k < 3; k++)
				if (strncmp(s, from[k], 2) == 0)
					break;
		if (k < 3) {
			buf_puts(&b, to[style][k]);
			s += 2;
		} else {
			buf_putc(&b, space && *s == '-' ? ' ' : *s);
			s++;
		}
	}
	return buf_steal(&b);
}

static int
alias_cmp_first(const void *a, const void *b)
{
	return (int)(unsigned char)((const struct alias *)a)->text[0] -
	       (int)(unsigned char)((const struct alias *)b)->text[0];
}

static size_t
aliases_make(const struct settings *s, struct alias **r)
{
	struct alias *v = NULL;
	size_t n = 0, i;
	int style, sp, m;

	for (i = 0; i < s->nmunicipalities; i++) {
		char *lower = text_lower(s->municipalities[i].name,
					 strlen(s->municipalities[i].name));

		alias_add(&v, &n, lower, (int)i);
		for (style = 0; style < 2; style++)
			for (sp = 0; sp < 2; sp++) {
				char *t = translit(lower, style, sp);

				alias_add(&v, &n, t, (int)i);
				free(t);
			}
		free(lower);
	}
	for (i = 0; lex_muni_aliases[i].alias; i++)
		if ((m = settings_municipality_by_name(s, lex_muni_aliases[i].canonical)) >= 0)
			alias_add(&v, &n, lex_muni_aliases[i].alias, m);
	qsort(v, n, sizeof(*v), alias_cmp_first);
	*r = v;
	return n;
}

static struct alias_table *
alias_table_new(const struct settings *s)
{
	struct alias_table *t = xcalloc(1, sizeof(*t));
	size_t k;

	t->nnames = s->nmunicipalities;
	t->names = xcalloc(t->nnames + 1, sizeof(*t->names));
	for (k = 0; k < t->nnames; k++)
		t->names[k] = xstrdup(s->municipalities[k].name);
	t->n = aliases_make(s, &t->v);
	for (k = 0; k < t->n; k++)
		t->first[(unsigned char)t->v[k].text[0] + 1]++;
	for (k = 1; k < 257; k++)
		t->first[k] += t->first[k - 1];
	return t;
}

/* Was t built from the municipality names of s? */
static bool
alias_table_fits(const struct alias_table *t, const struct settings *s)
{
	size_t k;

	if (t->nnames != s->nmunicipalities)
		return false;
	for (k = 0; k < t->nnames; k++)
		if (strcmp(t->names[k], s->municipalities[k].name) != 0)
			return false;
	return true;
}

static const struct alias_table *
alias_table_find(const struct alias_table *t, const struct settings *s)
{
	for (; t != NULL; t = t->older)
		if (alias_table_fits(t, s))
			return t;
	return NULL;
}

/* The alias table for the names of s: found without a lock, built (once)
 * under alias_lock. */
static const struct alias_table *
alias_table_for(const struct settings *s)
{
	const struct alias_table *head, *t;
	struct alias_table *mine;

	head = atomic_load_explicit(&alias_tables, memory_order_acquire);
	if ((t = alias_table_find(head, s)) != NULL)
		return t;
	pthread_mutex_lock(&alias_lock);
	head = atomic_load_explicit(&alias_tables, memory_order_acquire);
	if ((t = alias_table_find(head, s)) == NULL) {
		mine = alias_table_new(s);
		mine->older = head;
		atomic_store_explicit(&alias_tables, mine, memory_order_release);
		t = mine;
	}
	pthread_mutex_unlock(&alias_lock);
	return t;
}

static bool
sentence_initial(const char *text, size_t i)
{
	while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t'))
		i--;
	return i == 0 || strchr(".!?\n:", text[i - 1]) != NULL;
}

static bool
alias_ok(const char *text, const char *lower, size_t len, size_t i, size_t n)
{
	size_t e = i + n;

	if (i > 0 && (text_is_word_byte(lower, len, i - 1) ||
		      strchr("@./", lower[i - 1])))
		return false;
	/* genitive: Viborgs, Randers' */
	if (e < len && lower[e] == 's' && !text_is_word_byte(lower, len, e + 1))
		e++;
	if (text_is_word_byte(lower, len, e))
		return false;
	/* a domain or address: viborg.dk */
	if (e + 1 < len && lower[e] == '.' && isalpha((unsigned char)lower[e + 1]))
		return false;
	if (lex_at(lower, len, i, lex_ambiguous_munis, NULL)) {
		bool kommune = e + 8 <= len && strncmp(lower + e, " kommune", 8) == 0;

		if (!isupper((unsigned char)text[i]) ||
		    (sentence_initial(text, i) && !kommune))
			return false;
	}
	return true;
}

/* Mark found[m] for each spelling of municipality m that stands at
 * lower[i], the start of a word. */
static void
aliases_at(const struct alias_table *t, const char *text, const char *lower,
	   size_t len, size_t i, bool *found)
{
	unsigned char c = (unsigned char)lower[i];
	size_t k;

	for (k = t->first[c]; k < t->first[c + 1]; k++) {
		const struct alias *al = &t->v[k];

		if (text_bytes_at(lower, len, i, al->text, al->len) &&
		    alias_ok(text, lower, len, i, al->len))
			found[al->muni] = true;
	}
}

/*
 * One pass over the word starts: the owner's own name ("borgerservice,
 * aarhus kommune") is stepped over whole, and a municipality's name
 * starts a word (alias_ok checks the boundaries). The positions lex_next
 * steps over are inside a word, where neither can begin.
 */
static void
munis_in(const struct alias_table *t, const char *text, const char *lower,
	 size_t len, bool *found)
{
	size_t i = 0, n;

	while (i < len) {
		if (lex_at(lower, len, i, lex_owner_phrases, &n)) {
			i += n;
			continue;
		}
		if (i == 0 || !text_is_word_byte(lower, len, i - 1))
			aliases_at(t, text, lower, len, i, found);
		i = lex_next(lower, len, i);
	}
}

void
extract_municipalities_in(const struct settings *s, const char *text,
			  const char *lower, size_t len, bool *found)
{
	munis_in(alias_table_for(s), text, lower, len, found);
}

/* Where a negation stops reaching: "ikke berørt; kun Vejen". */
static const char *const scope_breaks[] = { ";", " men ", " kun ", " dog ", " derimod ", NULL };

static size_t
scope_end(const char *s, size_t b, size_t e)
{
	size_t best = e, k;
	const char *hit;

	for (k = 0; scope_breaks[k]; k++)
		if ((hit = memmem(s + b, e - b, scope_breaks[k], strlen(scope_breaks[k]))) &&
		    (size_t)(hit - s) < best)
			best = (size_t)(hit - s);
	return best;
}

/* Names in a stretch that says they are not affected do not count
 * ("Viborg er ikke berørt"). */
static void
drop_negated(const struct settings *s, const struct alias_table *t,
	     const struct prose *p, bool *found)
{
	size_t pos = 0, b, e, se;

	while (pos < p->body_end) {
		se = prose_next_sentence(p, pos);
		for (b = pos; b < se; b = e + 1) {
			e = scope_end(p->flat, b, se);
			if (lex_any(p->flat, b, e, lex_negations) &&
			    lex_any(p->flat, b, e, lex_affected_cues)) {
				bool *neg = xcalloc(s->nmunicipalities + 1, sizeof(bool));
				size_t i;

				munis_in(t, p->text + b, p->flat + b, e - b, neg);
				for (i = 0; i < s->nmunicipalities; i++)
					if (neg[i])
						found[i] = false;
				free(neg);
			}
		}
		pos = se > pos ? se : pos + 1;
	}
}

/* "alle kommuner", "samtlige 40 kommuner", "alle de tilsluttede
 * kommuner": alle/samtlige, up to three filler words, then kommune…. */
static bool
all_munis_at(const char *s, size_t len, size_t i, size_t *end_r)
{
	static const struct lex_entry heads[] = {
		{ "alle", 0, 0 }, { "samtlige", 0, 0 }, { "all", 0, 0 },
		{ NULL, 0, 0 },
	};
	static const struct lex_entry nouns[] = {
		{ "kommune", 0, 1 }, { "muni-kommune", 0, 1 }, { "municipalities", 0, 0 },
		{ "kunder", 0, 0 }, { NULL, 0, 0 },
	};
	size_t n, k;

	if (!lex_at(s, len, i, heads, &n))
		return false;
	i += n;
	for (k = 0; k < 4; k++) {
		while (i < len && s[i] == ' ')
			i++;
		if (lex_at(s, len, i, nouns, &n)) {
			*end_r = i + n;
			return true;
		}
		while (i < len && text_is_word_byte(s, len, i))
			i++;
		if (i >= len || s[i] != ' ')
			return false;
	}
	return false;
}

static void
extract_affects_all(const struct prose *p, struct analysis *a)
{
	const struct prose_field *f = prose_field(p, F_MUNICIPALITIES);
	size_t pos = 0, n, b, e;

	if (f != NULL) {
		size_t i = f->start;

		while (i < f->end && p->lower[i] == ' ')
			i++;
		if (text_word_at(p->lower, f->end, i, "alle") ||
		    text_word_at(p->lower, f->end, i, "samtlige") ||
		    text_word_at(p->lower, f->end, i, "all"))
			a->affects_all = true;
	}
	/* both phrases start a word: lex_next skips only the inside of one */
	for (; !a->affects_all && pos < p->body_end;
	     pos = lex_next(p->flat, p->body_end, pos)) {
		if (!lex_at(p->flat, p->body_end, pos, lex_all_munis, &n) &&
		    !all_munis_at(p->flat, p->body_end, pos, &e))
			continue;
		prose_sentence(p, pos, &b, &e);
		if (pos > b + 50)
			b = pos - 50;
		if (!lex_any(p->flat, b, pos, lex_negations))
			a->affects_all = true;
	}
}

static void
extract_munis(const struct settings *s, const struct prose *p, const char *subject,
	      struct analysis *a)
{
	const struct alias_table *t = alias_table_for(s);
	bool *body = xcalloc(s->nmunicipalities + 1, sizeof(bool));
	size_t i;

	if (subject != NULL) {
		char *ls = text_lower(subject, strlen(subject));

		munis_in(t, subject, ls, strlen(ls), a->affected);
		free(ls);
	}
	munis_in(t, p->text, p->flat, p->body_end, body);
	drop_negated(s, t, p, body);
	for (i = 0; i < s->nmunicipalities; i++)
		a->affected[i] |= body[i];
	free(body);
	if (a->reporting_municipality >= 0)
		a->affected[a->reporting_municipality] = true;
	extract_affects_all(p, a);
}

/* ---- register texts ---- */

static char *
clean_text(const char *s, size_t len)
{
	char *sq = text_squeeze(s, len), *r;
	size_t n = strlen(sq);

	if (n == 0) {
		free(sq);
		return NULL;
	}
	if (n > TEXT_FIELD_MAX) {
		n = charset_utf8_prefix(sq, n, TEXT_FIELD_MAX);
		sq[n] = '\0';
	}
	r = cpr_redact(sq, n);
	free(sq);
	return r;
}

static char *
field_text(const struct prose *p, enum field_id id)
{
	const struct prose_field *f = prose_field(p, id);

	return f ? clean_text(p->text + f->start, f->end - f->start) : NULL;
}

/* Sentences of the prose that hold one of words, joined (at most max). */
static char *
sentences_with(const struct prose *p, const struct lex_entry *words, int max)
{
	struct buf b = { 0 };
	size_t pos = 0, e;
	char *r;

	while (pos < p->body_end && max > 0) {
		e = prose_next_sentence(p, pos);
		if (e > p->body_end)
			e = p->body_end;
		if (!prose_in_other_field(p, pos, F_NONE) &&
		    lex_any(p->flat, pos, e, words)) {
			if (b.len)
				buf_putc(&b, ' ');
			buf_append(&b, p->text + pos, e - pos);
			max--;
		}
		pos = e > pos ? e : pos + 1;
	}
	r = b.len ? clean_text(b.s, b.len) : NULL;
	buf_free(&b);
	return r;
}

/* The prose without the greeting line ("Hej", "Kære ..."). */
static char *
prose_description(const struct prose *p)
{
	static const struct lex_entry greetings[] = {
		{ "hej", 0, 0 }, { "kære", 0, 0 }, { "til", 0, 0 }, { "hi", 0, 0 },
		{ "dear", 0, 0 }, { "goddag", 0, 0 }, { "god morgen", 0, 0 },
		{ NULL, 0, 0 },
	};
	size_t b = 0, e, i;

	/* a passed-on report: its own text starts after the last header block */
	for (i = 0; i < p->nfields; i++)
		if (p->fields[i].id == F_HEADER && p->fields[i].end > b &&
		    p->fields[i].end < p->body_end)
			b = p->fields[i].end;
	while (b < p->body_end && isspace((unsigned char)p->text[b]))
		b++;
	e = b;
	while (e < p->body_end && p->text[e] != '\n')
		e++;
	if (lex_at(p->lower, e, b, greetings, NULL) && e - b < 80)
		b = e;
	return clean_text(p->text + b, p->body_end - b);
}

/* How many register lines ("Årsag: ...") the text has; a form without a
 * description field is not described by its whole prose. */
static size_t
register_fields(const struct prose *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->nfields; i++)
		n += p->fields[i].id < F_HEADER;
	return n;
}

static void
extract_texts(const struct prose *p, struct analysis *a)
{
	static const struct lex_entry cause_words[] = {
		{ "årsag", 0, 1 }, { "skyldes", 0, 0 }, { "skyldtes", 0, 0 },
		{ "på grund af", 0, 0 }, { "fordi", 0, 0 }, { "because", 0, 0 },
		{ "caused by", 0, 0 }, { NULL, 0, 0 },
	};
	static const struct lex_entry consequence_words[] = {
		{ "konsekvens", 0, 1 }, { "risiko for", 0, 0 },
		{ "kan medføre", 0, 0 }, { "kan betyde", 0, 0 },
		{ "misbrug", 0, 1 }, { "identitetstyveri", 0, 1 },
		{ NULL, 0, 0 },
	};

	if ((a->description = field_text(p, F_DESCRIPTION)) == NULL &&
	    register_fields(p) < 3)
		a->description = prose_description(p);
	if ((a->cause = field_text(p, F_CAUSE)) == NULL)
		a->cause = sentences_with(p, cause_words, 2);
	if ((a->consequences = field_text(p, F_CONSEQUENCES)) == NULL)
		a->consequences = sentences_with(p, consequence_words, 2);
	if ((a->measures = field_text(p, F_MEASURES)) == NULL)
		a->measures = sentences_with(p, lex_action_cues, 3);
}

/*
 * Dates of the text, each read against the Date of the mail it stands in:
 * after a forwarded or quoted header block ("Sendt: 18. november 2026
 * 16:40"), "i dag" is that day, not the day it was passed on.
 */
static size_t
dates_in_segments(const struct prose *p, int64_t ref, struct date_match **r)
{
	struct date_match *all = NULL, *seg, dm;
	size_t n = 0, k, i, from = 0, to;
	int64_t seg_ref = ref;

	for (i = 0; i <= p->nfields; i++) {
		const struct prose_field *f = i < p->nfields ? &p->fields[i] : NULL;

		if (f && f->id != F_HEADER)
			continue;
		to = f ? f->label_start : p->body_end;
		if (to > p->body_end)
			to = p->body_end;
		if (to > from) {
			k = dates_find(p->text + from, to - from, seg_ref, &seg);
			all = xreallocarray(all, n + k + 1, sizeof(*all));
			for (size_t j = 0; j < k; j++) {
				all[n] = seg[j];
				all[n].start += from;
				all[n++].end += from;
			}
			free(seg);
		}
		if (f == NULL)
			break;
		from = f->end > from ? f->end : from;
		if ((text_word_at(p->lower, p->len, skip_bullets(p, f->label_start), "sendt") ||
		     text_word_at(p->lower, p->len, skip_bullets(p, f->label_start), "sent") ||
		     text_word_at(p->lower, p->len, skip_bullets(p, f->label_start), "dato") ||
		     text_word_at(p->lower, p->len, skip_bullets(p, f->label_start), "date")) &&
		    dates_first(p->text + f->start, f->end - f->start, ref, &dm))
			seg_ref = dm.t;
	}
	*r = all;
	return n;
}

void
extract_report(const struct settings *s, const struct prose *p, const char *subject,
	       int64_t ref, struct analysis *a)
{
	struct date_match *dates = NULL;
	size_t ndates = dates_in_segments(p, ref, &dates);

	extract_times(p, ref, dates, ndates, a);
	extract_count(p, dates, ndates, a);
	free(dates);
	extract_categories(p, subject, a);
	extract_triage(s, p, subject, a);
	a->reported_to_authority = extract_authority(p, false);
	extract_texts(p, a);
}

void
extract_triage(const struct settings *s, const struct prose *p, const char *subject,
	       struct analysis *a)
{
	extract_severity(p, a);
	extract_munis(s, p, subject, a);
}

bool
extract_return_date(const struct prose *p, int64_t ref, int64_t *t_r)
{
	struct date_match *m = NULL;
	size_t n = dates_find(p->text, p->len, ref, &m), i, pos, cn;
	bool ok = false;

	for (i = 0; i < n && !ok; i++) {
		size_t from = m[i].start > 80 ? m[i].start - 80 : 0;

		if (!m[i].has_date)
			continue;
		if (lex_find(p->lower, from, m[i].start, lex_return_cues, &pos, &cn) &&
		    m[i].t >= ref - 86400) {
			*t_r = m[i].t;
			ok = true;
		}
	}
	free(m);
	return ok;
}

/* SPDX-License-Identifier: MIT */
/*
 * lexmatch.c — word-boundary matching of lexicon tables.
 *
 * lex_at runs at every word start of a text, for tables of up to a few
 * hundred entries: each table gets an index on first use, its entries
 * grouped by first byte and, within a group, longest first (in table
 * order among equals), so that the first entry that matches is the one
 * the table means: the longest, ties resolved as the table says. The
 * indexes live in a fixed open-addressed set keyed by the table's
 * address, published with compare-and-swap: the daemon's and the milter's
 * threads share them, and a table is never freed (every table is a static
 * array).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filters/lexmatch.h"
#include "filters/text.h"
#include "lib/xalloc.h"

struct lex_slot {
	const struct lex_entry *e;
	size_t len;
	bool open_end;		/* may end inside a word: a stem, or the
				 * entry ends in punctuation ("navne- og") */
};

struct lex_index {
	const struct lex_entry *tab;
	uint32_t first[257];	/* group of byte c: [first[c], first[c + 1]) */
	struct lex_slot *slot;
};

#define LEX_SLOTS 256		/* well over the number of tables */
static _Atomic(struct lex_index *) lex_slots[LEX_SLOTS];

static struct lex_slot
slot_of(const struct lex_entry *e)
{
	struct lex_slot sl = { e, strlen(e->text), false };

	sl.open_end = e->prefix || !text_is_word_byte(e->text, sl.len, sl.len - 1);
	return sl;
}

static struct lex_index *
index_build(const struct lex_entry *tab)
{
	struct lex_index *x = xcalloc(1, sizeof(*x));
	uint32_t fill[256] = { 0 }, n = 0, c, k, j;
	struct lex_slot sl;

	x->tab = tab;
	for (; tab[n].text != NULL; n++)
		x->first[(unsigned char)tab[n].text[0] + 1]++;
	for (c = 0; c < 256; c++)
		x->first[c + 1] += x->first[c];
	x->slot = xcalloc(n + 1, sizeof(*x->slot));
	/* insertion into the group, behind every entry at least as long:
	 * longest first, table order among equals */
	for (k = 0; k < n; k++) {
		c = (unsigned char)tab[k].text[0];
		sl = slot_of(&tab[k]);
		for (j = x->first[c] + fill[c]++; j > x->first[c] &&
		     x->slot[j - 1].len < sl.len; j--)
			x->slot[j] = x->slot[j - 1];
		x->slot[j] = sl;
	}
	return x;
}

static void
index_free(struct lex_index *x)
{
	free(x->slot);
	free(x);
}

static const struct lex_index *index_of(const struct lex_entry *tab);

/* Put a new index of tab into the free slot h, or, should another thread
 * fill h first, look again. */
static const struct lex_index *
index_add(const struct lex_entry *tab, size_t h)
{
	struct lex_index *mine = index_build(tab), *x = NULL;

	if (atomic_compare_exchange_strong_explicit(&lex_slots[h], &x, mine,
						    memory_order_acq_rel,
						    memory_order_acquire))
		return mine;
	index_free(mine);
	return index_of(tab);
}

/* The index of tab, built on first use; NULL only if the set is full.
 * The common case, a table seen before, is a probe or two: inline. */
static inline const struct lex_index *
index_of(const struct lex_entry *tab)
{
	size_t h = ((uintptr_t)tab >> 4) % LEX_SLOTS, k;
	const struct lex_index *x;

	for (k = 0; k < LEX_SLOTS; k++, h = (h + 1) % LEX_SLOTS) {
		x = atomic_load_explicit(&lex_slots[h], memory_order_acquire);
		if (x == NULL)
			return index_add(tab, h);
		if (x->tab == tab)
			return x;
	}
	return NULL;
}

/* Does the entry of sl stand at s[i] (i < len), ending on a word
 * boundary unless it may end inside a word? */
static inline bool
slot_at(const char *s, size_t len, size_t i, const struct lex_slot *sl)
{
	return text_bytes_at(s, len, i, sl->e->text, sl->len) &&
	       (sl->open_end || !text_is_word_byte(s, len, i + sl->len));
}

/* Can an entry start at s[i]: inside the text, not inside a word? */
static inline bool
may_start(const char *s, size_t len, size_t i)
{
	return i < len && !(i > 0 && text_is_word_byte(s, len, i - 1) &&
			    text_is_word_byte(s, len, i));
}

/* The entry of tab at s[i] (a possible start) without an index: the
 * longest, the first in the table among equals. */
static const struct lex_entry *
match_linear(const struct lex_entry *tab, const char *s, size_t len, size_t i,
	     size_t *mlen_r)
{
	const struct lex_entry *best = NULL, *e;
	struct lex_slot sl;

	*mlen_r = 0;
	for (e = tab; e->text != NULL; e++) {
		if (e->text[0] != s[i])
			continue;
		sl = slot_of(e);
		if (sl.len > *mlen_r && slot_at(s, len, i, &sl)) {
			best = e;
			*mlen_r = sl.len;
		}
	}
	return best;
}

/* The entry of tab at s[i] (a possible start), with tab's index x at
 * hand, or NULL if the set had no room for one. */
static inline const struct lex_entry *
match_at(const struct lex_index *x, const struct lex_entry *tab,
	 const char *s, size_t len, size_t i, size_t *mlen_r)
{
	unsigned char c = (unsigned char)s[i];
	uint32_t k;

	if (x == NULL)
		return match_linear(tab, s, len, i, mlen_r);
	for (k = x->first[c]; k < x->first[c + 1]; k++)
		if (slot_at(s, len, i, &x->slot[k])) {
			*mlen_r = x->slot[k].len;
			return x->slot[k].e;
		}
	return NULL;
}

const struct lex_entry *
lex_at(const char *s, size_t len, size_t i, const struct lex_entry *tab,
       size_t *mlen_r)
{
	size_t n;
	const struct lex_entry *e;

	if (!may_start(s, len, i))
		return NULL;
	e = match_at(index_of(tab), tab, s, len, i, &n);
	if (e && mlen_r)
		*mlen_r = n;
	return e;
}

const struct lex_entry *
lex_find(const char *s, size_t from, size_t to, const struct lex_entry *tab,
	 size_t *pos_r, size_t *mlen_r)
{
	const struct lex_index *x = index_of(tab);
	const struct lex_entry *e;
	size_t i, n;

	for (i = from; i < to; i = lex_next(s, to, i)) {
		if (may_start(s, to, i) &&
		    (e = match_at(x, tab, s, to, i, &n)) != NULL) {
			if (pos_r)
				*pos_r = i;
			if (mlen_r)
				*mlen_r = n;
			return e;
		}
	}
	return NULL;
}

bool
lex_any(const char *s, size_t from, size_t to, const struct lex_entry *tab)
{
	return lex_find(s, from, to, tab, NULL, NULL) != NULL;
}

/* SPDX-License-Identifier: MIT */
/*
 * lexmatch.c — word-boundary matching of lexicon tables.
 *
 * lex_at runs at every word start of a text, for tables of up to a few
 * hundred entries: each table gets an index on first use, its entries
 * grouped by first byte (in table order within a group, so that ties
 * resolve as the table says) with their lengths. The indexes live in a
 * fixed open-addressed set keyed by the table's address, published with
 * compare-and-swap: the daemon's and the milter's threads share them, and
 * a table is never freed (every table is a static array).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filters/lexmatch.h"
#include "filters/text.h"
#include "lib/xalloc.h"

struct lex_index {
	const struct lex_entry *tab;
	uint32_t first[257];	/* group of byte c: [first[c], first[c + 1]) */
	const struct lex_entry **e;
	size_t *len;
};

#define LEX_SLOTS 256		/* well over the number of tables */
static _Atomic(struct lex_index *) lex_slots[LEX_SLOTS];

static struct lex_index *
index_build(const struct lex_entry *tab)
{
	struct lex_index *x = xcalloc(1, sizeof(*x));
	uint32_t fill[256] = { 0 }, n = 0, c, k;

	x->tab = tab;
	for (; tab[n].text != NULL; n++)
		x->first[(unsigned char)tab[n].text[0] + 1]++;
	for (c = 0; c < 256; c++)
		x->first[c + 1] += x->first[c];
	x->e = xcalloc(n + 1, sizeof(*x->e));
	x->len = xcalloc(n + 1, sizeof(*x->len));
	for (k = 0; k < n; k++) {
		c = (unsigned char)tab[k].text[0];
		x->e[x->first[c] + fill[c]] = &tab[k];
		x->len[x->first[c] + fill[c]++] = strlen(tab[k].text);
	}
	return x;
}

static void
index_free(struct lex_index *x)
{
	free(x->e);
	free(x->len);
	free(x);
}

/* The index of tab, built on first use; NULL only if the set is full. */
static const struct lex_index *
index_of(const struct lex_entry *tab)
{
	size_t h = ((uintptr_t)tab >> 4) % LEX_SLOTS, k;
	struct lex_index *x, *mine;

	for (k = 0; k < LEX_SLOTS; k++, h = (h + 1) % LEX_SLOTS) {
		x = atomic_load_explicit(&lex_slots[h], memory_order_acquire);
		if (x == NULL) {
			mine = index_build(tab);
			if (atomic_compare_exchange_strong_explicit(
				    &lex_slots[h], &x, mine, memory_order_acq_rel,
				    memory_order_acquire))
				return mine;
			index_free(mine);	/* another thread took the slot: x */
		}
		if (x->tab == tab)
			return x;
	}
	return NULL;
}

/* Does entry e (n bytes) stand at s[i], ending on a word boundary? */
static bool
entry_at(const char *s, size_t len, size_t i, const struct lex_entry *e,
	 size_t n)
{
	if (i + n > len || memcmp(s + i, e->text, n) != 0)
		return false;
	/* A word must end where the entry ends, unless it is a stem or the
	 * entry itself ends in punctuation ("navne- og ..."). */
	return e->prefix || !text_is_word_byte(s, len, i + n) ||
	       !text_is_word_byte(e->text, n, n - 1);
}

const struct lex_entry *
lex_at(const char *s, size_t len, size_t i, const struct lex_entry *tab,
       size_t *mlen_r)
{
	const struct lex_index *x;
	const struct lex_entry *best = NULL, *e;
	size_t best_len = 0, n;
	uint32_t k;
	unsigned char c;

	if (i >= len || (i > 0 && text_is_word_byte(s, len, i - 1) &&
			 text_is_word_byte(s, len, i)))
		return NULL;
	c = (unsigned char)s[i];
	if ((x = index_of(tab)) != NULL) {
		for (k = x->first[c]; k < x->first[c + 1]; k++)
			if (x->len[k] > best_len &&
			    entry_at(s, len, i, x->e[k], x->len[k])) {
				best = x->e[k];
				best_len = x->len[k];
			}
	} else {
		for (e = tab; e->text != NULL; e++)
			if ((unsigned char)e->text[0] == c &&
			    (n = strlen(e->text)) > best_len &&
			    entry_at(s, len, i, e, n)) {
				best = e;
				best_len = n;
			}
	}
	if (best && mlen_r)
		*mlen_r = best_len;
	return best;
}

size_t
lex_next(const char *s, size_t len, size_t i)
{
	if (!text_is_word_byte(s, len, i))
		return i + 1;
	while (i < len && text_is_word_byte(s, len, i))
		i++;
	return i;
}

const struct lex_entry *
lex_find(const char *s, size_t from, size_t to, const struct lex_entry *tab,
	 size_t *pos_r, size_t *mlen_r)
{
	const struct lex_entry *e;
	size_t i, n;

	for (i = from; i < to; i = lex_next(s, to, i)) {
		if ((e = lex_at(s, to, i, tab, &n)) != NULL) {
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

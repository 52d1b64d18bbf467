/* SPDX-License-Identifier: MIT */
/*
 * lexmatch.c — word-boundary matching of lexicon tables.
 */
#include <string.h>

#include "filters/lexmatch.h"
#include "filters/text.h"

const struct lex_entry *
lex_at(const char *s, size_t len, size_t i, const struct lex_entry *tab,
       size_t *mlen_r)
{
	const struct lex_entry *best = NULL, *e;
	size_t best_len = 0, n;

	if (i >= len || (i > 0 && text_is_word_byte(s, len, i - 1) &&
			 text_is_word_byte(s, len, i)))
		return NULL;
	for (e = tab; e->text != NULL; e++) {
		if (e->text[0] != s[i])
			continue;
		n = strlen(e->text);
		if (n <= best_len || i + n > len || memcmp(s + i, e->text, n) != 0)
			continue;
		/* A word must end where the entry ends, unless it is a stem or
		 * the entry itself ends in punctuation ("navne- og ..."). */
		if (!e->prefix && text_is_word_byte(s, len, i + n) &&
		    text_is_word_byte(e->text, n, n - 1))
			continue;
		best = e;
		best_len = n;
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

/* SPDX-License-Identifier: MIT */
/*
 * lexmatch.h — find lexicon entries (lexicon.h) in lowercased UTF-8 text,
 * on word boundaries, longest entry first. Pure functions.
 */
#ifndef BV_LEXMATCH_H
#define BV_LEXMATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "filters/lexicon.h"
#include "filters/text.h"

/* The longest entry of tab that starts at s[i] on a word boundary (and ends
 * on one unless it is a prefix entry); NULL if none. *mlen_r = its length. */
const struct lex_entry *lex_at(const char *s, size_t len, size_t i,
			       const struct lex_entry *tab, size_t *mlen_r);

/* The first entry of tab in s[from..to); returns it and sets *pos_r,
 * *mlen_r, or NULL. */
const struct lex_entry *lex_find(const char *s, size_t from, size_t to,
				 const struct lex_entry *tab, size_t *pos_r,
				 size_t *mlen_r);

/* The next offset after i where an entry may begin: past the rest of the
 * word at i, or i + 1 at a non-word byte. Scanning loops step with it:
 * inline, since they call it at every word. */
static inline size_t
lex_next(const char *s, size_t len, size_t i)
{
	if (!text_is_word_byte(s, len, i))
		return i + 1;
	while (i < len && text_is_word_byte(s, len, i))
		i++;
	return i;
}

/* Does any entry of tab occur in s[from..to)? */
bool lex_any(const char *s, size_t from, size_t to, const struct lex_entry *tab);

#endif

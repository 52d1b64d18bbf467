/* SPDX-License-Identifier: MIT */
/*
 * prose.h — the shape of a mail's text: the writer's own part (quoted
 * replies and signature cut off), labelled lines ("Årsag: ..."), sentences
 * and clauses. Offsets are bytes into the original text; the lowercased and
 * "flat" views have the same length, so one offset serves all three.
 */
#ifndef BV_PROSE_H
#define BV_PROSE_H

#include <stdbool.h>
#include <stddef.h>

#include "filters/lexicon.h"

#define PROSE_MAX_FIELDS 64
/* How far a sentence reaches from a point: bounds the work per match. */
#define PROSE_SENTENCE_REACH 600

struct prose_field {
	enum field_id id;
	size_t label_start;	/* start of the label line */
	size_t start, end;	/* the value, after "Label:" up to the next label */
};

struct prose {
	const char *text;	/* the original (borrowed) */
	size_t len;		/* the writer's own part: quotes cut off */
	size_t quote_start;	/* where a reply's quoted part begins (len: none) */
	size_t body_end;	/* where the sign-off starts (<= len) */
	char *lower;		/* text_lower() of text[0..len) */
	char *flat;		/* lower, hard line wraps turned into spaces */
	unsigned char *ends;	/* ends[i]: a sentence ends at flat[i] */
	struct prose_field fields[PROSE_MAX_FIELDS];
	size_t nfields;
};

/*
 * Build the views of text[0..len), in two steps so that the caller can look
 * at quote_start (where a reply's quoted original begins: "-----Oprindelig
 * meddelelse-----", "Den ... skrev:", "> " lines, an Outlook "Fra:/Sendt:"
 * block) before deciding: prose_begin lowercases the text and finds the
 * quote once; prose_build with keep_quoted keeps the whole text as the
 * writer's own (a forwarded report), otherwise cuts the quote off.
 */
void prose_begin(struct prose *p, const char *text, size_t len);
void prose_build(struct prose *p, bool keep_quoted);
void prose_free(struct prose *p);

/* The first field with this id, or NULL. */
const struct prose_field *prose_field(const struct prose *p, enum field_id id);
/* Is offset i inside any labelled field other than the given id? */
bool prose_in_other_field(const struct prose *p, size_t i, enum field_id id);

/* Sentence and clause around offset i, in the flat view. */
void prose_sentence(const struct prose *p, size_t i, size_t *b_r, size_t *e_r);
void prose_clause(const struct prose *p, size_t i, size_t *b_r, size_t *e_r);
/* The next sentence start after offset i (or len). */
size_t prose_next_sentence(const struct prose *p, size_t i);

#endif

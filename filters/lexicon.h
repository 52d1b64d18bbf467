/* SPDX-License-Identifier: MIT */
/*
 * lexicon.h — the Danish (and some English) words brudvagt reads reports
 * with. Data only: every table is NULL-terminated and lowercase. Matching
 * rules live in classify.c and extract.c; words live here, so a new
 * spelling is a one-line change.
 */
#ifndef BV_LEXICON_H
#define BV_LEXICON_H

#include "filters/analysis.h"

/* A word or phrase; prefix means "matches the start of a word" (stems). */
struct lex_entry {
	const char *text;
	int value;		/* meaning depends on the table */
	int prefix;
};

/* Register fields a labelled line can fill ("Årsag: ..."); F_HEADER is a
 * quoted or forwarded mail's header line ("Sendt: ..."), never a field. */
enum field_id {
	F_BREACH_AT, F_DISCOVERED_AT, F_DESCRIPTION, F_CAUSE, F_DATA,
	F_COUNT, F_CONSEQUENCES, F_MEASURES, F_AUTHORITY, F_SEVERITY,
	F_MUNICIPALITIES, F_HEADER, F_NONE
};

extern const struct lex_entry lex_field_labels[];	/* value: enum field_id */
extern const struct lex_entry lex_categories[];		/* value: CAT_* bit */
extern const struct lex_entry lex_severity_levels[];	/* value: enum severity */
extern const struct lex_entry lex_severity_keys[];
extern const struct lex_entry lex_report_words[];	/* value: score */
extern const struct lex_entry lex_auto_subjects[];
extern const struct lex_entry lex_bounce_subjects[];
extern const struct lex_entry lex_other_subjects[];	/* invitations etc. */
extern const struct lex_entry lex_reply_prefixes[];	/* value: 1 reply, 2 forward */
extern const struct lex_entry lex_discovery_cues[];	/* time cue words */
extern const struct lex_entry lex_breach_cues[];
extern const struct lex_entry lex_action_cues[];
extern const struct lex_entry lex_person_nouns[];
extern const struct lex_entry lex_unknown_words[];	/* "endnu ukendt" */
extern const struct lex_entry lex_negations[];
extern const struct lex_entry lex_all_munis[];		/* "alle kommuner" */
extern const struct lex_entry lex_affected_cues[];
extern const struct lex_entry lex_authority_yes[];
extern const struct lex_entry lex_authority_pending[];	/* "skal vurdere" */
extern const struct lex_entry lex_signoffs[];		/* "med venlig hilsen" */
extern const struct lex_entry lex_quote_markers[];	/* reply headers */
/* Spellings of municipality names beyond the transliterations made from
 * the configured names (æ→ae/a, ø→oe/o, å→aa/a): "århus" → "Aarhus". */
struct lex_alias {
	const char *alias;	/* lowercase */
	const char *canonical;	/* as in the contact list */
};
extern const struct lex_alias lex_muni_aliases[];
extern const struct lex_entry lex_owner_phrases[];	/* "borgerservice, aarhus kommune" */
extern const struct lex_entry lex_return_cues[];	/* "tilbage" */
extern const struct lex_entry lex_ambiguous_munis[];	/* "vejen", "odder" */

#endif

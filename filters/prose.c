/* SPDX-License-Identifier: MIT */
/*
 * prose.c — splitting a mail's text into what the writer wrote, labelled
 * register lines, sentences and clauses. Pure functions.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "filters/lexmatch.h"
#include "filters/prose.h"
#include "filters/text.h"
#include "lib/xalloc.h"

/* Abbreviations whose full stop does not end a sentence. */
static const char *const abbrevs[] = {
	"kl", "ca", "inkl", "jf", "nr", "bl.a", "f.eks", "mv", "dvs", "evt",
	"pga", "hhv", "tlf", "d", "st", "mht", "vedr", "ift", "mm", "ang",
	"bl", "a", "eks", "ifm", "mfl", "m.fl", "osv", "etc", "fx", "dk",
	"cirka", "kr", "stk", "pkt", "jr", "j.nr", "att", NULL,
};

static size_t
line_end(const char *s, size_t len, size_t i)
{
	const char *nl = memchr(s + i, '\n', len - i);

	return nl ? (size_t)(nl - s) : len;
}

static size_t
skip_blank(const char *s, size_t e, size_t i)
{
	while (i < e && (s[i] == ' ' || s[i] == '\t' || s[i] == '*' ||
			 s[i] == '-' || s[i] == '>'))
		i++;
	/* "• " bullet (E2 80 A2) */
	if (i + 3 <= e && memcmp(s + i, "\xe2\x80\xa2", 3) == 0)
		i += 3;
	/* a numbered form: "1. ", "2) ", "a) " */
	{
		size_t j = i;

		while (j < e && j - i < 2 && isdigit((unsigned char)s[j]))
			j++;
		if (j == i && j < e && s[j] >= 'a' && s[j] <= 'h' && j + 1 < e &&
		    s[j + 1] == ')')
			j++;
		if (j > i && j + 1 < e && (s[j] == '.' || s[j] == ')') && s[j + 1] == ' ')
			i = j + 1;
	}
	while (i < e && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* Is the line at b a "Label: value" line? Sets the field id and where the
 * value starts. */
static bool
label_line(const char *lower, size_t len, size_t b, enum field_id *id_r,
	   size_t *val_r)
{
	size_t e = line_end(lower, len, b), i = skip_blank(lower, e, b), n, j;
	const struct lex_entry *le = lex_at(lower, e, i, lex_field_labels, &n);

	if (le == NULL)
		return false;
	j = i + n;
	/* a table cell: "Antal berørte<TAB>57" */
	if (j < e && lower[j] == '\t') {
		*id_r = (enum field_id)le->value;
		while (j < e && (lower[j] == '\t' || lower[j] == ' '))
			j++;
		*val_r = j < e && lower[j] == ':' ? j + 1 : j;
		return true;
	}
	while (j < e && (lower[j] == ' ' || lower[j] == '\t'))
		j++;
	/* "Label:", also "Label (fritekst):" */
	if (j < e && lower[j] == '(') {
		const char *cp = memchr(lower + j, ')', e - j);

		if (cp == NULL)
			return false;
		j = (size_t)(cp - lower) + 1;
	}
	/* "Label:", "Label =", "Hvornår skete bruddet?", "Årsag - ..." */
	if (j < e && (lower[j] == ':' || lower[j] == '=' || lower[j] == '?')) {
		*val_r = j + 1;
	} else if (j + 1 < e && lower[j] == '-' && lower[j + 1] == ' ' &&
		   lower[j - 1] == ' ') {
		*val_r = j + 1;
	} else if (j + 3 < e && memcmp(lower + j, "\xe2\x80\x93 ", 4) == 0 &&
		   lower[j - 1] == ' ') {
		*val_r = j + 3;
	} else {
		return false;
	}
	*id_r = (enum field_id)le->value;
	return true;
}

/* A header line counts only in a block of two or more ("Fra:" then
 * "Sendt:"): a lone "Dato: 17.11.2026" is a register line of its own. */
static void
drop_lone_headers(struct prose *p)
{
	size_t i, k = 0;

	for (i = 0; i < p->nfields; i++) {
		bool prev = i > 0 && p->fields[i - 1].id == F_HEADER &&
			    p->fields[i - 1].end + 1 >= p->fields[i].label_start;
		bool next = i + 1 < p->nfields && p->fields[i + 1].id == F_HEADER &&
			    p->fields[i].end + 1 >= p->fields[i + 1].label_start;

		if (p->fields[i].id == F_HEADER && !prev && !next)
			continue;
		p->fields[k++] = p->fields[i];
	}
	p->nfields = k;
}

static void
find_fields(struct prose *p)
{
	size_t b = 0, val;
	enum field_id id;
	struct prose_field *cur = NULL;

	while (b < p->body_end) {
		size_t e = line_end(p->lower, p->body_end, b);
		bool blank = skip_blank(p->lower, e, b) == e;

		if (label_line(p->lower, p->body_end, b, &id, &val)) {
			if (cur)
				cur->end = b;
			cur = NULL;
			if (p->nfields < PROSE_MAX_FIELDS) {
				cur = &p->fields[p->nfields++];
				cur->id = id;
				cur->label_start = b;
				cur->start = val;
				cur->end = e;
			}
		} else if (cur && blank) {
			cur->end = b;
			cur = NULL;
		} else if (cur) {
			cur->end = e;
		}
		b = e + 1;
	}
	if (cur)
		cur->end = cur->end > p->body_end ? p->body_end : cur->end;
	drop_lone_headers(p);
}

/* Reply headers written by Outlook: "Fra: X" followed within three lines
 * by "Sendt:" (or "From:" / "Sent:"). */
static bool
outlook_block(const char *lower, size_t len, size_t b)
{
	size_t i, e, k;

	if (strncmp(lower + b, "fra:", 4) != 0 && strncmp(lower + b, "from:", 5) != 0)
		return false;
	for (k = 0, i = line_end(lower, len, b) + 1; k < 3 && i < len; k++) {
		e = line_end(lower, len, i);
		if (strncmp(lower + i, "sendt:", 6) == 0 ||
		    strncmp(lower + i, "sent:", 5) == 0 ||
		    strncmp(lower + i, "dato:", 5) == 0 ||
		    strncmp(lower + i, "date:", 5) == 0)
			return true;
		i = e + 1;
	}
	return false;
}

/* "Den 21.10.2026 kl. 11.32 skrev x:" / "On ... wrote:" */
static bool
attribution_line(const char *lower, size_t b, size_t e)
{
	size_t n = e - b;

	while (n > 0 && (lower[b + n - 1] == ' ' || lower[b + n - 1] == '\r'))
		n--;
	if (n < 6 || lower[b + n - 1] != ':')
		return false;
	return memmem(lower + b, n, " skrev", 6) != NULL ||
	       memmem(lower + b, n, " wrote", 6) != NULL;
}

static size_t
quote_start_lower(const char *lower, size_t len)
{
	size_t b = 0, r = len;

	while (b < len) {
		size_t e = line_end(lower, len, b), i = b;

		while (i < e && lower[i] == ' ')
			i++;
		if (lex_at(lower, e, i, lex_quote_markers, NULL) ||
		    outlook_block(lower, len, i) || attribution_line(lower, b, e) ||
		    (lower[i] == '>' && b > 0)) {
			r = b;
			break;
		}
		b = e + 1;
	}
	return r;
}

/* Where the sign-off ("Med venlig hilsen") starts: a line that is only a
 * sign-off, in the last part of the text. */
static size_t
signoff_start(const char *lower, size_t len)
{
	const struct lex_entry *le;
	size_t b = 0, n, i, e;

	while (b < len) {
		e = line_end(lower, len, b);
		i = skip_blank(lower, e, b);
		if (lower[b] == '-' && e - b <= 3 && lower[b + 1] == '-')
			return b;
		if ((le = lex_at(lower, e, i, lex_signoffs, &n)) != NULL) {
			size_t j = le->value == 1 ? e : i + n;

			while (j < e && strchr(" ,.!\r", lower[j]))
				j++;
			if (j == e)
				return b;
		}
		b = e + 1;
	}
	return len;
}

/* Hard-wrapped lines are one paragraph: replace the newline by a space
 * unless the line ends a sentence or the next one starts a new item. */
static void
flatten(struct prose *p)
{
	size_t i, j, k, ls = 0;

	/* all len bytes, not xstrndup: a NUL inside must not cut it short */
	p->flat = xmalloc(p->len + 1);
	memcpy(p->flat, p->lower, p->len);
	p->flat[p->len] = '\0';
	for (i = 0; i < p->len; i++) {
		const char *nl = memchr(p->flat + i, '\n', p->len - i);

		if (nl == NULL)
			break;
		i = (size_t)(nl - p->flat);
		for (j = i; j > ls && (p->flat[j - 1] == ' ' || p->flat[j - 1] == '\r'); j--)
			;
		k = i + 1;
		if (j == ls || strchr(".:!?;", p->flat[j - 1]) || k >= p->len ||
		    p->flat[k] == '\n' || p->flat[k] == '-' || p->flat[k] == '*' ||
		    (isupper((unsigned char)p->text[k]) && i - ls < 50)) {
			ls = k;
			continue;
		}
		p->flat[i] = ' ';
		ls = k;
	}
}

static bool sentence_end_at(const struct prose *p, size_t i);
/* The bytes sentence_end_at() can be true at. */
#define SENTENCE_END_CHARS "\n.!?"

void
prose_begin(struct prose *p, const char *text, size_t len)
{
	memset(p, 0, sizeof(*p));
	p->text = text;
	p->lower = text_lower(text, len);
	p->len = len;
	p->quote_start = quote_start_lower(p->lower, len);
}

void
prose_build(struct prose *p, bool keep_quoted)
{
	size_t i;

	if (!keep_quoted)
		p->len = p->quote_start;
	p->lower[p->len] = '\0';
	p->body_end = signoff_start(p->lower, p->len);
	flatten(p);
	find_fields(p);
	/* Only a line end, '.', '!' or '?' can end a sentence: strcspn()
	 * jumps from one to the next (flat ends in a NUL at p->len; a NUL
	 * inside stops strcspn() there, and the loop steps over it). */
	p->ends = xcalloc(p->len + 1, 1);
	for (i = strcspn(p->flat, SENTENCE_END_CHARS); i < p->len;
	     i += 1 + strcspn(p->flat + i + 1, SENTENCE_END_CHARS))
		p->ends[i] = sentence_end_at(p, i);
	p->ends[p->len] = 1;
}

void
prose_free(struct prose *p)
{
	free(p->lower);
	free(p->flat);
	free(p->ends);
	p->lower = p->flat = NULL;
	p->ends = NULL;
}

const struct prose_field *
prose_field(const struct prose *p, enum field_id id)
{
	size_t i;

	for (i = 0; i < p->nfields; i++)
		if (p->fields[i].id == id)
			return &p->fields[i];
	return NULL;
}

bool
prose_in_other_field(const struct prose *p, size_t pos, enum field_id id)
{
	size_t i;

	for (i = 0; i < p->nfields; i++)
		if (p->fields[i].id != id && pos >= p->fields[i].label_start &&
		    pos < p->fields[i].end)
			return true;
	return false;
}

static bool
is_abbrev(const char *s, size_t dot)
{
	size_t b = dot, n;
	int k;

	while (b > 0 && (isalpha((unsigned char)s[b - 1]) || s[b - 1] == '.'))
		b--;
	n = dot - b;
	if (n == 0)
		return false;
	for (k = 0; abbrevs[k]; k++)
		if (abbrevs[k][0] == s[b] && strncmp(s + b, abbrevs[k], n) == 0 &&
		    abbrevs[k][n] == '\0')
			return true;
	return false;
}

/* Does a sentence end at s[i] (the flat view)? Worked out once per
 * offset in prose_build; sentence_end() reads the table. */
static bool
sentence_end_at(const struct prose *p, size_t i)
{
	const char *s = p->flat;
	char c = s[i];

	if (c == '\n')
		return true;
	if (c == '!' || c == '?')
		return true;
	if (c != '.')
		return false;
	if (i + 1 >= p->len)
		return true;
	if (s[i + 1] != ' ' && s[i + 1] != '\n' && s[i + 1] != '\t')
		return false;
	if (is_abbrev(s, i))
		return false;
	/* "den 19. oktober": an ordinal followed by a small letter */
	if (i > 0 && isdigit((unsigned char)s[i - 1]) && i + 2 < p->len &&
	    !isupper((unsigned char)p->text[i + 2]) && p->text[i + 2] != '\n')
		return false;
	return true;
}

static bool
sentence_end(const struct prose *p, size_t i)
{
	return p->ends[i];
}

/* The first sentence end in flat[i..i + reach) (and before p->len), or
 * the end of that range. ends[] is a byte per offset: memchr() finds it. */
static size_t
sentence_end_from(const struct prose *p, size_t i, size_t reach)
{
	size_t lim;
	const unsigned char *e;

	if (i >= p->len)
		return i;
	lim = p->len - i < reach ? p->len : i + reach;
	e = memchr(p->ends + i, 1, lim - i);
	return e != NULL ? (size_t)(e - p->ends) : lim;
}

/* The offset after the last sentence end in flat[from..i), or from. */
static size_t
sentence_end_before(const struct prose *p, size_t from, size_t i)
{
	const unsigned char *e;

	if (from >= i)
		return i;
	e = memrchr(p->ends + from, 1, i - from);
	return e != NULL ? (size_t)(e - p->ends) + 1 : from;
}

static bool
utf8_cont(char c)
{
	return ((unsigned char)c & 0xC0) == 0x80;
}

void
prose_sentence(const struct prose *p, size_t i, size_t *b_r, size_t *e_r)
{
	size_t b, e;

	if (i > p->len)
		i = p->len;
	/* A text without full stops (a pasted chat log) is one "sentence":
	 * look no further than PROSE_SENTENCE_REACH either way, so every
	 * caller stays linear in the text. */
	b = i > PROSE_SENTENCE_REACH ? i - PROSE_SENTENCE_REACH : 0;
	b = sentence_end_before(p, b, i);
	e = sentence_end_from(p, i, PROSE_SENTENCE_REACH);
	/* a bound set by the reach must not split a UTF-8 sequence */
	while (b < i && utf8_cont(p->flat[b]))
		b++;
	while (e < p->len && utf8_cont(p->flat[e]))
		e++;
	*b_r = b;
	*e_r = e;
}

size_t
prose_next_sentence(const struct prose *p, size_t i)
{
	i = sentence_end_from(p, i, PROSE_SENTENCE_REACH);
	if (i < p->len && sentence_end(p, i))
		return i + 1;
	/* stopped by the reach: never inside a UTF-8 sequence */
	while (i < p->len && utf8_cont(p->flat[i]))
		i++;
	return i;
}

static const char *const clause_seps[] = {
	", ", "; ", " og ", " men ", " samt ", " mens ", " hvorefter ",
	" - ", " – ", NULL,
};

/* The length of a clause separator starting at flat[j] (before se), or 0. */
static size_t
sep_at(const struct prose *p, size_t j, size_t se)
{
	unsigned char c = (unsigned char)p->flat[j];
	size_t k, n;

	if (c != ',' && c != ';' && c != ' ' && c != 0xE2)
		return 0;
	for (k = 0; clause_seps[k]; k++) {
		n = strlen(clause_seps[k]);
		if (j + n > se || memcmp(p->flat + j, clause_seps[k], n) != 0)
			continue;
		/* a comma between digits is a decimal, not a clause */
		if (c == ',' && j > 0 && isdigit((unsigned char)p->flat[j - 1]) &&
		    j + 1 < se && isdigit((unsigned char)p->flat[j + 1]))
			return 0;
		return n;
	}
	return 0;
}

/* Walk out from i to the nearest separator on each side: the work is the
 * clause's length, not the sentence's. */
void
prose_clause(const struct prose *p, size_t i, size_t *b_r, size_t *e_r)
{
	size_t sb, se, b, e, n;

	prose_sentence(p, i, &sb, &se);
	b = sb;
	for (size_t j = i; j > sb; j--)
		if ((n = sep_at(p, j - 1, se)) != 0 && j - 1 + n <= i) {
			b = j - 1 + n;
			break;
		}
	e = se;
	for (size_t j = i; j < se; j++)
		if (sep_at(p, j, se) != 0) {
			e = j;
			break;
		}
	*b_r = b;
	*e_r = e;
}

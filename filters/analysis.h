/* SPDX-License-Identifier: MIT */
/*
 * analysis.h — what a message is and what it reports.
 *
 * analysis_run() takes one raw RFC 5322 message and the settings (contact
 * list, system owner, supplier, limits) and returns a struct analysis: the
 * kind (report, ack, auto_reply, bounce, other), the case it refers to, and
 * for a report the register fields of the procedure. Buffer in, struct out,
 * no I/O: shared by brudvagtd, brudvagtctl parse and brudvagt-milter.
 *
 * Every text field it returns has CPR numbers redacted (cpr.h); only
 * cpr_count says how many there were.
 */
#ifndef BV_ANALYSIS_H
#define BV_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/settings.h"
#include "lib/err.h"

enum analysis_kind {
	KIND_REPORT,
	KIND_ACK,
	KIND_AUTO_REPLY,
	KIND_BOUNCE,
	KIND_OTHER,
};

enum analysis_origin {
	ORIGIN_NONE,		/* not a report: JSON null */
	ORIGIN_MUNICIPALITY,
	ORIGIN_SUPPLIER,
	ORIGIN_SYSTEM_OWNER,
	ORIGIN_UNKNOWN,
};

/* Data categories, a bit each; JSON names in analysis_category_name(). */
enum data_category {
	CAT_ADDRESS		= 1 << 0,
	CAT_CONTACT		= 1 << 1,
	CAT_CPR			= 1 << 2,
	CAT_CRIMINAL		= 1 << 3,
	CAT_FINANCIAL		= 1 << 4,
	CAT_HEALTH		= 1 << 5,
	CAT_NAME		= 1 << 6,
	CAT_OTHER		= 1 << 7,
	CAT_PROTECTED_ADDRESS	= 1 << 8,
	CAT_UNION		= 1 << 9,
};
#define CAT_COUNT 10

enum severity { SEV_NONE = -1, SEV_LOW, SEV_MEDIUM, SEV_HIGH };
enum tristate { TRI_NULL = -1, TRI_FALSE = 0, TRI_TRUE = 1 };

#define ANALYSIS_CASE_REF_MAX 24	/* "BV-2026-0007" and room to grow */

struct analysis_attachment {
	char *filename;		/* may be NULL */
	char *content_type;
	size_t size;
};

struct analysis {
	/* Header facts, decoded, CR/LF-free. */
	char *message_id;	/* with angle brackets, or NULL */
	char *from_addr;	/* lowercased addr-spec, or NULL */
	char *from_name;	/* display name, or NULL */
	char *subject;		/* or NULL */
	bool has_date;
	int64_t date;		/* Date header, UTC seconds */
	char *in_reply_to;	/* raw msg-id list, or NULL */
	char *references;

	enum analysis_kind kind;
	char case_ref[ANALYSIS_CASE_REF_MAX];	/* "" when none */

	/* Incident (reports only; otherwise null/empty). */
	enum analysis_origin origin;
	int reporting_municipality;	/* index in settings, or -1 */
	bool *affected;			/* [settings->nmunicipalities] */
	size_t naffected_slots;		/* = settings->nmunicipalities */
	bool affects_all;
	long affected_count;		/* -1: null */
	bool has_breach_at, has_discovered_at;
	int64_t breach_at, discovered_at;	/* UTC seconds, whole minutes */
	unsigned categories;		/* enum data_category bits */
	int cpr_count;			/* distinct CPR numbers in the text */
	enum tristate reported_to_authority;
	enum severity severity;
	bool spoofed;
	char *description, *cause, *consequences, *measures;	/* redacted */

	/* Replies. An ack's own text (quotes cut off) is read for register
	 * fields too, into the incident fields above (analysis_to_json shows
	 * those for reports only): a reporter may answer "Antal berørte: 45".
	 * labelled has bit (1u << id) for each enum field_id (lexicon.h) the
	 * text gives a labelled line for. */
	unsigned labelled;
	enum tristate authority_decision;	/* "Anmeldt til Datatilsynet: ja" */
	bool has_return_date;		/* an out-of-office's return day */
	int64_t return_date;

	/* The message as text, CPR numbers redacted, for forwarding. */
	char *text_redacted;
	struct analysis_attachment *attachments;
	size_t nattachments;

	/* Decoding trouble: the message is still analysed as far as possible. */
	bool truncated;
	bool malformed;
	char *error;		/* why it could not be fully read, or NULL */
};

/*
 * Analyse msg[0..len). *r is new and owned by the caller (analysis_free),
 * even on partial failure: returns 0 when the message was understood, 1 when
 * it was analysed only partly (truncated/malformed; see ->error), and -1
 * with e set when nothing could be read at all (then *r is NULL).
 */
int analysis_run(const struct settings *s, const char *msg, size_t len,
		 struct analysis **r, struct err *e);

/*
 * The same for brudvagt-milter, which needs only what its headers carry:
 * kind, case_ref, origin and reporting_municipality, affected and
 * affects_all, severity, cpr_count, spoofed. Those are what analysis_run
 * gives (tests/test_analysis.c compares them over the corpus); the rest
 * is left at "not found": no times, count, categories, register texts,
 * redacted text or attachments. About half the work of analysis_run.
 */
int analysis_run_triage(const struct settings *s, const char *msg, size_t len,
			struct analysis **r, struct err *e);

void analysis_free(struct analysis **a);

const char *analysis_kind_name(enum analysis_kind k);
const char *analysis_origin_name(enum analysis_origin o);	/* NULL for NONE */
const char *analysis_severity_name(enum severity s);		/* NULL for NONE */
/* Name of the category bit number i (0..CAT_COUNT-1), in sorted order. */
const char *analysis_category_name(int i);

/*
 * The contract's JSON object for one message (brudvagtctl parse), as a
 * compact one-line UTF-8 string, owned by the caller. file may be NULL.
 */
char *analysis_to_json(const struct settings *s, const struct analysis *a,
		       const char *file);

#endif

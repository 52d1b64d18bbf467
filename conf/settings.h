/* SPDX-License-Identifier: MIT */
/*
 * settings.h — brudvagt's settings: one table, one loader, plain structs.
 *
 * The loader (libconfig) validates every key against the table in
 * settings.c: an unknown key, a wrong type, a value out of bounds or a
 * missing required key is refused with "file:line: message" in err->msg and
 * err->code = 78 (EX_CONFIG). Modules receive a const struct settings and
 * never see libconfig. All strings are owned by the struct settings.
 */
#ifndef BV_SETTINGS_H
#define BV_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

enum tls_mode { TLS_IMPLICIT, TLS_STARTTLS, TLS_NONE };

struct strlist {
	char **v;
	size_t n;
};

struct account {
	char *name;
	char *host;
	int port;			/* default 993 implicit, 143 otherwise */
	enum tls_mode tls;		/* default implicit */
	char *ca_file;			/* NULL: the system store */
	char *user;
	char *password_file;
	char *mailbox;			/* default "INBOX" */
	char *processed_mailbox;	/* NULL: leave messages where they are */
	int poll_seconds;		/* when the server lacks IDLE; default 60 */
	int timeout_seconds;		/* every read; default 60 */
	int batch_messages;		/* fetched and committed together; 256 */
};

struct smtp_settings {
	char *host;
	int port;			/* default 587 starttls, 465 implicit, 25 none */
	enum tls_mode tls;		/* default starttls */
	char *ca_file;
	char *user;			/* NULL: no AUTH */
	char *password_file;
	char *from;
	char *message_id_domain;	/* default: the domain of from */
	int timeout_seconds;		/* default 60 */
	int max_queue_hours;		/* default 48 */
	bool forward_attachments;	/* default false */
};

struct contact {
	char *title, *name, *email, *mobile;	/* title, name, mobile may be NULL */
};

struct municipality {
	char *name;			/* canonical, Danish letters */
	struct strlist domains;
	struct contact *contacts;
	size_t ncontacts;
};

struct limits {
	size_t max_message_bytes;	/* default 50 MiB */
	size_t max_header_bytes;	/* default 256 KiB */
	size_t max_line_bytes;		/* default 1 MiB */
	int max_mime_depth;		/* default 20 */
	int max_mime_parts;		/* default 500 */
	size_t max_text_bytes;		/* decoded text analysed; default 1 MiB */
};

struct settings {
	char *file;			/* where it was loaded from */

	struct account *accounts;
	size_t naccounts;
	struct smtp_settings smtp;

	struct {
		char *name;
		struct strlist emails;	/* lowercased */
	} system_owner;

	struct {
		char *name;
		struct strlist domains;	/* lowercased */
		struct strlist emails;
	} supplier;

	struct municipality *municipalities;
	size_t nmunicipalities;

	struct {
		int ack_hours;			/* default 24 */
		int *reminder_hours;		/* default { 8, 16 } */
		size_t nreminder_hours;
		int authority_hours;		/* default 72 */
		int digest_hour;		/* 0..23, -1 = no digest; default 8 */
	} deadlines;

	char *store_path;	/* store.path; default /var/lib/brudvagt/brudvagt.db */
	char *spool_path;	/* spool.path; default /var/spool/brudvagt */
	char *templates_path;	/* templates.path; default /etc/brudvagt/templates */
	char *authserv_id;	/* top-level authserv_id; NULL: trust the
				 * topmost Authentication-Results */

	struct {
		char *socket;		/* default "unix:/run/brudvagt/milter.sock" */
		struct strlist recipients;	/* default: system_owner.emails */
		int timeout_seconds;	/* smfi_settimeout; default 30 */
		size_t max_message_bytes;	/* buffered for analysis; default 10 MiB */
	} milter;

	struct limits limits;		/* limits = { max_message_bytes = ...; } */
	/* limits.reports_per_sender_per_hour, limits.receipts_per_address_per_hour:
	 * outbound, not input bounds (notify.h); 0: no limit */
	int reports_per_sender_per_hour, receipts_per_address_per_hour;
};

/*
 * Load and validate the configuration in file path. On success *r is a new
 * struct settings owned by the caller (settings_free). On failure returns -1
 * with e->code = 78 and e->msg = "file:line: message" (or "file: cannot
 * open: reason"); *r is left alone. @include paths are relative to the
 * directory of path.
 */
int settings_load_file(const char *path, struct settings **r, struct err *e);

/* The same from text in memory; name is used in messages as the file name. */
int settings_load_string(const char *text, const char *name,
			 struct settings **r, struct err *e);

/* The embedded default: the text of conf/brudvagt.conf compiled in. */
int settings_load_default(struct settings **r, struct err *e);
extern const char conf_default_text[];

/* Free *s and everything it owns, and set *s to NULL. s or *s may be NULL. */
void settings_free(struct settings **s);

/* Lookups (case-insensitive on addresses and domains). */
/*
 * Index of the municipality owning domain (or a subdomain of it, e.g.
 * "mail.viborg.dk"; the longest listed match wins), or -1. An address
 * "user@domain" is looked up by its domain.
 */
int settings_municipality_by_domain(const struct settings *s, const char *domain);
/* Index of the municipality with this canonical name (ASCII case ignored), or -1. */
int settings_municipality_by_name(const struct settings *s, const char *name);
/* Is addr one of system_owner.emails (exact address)? */
bool settings_is_system_owner(const struct settings *s, const char *addr);
/* Is addr at a supplier domain (or below it), or one of supplier.emails? */
bool settings_is_supplier(const struct settings *s, const char *addr);

/* "implicit", "starttls" or "none": for logs and messages. Static storage. */
const char *settings_tls_name(enum tls_mode tls);

#endif

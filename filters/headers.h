/* SPDX-License-Identifier: MIT */
/*
 * headers.h — reading the header values brudvagt cares about: addresses,
 * message-ids, case references, RFC 5322 dates. Input is a decoded header
 * value (mime.h); pure functions, no I/O.
 */
#ifndef BV_HEADERS_H
#define BV_HEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Split a From-style value into display name and addr-spec. The address is
 * the last <...> holding an '@', else the first word holding an '@'.
 * *addr_r is lowercased; both are owned by the caller, NULL when absent.
 */
void headers_parse_address(const char *value, char **name_r, char **addr_r);

/* The domain part of addr (borrowed), or NULL. */
const char *headers_addr_domain(const char *addr);

/* Parse an RFC 5322 date ("Tue, 6 Oct 2026 10:42:17 +0200", obsolete zone
 * names, missing seconds or weekday tolerated). Returns false if unreadable. */
bool headers_parse_date(const char *value, int64_t *r);

/*
 * Find a case reference in s: "[BV-2026-0003]" when bracketed is true,
 * "case-BV-2026-0003." (our Message-ID form) when msgid is true, a bare
 * "BV-2026-0003" word otherwise. Writes "BV-2026-0003" into out (size n).
 */
bool headers_find_case_ref(const char *s, bool bracketed, bool msgid,
			   char *out, size_t n);

/* Copy s with CR, LF and other control characters removed (owned). */
char *headers_sanitize(const char *s);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * authres.h — read Authentication-Results (RFC 8601) to tell a forged
 * sender. Pure functions.
 */
#ifndef BV_AUTHRES_H
#define BV_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

enum authres_result { AR_NONE, AR_PASS, AR_FAIL, AR_OTHER };

struct authres {
	char authserv_id[256];
	enum authres_result spf, dkim, dmarc;	/* dkim: PASS if any passed */
};

/* Parse one header value. Returns false if it has no authserv-id. */
bool authres_parse(const char *value, struct authres *r);

/*
 * Given the Authentication-Results values in header order (topmost first),
 * decide whether the sender was forged: the header is the topmost one, or
 * the topmost whose authserv-id equals authserv_id when that is set (others
 * may have been added by the sender and are not trusted); it says spoofed
 * when dmarc=fail, or spf=fail without dkim=pass.
 */
bool authres_is_spoofed(const char *const *values, size_t n,
			const char *authserv_id);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * tlsverify.h — verify a libetpan TLS peer with GnuTLS.
 *
 * Debian's libetpan (GnuTLS backend) accepts any server certificate. Its
 * clients — brudvagtd's IMAP watcher and the outbound SMTP delivery — call
 * tlsverify_stream() right after the TLS handshake (implicit TLS or
 * STARTTLS) and before anything secret is sent: the chain the server sent
 * is checked against ca_file (or the system trust store), for the name
 * host (a DNS name or an IP address), for TLS server use.
 *
 * Only the two libetpan client modules include this header: the
 * mailstream type stays among the libetpan wrappers.
 */
#ifndef BV_TLSVERIFY_H
#define BV_TLSVERIFY_H

#include <libetpan/libetpan.h>

#include "lib/err.h"

/*
 * Verify the peer of stream s. Returns 0 when the chain is trusted for
 * host; -1 with e->msg "certificate verification failed: REASON (host H)"
 * and e->code 69 (EX_UNAVAILABLE), or e->code 78 (EX_CONFIG) when ca_file
 * (or the system store) holds no usable CA certificate.
 */
int tlsverify_stream(mailstream *s, const char *host, const char *ca_file,
		     struct err *e);

/*
 * A libetpan ssl-context callback (…_with_callback connect variants) that
 * sets SNI to data (the host name, a char *); none for an IP literal (RFC
 * 6066 forbids it).
 */
void tlsverify_sni_cb(struct mailstream_ssl_context *ctx, void *data);

#endif

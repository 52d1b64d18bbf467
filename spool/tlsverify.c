/* SPDX-License-Identifier: MIT */
/*
 * tlsverify.c — GnuTLS verification of a libetpan TLS peer (tlsverify.h).
 *
 * Moved here from daemon/imap.c so that IMAP and SMTP verify alike. Owns
 * nothing past a call: the trust list and the imported certificates are
 * freed before it returns. Thread-safe (no shared state).
 */
#include <arpa/inet.h>
#include <string.h>
#include <sysexits.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "spool/tlsverify.h"

#define CHAIN_MAX	16	/* certificates we look at */

static const struct {
	unsigned bit;
	const char *text;
} cert_problems[] = {
	{ GNUTLS_CERT_UNEXPECTED_OWNER, "the name in the certificate does not match" },
	{ GNUTLS_CERT_SIGNER_NOT_FOUND, "issuer is unknown" },
	{ GNUTLS_CERT_SIGNER_NOT_CA, "issuer is not a CA" },
	{ GNUTLS_CERT_EXPIRED, "the certificate has expired" },
	{ GNUTLS_CERT_NOT_ACTIVATED, "the certificate is not yet valid" },
	{ GNUTLS_CERT_REVOKED, "the certificate is revoked" },
	{ GNUTLS_CERT_INSECURE_ALGORITHM, "insecure algorithm" },
	{ GNUTLS_CERT_SIGNATURE_FAILURE, "bad signature" },
	{ GNUTLS_CERT_PURPOSE_MISMATCH, "the certificate is not for a TLS server" },
};

/* The problems in a GnuTLS verification status, "; "-separated, into b. */
static void
cert_status_text(unsigned status, struct buf *b)
{
	unsigned known = 0;
	size_t i;

	for (i = 0; i < sizeof(cert_problems) / sizeof(cert_problems[0]); i++) {
		if (!(status & cert_problems[i].bit))
			continue;
		buf_printf(b, "%s%s", b->len ? "; " : "", cert_problems[i].text);
		known |= cert_problems[i].bit;
	}
	if ((status & ~known & ~(unsigned)GNUTLS_CERT_INVALID) != 0 || b->len == 0)
		buf_printf(b, "%snot trusted (status 0x%x)", b->len ? "; " : "",
			   status);
}

static int
trust_list_load(const char *ca, gnutls_x509_trust_list_t tl,
		struct err *e)
{
	int r;

	if (ca != NULL) {
		r = gnutls_x509_trust_list_add_trust_file(tl, ca, NULL,
				GNUTLS_X509_FMT_PEM, 0, 0);
		if (r <= 0)
			return err_set(e, EX_CONFIG,
				"ca_file %s: no CA certificate could be read (%s)",
				ca, r < 0 ? gnutls_strerror(r) : "none found");
		return 0;
	}
	r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (r <= 0)
		return err_set(e, EX_CONFIG,
			"the system trust store holds no CA certificate (%s)",
			r < 0 ? gnutls_strerror(r) : "none found");
	return 0;
}

/* Import the peer's chain (leaf first) into crts; returns how many, or -1. */
static int
chain_import(mailstream *s, gnutls_x509_crt_t crts[CHAIN_MAX],
	     struct err *e)
{
	carray *chain = mailstream_get_certificate_chain(s);
	unsigned i, n = 0;

	if (chain == NULL || carray_count(chain) == 0) {
		if (chain != NULL)
			mailstream_certificate_chain_free(chain);
		return err_set(e, EX_UNAVAILABLE,
			"certificate verification failed: the server sent no certificate");
	}
	for (i = 0; i < carray_count(chain) && n < CHAIN_MAX; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = { (unsigned char *)der->str, (unsigned)der->len };

		if (gnutls_x509_crt_init(&crts[n]) < 0)
			panic("tlsverify: gnutls_x509_crt_init failed");
		if (gnutls_x509_crt_import(crts[n], &d, GNUTLS_X509_FMT_DER) < 0) {
			gnutls_x509_crt_deinit(crts[n]);
			break;
		}
		n++;
	}
	if (i < carray_count(chain) && n < CHAIN_MAX) {
		while (n > 0)
			gnutls_x509_crt_deinit(crts[--n]);
		mailstream_certificate_chain_free(chain);
		return err_set(e, EX_UNAVAILABLE,
			"certificate verification failed: certificate %u is malformed", i);
	}
	mailstream_certificate_chain_free(chain);
	return (int)n;
}

int
tlsverify_stream(mailstream *s, const char *host, const char *ca_file,
		 struct err *e)
{
	gnutls_x509_crt_t crts[CHAIN_MAX];
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_typed_vdata_st vdata[2];
	unsigned status = 0;
	struct buf why = { 0 };
	int n, r, rc = -1;

	if ((n = chain_import(s, crts, e)) < 0)
		return -1;
	if (gnutls_x509_trust_list_init(&tl, 0) < 0)
		panic("tlsverify: gnutls_x509_trust_list_init failed");
	if (trust_list_load(ca_file, tl, e) < 0)
		goto done;
	memset(vdata, 0, sizeof(vdata));
	vdata[0].type = GNUTLS_DT_DNS_HOSTNAME;
	vdata[0].data = (unsigned char *)host;
	vdata[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vdata[1].data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER;
	r = gnutls_x509_trust_list_verify_crt2(tl, crts, (unsigned)n, vdata, 2,
					       0, &status, NULL);
	if (r < 0) {
		err_set(e, EX_UNAVAILABLE,
			  "certificate verification failed: %s (host %s)",
			  gnutls_strerror(r), host);
		goto done;
	}
	if (status != 0) {
		cert_status_text(status, &why);
		err_set(e, EX_UNAVAILABLE,
			  "certificate verification failed: %s (host %s)",
			  buf_cstr(&why), host);
		goto done;
	}
	rc = 0;
done:
	buf_free(&why);
	gnutls_x509_trust_list_deinit(tl, 1);
	while (n > 0)
		gnutls_x509_crt_deinit(crts[--n]);
	return rc;
}

static bool
is_ip_literal(const char *host)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, host, addr) == 1 ||
	       inet_pton(AF_INET6, host, addr) == 1;
}

void
tlsverify_sni_cb(struct mailstream_ssl_context *ctx, void *data)
{
	char *host = data;

	if (!is_ip_literal(host))
		mailstream_ssl_set_server_name(ctx, host);
}

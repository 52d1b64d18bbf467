/* SPDX-License-Identifier: MIT */
/*
 * Tests for filters/mime.c (with charset.c, html.c): one table of invented
 * Danish messages, each decoded whole, through the feeder in 1-byte chunks
 * and in random chunks; all three results must be identical and match the
 * expectations in the table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filters/html.h"
#include "filters/mime.h"
#include "lib/buf.h"

static const struct limits LIM_DEFAULT = {
	50u << 20, 256u << 10, 1u << 20, 20, 500, 4u << 20
};
static const struct limits LIM_SMALL_MSG = {
	300, 256u << 10, 1u << 20, 20, 500, 4u << 20
};
static const struct limits LIM_SMALL_TEXT = {
	50u << 20, 256u << 10, 40, 20, 500, 100
};
static const struct limits LIM_SMALL_HEADER = {
	50u << 20, 100, 1u << 20, 20, 500, 4u << 20
};
static const struct limits LIM_FEW_PARTS = {
	50u << 20, 256u << 10, 1u << 20, 20, 3, 4u << 20
};
static const struct limits LIM_SHALLOW = {
	50u << 20, 256u << 10, 1u << 20, 2, 500, 4u << 20
};

#define HDR "From: Jens Hansen <jh@viborg.dk>\r\n" \
	"To: borgerservice@aarhus.dk\r\nSubject: Brud\r\n"

enum { F_TRUNC = 1, F_MALFORMED = 2, F_HTML_ONLY = 4, F_DSN = 8 };

struct mime_case {
	const char *name;
	const char *msg;		/* NULL: made by gen() */
	const struct limits *lim;	/* NULL: LIM_DEFAULT */
	int flags;			/* expected F_* */
	const char *has[3];		/* text contains */
	const char *lacks;		/* text does not contain */
	const char *hname, *hvalue;	/* header hname == hvalue */
	int natt;			/* attachments, -1: don't check */
	const char *att_name, *att_type;
	size_t att_size;
	const char *ret_id;		/* returned Message-ID */
	const char *status;		/* in delivery_status */
};

static const struct mime_case CASES[] = {
	{ "qp soft break inside a word",
	  HDR "Content-Type: text/plain; charset=utf-8\r\n"
	  "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	  "Borgerens CPR-num=\r\nmer 010203-1234 stod i s=C3=B8gningen.\r\n",
	  NULL, 0, { "CPR-nummer 010203-1234 stod i søgningen.\n" }, "=",
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "base64 body",
	  HDR "Content-Type: text/plain; charset=UTF-8\r\n"
	  "Content-Transfer-Encoding: base64\r\n\r\n"
	  "QmVyw7hydGUga29tbXVuZXI6IFZpYm9yZyBvZyBTa2l2ZS4K\r\n",
	  NULL, 0, { "Berørte kommuner: Viborg og Skive.\n" }, NULL,
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "rfc2047 q and b, utf-8 and iso-8859-1, adjacent words",
	  "From: =?iso-8859-1?q?S=F8ren_=C6blel=F8kke?= <s@furesoe.dk>\r\n"
	  "Subject: =?utf-8?q?Brud_p=C3=A5?= =?iso-8859-1?b?5vjl?=\r\n"
	  " =?UTF-8?B?4oCTIEhqw7hycmluZw==?=\r\n\r\nTekst\r\n",
	  NULL, 0, { "Tekst" }, NULL,
	  "subject", "Brud påæøå– Hjørring", -1, NULL, NULL, 0, NULL, NULL },
	{ "rfc2047 sender name",
	  "From: =?iso-8859-1?q?S=F8ren_=C6blel=F8kke?= <s@furesoe.dk>\r\n"
	  "\r\nTekst\r\n",
	  NULL, 0, { "Tekst" }, NULL,
	  "FROM", "Søren Æbleløkke <s@furesoe.dk>", -1, NULL, NULL, 0, NULL, NULL },
	{ "header CR/LF injection in an encoded word is stripped",
	  "From: x@y.dk\r\nSubject: =?utf-8?q?a=0D=0ABcc:_x?=\r\n\r\nhej\r\n",
	  NULL, 0, { "hej" }, NULL,
	  "Subject", "aBcc: x", -1, NULL, NULL, 0, NULL, NULL },
	{ "rfc2231 filename",
	  HDR "Content-Type: multipart/mixed; boundary=\"XyZ\"\r\n\r\n"
	  "--XyZ\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSe bilag.\r\n"
	  "--XyZ\r\nContent-Type: application/pdf\r\n"
	  "Content-Transfer-Encoding: base64\r\n"
	  "Content-Disposition: attachment;\r\n"
	  " filename*=utf-8''Bilag%20%C3%A6%C3%B8%C3%A5.pdf\r\n\r\n"
	  "JVBERi0xLjQgZmFrZSBwZGYgYnl0ZXMK\r\n--XyZ--\r\n",
	  NULL, 0, { "Se bilag." }, "PDF",
	  NULL, NULL, 1, "Bilag æøå.pdf", "application/pdf", 24, NULL, NULL },
	{ "rfc2231 continued filename",
	  HDR "Content-Type: multipart/mixed; boundary=b1\r\n\r\n"
	  "--b1\r\nContent-Type: Application/VND.ms-excel\r\n"
	  "Content-Disposition: attachment; filename*0*=iso-8859-1''Ber%F8rte;\r\n"
	  " filename*1=\"_borgere.xls\"\r\n\r\nxx\r\n--b1--\r\n",
	  NULL, 0, { NULL }, NULL,
	  NULL, NULL, 1, "Berørte_borgere.xls", "application/vnd.ms-excel", 2,
	  NULL, NULL },
	{ "iso-8859-1 body with the 0x96 en dash",
	  HDR "Content-Type: text/plain; charset=ISO-8859-1\r\n"
	  "Content-Transfer-Encoding: 8bit\r\n\r\n"
	  "Hj\xf8rring Kommune \x96 \xe6\xf8\xe5 \xc6\xd8\xc5\r\n",
	  NULL, 0, { "Hjørring Kommune – æøå ÆØÅ\n" }, NULL,
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "windows-1252 quoted-printable",
	  HDR "Content-Type: text/plain; charset=windows-1252\r\n"
	  "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	  "Fures=F8 =96 =93citat=94\r\n",
	  NULL, 0, { "Furesø – “citat”" }, NULL,
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "no charset, latin-1 bytes: read as windows-1252",
	  HDR "\r\nSams\xf8 og Mors\xf8\r\n",
	  NULL, 0, { "Samsø og Morsø" }, NULL,
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "utf-8 declared with a bad byte: U+FFFD",
	  HDR "Content-Type: text/plain; charset=utf-8\r\n\r\nab\xff" "cd\r\n",
	  NULL, 0, { "ab\xef\xbf\xbd" "cd" }, NULL,
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "html only",
	  HDR "Content-Type: text/html; charset=utf-8\r\n\r\n"
	  "<html><head><title>T</title><style>p{}</style></head><body>"
	  "<p>Kære systemejer,</p><p>Br&oslash;nderslev har haft et brud p&aring;"
	  "&nbsp;data &aelig;ndret.<br>Ny linje</p><ul><li>CPR</li><li>Navn</li>"
	  "</ul><script>alert(1)</script></body></html>\r\n",
	  NULL, F_HTML_ONLY,
	  { "Kære systemejer,\n", "Brønderslev har haft et brud på data ændret.\nNy linje",
	    "- CPR\n- Navn" }, "alert",
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "multipart/alternative picks text/plain",
	  HDR "Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"
	  "preamble\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
	  "PLAIN-TEKST\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
	  "<p>HTML-TEKST</p>\r\n--alt--\r\nepilogue\r\n",
	  NULL, 0, { "PLAIN-TEKST" }, "HTML-TEKST",
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "alternative with html first still picks text/plain",
	  HDR "Content-Type: multipart/alternative; boundary=alt\r\n\r\n"
	  "--alt\r\nContent-Type: text/html\r\n\r\n<p>HTML-TEKST</p>\r\n"
	  "--alt\r\nContent-Type: text/plain\r\n\r\nPLAIN-TEKST\r\n--alt--\r\n",
	  NULL, 0, { "PLAIN-TEKST" }, "HTML-TEKST",
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "nested multipart, attachment listed not read",
	  HDR "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n"
	  "--m\r\nContent-Type: multipart/alternative; boundary=\"a\"\r\n\r\n"
	  "--a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSe vedh\xc3\xa6" "ftede.\r\n"
	  "--a\r\nContent-Type: multipart/related; boundary=\"r\"\r\n\r\n"
	  "--r\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--r--\r\n"
	  "--a--\r\n"
	  "--m\r\nContent-Type: application/pdf; name=\"rapport.pdf\"\r\n"
	  "Content-Disposition: attachment; filename=\"rapport.pdf\"\r\n"
	  "Content-Transfer-Encoding: base64\r\n\r\n"
	  "JVBERi0xLjQgZmFrZSBwZGYgYnl0ZXMK\r\n--m--\r\n",
	  NULL, 0, { "Se vedhæftede." }, "PDF",
	  NULL, NULL, 1, "rapport.pdf", "application/pdf", 24, NULL, NULL },
	/* Found by tests/fuzz/fuzz_mime: glibc's iconv reads any other name
	 * of UTF-8 ("utf-8 ", "ISO-10646/UTF-8", ")UTF8") and passes code
	 * points past U+10FFFF through; the text must still be UTF-8. */
	{ "utf-8 under another name is still made valid",
	  HDR "Content-Type: text/plain; charset=\"ISO-10646/UTF-8\"\r\n"
	  "Content-Transfer-Encoding: 8bit\r\n\r\n"
	  "F\xc3\xb8r \xf4\x90\x80\x80 efter\r\n",
	  NULL, 0, { "Før \xef\xbf\xbd", " efter" }, "\xf4",
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	/* Found by tests/fuzz/fuzz_analysis (clang UBSan: NULL + 0 in
	 * header_clean); tests/fixtures/fuzz-regressions/ replays it there. */
	{ "empty header value and empty filename",
	  HDR "X-Tom:\r\nContent-Type: application/pdf\r\n"
	  "Content-Disposition: attachment; filename=\"\"\r\n\r\nxx\r\n",
	  NULL, 0, { "" }, NULL,
	  "X-Tom", "", 1, NULL, NULL, 0, NULL, NULL },
	{ "text part as attachment with filename is listed",
	  HDR "Content-Type: multipart/mixed; boundary=m\r\n\r\n"
	  "--m\r\nContent-Type: text/plain\r\n\r\nBrødtekst\r\n"
	  "--m\r\nContent-Type: text/plain; name=\"log.txt\"\r\n"
	  "Content-Disposition: attachment; filename=\"=?utf-8?q?l=C3=B8g.txt?=\"\r\n\r\n"
	  "HEMMELIG LOG\r\n--m\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n"
	  "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n--m--\r\n",
	  NULL, 0, { "Brødtekst" }, "HEMMELIG",
	  NULL, NULL, 2, "løg.txt", "text/plain", 12, NULL, NULL },
	{ "message/rfc822 forward is read",
	  HDR "Content-Type: multipart/mixed; boundary=\"f\"\r\n\r\n"
	  "--f\r\nContent-Type: text/plain\r\n\r\nVideresender anmeldelsen.\r\n"
	  "--f\r\nContent-Type: message/rfc822\r\n"
	  "Content-Disposition: attachment; filename=\"anmeldelse.eml\"\r\n\r\n"
	  "From: Lise Holm <lh@viborg.dk>\r\nDate: Mon, 12 Oct 2026 09:15:00 +0200\r\n"
	  "Subject: =?utf-8?q?Sikkerhedsbrud_i_Viborg_=E2=80=93_chatlog?=\r\n"
	  "Content-Type: text/plain; charset=iso-8859-1\r\n"
	  "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	  "Viborg Kommune anmelder et brud. Ber=F8rte: 12\r\n--f--\r\n",
	  NULL, 0,
	  { "Videresender anmeldelsen.\n",
	    "From: Lise Holm <lh@viborg.dk>\nDate: Mon, 12 Oct 2026 09:15:00 +0200\n"
	    "Subject: Sikkerhedsbrud i Viborg – chatlog\n",
	    "Viborg Kommune anmelder et brud. Berørte: 12" }, NULL,
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "delivery report with text/rfc822-headers",
	  "From: MAILER-DAEMON@smtp.aarhus.dk\r\nSubject: Undelivered Mail\r\n"
	  "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	  "\tboundary=\"dsn\"\r\n\r\n"
	  "--dsn\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
	  "--dsn\r\nContent-Type: message/delivery-status\r\n\r\n"
	  "Reporting-MTA: dns; smtp.aarhus.dk\r\n\r\n"
	  "Final-Recipient: rfc822; it@halsnaes.dk\r\nAction: failed\r\nStatus: 5.1.1\r\n"
	  "--dsn\r\nContent-Type: text/rfc822-headers\r\n\r\n"
	  "From: brudvagt@aarhus.dk\r\nSubject: [BV-2026-0009] Sikkerhedsbrud\r\n"
	  "Message-ID: <case-BV-2026-0009.3@brudvagt.aarhus.dk>\r\n--dsn--\r\n",
	  NULL, F_DSN, { "could not be delivered" }, "Final-Recipient",
	  NULL, NULL, 0, NULL, NULL, 0,
	  "<case-BV-2026-0009.3@brudvagt.aarhus.dk>", "Status: 5.1.1\n" },
	{ "delivery report with an empty status part",
	  "From: MAILER-DAEMON@smtp.aarhus.dk\r\nSubject: Undelivered Mail\r\n"
	  "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	  "\tboundary=\"dsn\"\r\n\r\n"
	  "--dsn\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
	  "--dsn\r\nContent-Type: message/delivery-status\r\n\r\n"
	  "--dsn--\r\n",
	  NULL, F_DSN, { "could not be delivered" }, NULL,
	  NULL, NULL, 0, NULL, NULL, 0, NULL, "" },
	{ "delivery report with message/rfc822",
	  "From: MAILER-DAEMON@smtp.aarhus.dk\r\n"
	  "Content-Type: multipart/report; report-type=\"delivery-status\"; boundary=d\r\n\r\n"
	  "--d\r\nContent-Type: text/plain\r\n\r\nFejl.\r\n"
	  "--d\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.0.0\r\n"
	  "--d\r\nContent-Type: message/rfc822\r\n\r\n"
	  "Message-ID: <case-BV-2026-0001.1@brudvagt.aarhus.dk>\r\nSubject: x\r\n\r\n"
	  "Originalteksten\r\n--d--\r\n",
	  NULL, F_DSN, { "Fejl." }, "Originalteksten",
	  NULL, NULL, 0, NULL, NULL, 0,
	  "<case-BV-2026-0001.1@brudvagt.aarhus.dk>", "Status: 5.0.0" },
	{ "format=flowed",
	  HDR "Content-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n"
	  "Udskrifterne indeholdt navn og \r\nCPR-nummer p\xc3\xa5 tre \r\nborgere.\r\n"
	  " >ikke citat\r\n-- \r\nKarina\r\n",
	  NULL, 0,
	  { "Udskrifterne indeholdt navn og CPR-nummer på tre borgere.\n>ikke citat\n-- \nKarina" },
	  NULL, NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "format=flowed with DelSp=yes",
	  HDR "Content-Type: text/plain; format=flowed; delsp=yes\r\n\r\n"
	  "Hj\xc3\xb8r \r\nring og Fre \r\ndericia\r\n",
	  NULL, 0, { "Hjørring og Fredericia\n" }, NULL,
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "malformed boundary: body text still read",
	  HDR "Content-Type: multipart/alternative;\r\n"
	  "\tboundary=\"Apple-Mail=_DDA99EBE-980D\"\r\n\r\nsometext om bruddet\r\n",
	  NULL, 0, { "sometext om bruddet" }, NULL,
	  NULL, NULL, -1, NULL, NULL, 0, NULL, NULL },
	{ "missing closing boundary",
	  HDR "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	  "--b\r\nContent-Type: text/plain\r\n\r\nF\xc3\xb8rste del\r\n--b\r\n"
	  "Content-Type: text/plain\r\n\r\nAnden del",
	  NULL, 0, { "Første del\n", "Anden del" }, NULL,
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "input ending on a delimiter: raw body, flagged",
	  HDR "Content-Type: multipart/mixed; boundary=p\r\n\r\n"
	  "--p\r\nContent-Type: text/plain\r\n\r\nTabt del\r\n--p\r\n",
	  NULL, F_MALFORMED, { "Tabt del" }, NULL,
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "NUL bytes dropped, CRLF becomes LF",
	  HDR "\r\nlinje\0 et\r\nlinje to\rlinje tre\r\n",
	  NULL, 0, { "linje et\nlinje to\nlinje tre\n" }, "\r",
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "folded header unfolded",
	  "From: a@b.dk\r\nSubject: Sikkerhedsbrud\r\n\t i MUNI\r\n\r\nx\r\n",
	  NULL, 0, { "x" }, NULL,
	  "subject", "Sikkerhedsbrud i MUNI", -1, NULL, NULL, 0, NULL, NULL },
	{ "size limit cuts and flags",
	  HDR "Content-Type: text/plain\r\n\r\n"
	  "Begyndelsen af en lang anmeldelse. 0123456789 0123456789 0123456789\r\n"
	  "0123456789 0123456789 0123456789 0123456789 0123456789 0123456789\r\n"
	  "0123456789 0123456789 0123456789 0123456789 0123456789 0123456789\r\n"
	  "SLUTNINGEN\r\n",
	  &LIM_SMALL_MSG, F_TRUNC, { "Begyndelsen" }, "SLUTNINGEN",
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "text and line limits cut and flag",
	  HDR "\r\nkort linje\r\n"
	  "en meget lang linje der er l\xc3\xa6ngere end fyrre bytes og mere\r\n"
	  "0123456789012345678901234567890123456789\r\n"
	  "0123456789012345678901234567890123456789\r\nSLUT\r\n",
	  &LIM_SMALL_TEXT, F_TRUNC, { "kort linje\n" }, "SLUT",
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "line cut keeps a sequence whole; a bare CR ends the line",
	  HDR "\r\n012345678901234567890123456789012345678\xc3\xa6XYZ\rny linje\r\n",
	  &LIM_SMALL_TEXT, F_TRUNC,
	  { "012345678901234567890123456789012345678\xc3\xa6\nny linje\n" }, "XYZ",
	  NULL, NULL, 0, NULL, NULL, 0, NULL, NULL },
	{ "header limit: fields past it are dropped, body still read",
	  "From: jh@viborg.dk\r\nSubject: Brud\r\n"
	  "X-Lang: 0123456789012345678901234567890123456789012345678901234567890123456789\r\n"
	  "X-Efter: tabt\r\n\r\nKroppen\r\n",
	  &LIM_SMALL_HEADER, F_TRUNC, { "Kroppen" }, NULL,
	  "subject", "Brud", 0, NULL, NULL, 0, NULL, NULL },
	{ "part limit", NULL, &LIM_FEW_PARTS, F_TRUNC, { "del 1" }, "del 9",
	  NULL, NULL, -1, NULL, NULL, 0, NULL, NULL },
	{ "depth limit", NULL, &LIM_SHALLOW, F_TRUNC, { NULL }, "dybt",
	  NULL, NULL, -1, NULL, NULL, 0, NULL, NULL },
	{ "very deep nesting, default limits", NULL, NULL, F_TRUNC, { NULL }, "dybt",
	  NULL, NULL, -1, NULL, NULL, 0, NULL, NULL },
	{ "mbox From_ line and leading blank line",
	  "From jh@viborg.dk Mon Oct 12 09:00:00 2026\n   \nFrom: jh@viborg.dk\n"
	  "Subject: hej\n\nkrop\n",
	  NULL, 0, { "krop" }, NULL,
	  "Subject", "hej", -1, NULL, NULL, 0, NULL, NULL },
	{ "headers only, no body",
	  "From: jh@viborg.dk\r\nSubject: Kun emne",
	  NULL, 0, { NULL }, NULL,
	  "subject", "Kun emne", 0, NULL, NULL, 0, NULL, NULL },
};

/* Generated messages for the limit cases. */
static char *
gen(const struct mime_case *c)
{
	struct buf b = { 0 };
	int i, n;

	buf_puts(&b, HDR);
	if (strcmp(c->name, "part limit") == 0) {
		buf_puts(&b, "Content-Type: multipart/mixed; boundary=p\r\n\r\n");
		for (i = 1; i <= 9; i++)
			buf_printf(&b, "--p\r\nContent-Type: text/plain\r\n\r\ndel %d\r\n", i);
		buf_puts(&b, "--p--\r\n");
		return buf_steal(&b);
	}
	n = strcmp(c->name, "depth limit") == 0 ? 6 : 20000;
	for (i = 0; i < n; i++)	/* obsolete "name :" form on odd levels */
		buf_printf(&b, "Content-Type%s: multipart/mixed; boundary=d%d\r\n\r\n"
			   "--d%d\r\n", i % 2 ? " " : "", i, i);
	buf_puts(&b, "Content-Type: text/plain\r\n\r\ndybt\r\n");
	for (i = n - 1; i >= 0; i--)
		buf_printf(&b, "--d%d--\r\n", i);
	return buf_steal(&b);
}

static struct mime_msg *
parse_whole(const char *msg, size_t len, const struct limits *lim)
{
	struct mime_msg *m = NULL;
	struct err e;

	assert_int_equal(mime_parse(msg, len, lim, &m, &e), 0);
	return m;
}

/* Feed msg in chunks of step bytes (0: random 1..97) through a feeder. */
static struct mime_msg *
parse_fed(const char *msg, size_t len, const struct limits *lim, size_t step)
{
	struct mime_feeder *f = mime_feeder_new(lim);
	struct mime_msg *m = NULL;
	struct err e;
	size_t off = 0, k;

	srand(4711);
	while (off < len) {
		k = step ? step : 1 + (size_t)rand() % 97;
		if (k > len - off)
			k = len - off;
		mime_feeder_push(f, msg + off, k);
		off += k;
	}
	assert_true(mime_feeder_size(f) <= lim->max_message_bytes);
	assert_int_equal(mime_feeder_finish(f, &m, &e), 0);
	mime_feeder_free(&f);
	assert_null(f);
	return m;
}

static void
assert_headers_equal(const struct mime_header *a, size_t na,
		     const struct mime_header *b, size_t nb)
{
	size_t i;

	assert_int_equal(na, nb);
	for (i = 0; i < na; i++) {
		assert_string_equal(a[i].name, b[i].name);
		assert_string_equal(a[i].value, b[i].value);
	}
}

static void
assert_msgs_equal(const struct mime_msg *a, const struct mime_msg *b)
{
	size_t i;

	assert_headers_equal(a->headers, a->nheaders, b->headers, b->nheaders);
	assert_headers_equal(a->returned_headers, a->nreturned_headers,
			     b->returned_headers, b->nreturned_headers);
	assert_int_equal(a->text_len, b->text_len);
	assert_memory_equal(a->text, b->text, a->text_len);
	assert_int_equal(a->nattachments, b->nattachments);
	for (i = 0; i < a->nattachments; i++) {
		assert_string_equal(a->attachments[i].content_type,
				    b->attachments[i].content_type);
		assert_int_equal(a->attachments[i].size, b->attachments[i].size);
		assert_int_equal(a->attachments[i].filename == NULL,
				 b->attachments[i].filename == NULL);
		if (a->attachments[i].filename != NULL)
			assert_string_equal(a->attachments[i].filename,
					    b->attachments[i].filename);
	}
	assert_int_equal(a->delivery_status == NULL, b->delivery_status == NULL);
	if (a->delivery_status != NULL)
		assert_string_equal(a->delivery_status, b->delivery_status);
	assert_int_equal(a->is_delivery_report, b->is_delivery_report);
	assert_int_equal(a->has_html_only, b->has_html_only);
	assert_int_equal(a->truncated, b->truncated);
	assert_int_equal(a->malformed, b->malformed);
	assert_int_equal(a->nparts, b->nparts);
}

/* No CR, LF or other control character in any header value. */
static void
assert_headers_clean(const struct mime_header *h, size_t n)
{
	const char *p;
	size_t i;

	for (i = 0; i < n; i++)
		for (p = h[i].value; *p; p++)
			assert_true((unsigned char)*p >= ' ' && *p != 0x7f);
}

static void
check_case(const struct mime_case *c, const struct mime_msg *m)
{
	size_t i;

	print_message("case: %s\n", c->name);
	assert_int_equal(strlen(m->text), m->text_len);
	for (i = 0; i < 3 && c->has[i] != NULL; i++)
		if (strstr(m->text, c->has[i]) == NULL)
			fail_msg("%s: text lacks \"%s\":\n%s", c->name, c->has[i], m->text);
	if (c->lacks != NULL && strstr(m->text, c->lacks) != NULL)
		fail_msg("%s: text holds \"%s\":\n%s", c->name, c->lacks, m->text);
	assert_int_equal(m->truncated, (c->flags & F_TRUNC) != 0);
	assert_int_equal(m->malformed, (c->flags & F_MALFORMED) != 0);
	assert_int_equal(m->has_html_only, (c->flags & F_HTML_ONLY) != 0);
	assert_int_equal(m->is_delivery_report, (c->flags & F_DSN) != 0);
	if (c->lim == &LIM_SMALL_HEADER)
		assert_null(mime_header_get(m, "X-Efter"));
	if (c->hname != NULL) {
		assert_non_null(mime_header_get(m, c->hname));
		assert_string_equal(mime_header_get(m, c->hname), c->hvalue);
	}
	assert_headers_clean(m->headers, m->nheaders);
	assert_headers_clean(m->returned_headers, m->nreturned_headers);
	if (c->natt >= 0)
		assert_int_equal(m->nattachments, (size_t)c->natt);
	if (c->att_type != NULL) {
		const struct mime_attachment *a = NULL;

		for (i = 0; i < m->nattachments; i++)
			if (m->attachments[i].filename != NULL &&
			    strcmp(m->attachments[i].filename, c->att_name) == 0)
				a = &m->attachments[i];
		if (a == NULL)
			fail_msg("%s: no attachment \"%s\"", c->name, c->att_name);
		assert_string_equal(a->content_type, c->att_type);
		assert_int_equal(a->size, c->att_size);
	}
	if (c->ret_id != NULL) {
		const char *id = mime_header_find(m->returned_headers,
						  m->nreturned_headers, "message-id");

		assert_non_null(id);
		assert_string_equal(id, c->ret_id);
	}
	if (c->status != NULL) {
		assert_non_null(m->delivery_status);
		assert_non_null(strstr(m->delivery_status, c->status));
	}
}

static void
test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
		const struct mime_case *c = &CASES[i];
		const struct limits *lim = c->lim != NULL ? c->lim : &LIM_DEFAULT;
		char *made = c->msg == NULL ? gen(c) : NULL;
		const char *msg = made != NULL ? made : c->msg;
		size_t len = strlen(msg);
		struct mime_msg *whole, *bytes, *chunks;

		if (strcmp(c->name, "NUL bytes dropped, CRLF becomes LF") == 0)
			len += strlen(msg + len + 1) + 1;	/* one NUL inside */
		whole = parse_whole(msg, len, lim);
		check_case(c, whole);
		bytes = parse_fed(msg, len, lim, 1);
		chunks = parse_fed(msg, len, lim, 0);
		assert_msgs_equal(whole, bytes);
		assert_msgs_equal(whole, chunks);
		mime_msg_free(&whole);
		mime_msg_free(&bytes);
		mime_msg_free(&chunks);
		assert_null(whole);
		free(made);
	}
}

static void
test_errors(void **state)
{
	static const struct { const char *msg; size_t len; } BAD[] = {
		{ "", 0 },
		{ "Dette er bare tekst uden headere.\r\nIngen kolon her\r\n", 51 },
		{ "\r\nFrom: efter tom linje\r\n", 25 },
	};
	struct mime_msg *m = (struct mime_msg *)1;
	struct mime_feeder *f;
	struct err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
		e.msg[0] = '\0';
		assert_int_equal(mime_parse(BAD[i].msg, BAD[i].len, &LIM_DEFAULT,
					    &m, &e), -1);
		assert_null(m);
		assert_true(e.msg[0] != '\0');
	}
	f = mime_feeder_new(&LIM_DEFAULT);
	assert_int_equal(mime_feeder_finish(f, &m, &e), -1);
	mime_feeder_free(&f);
	mime_feeder_free(&f);	/* NULL is fine */
	mime_msg_free(NULL);
}

static void
test_feeder_limit(void **state)
{
	struct mime_feeder *f = mime_feeder_new(&LIM_SMALL_MSG);
	char chunk[100];
	int i;

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	assert_int_equal(mime_feeder_push(f, HDR "\r\n", strlen(HDR "\r\n")), 0);
	for (i = 0; i < 10; i++)
		mime_feeder_push(f, chunk, sizeof(chunk));
	assert_int_equal(mime_feeder_push(f, chunk, sizeof(chunk)), 1);
	assert_int_equal(mime_feeder_size(f), LIM_SMALL_MSG.max_message_bytes);
	mime_feeder_free(&f);
}

static void
test_html(void **state)
{
	static const struct { const char *in, *out; } CASES_HTML[] = {
		{ "", "" },
		{ "<p>a</p><p>b</p>", "a\nb\n" },
		{ "<div>Hj&oslash;rring&nbsp;&amp;&#32;Aarhus</div>", "Hjørring & Aarhus\n" },
		{ "tekst   med\n\n  mellemrum", "tekst med mellemrum\n" },
		/* cells are tab-separated, so "Label<TAB>value" reads as a field */
		{ "<table><tr><td>Navn</td><td>CPR</td></tr></table>", "Navn\tCPR\n" },
		{ "<p>x<br><br><br><br>y</p>", "x\n\ny\n" },
		{ "<b>ufuldendt <i>html", "ufuldendt html\n" },
		{ "<head><style>x</style></head><body>&AElig;ble</body>", "Æble\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(CASES_HTML) / sizeof(CASES_HTML[0]); i++) {
		char *t = html_to_text(CASES_HTML[i].in, strlen(CASES_HTML[i].in));

		assert_string_equal(t, CASES_HTML[i].out);
		free(t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_feeder_limit),
		cmocka_unit_test(test_html),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Tests for spool/mailfmt.c: header cleaning (no injection from CR, LF or
 * controls, whatever their encoding was), RFC 2047 words, quoted-printable
 * and the exact header block of a message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/cphtime.h"
#include "spool/mailfmt.h"

static const struct {
	const char *in, *out;
} CLEAN[] = {
	{ "plain", "plain" },
	{ "two\r\nlines", "two lines" },
	{ "inject\r\nBcc: evil@example.com", "inject Bcc: evil@example.com" },
	{ "bare\nLF and\rCR", "bare LF and CR" },
	{ "tab\there", "tab here" },
	{ "nul\x01" "ctl\x1b\x7f", "nulctl" },
	{ "  lead and trail  \r\n", "lead and trail" },
	{ "bad \xff utf8", "bad ? utf8" },
	{ "Hjørring Ærø", "Hjørring Ærø" },
};

static void
test_clean(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(CLEAN) / sizeof(CLEAN[0]); i++) {
		struct buf b = { 0 };

		mailfmt_clean(CLEAN[i].in, 900, &b);
		assert_string_equal(buf_cstr(&b), CLEAN[i].out);
		buf_free(&b);
	}
}

static const struct {
	const char *value, *line;
} HEADERS[] = {
	{ "[BV-2026-0001] Brud", "Subject: [BV-2026-0001] Brud\r\n" },
	{ "Hjørring", "Subject: =?UTF-8?B?SGrDuHJyaW5n?=\r\n" },
	{ "a\r\nBcc: x@y", "Subject: a Bcc: x@y\r\n" },
	{ "=?UTF-8?Q?looks_encoded?=", "Subject: =?UTF-8?B?PT9VVEYtOD9RP2xvb2tzX2VuY29kZWQ/PQ==?=\r\n" },
	/* 46 x "ø" (92 bytes): 22 a word (44 bytes, 72 characters), whole
	 * characters only, folded */
	{ "øøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøø",
	  "Subject: =?UTF-8?B?w7jDuMO4w7jDuMO4w7jDuMO4w7jDuMO4w7jDuMO4w7jDuMO4w7jDuMO4w7g=?=\r\n"
	  " =?UTF-8?B?w7jDuMO4w7jDuMO4w7jDuMO4w7jDuMO4w7jDuMO4w7jDuMO4w7jDuMO4w7g=?=\r\n"
	  " =?UTF-8?B?w7jDuA==?=\r\n" },
};

static void
test_header(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(HEADERS) / sizeof(HEADERS[0]); i++) {
		struct buf b = { 0 };

		mailfmt_header(&b, "Subject", HEADERS[i].value);
		assert_string_equal(buf_cstr(&b), HEADERS[i].line);
		buf_free(&b);
	}
}

static const struct {
	const char *in, *out;
} QP[] = {
	{ "abc\n", "abc\r\n" },
	{ "æ=1\r\n", "=C3=A6=3D1\r\n" },
	{ "trailing space \nx", "trailing space=20\r\nx" },
	{ ".dot\nFrom here", "=2Edot\r\n=46rom here" },
	{ "0123456789012345678901234567890123456789012345678901234567890123456789012345678",
	  "012345678901234567890123456789012345678901234567890123456789012345678901234=\r\n5678" },
};

static void
test_qp(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(QP) / sizeof(QP[0]); i++) {
		struct buf b = { 0 };

		mailfmt_qp(QP[i].in, strlen(QP[i].in), &b);
		assert_string_equal(buf_cstr(&b), QP[i].out);
		buf_free(&b);
	}
}

static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	return cph_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static void
test_message(void **state)
{
	struct mailfmt_msg m = {
		.from = "brudvagt@aarhus.dk", .from_name = "Brudvagt",
		.to = "dpo@viborg.dk\r\nBcc: evil@example.com", .to_name = "Hanne\nDahl",
		.subject = "[BV-2026-0007] Brud\r\nX-Evil: 1",
		.message_id = "<case-BV-2026-0007.3@brudvagt.aarhus.dk>",
		.in_reply_to = "<r@viborg.dk>", .references = "<r@viborg.dk>",
		.kind = "forward", .case_ref = "BV-2026-0007",
		.date = utc(2026, 11, 3, 9, 15), .body = "Hej\n",
	};
	struct buf b = { 0 };

	(void)state;
	mailfmt_message(&m, &b);
	assert_string_equal(buf_cstr(&b),
		"From: Brudvagt <brudvagt@aarhus.dk>\r\n"
		"To: Hanne Dahl <dpo@viborg.dk Bcc: evil@example.com>\r\n"
		"Subject: [BV-2026-0007] Brud X-Evil: 1\r\n"
		"Date: Tue, 03 Nov 2026 10:15:00 +0100\r\n"
		"Message-ID: <case-BV-2026-0007.3@brudvagt.aarhus.dk>\r\n"
		"In-Reply-To: <r@viborg.dk>\r\n"
		"References: <r@viborg.dk>\r\n"
		"Auto-Submitted: auto-generated\r\n"
		"X-Auto-Response-Suppress: All\r\n"
		"X-Brudvagt-Mail: forward\r\n"
		"X-Brudvagt-Case: BV-2026-0007\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=UTF-8\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n"
		"\r\n"
		"Hej\r\n\r\n");
	buf_free(&b);
}

/* The attached original: its bytes kept, LF → CRLF, a boundary it lacks. */
static void
test_attachment(void **state)
{
	static const char orig[] = "Subject: x\n\n--=_brudvagt_case-BV-2026-0001.2_0\nCPR 030478-1234\n";
	struct mailfmt_msg m = {
		.from = "a@b.dk", .to = "c@d.dk", .subject = "s",
		.message_id = "<case-BV-2026-0001.2@d>", .kind = "triage",
		.date = 0, .body = "b", .attach = orig, .attach_len = sizeof(orig) - 1,
		.attach_name = "anmeldelse.eml",
	};
	struct buf b = { 0 };

	(void)state;
	mailfmt_message(&m, &b);
	assert_non_null(strstr(buf_cstr(&b), "boundary=\"=_brudvagt_case-BV-2026-0001.2_1\""));
	assert_non_null(strstr(buf_cstr(&b), "Content-Type: message/rfc822\r\n"));
	assert_non_null(strstr(buf_cstr(&b), "\r\nCPR 030478-1234\r\n--=_brudvagt_case-BV-2026-0001.2_1--\r\n"));
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_qp),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_attachment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

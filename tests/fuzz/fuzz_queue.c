/* SPDX-License-Identifier: MIT */
/*
 * fuzz_queue.c — libFuzzer target for the outbound queue-file reader,
 * outbound_qfile_parse() (spool/outbound.c), which the delivery thread and
 * the recovery after a crash run on every SPOOL/outbound/NAME.msg.
 *
 * Each input is the bytes of one queue file, copied into a buffer of
 * exactly that size (no NUL after it: ASan catches a read past the end).
 * A file the reader accepts must keep outbound.h's promises: from and to
 * are non-empty and hold no control byte and no '>' (nothing can be added
 * to MAIL FROM / RCPT TO), the message is non-empty and ends where the
 * file ends, and the file is exactly the magic line, "from FROM\n",
 * "to TO\n", "\n" and the message: nothing was skipped or invented. A file
 * it refuses leaves *q zeroed and an error 65 with a message.
 * Built by `make fuzz` (clang, ASan+UBSan); run by tests/fuzz/run.sh,
 * seeded from tests/fuzz/seeds/queue (queue files brudvagtd wrote).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spool/outbound.h"
#include "tests/fuzz/fuzz_check.h"

#define MAGIC "brudvagt-outbound 1\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Is the envelope address a at [lo, hi) non-empty and free of what outbound.h forbids? */
static bool
address_ok(const char *a, const char *lo, const char *hi)
{
	size_t n;

	if (a < lo || a >= hi)
		return false;
	n = strnlen(a, (size_t)(hi - a));
	if (n == 0 || a + n >= hi)
		return false;
	for (; *a != '\0'; a++)
		if ((unsigned char)*a < 0x20 || *a == 0x7f || *a == '>')
			return false;
	return true;
}

/* Is orig[0..size) exactly what q says the file holds? */
static bool
rebuilds(const struct outbound_qfile *q, const uint8_t *orig, size_t size)
{
	size_t nf = strlen(q->from), nt = strlen(q->to);
	size_t head = strlen(MAGIC) + 5 + nf + 1 + 3 + nt + 1 + 1;
	const char *o = (const char *)orig;

	return head + q->msg_len == size &&
	       memcmp(o, MAGIC, strlen(MAGIC)) == 0 &&
	       memcmp(o + strlen(MAGIC), "from ", 5) == 0 &&
	       memcmp(o + strlen(MAGIC) + 5, q->from, nf) == 0 &&
	       memcmp(o + strlen(MAGIC) + 5 + nf, "\nto ", 4) == 0 &&
	       memcmp(o + strlen(MAGIC) + 5 + nf + 4, q->to, nt) == 0 &&
	       memcmp(o + head - 2, "\n\n", 2) == 0 &&
	       memcmp(o + head, q->msg, q->msg_len) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	struct outbound_qfile q;
	struct err e;
	const char *end;

	FUZZ_ASSERT(buf != NULL);
	memcpy(buf, data, size);
	end = buf + size;
	memset(&e, 0, sizeof(e));
	if (outbound_qfile_parse(buf, size, &q, &e) == 0) {
		FUZZ_ASSERT(q.data == buf && q.len == size);
		FUZZ_ASSERT(address_ok(q.from, buf, end));
		FUZZ_ASSERT(address_ok(q.to, buf, end));
		FUZZ_ASSERT(q.msg > q.to && q.msg_len > 0 && q.msg + q.msg_len == end);
		FUZZ_ASSERT(rebuilds(&q, data, size));
	} else {
		FUZZ_ASSERT(q.data == NULL && q.from == NULL && q.to == NULL &&
			    q.msg == NULL && q.msg_len == 0);
		FUZZ_ASSERT(e.code == 65 && e.msg[0] != '\0');
	}
	free(buf);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * fuzz_config.c — libFuzzer target for the config loader.
 *
 * Each input is the text of a configuration (up to its first NUL byte),
 * given to settings_load_string() as "fuzz.conf". It must never crash or
 * leak, and must either return 0 with a settings struct, or -1 with
 * e.code 78 and a message "fuzz.conf:LINE: ..." (LINE > 0), leaving *r
 * alone (settings.h promises that).
 * Built by `make fuzz` (clang, ASan+UBSan); run by tests/fuzz/run.sh.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/settings.h"
#include "tests/fuzz/fuzz_check.h"

#define NAME "fuzz.conf"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Does msg read "NAME:LINE: text" with LINE a positive number? */
static bool
has_file_line(const char *msg)
{
	size_t n = strlen(NAME);
	const char *p = msg + n + 1;

	if (strncmp(msg, NAME ":", n + 1) != 0 || !isdigit((unsigned char)*p) ||
	    *p == '0')
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return p[0] == ':' && p[1] == ' ' && p[2] != '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct settings *s = NULL;
	struct err e;
	char *text = malloc(size + 1);
	int rc;

	FUZZ_ASSERT(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&e, 0, sizeof(e));
	rc = settings_load_string(text, NAME, &s, &e);
	free(text);
	if (rc == 0) {
		FUZZ_ASSERT(s != NULL);
		settings_free(&s);
		FUZZ_ASSERT(s == NULL);
		return 0;
	}
	FUZZ_ASSERT(rc == -1);
	FUZZ_ASSERT(s == NULL);
	FUZZ_ASSERT(e.code == 78);
	if (!has_file_line(e.msg)) {
		fprintf(stderr, "fuzz_config: message without %s:LINE: \"%s\"\n",
			NAME, e.msg);
		abort();
	}
	return 0;
}

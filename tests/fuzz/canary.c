/* SPDX-License-Identifier: MIT */
/*
 * canary.c — a libFuzzer target that misbehaves on request, so that
 * tests/fuzz/run.sh can prove its limits hold before it trusts a clean run.
 *
 * An input starting with
 *	crash	writes past a heap buffer (AddressSanitizer)
 *	leak	loses 64 bytes (LeakSanitizer)
 *	slow	burns 3 s of CPU (-timeout=1)
 *	malloc	asks for 300 MB at once (-malloc_limit_mb=256)
 *	rss	touches 300 MB in 10 MB pieces, then waits 3 s (-rss_limit_mb=256)
 * and anything else returns at once. Built as build-fuzz/tests/fuzz/
 * fuzz_canary by `make fuzz-build`; run.sh never fuzzes it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MB (1024u * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *volatile sink;

static bool
starts(const uint8_t *data, size_t size, const char *word)
{
	return size >= strlen(word) && memcmp(data, word, strlen(word)) == 0;
}

/* Sleep s seconds of wall time: a signal (libFuzzer's alarm) cuts sleep() short. */
static void
wait_seconds(int s)
{
	time_t end = time(NULL) + s;

	while (time(NULL) < end)
		usleep(10000);
}

/* Keep a CPU busy for s seconds of wall time. */
static void
spin_seconds(int s)
{
	time_t end = time(NULL) + s;
	volatile unsigned long n = 0;

	while (time(NULL) < end)
		n++;
}

static void
touch_and_wait(void)
{
	char *v[30];
	size_t i;

	for (i = 0; i < 30; i++) {
		v[i] = malloc(10 * MB);
		memset(v[i], (int)i, 10 * MB);
	}
	wait_seconds(3);
	for (i = 0; i < 30; i++)
		free(v[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p;

	if (starts(data, size, "crash")) {
		p = malloc(4);
		((volatile char *)p)[size] = 1;
		free(p);
	} else if (starts(data, size, "leak")) {
		sink = malloc(64);
		sink = NULL;
	} else if (starts(data, size, "slow")) {
		spin_seconds(3);
	} else if (starts(data, size, "malloc")) {
		sink = malloc(300 * MB);
		free(sink);
	} else if (starts(data, size, "rss")) {
		touch_and_wait();
	}
	return 0;
}

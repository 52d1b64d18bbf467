/* SPDX-License-Identifier: MIT */
/*
 * itest_benchparse — throughput and memory of the analysis, for make bench.
 *
 *	itest_benchparse -H
 *	itest_benchparse [-M] [-l LABEL] [-n ITERATIONS] [-t SECONDS] FILE...
 *
 * Loads every FILE into memory (an mbox counts as one message, as
 * `brudvagtctl parse` sees it), then runs analysis_run() and
 * analysis_to_json() over all of them ITERATIONS times (default 1), and
 * more passes until at least SECONDS of wall-clock time have gone by
 * (default 0), in this one thread. Prints one table row:
 *
 *	label msgs MB/pass passes msg/s MB/s worst-ms errors load-MB peak-MB worst-file
 *
 * msg/s and MB/s count wall-clock time of the analysis passes only (loading
 * the files is not counted); worst-ms is the slowest single message of any
 * pass and worst-file its name; errors counts messages analysis_run()
 * refused (rc -1) in one pass. load-MB is the peak resident set size
 * (getrusage ru_maxrss) once the files are loaded, peak-MB the same at the
 * end: the files held in memory are part of both, the analysis adds the
 * difference. -H prints the header line only.
 *
 * -M measures what brudvagt-milter runs instead: analysis_run_triage(),
 * no JSON.
 *
 * A benchmark, not a test: make check builds it but no test runs it, and
 * nothing here depends on how fast the machine is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf/settings.h"
#include "filters/analysis.h"

struct msg {
	const char *name;
	char *data;
	size_t len;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read path into one exactly sized allocation, so that peak RSS shows the
 * message and the analysis, not a growing read buffer. */
static int
load(const char *path, struct msg *m)
{
	FILE *f = fopen(path, "rb");
	struct stat st;

	if (f == NULL || fstat(fileno(f), &st) < 0) {
		perror(path);
		return -1;
	}
	m->name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	m->len = (size_t)st.st_size;
	m->data = malloc(m->len + 1);
	if (m->data == NULL)
		abort();
	if (fread(m->data, 1, m->len, f) != m->len) {
		perror(path);
		fclose(f);
		return -1;
	}
	m->data[m->len] = '\0';
	fclose(f);
	return 0;
}

/* The peak resident set size so far, in MB. */
static double
peak_rss_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024.0;
}

static int milter_mode;		/* -M */

/* Analyse m once. Returns the seconds it took, or -1 when it was refused. */
static double
analyse(const struct settings *s, const struct msg *m)
{
	struct analysis *a = NULL;
	struct err e = { 0 };
	double t0 = now();

	if (milter_mode) {
		if (analysis_run_triage(s, m->data, m->len, &a, &e) < 0)
			return -1;
	} else {
		if (analysis_run(s, m->data, m->len, &a, &e) < 0)
			return -1;
		free(analysis_to_json(s, a, m->name));
	}
	analysis_free(&a);
	return now() - t0;
}

static void
header(void)
{
	printf("%-30s %6s %8s %6s %8s %7s %9s %6s %7s %7s  %s\n", "case",
	       "msgs", "MB/pass", "passes", "msg/s", "MB/s", "worst-ms",
	       "errors", "load-MB", "peak-MB", "worst-file");
}

int
main(int argc, char **argv)
{
	const char *label = "parse";
	struct settings *s = NULL;
	struct err e = { 0 };
	struct msg *msgs;
	double load_mb, min_seconds = 0, t0, elapsed, dt, worst = 0;
	size_t i, nmsgs, bytes = 0, worst_i = 0;
	int c, iterations = 1, passes = 0, errors = 0;

	while ((c = getopt(argc, argv, "HMl:n:t:")) != -1) {
		switch (c) {
		case 'H':
			header();
			return 0;
		case 'M': milter_mode = 1; break;
		case 'l': label = optarg; break;
		case 'n': iterations = atoi(optarg); break;
		case 't': min_seconds = atof(optarg); break;
		default: goto usage;
		}
	}
	if (optind == argc || iterations < 1)
		goto usage;
	if (settings_load_default(&s, &e) < 0) {
		fprintf(stderr, "itest_benchparse: %s\n", e.msg);
		return 78;
	}
	nmsgs = argc - optind;
	msgs = calloc(nmsgs, sizeof(*msgs));
	if (msgs == NULL)
		abort();
	for (i = 0; i < nmsgs; i++) {
		if (load(argv[optind + i], &msgs[i]) < 0)
			return 66;
		bytes += msgs[i].len;
	}
	load_mb = peak_rss_mb();

	t0 = now();
	do {
		for (i = 0; i < nmsgs; i++) {
			dt = analyse(s, &msgs[i]);
			if (dt < 0 && passes == 0)
				errors++;
			if (dt > worst) {
				worst = dt;
				worst_i = i;
			}
		}
		passes++;
		elapsed = now() - t0;
	} while (passes < iterations || elapsed < min_seconds);

	printf("%-30s %6zu %8.3f %6d %8.0f %7.2f %9.2f %6d %7.1f %7.1f  %s\n",
	       label, nmsgs, bytes / 1e6, passes, nmsgs * passes / elapsed,
	       bytes * (double)passes / 1e6 / elapsed, worst * 1e3, errors,
	       load_mb, peak_rss_mb(), msgs[worst_i].name);
	for (i = 0; i < nmsgs; i++)
		free(msgs[i].data);
	free(msgs);
	settings_free(&s);
	return 0;
usage:
	fprintf(stderr, "usage: itest_benchparse -H\n"
		"       itest_benchparse [-M] [-l LABEL] [-n ITERATIONS] [-t SECONDS] FILE...\n");
	return 64;
}

/* SPDX-License-Identifier: MIT */
/*
 * itest_jsoncmp — compare `brudvagtctl parse` output with expected JSON lines.
 *
 *	itest_jsoncmp [-f] [-l] [-a KEY]... OUTPUT.jsonl EXPECTED.jsonl
 *
 * Lines are matched by the basename of their "file" value (-f: by the whole
 * value). Every output line must be a JSON object with a "file" string. For
 * every expected line the output must hold exactly one line for that file,
 * with every expected key present and equal (json_equal: same type and
 * value, arrays in the same order), and no key the expected line lacks
 * unless it is named with -a (e.g. the free-text register fields the sample
 * corpus does not give) or -l (lenient) allows any. An output line for a
 * file that has no expected line is a failure too. So expected lines of
 * just {"file": …} with -f -l check "one valid JSON object per file".
 *
 * Prints one line per difference on stdout ("FILE: key: got X, want Y") and
 * exits 0 when there is none, 1 when there are differences, 2 on usage or
 * unreadable input. A helper for the integration scripts, so that they need
 * no python3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#define MAX_ALLOWED 32

struct lines {
	json_t **obj;
	size_t n;
};

static const char *allowed[MAX_ALLOWED];
static size_t nallowed;
static int lenient, full_path;

static const char *
base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static const char *
file_of(const json_t *o)
{
	const char *f = json_string_value(json_object_get(o, "file"));

	return f && !full_path ? base(f) : f;
}

/* Read every non-empty line of path as a JSON object. Returns 0 or -1. */
static int
load(const char *path, struct lines *l)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	json_error_t je;
	json_t *o;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (n == 0 || line[0] == '\n')
			continue;
		o = json_loads(line, 0, &je);
		if (o == NULL || !json_is_object(o) || file_of(o) == NULL) {
			printf("%s:%zu: not a JSON object with \"file\": %s\n",
			       path, lineno, o ? "" : je.text);
			json_decref(o);
			free(line);
			fclose(f);
			return -1;
		}
		l->obj = realloc(l->obj, (l->n + 1) * sizeof(*l->obj));
		if (l->obj == NULL)
			abort();
		l->obj[l->n++] = o;
	}
	free(line);
	fclose(f);
	return 0;
}

static int
is_allowed(const char *key)
{
	size_t i;

	for (i = 0; i < nallowed; i++)
		if (strcmp(allowed[i], key) == 0)
			return 1;
	return 0;
}

static void
print_diff(const char *file, const char *key, const json_t *got,
	   const json_t *want)
{
	char *g = got ? json_dumps(got, JSON_ENCODE_ANY) : NULL;
	char *w = want ? json_dumps(want, JSON_ENCODE_ANY) : NULL;

	printf("%s: %s: got %s, want %s\n", file, key, g ? g : "(missing)",
	       w ? w : "(no such key)");
	free(g);
	free(w);
}

/* Compare one output object with its expected object. Returns the number
 * of differences. */
static int
compare(const char *file, json_t *got, json_t *want)
{
	const char *key;
	json_t *v;
	int bad = 0;

	json_object_foreach(want, key, v) {
		if (strcmp(key, "file") == 0)
			continue;
		if (!json_equal(json_object_get(got, key), v)) {
			print_diff(file, key, json_object_get(got, key), v);
			bad++;
		}
	}
	json_object_foreach(got, key, v) {
		if (json_object_get(want, key) == NULL && !lenient &&
		    !is_allowed(key)) {
			print_diff(file, key, v, NULL);
			bad++;
		}
	}
	return bad;
}

static size_t
count_file(const struct lines *l, const char *file, json_t **first_r)
{
	size_t i, n = 0;

	*first_r = NULL;
	for (i = 0; i < l->n; i++)
		if (strcmp(file_of(l->obj[i]), file) == 0 && n++ == 0)
			*first_r = l->obj[i];
	return n;
}

int
main(int argc, char **argv)
{
	struct lines got = { 0 }, want = { 0 };
	json_t *g, *w;
	size_t i, n;
	int c, bad = 0;

	while ((c = getopt(argc, argv, "a:fl")) != -1) {
		if (c == 'f') {
			full_path = 1;
		} else if (c == 'l') {
			lenient = 1;
		} else if (c == 'a' && nallowed < MAX_ALLOWED) {
			allowed[nallowed++] = optarg;
		} else {
			goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	if (load(argv[optind], &got) < 0 || load(argv[optind + 1], &want) < 0)
		return 2;
	for (i = 0; i < want.n; i++) {
		const char *file = file_of(want.obj[i]);

		n = count_file(&got, file, &g);
		if (n != 1) {
			printf("%s: %zu output lines, want 1\n", file, n);
			bad++;
			continue;
		}
		bad += compare(file, g, want.obj[i]);
	}
	for (i = 0; i < got.n; i++)
		if (count_file(&want, file_of(got.obj[i]), &w) == 0) {
			printf("%s: no expected line\n", file_of(got.obj[i]));
			bad++;
		}
	for (i = 0; i < got.n; i++)
		json_decref(got.obj[i]);
	for (i = 0; i < want.n; i++)
		json_decref(want.obj[i]);
	free(got.obj);
	free(want.obj);
	return bad ? 1 : 0;
usage:
	fprintf(stderr, "usage: itest_jsoncmp [-f] [-l] [-a KEY]... OUTPUT.jsonl EXPECTED.jsonl\n");
	return 2;
}

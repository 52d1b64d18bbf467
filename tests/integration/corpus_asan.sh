#!/bin/sh
# SPDX-License-Identifier: MIT
#
# corpus_asan.sh — `brudvagtctl parse` under ASan+UBSan never crashes, leaks
# or trips a sanitizer, and prints exactly one JSON object per file:
#  - every message file of tests/corpus/external (not SOURCES.md,
#    _manifest.tsv, _licenses/; an mbox is passed whole), in batches;
#  - a hostile set generated reproducibly by tests/lib/hostile.sh
#    (hostile_small: a 0-byte file, random binary, NUL bytes in headers, a
#    2 MB header line, 300 nested multiparts, 2,000 parts, invalid UTF-8 in
#    the body and in encoded words, encoded words holding CR/LF, and more);
#    each alone, under timeout 20. The big ones (50 MB, 10,000 parts,
#    1,000 deep) are hostile_big.sh's.
# Each run must exit 0 or 65, with no sanitizer report on stderr; the output
# is checked by $BUILD/tests/itest_jsoncmp (valid JSON, one line per file).
# Uses $SANBUILD/brudvagtctl (tests/run.sh sets SANBUILD=build-san under
# make check); skips only when SANBUILD is empty.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/hostile.sh
if [ -z "${SANBUILD:-}" ]; then
	echo "corpus_asan: SANBUILD not set, skipped"
	exit 0
fi
BIN=$SANBUILD/brudvagtctl
CMP=${BUILD:-build}/tests/itest_jsoncmp
BATCH=50
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS
SANITIZER_RE='AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|SUMMARY: '
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "corpus_asan: keeping $tmp"
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT INT TERM
failures=0

fail() {
	echo "corpus_asan: FAIL: $*" >&2
	failures=$((failures + 1))
}

for b in "$BIN" "$CMP"; do
	[ -x "$b" ] || { echo "corpus_asan: no $b (run make check)" >&2; exit 1; }
done

# run WHAT FILE... — one parse run; appends to $tmp/out, checks exit and
# stderr.
run() {
	what=$1; shift
	timeout 20 "$BIN" parse "$@" >>"$tmp/out" 2>"$tmp/err"
	rc=$?
	case $rc in
	0|65) ;;
	124) fail "$what: still running after 20 s" ;;
	*) fail "$what: exit $rc (crash?)" ;;
	esac
	if grep -Eq "$SANITIZER_RE" "$tmp/err"; then
		fail "$what: sanitizer report:"
		sed 's/^/    /' "$tmp/err" | head -40 >&2
	fi
}

# one_line_each LIST WHAT — every file of LIST has exactly one valid JSON
# line in $tmp/out, and there are no others.
one_line_each() {
	while IFS= read -r f; do
		printf '{"file": "%s"}\n' "$f"
	done <"$1" >"$tmp/want"
	"$CMP" -f -l "$tmp/out" "$tmp/want" >"$tmp/diff" 2>&1 ||
		fail "$2: $(head -20 "$tmp/diff")"
}

# 1. The external corpus, in batches.
find tests/corpus/external -type f ! -path '*/_licenses/*' \
	! -name SOURCES.md ! -name _manifest.tsv | sort >"$tmp/external"
[ -s "$tmp/external" ] || fail "no files in tests/corpus/external"
: >"$tmp/out"
split -l $BATCH "$tmp/external" "$tmp/batch."
for b in "$tmp"/batch.*; do
	# shellcheck disable=SC2046
	run "external batch $(head -1 "$b")…" $(cat "$b")
done
one_line_each "$tmp/external" "external corpus"
echo "corpus_asan: external: $(wc -l <"$tmp/external") files"

# 2. Hostile input, generated.
h=$tmp/hostile
mkdir "$h"
hostile_small "$h"
# Reports whose lines hold no sentence end (a pasted chat log, a table of
# dates and numbers) once made the analysis quadratic; their reproducers
# run here too (tests/fixtures/hostile/README.md).
cp tests/fixtures/hostile/*.eml "$h/"

ls "$h"/* >"$tmp/hostile.list"
: >"$tmp/out"
while IFS= read -r f; do
	run "hostile ${f##*/}" "$f"
done <"$tmp/hostile.list"
one_line_each "$tmp/hostile.list" "hostile set"
echo "corpus_asan: hostile: $(wc -l <"$tmp/hostile.list") files"

[ "$failures" = 0 ] && echo "corpus_asan: ok"
[ "$failures" = 0 ]

#!/bin/sh
# SPDX-License-Identifier: MIT
#
# parse_cli.sh — `brudvagtctl parse` as the contract states it:
#  - every sample report gives exactly the keys and values of its line in
#    tests/corpus/sample/expected.jsonl (plus the free-text register fields,
#    which that file does not give), compared by $BUILD/tests/itest_jsoncmp;
#  - "-" reads stdin;
#  - a missing and an empty file each give {"file": …, "error": …}, the other
#    files on the command line are still printed, and the exit status is 65;
#  - no CPR number of the samples appears in stdout or stderr, in any spelling;
#  - -c with a broken configuration exits 78 with "file:line: …";
#  - an unknown command exits 64.
# Uses $BUILD/brudvagtctl (default build); run from anywhere.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
BIN=$BUILD/brudvagtctl
CMP=$BUILD/tests/itest_jsoncmp
SAMPLE=tests/corpus/sample
FREE_TEXT="-a description -a cause -a consequences -a measures"
# The fake CPR numbers written in the sample files (02 splits one across a
# quoted-printable soft line break).
CPRS="030478-1234 121190-4321 230561-2468 170892-2345 290644-1357 010203-4567"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
failures=0

fail() {
	echo "parse_cli: FAIL: $*" >&2
	failures=$((failures + 1))
}

# expected_for NAME — the expected line for sample NAME, into $tmp/want.
expected_for() {
	grep -F "\"file\": \"$1\"" $SAMPLE/expected.jsonl >"$tmp/want"
	[ "$(wc -l <"$tmp/want")" = 1 ] || fail "no expected line for $1"
}

# jsoncmp GOT WANT WHAT — compare, print the differences on failure.
jsoncmp() {
	# shellcheck disable=SC2086
	"$CMP" $FREE_TEXT "$1" "$2" >"$tmp/diff" 2>&1 ||
		fail "$3: $(cat "$tmp/diff")"
}

# is_error_line FILE LINE — LINE is exactly {"file": FILE, "error": "…"}.
is_error_line() {
	printf '%s\n' "$2" | grep -Eq "^\\{\"file\": \"$1\", \"error\": \"[^\"]+\"\\}\$"
}

for b in "$BIN" "$CMP"; do
	[ -x "$b" ] || { echo "parse_cli: no $b (run make check)" >&2; exit 1; }
done

# 1. The sample corpus, all files on one command line.
"$BIN" parse $SAMPLE/*.eml >"$tmp/all.jsonl" 2>"$tmp/all.err"
rc=$?
[ $rc = 0 ] || fail "parse samples: exit $rc, want 0 ($(cat "$tmp/all.err"))"
[ ! -s "$tmp/all.err" ] || fail "parse samples: stderr: $(cat "$tmp/all.err")"
n=$(find $SAMPLE -name "*.eml" | wc -l)
[ "$(wc -l <"$tmp/all.jsonl")" = "$n" ] ||
	fail "parse samples: $(wc -l <"$tmp/all.jsonl") lines for $n files"
jsoncmp "$tmp/all.jsonl" $SAMPLE/expected.jsonl "samples"

# 2. "-" reads stdin: the same values, with "file": "-".
name=07-broenderslev-kort.eml
expected_for $name
"$BIN" parse - <$SAMPLE/$name >"$tmp/stdin.jsonl" 2>"$tmp/stdin.err"
rc=$?
[ $rc = 0 ] || fail "parse - <$name: exit $rc, want 0"
grep -q '^{"file": "-", ' "$tmp/stdin.jsonl" ||
	fail "parse - <$name: file is not \"-\": $(cut -c1-80 "$tmp/stdin.jsonl")"
sed "s|^{\"file\": \"-\", |{\"file\": \"$name\", |" "$tmp/stdin.jsonl" >"$tmp/stdin2.jsonl"
jsoncmp "$tmp/stdin2.jsonl" "$tmp/want" "parse - <$name"

# 3. A missing and an empty file between good ones: error objects, the
# others still printed, exit 65.
: >"$tmp/empty.eml"
"$BIN" parse $SAMPLE/01-horsens-fejlsendt-chatlog.eml "$tmp/missing.eml" \
	$SAMPLE/$name "$tmp/empty.eml" >"$tmp/mixed.jsonl" 2>"$tmp/mixed.err"
rc=$?
[ $rc = 65 ] || fail "parse good missing good empty: exit $rc, want 65"
[ "$(wc -l <"$tmp/mixed.jsonl")" = 4 ] ||
	fail "parse good missing good empty: $(wc -l <"$tmp/mixed.jsonl") lines, want 4"
is_error_line "$tmp/missing.eml" "$(sed -n 2p "$tmp/mixed.jsonl")" ||
	fail "missing file: line 2 is '$(sed -n 2p "$tmp/mixed.jsonl")'"
is_error_line "$tmp/empty.eml" "$(sed -n 4p "$tmp/mixed.jsonl")" ||
	fail "empty file: line 4 is '$(sed -n 4p "$tmp/mixed.jsonl")'"
sed -n '1p;3p' "$tmp/mixed.jsonl" >"$tmp/good.jsonl"
grep -F -e '"file": "01-horsens' -e "\"file\": \"$name\"" \
	$SAMPLE/expected.jsonl >"$tmp/want2"
jsoncmp "$tmp/good.jsonl" "$tmp/want2" "good files beside bad ones"

# stdin that holds no message is an error object too.
printf 'no header here' | "$BIN" parse - >"$tmp/junk.jsonl" 2>/dev/null
rc=$?
[ $rc = 65 ] || fail "parse - <junk: exit $rc, want 65"
is_error_line - "$(cat "$tmp/junk.jsonl")" ||
	fail "parse - <junk: '$(cat "$tmp/junk.jsonl")'"

# 4. No CPR number of the samples, with dash, space or nothing between.
cat "$tmp/all.jsonl" "$tmp/all.err" "$tmp/stdin.jsonl" "$tmp/mixed.jsonl" \
	"$tmp/mixed.err" >"$tmp/everything"
for cpr in $CPRS; do
	d=${cpr%-*} s=${cpr#*-}
	for form in "$d-$s" "$d $s" "$d$s"; do
		grep -qF "$form" "$tmp/everything" && fail "CPR $form in the output"
	done
done
grep -q '\[CPR fjernet\]' "$tmp/all.jsonl" ||
	fail "no '[CPR fjernet]' in the samples' text fields"

# 5. A broken configuration: exit 78, "file:line: message" on stderr.
printf 'smtp = {\n  host = ;\n};\n' >"$tmp/broken.conf"
"$BIN" -c "$tmp/broken.conf" parse $SAMPLE/$name >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 78 ] || fail "-c broken.conf parse: exit $rc, want 78"
grep -Eq "^$tmp/broken.conf:2: " "$tmp/err" ||
	fail "-c broken.conf parse: stderr '$(cat "$tmp/err")' lacks 'file:2: '"
[ ! -s "$tmp/out" ] || fail "-c broken.conf parse: printed '$(cat "$tmp/out")'"

# 6. Usage errors: exit 64.
"$BIN" frobnicate $SAMPLE/$name >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 64 ] || fail "unknown command: exit $rc, want 64"
grep -q usage "$tmp/err" || fail "unknown command: no usage on stderr"
"$BIN" >/dev/null 2>&1
rc=$?
[ $rc = 64 ] || fail "no command: exit $rc, want 64"

[ "$failures" = 0 ] && echo "parse_cli: ok"
[ "$failures" = 0 ]

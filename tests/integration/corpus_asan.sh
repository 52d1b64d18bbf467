#!/bin/sh
# SPDX-License-Identifier: MIT
#
# corpus_asan.sh — `brudvagtctl parse` under ASan+UBSan never crashes, leaks
# or trips a sanitizer, and prints exactly one JSON object per file:
#  - every message file of tests/corpus/external (not SOURCES.md,
#    _manifest.tsv, _licenses/; an mbox is passed whole), in batches;
#  - a hostile set generated here, reproducibly (awk srand(1)): a 0-byte
#    file, random binary, NUL bytes in headers, a 2 MB header line, 300
#    nested multiparts, 2,000 parts, invalid UTF-8 in the body and in
#    encoded words, encoded words holding CR/LF, and more; each alone, under
#    timeout 20.
# Each run must exit 0 or 65, with no sanitizer report on stderr; the output
# is checked by $BUILD/tests/itest_jsoncmp (valid JSON, one line per file).
# Uses $SANBUILD/brudvagtctl (tests/run.sh sets SANBUILD=build-san under
# make check); skips only when SANBUILD is empty.
set -u
cd "$(dirname "$0")/../.." || exit 1
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
# hdr ID [-] — the usual headers of a municipality's report, CRLF, so that
# the whole analysis runs; "-" leaves out Subject for the caller to write.
hdr() {
	printf 'From: Test <test@viborg.dk>\r\nTo: borgerservice@aarhus.dk\r\n'
	printf 'Date: Tue, 10 Nov 2026 10:00:00 +0100\r\nMessage-ID: <%s@viborg.dk>\r\n' "$1"
	[ "${2:-}" = - ] || printf 'Subject: Sikkerhedsbrud i MUNI\r\n'
	printf 'MIME-Version: 1.0\r\n'
}
: >"$h/empty.eml"
LC_ALL=C awk 'BEGIN { srand(1); for (i = 0; i < 65536; i++) printf "%c", int(rand() * 256) }' \
	>"$h/random.bin"
{ printf 'From: Te\000st <test@viborg.dk>\r\nSubject: Brud\000 i MUNI\r\n'
  printf 'X-\000: \000\000\r\nMessage-ID: <nul\000@viborg.dk>\r\n\r\nCPR 010203-4567\000 hej\r\n'
} >"$h/nul-headers.eml"
{ hdr long-header -; printf 'Subject: Sikkerhedsbrud '
  awk 'BEGIN { for (i = 0; i < 2 * 1024 * 1024 / 8; i++) printf "Brud%04d", i % 10000 }'
  printf '\r\n\r\nkort\r\n'
} >"$h/header-2mb.eml"
{ hdr long-folded -; printf 'Subject: Sikkerhedsbrud'
  awk 'BEGIN { for (i = 0; i < 200000; i++) printf "\r\n x" }'
  printf '\r\n\r\nkort\r\n'
} >"$h/header-200k-folds.eml"
{ hdr nested; printf 'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
  awk 'BEGIN { for (i = 0; i < 300; i++) printf "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i, i + 1
	printf "--b300\r\nContent-Type: text/plain\r\n\r\nDybt brud\r\n--b300--\r\n"
	for (i = 299; i >= 0; i--) printf "--b%d--\r\n", i }'
} >"$h/nested-300.eml"
{ hdr rfc822-nested; awk 'BEGIN { for (i = 0; i < 300; i++) printf "Content-Type: message/rfc822\r\n\r\nSubject: lag %d\r\n", i
	printf "Content-Type: text/plain\r\n\r\nbund\r\n" }'
} >"$h/rfc822-300.eml"
{ hdr parts; printf 'Content-Type: multipart/mixed; boundary="p"\r\n\r\n'
  awk 'BEGIN { for (i = 0; i < 2000; i++) printf "--p\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDel %d: CPR 0102%02d-%04d\r\n", i, i % 100, i
	printf "--p--\r\n" }'
} >"$h/parts-2000.eml"
{ hdr bad-utf8-body; printf 'Content-Type: text/plain; charset=utf-8\r\n'
  printf 'Content-Transfer-Encoding: 8bit\r\n\r\n'
  printf 'Brud \377\376 \303( \355\240\200 \300\257 \370\210\200\200\200 \364\220\200\200 sidste\303\r\n'
  printf 'Antal ber\370rte: 12\r\nCPR: 0102\30303-4567\r\n'
} >"$h/bad-utf8-body.eml"
{ hdr bad-utf8-header -
  printf 'Subject: Sikkerhedsbrud =?utf-8?B?/+7DKO2ggMCv?= =?utf-8?Q?=FF=FE=C3=28?= =?utf-8?Q?=E2=82?=\r\n'
  printf 'X-Name: =?iso-8859-1?Q?=FF?= =?x-unknown-charset?B?AAAA?= =?utf-8?B?####?= =?utf-8??=\r\n'
  printf 'Content-Type: text/plain; charset=utf-8\r\n\r\nhej\r\n'
} >"$h/bad-utf8-encoded-word.eml"
{ hdr crlf-encoded-word -
  printf 'Subject: Sikkerhedsbrud =?utf-8?Q?Brud=0D=0ABcc:_evil@example.org=0D=0A=0D=0Akrop?=\r\n'
  printf 'From: =?utf-8?B?VGVzdA0KVG86IGV2aWxAZXhhbXBsZS5vcmc=?= <x@viborg.dk>\r\n'
  printf 'Content-Type: text/plain; name="=?utf-8?Q?a=0D=0Ab.txt?="\r\n\r\nhej\r\n'
} >"$h/crlf-encoded-word.eml"
{ hdr cut-base64; printf 'Content-Type: multipart/mixed; boundary="c"\r\n\r\n--c\r\n'
  printf 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n'
  printf 'SGVq!!!IG1lZCBk=ig=\r\nAAA\r\n--c\r\nContent-Type: text/plain\r\n'
  printf 'Content-Transfer-Encoding: quoted-printable\r\n\r\nbrud =\r\n=Z=\r\n=0'
} >"$h/cut-encodings.eml"
{ hdr rfc2231; printf 'Content-Type: multipart/mixed; boundary="d"\r\n\r\n--d\r\n'
  printf "Content-Type: application/pdf; name*0*=utf-8''%%FF%%FE; name*1=\"x\"; name*99=\"y\"; name*=bogus''%%\r\n"
  printf "Content-Disposition: attachment; filename*=utf-8'da'%%C3%%28%%00.pdf\r\n\r\nAAAA\r\n--d--\r\n"
} >"$h/rfc2231-broken.eml"
{ printf 'From: a@b\rSubject: kun CR\rDate: i går\r\r'
  awk 'BEGIN { for (i = 0; i < 100000; i++) printf "linje %d\r", i }'
} >"$h/cr-only.eml"
{ hdr long-body-line; printf 'Content-Type: text/html; charset=utf-8\r\n\r\n<p>'
  awk 'BEGIN { for (i = 0; i < 100000; i++) printf "<b><i>&aelig;&#x110000;&#0;" }'
  printf '\r\n'
} >"$h/html-2mb-line.eml"
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

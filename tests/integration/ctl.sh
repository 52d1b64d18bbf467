#!/bin/sh
# SPDX-License-Identifier: MIT
#
# ctl.sh — brudvagtctl's operator commands from the outside: cases, show,
# ack and export against a store made by $BUILD/tests/itest_mkstore (two
# cases, see that file), with their exit statuses (64 usage, 65 unknown
# case or party, 69 no store, 78 bad config) and outputs. Run from anywhere.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BIN=$BUILD/brudvagtctl
MK=$BUILD/tests/itest_mkstore
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
failures=0

fail() {
	echo "ctl: FAIL: $*" >&2
	failures=$((failures + 1))
}

# matches FILE PATTERN: "" wants FILE empty, "*" takes anything, else grep -E.
matches() {
	case $2 in
	"") [ ! -s "$1" ] ;;
	"*") true ;;
	*) grep -Eq -- "$2" "$1" ;;
	esac
}

# expect STATUS STDOUT-PATTERN STDERR-PATTERN ARGS...
expect() {
	want=$1 out_re=$2 err_re=$3
	shift 3
	"$BIN" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" = "$want" ] || fail "$*: exit $got, want $want ($(cat "$tmp/err"))"
	matches "$tmp/out" "$out_re" || fail "$*: stdout '$(cat "$tmp/out")' !~ /$out_re/"
	matches "$tmp/err" "$err_re" || fail "$*: stderr '$(cat "$tmp/err")' !~ /$err_re/"
}

[ -x "$BIN" ] && [ -x "$MK" ] || { echo "ctl: no $BIN or $MK (run make check)" >&2; exit 1; }

conf=$tmp/brudvagt.conf
sed "s|/var/lib/brudvagt/brudvagt.db|$tmp/brudvagt.db|" conf/brudvagt.conf >"$conf"
C="-c $conf"

# ---- no store yet: 69, and nothing is created ----
expect 69 '' "store $tmp/brudvagt.db: .*No such file" $C cases
[ ! -e "$tmp/brudvagt.db" ] || fail "cases created the store"
"$MK" "$tmp/brudvagt.db" 2>/dev/null || { echo "ctl: itest_mkstore failed" >&2; exit 1; }

# ---- usage and config ----
expect 64 '' 'usage' $C cases --bogus
expect 64 '' 'usage' $C show
expect 64 '' 'usage' $C ack BV-2026-0001
expect 64 '' 'usage' $C export
expect 64 '' 'usage' $C export --format xml
expect 64 '' 'not a date' $C export --format csv --since 2026-13-01
expect 64 '' 'unknown command' $C frobnicate
printf 'accounts = ( );\n' >"$tmp/bad.conf"
expect 78 '' "^$tmp/bad.conf:1: " -c "$tmp/bad.conf" cases
expect 78 '' 'cannot open' -c "$tmp/missing.conf" cases

# ---- cases ----
expect 0 '^REF +STATUS +NEXT DEADLINE +OUTSTANDING +MUNICIPALITIES$' '' $C cases
grep -Eq '^BV-2026-0001 +open +2026-10-06 15:20 ack overskredet +Deloitte +Egedal, Hjørring$' "$tmp/out" ||
	fail "cases: row 1: $(cat "$tmp/out")"
grep -Eq '^BV-2026-0002 +open +2026-10-21 10:00 ack overskredet +Brønderslev, Viborg +Brønderslev, Viborg$' "$tmp/out" ||
	fail "cases: row 2: $(cat "$tmp/out")"
expect 0 '"ref":"BV-2026-0001"' '' $C cases --json
[ "$(wc -l <"$tmp/out")" = 2 ] || fail "cases --json: not two lines"
head -1 "$tmp/out" | grep -q '"outstanding":\["Deloitte"\],"next_deadline":"2026-10-06T15:20+02:00"' ||
	fail "cases --json: $(head -1 "$tmp/out")"

# ---- show ----
expect 0 '^  Hvad der skete: MUNI viste svar; til "forkert" borger$' '' $C show BV-2026-0001
for want in '^  Årsag: =HYPERLINK' '^  Anmeldt til Datatilsynet: Ja$' \
	'Hjørring \(kommune\): kvitteret 2026-10-05 17:20 af dpo@hjoerring.dk' \
	'Datatilsynet \(72t\)  Hjørring  overskredet' '^Korrespondance$' \
	'^Historik$'; do
	grep -Eq -- "$want" "$tmp/out" || fail "show lacks /$want/"
done
expect 0 '"authority_deadline": "2026-10-08T14:20\+02:00"' '' $C show --json BV-2026-0001
expect 65 '' 'no case BV-2099-0001' $C show BV-2099-0001

# ---- ack ----
expect 65 '' 'Viborg is not a party of BV-2026-0001' $C ack BV-2026-0001 Viborg
grep -q 'are: Egedal, supplier (Deloitte), Hjørring' "$tmp/err" || fail "ack: parties: $(cat "$tmp/err")"
expect 65 '' 'no case' $C ack BV-2099-0001 supplier
expect 0 'already at 2026-10-05 17:20, from dpo@hjoerring.dk' '' $C ack BV-2026-0001 Hjoerring
USER=tester expect 0 '^BV-2026-0001: acknowledgement by Deloitte recorded at .*by hand: tester' '' \
	$C ack BV-2026-0001 supplier
expect 0 'Deloitte had acknowledged already' '' $C ack BV-2026-0001 SUPPLIER
expect 0 'acknowledgement by Brønderslev recorded' '' $C ack BV-2026-0002 bronderslev
expect 0 '"outstanding":\[\]' '' $C cases --json
expect 0 'kvitteret .* af brudvagtctl \(by hand: tester\) \(manuelt\)' '' $C show BV-2026-0001

# ---- export ----
expect 0 '*' '' $C export --format csv
head -c 3 "$tmp/out" | od -An -tx1 | grep -q 'ef bb bf' || fail "csv: no BOM"
tail -c 2 "$tmp/out" | od -An -tx1 | grep -q '0d 0a' || fail "csv: does not end in CRLF"
cp "$tmp/out" "$tmp/register.csv"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$tmp/register.csv" <<'PY' || fail "csv: round trip"
import csv, sys
data = open(sys.argv[1], "rb").read()
# header and four rows end in CRLF; the bare LFs are inside quoted fields
assert data.count(b"\r\n") == 5 and data.count(b"\n") == 7, data
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline=""), delimiter=";"))
assert rows[0][:2] == ["Sag", "Kommune"] and rows[0][10] == "Anmeldt til Datatilsynet", rows[0]
assert len(rows) == 5 and all(len(r) == 14 for r in rows), rows
assert [r[1] for r in rows[1:]] == ["Egedal", "Hjørring", "Brønderslev", "Viborg"], rows
assert rows[1][4] == 'MUNI viste svar; til "forkert" borger\nanden linje', rows[1][4]
assert rows[1][5] == "'=HYPERLINK(\"x\")", rows[1][5]
assert rows[1][6] == "CPR-nummer, Helbredsoplysninger" and rows[1][10] == "Ja", rows[1]
assert rows[2][10] == "" and rows[1][2] == "04-10-2026 15:20", rows[2]
PY
fi
expect 0 '*' '' $C export --format csv --since 2026-10-10
[ "$(wc -l <"$tmp/out")" = 3 ] || fail "csv --since: $(cat "$tmp/out")"
expect 0 '"case_ref": "BV-2026-0002"' '' $C export --format=json --since=2026-10-20
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert len(r)==2 and r[0]["municipality"]=="Brønderslev" and r[0]["reported_to_authority"] is None, r' \
		"$tmp/out" || fail "json export: $(cat "$tmp/out")"
fi

# ---- a file that is no database ----
echo "not a database, not at all, not even close to one" >"$tmp/brudvagt.db"
rm -f "$tmp/brudvagt.db-wal" "$tmp/brudvagt.db-shm"
expect 69 '' 'cannot open' $C cases

[ $failures = 0 ] || { echo "ctl: $failures failure(s)" >&2; exit 1; }
exit 0

#!/bin/sh
# SPDX-License-Identifier: MIT
#
# demo.sh — `make demo`'s script runs to its end unattended: exit 0, the
# sections a newcomer is promised (the cases, one case in full, the mails,
# the log), no CPR number in its output, and no process or temp dir left
# behind — also when it is interrupted half-way.
# Run by tests/run.sh with $BUILD set; exits 0 when every check passes.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
[ -x "$BUILD/brudvagtd" ] || { echo "demo: $BUILD/brudvagtd not built" >&2; exit 1; }

. tests/lib/check.sh
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

# leftovers PID DIR: processes the demo run PID started: those naming its
# temp dir (dovecot masters, smtp-sink, brudvagtd) or its Dovecot instance
# (brudvagt-test-PID-*: the Dovecot children). Other tests may run
# Dovecots of their own on this machine at the same time.
leftovers() {
	ps -eo pid=,args= | grep -E "brudvagt-test-$1-|${2:-/nonexistent/}" | grep -v grep
}

# demo: run the demo in the background (its PID is its instance name) with
# a 300 s limit; sets pid.
# A background job of a script starts with SIGINT ignored; env gives the
# demo the default back, as it has when run from a terminal.
demo() {
	env --default-signal=INT sh scripts/demo.sh "$BUILD" > "$OUT" 2>&1 &
	pid=$!
	( sleep 300; kill -TERM $pid 2>/dev/null ) &
	guard=$!
}

start=$(date +%s)
demo
wait $pid
rc=$?
kill $guard 2>/dev/null
took=$(($(date +%s) - start))
[ $rc = 0 ] && ok "make demo's script exits 0 (${took} s)" ||
	{ bad "demo exit status $rc"; tail -n 30 "$OUT"; }
dir=$(grep -o '/tmp/brudvagt-dovecot\.[A-Za-z0-9]*' "$OUT" | head -n 1)

for h in "brudvagtctl cases" "One case in full" "The mails each party received" \
	 "What brudvagtd logged"; do
	grep -q "== .*$h" "$OUT" && ok "section: $h" || bad "no section '$h'"
done
grep -qE '^BV-[0-9]{4}-[0-9]{4} +open' "$OUT" && ok "the cases are listed" ||
	bad "no case line in the output"
grep -q '^Sag BV-' "$OUT" && ok "a case is shown in full" || bad "no 'Sag BV-' in the output"
grep -q 'CPR fjernet' "$OUT" && ok "CPR numbers shown redacted" || bad "no [CPR fjernet] in the output"
grep -qE '030478.?1234' "$OUT" && bad "a CPR number of the demo report was printed" ||
	ok "no CPR number of the demo report printed"
if grep -q "None were sent" "$OUT" || grep -q "The SMTP sink caught" "$OUT"; then
	ok "the mails section says what was sent"
else
	bad "the mails section says nothing"
fi
grep -q "CPR numbers in the mails to the supplier and the municipalities: [1-9]" "$OUT" &&
	bad "a mail to the supplier or a municipality held a CPR number"

sleep 0.5
[ -z "$(leftovers $pid "$dir")" ] && ok "no process left behind" ||
	{ bad "processes left behind:"; leftovers $pid "$dir"; }
[ -n "$dir" ] && [ ! -e "$dir" ] && ok "temp dir $dir removed" || bad "temp dir '$dir' is still there"

# Interrupted half-way (SIGINT, as Ctrl-C, once brudvagtd runs): still
# nothing left behind.
demo
i=0
while [ $i -lt 1200 ] && ! grep -q "brudvagtd -c brudvagt.conf --once" "$OUT"; do
	sleep 0.05; i=$((i + 1))
done
dir=$(grep -o '/tmp/brudvagt-dovecot\.[A-Za-z0-9]*' "$OUT" | head -n 1)
kill -INT $pid 2>/dev/null
wait $pid
rc=$?
kill $guard 2>/dev/null
sleep 0.5
[ $rc != 0 ] && ok "interrupted: exit status $rc" || bad "interrupted demo exited 0"
[ -z "$(leftovers $pid "$dir")" ] && ok "interrupted: no process left behind" ||
	{ bad "interrupted: processes left behind:"; leftovers $pid "$dir"; }
[ -n "$dir" ] && [ ! -e "$dir" ] && ok "interrupted: temp dir removed" ||
	bad "interrupted: temp dir '$dir' is still there"

[ $fails = 0 ]

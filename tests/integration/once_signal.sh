#!/bin/sh
# SPDX-License-Identifier: MIT
#
# once_signal.sh — SIGTERM and SIGINT stop brudvagtd --once as they stop the
# daemon (issue 3: "SIGTERM finishes the message in hand and exits 0 within
# 10 s"), against a private Dovecot (tests/lib/dovecot.sh).
#
# 3,000 reports wait in the borgerservice Maildir. brudvagtd --once is
# started with batches of 64 and gets SIGTERM once the store holds 64
# messages. Asserted: exit 0 in under 10 s; the stop is logged; fewer than
# 3,000 messages stored (it stopped, it did not run on); every stored
# message has its case; no mail was queued after the stop was logged
# (the clock and the outbound flush are left to the next run). Then a
# second --once gets SIGINT the same way, and a third runs to the end:
# 3,000 reports, 3,000 cases, each once, integrity_check ok, every message
# marked $Brudvagt on the server.
# Run by tests/run.sh with $BUILD set; exits 0 when every check passes.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BVD=$BUILD/brudvagtd
N=3000
[ -x "$BVD" ] || { echo "once_signal: $BVD not built" >&2; exit 1; }

. tests/lib/dovecot.sh
. tests/lib/reports.sh
. tests/lib/conf.sh
. tests/lib/kills.sh

. tests/lib/check.sh

dovecot_setup || exit 1
T=$DV_DIR/t
mkdir -p "$T"
reports_maildir borgerservice 1 $N sig || exit 1
dovecot_start || exit 1
conf_write "$T/once.conf" "$T" "batch_messages = 64;" "batch_messages = 64;"

stored() { q "select count(*) from messages" 2>/dev/null || echo 0; }

# interrupt SIGNAL LABEL: --once, the signal after 64 more messages.
interrupt() {
	before=$(stored)
	"$BVD" -v -c "$T/once.conf" --once 2> "$T/$2.err" &
	pid=$!
	dovecot_track $pid
	if ! kills_wait $((before + 64)) 60 $pid stored; then
		bad "$2: $((before + 64)) messages not stored in 60 s: $(tail -2 "$T/$2.err")"
		return
	fi
	t0=$(date +%s%3N)
	kill -"$1" $pid
	wait $pid
	rc=$?
	ms=$(( $(date +%s%3N) - t0 ))
	n=$(stored)
	[ $rc = 0 ] && [ $ms -lt 10000 ] && ok "$2: --once exits 0 on SIG$1 in $ms ms" ||
		bad "$2: status $rc after $ms ms on SIG$1"
	grep -q "daemon: stopping on signal" "$T/$2.err" && ok "$2: the stop is logged" ||
		bad "$2: no stop logged: $(tail -2 "$T/$2.err")"
	[ "$n" -lt $N ] && ok "$2: stopped at $n of $N messages" ||
		bad "$2: ran on to $n of $N messages"
	# Nothing queued after the stop: the clock and the flush are not run.
	sed -n '/daemon: stopping on signal/,$p' "$T/$2.err" | grep -q "outbound: .*queued" &&
		bad "$2: mails queued after the stop" || ok "$2: nothing queued after the stop"
	nocase=$(q "select count(*) from messages where kind = 'report' and case_id is null")
	[ "$nocase" = 0 ] && ok "$2: every stored report has its case" ||
		bad "$2: $nocase stored reports without a case"
}

interrupt TERM sigterm
interrupt INT sigint

timeout 300 "$BVD" -c "$T/once.conf" --once 2> "$T/last.err"
rc=$?
[ $rc = 0 ] && ok "a third --once runs to the end: exit 0" || bad "third --once: status $rc: $(tail -2 "$T/last.err")"
[ "$(stored)" = $N ] && ok "$N messages stored" || bad "$(stored) messages stored, want $N"
[ "$(q "select count(*) from cases")" = $N ] && ok "$N cases" ||
	bad "$(q "select count(*) from cases") cases, want $N"
dup=$(q "select count(*) from (select subject from messages group by subject having count(*) > 1)")
[ "$dup" = 0 ] && ok "no report stored twice" || bad "$dup reports stored twice"
[ "$(q "pragma integrity_check")" = ok ] && ok "integrity_check ok" || bad "integrity_check failed"
unmarked=$(doveadm -c "$DV_CONF" -f flow fetch -u borgerservice uid mailbox INBOX unkeyword '$Brudvagt' | wc -l)
[ "$unmarked" = 0 ] && ok "every message carries \$Brudvagt" || bad "$unmarked messages lack \$Brudvagt"

dovecot_stop
[ $fails = 0 ] && echo "once_signal: all checks passed" || echo "once_signal: $fails check(s) failed"
[ $fails = 0 ]

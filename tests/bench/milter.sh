#!/bin/sh
# SPDX-License-Identifier: MIT
#
# milter.sh — Postfix throughput on loopback with brudvagt-milter against
# without it, in the same run (make bench; target: ratio >= 0.9).
#
# One private Postfix (tests/lib/postfix.sh) with two smtpd listeners, one
# with smtpd_milters = the milter and one with none, relaying to a
# non-dumping smtp-sink. smtp-source sends N copies of a breach report to
# the system owner (so every message is analysed and tagged) over S
# parallel sessions; the rate is messages accepted per second of
# smtp-source wall time, where the milter sits. The two are run
# alternately ROUNDS times, each on a drained queue, and the best of each
# is compared.
#   N=2000 S=8 ROUNDS=3 sh tests/bench/milter.sh
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${N:-2000}
S=${S:-8}
ROUNDS=${ROUNDS:-3}
. tests/lib/postfix.sh

T=$(mktemp -d)
MPID=
cleanup() {
	rc=$?
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null || true
	pf_stop "$T"
	sink_stop
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

SMTP=$(pf_port); PLAIN=$(pf_port); SINK=$(pf_port); MPORT=$(pf_port)
sed "s|^\([[:space:]]*\)socket = .*|\1socket = \"inet:$MPORT@127.0.0.1\";|" \
	conf/brudvagt.conf > "$T/brudvagt.conf"
"$BUILD/brudvagt-milter" -c "$T/brudvagt.conf" > "$T/milter.log" 2>&1 &
MPID=$!
wait_port "$MPORT" 10
pf_setup "$T" "$SMTP" "$SINK" "inet:127.0.0.1:$MPORT" "$PLAIN"
sink_start "$T" "$SINK" nodump
pf_start "$T"
wait_port "$SMTP" 10 && wait_port "$PLAIN" 10 && wait_port "$SINK" 10

cat > "$T/report.eml" <<'EOM'
From: Databeskyttelse Hjørring <dpo@hjoerring.dk>
To: borgerservice@aarhus.dk
Subject: Brud på persondatasikkerheden i MUNI
X-Brudvagt-Kind: report
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hjørring Kommune anmelder et brud på persondatasikkerheden i MUNI.
Chatbotten har vist samtaler til forkerte borgere. Omfang: ca. 12
borgere. Opdaget 29.11.2026 kl. 14.00. Alvorlighed: høj.
EOM
# about 4 KB, like a real report with its quoted history
i=0; while [ $i -lt 40 ]; do
	echo "> Tidligere korrespondance om sagen, linje $i, uden personoplysninger." >> "$T/report.eml"
	i=$((i + 1))
done

# rate PORT: messages per second accepted by smtpd on PORT
rate() {
	t0=$(date +%s.%N)
	smtp-source -s "$S" -m "$N" -d -f sender@example.org \
		-t borgerservice@aarhus.dk -F "$T/report.eml" "127.0.0.1:$1"
	t1=$(date +%s.%N)
	echo "$N $t0 $t1" | awk '{ printf "%.0f\n", $1 / ($3 - $2) }'
}

# drained: wait (bounded) until the queue is empty, so that one run's
# deliveries do not load the next run
drained() {
	i=0
	while [ "$(find "$T/spool/incoming" "$T/spool/active" \
		"$T/spool/deferred" -type f 2>/dev/null | wc -l)" -gt 0 ]; do
		[ $i -ge 600 ] && { echo "queue does not drain" >&2; return 1; }
		sleep 0.1; i=$((i + 1))
	done
}

best_with=0; best_without=0
r=0
while [ $r -lt "$ROUNDS" ]; do
	# alternate who goes first
	if [ $((r % 2)) = 0 ]; then
		drained; w=$(rate "$PLAIN"); drained; m=$(rate "$SMTP")
	else
		drained; m=$(rate "$SMTP"); drained; w=$(rate "$PLAIN")
	fi
	echo "round $((r + 1)): without $w msg/s, with $m msg/s"
	[ "$w" -gt "$best_without" ] && best_without=$w
	[ "$m" -gt "$best_with" ] && best_with=$m
	r=$((r + 1))
done
kill -USR1 "$MPID"; sleep 0.2
grep "counters" "$T/milter.log" | tail -1
echo "$best_with $best_without" | awk '{ printf "postfix with brudvagt-milter: %d msg/s, without: %d msg/s, ratio %.2f (target >= 0.90)\n", $1, $2, $1 / $2 }'

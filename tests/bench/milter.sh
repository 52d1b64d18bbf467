#!/bin/sh
# SPDX-License-Identifier: MIT
#
# milter.sh — Postfix throughput on loopback with brudvagt-milter against
# without it, in the same run (make bench; target: ratio >= 0.9), and where
# the difference goes.
#
# One private Postfix (tests/lib/postfix.sh) relaying to a non-dumping
# smtp-sink, with one smtpd listener per case. The listeners differ only
# in smtpd_milters (master.cf -o):
#   none       no milter
#   data       reference milter: accept at DATA (the protocol floor)
#   eom        reference milter: take the whole message, accept, no edits
#   edits      the same plus brudvagt-milter's edits (1 delete, 5 adds)
#   brudvagt   brudvagt-milter
# all on inet sockets (the example configuration's milter.socket), and
# eom and brudvagt once more on unix sockets.
# The reference milters are tests/itest_nullmilter.c: brudvagt-milter's own
# socket setup and negotiation, no analysis.
#
# Traffic, stated: smtp-source sends N copies of one 3.2 KB breach report
# (with a forged X-Brudvagt-Kind) over S parallel sessions that each send
# one message after another (smtp-source -d). "report" sends them to the system owner
# (milter.recipients), so brudvagt-milter analyses and tags every one: the
# worst case. "other" sends them to a colleague not in milter.recipients,
# which is nearly all the mail a municipality's MX sees: brudvagt-milter
# lets such a message go at DATA.
#
# Per run: accepted msg/s (smtp-source's wall time, N / seconds), delivered
# msg/s (until the queue is empty again: the sustained rate, delivery
# included), and, when the bench can make a cgroup, the CPU time of
# everything it started (Postfix, the sink, smtp-source, the milters) per
# message, delivery included. On 2 shared cores this is a CPU-bound
# pipeline: the CPU per message is the steadiest figure, and any milter
# work shows almost one to one in the rates. Cases run in turn, ROUNDS
# times, rotated each round, each on a drained queue. The table gives per
# case the median over the rounds of its rate, of its rate against the run
# without a milter in the same round (with the range), and the same for the
# CPU per message.
#
#   N=2000 S=8 ROUNDS=5 [SESSION=new] sh tests/bench/milter.sh [BUILD]
#
# SESSION=new opens a new SMTP session, and so a new milter connection, for
# each message, as most senders on the Internet do.
#
# Measured (N=2000 S=8 ROUNDS=5, three runs on 2026-12-01, medians; ratio
# of rates, then of CPU per message), brudvagt-milter running
# analysis_run_triage:
#   reports, brudvagt-milter             0.76-0.87   CPU 0.82-0.91
#   other mail, brudvagt-milter          0.93-1.31   CPU 0.99-1.12
#   reference: accept at DATA            0.88-0.97   CPU 0.87-0.95
#   reference: whole message, accept     0.71-0.82   CPU 0.77-0.84
#   reference: the same + 6 edits        0.72-0.83   CPU 0.80-0.86
#   unix socket: reference, message      0.79-1.05   CPU 0.95
#   unix socket: brudvagt-milter, reports 0.79-0.97  CPU 0.83-0.92
# Without a milter: 659-723 msg/s, 2.9-3.1 ms CPU per message. For reports
# brudvagt-milter is now where the reference that only takes the message
# is: the rest is the milter protocol (docs/milter.md "Performance").
# Before (the full analysis): reports 0.56-0.73, unix socket 0.63-0.80.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-${BUILD:-build}}
N=${N:-2000}
S=${S:-8}
# SESSION=new: a new SMTP session (so a new milter connection) per message
SESSION=${SESSION:-reused}
REUSE=-d
[ "$SESSION" = new ] && REUSE=
ROUNDS=${ROUNDS:-5}
OWNER=borgerservice@aarhus.dk		# in conf/brudvagt.conf's milter.recipients
OTHER=sagsbehandler@aarhus.dk		# not
. tests/lib/postfix.sh

# make bench builds only "all"; the reference milter is a test helper.
make -s BUILD="$BUILD" "$BUILD/tests/itest_nullmilter" >&2

T=$(mktemp -d)
PIDS=
CG=
cleanup() {
	rc=$?
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	pf_stop "$T"
	sink_stop
	cg_leave
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- CPU accounting: a cgroup of our own, when the machine lets us ------
cg_enter() {
	for d in /sys/fs/cgroup/cpuacct /sys/fs/cgroup; do
		[ -w "$d" ] || continue
		[ -f "$d/cpuacct.usage" ] || [ -f "$d/cpu.stat" ] || continue
		CG=$d/brudvagt-bench.$$
		mkdir "$CG" 2>/dev/null && echo $$ > "$CG/cgroup.procs" \
			2>/dev/null && return 0
		rmdir "$CG" 2>/dev/null || true
		CG=
	done
}
cg_leave() {
	[ -n "$CG" ] || return 0
	echo $$ > "$(dirname "$CG")/cgroup.procs" 2>/dev/null || true
	rmdir "$CG" 2>/dev/null || true
}
# cpu_us: CPU microseconds used in the cgroup so far (0 without one)
cpu_us() {
	if [ -z "$CG" ]; then
		echo 0
	elif [ -f "$CG/cpuacct.usage" ]; then
		echo $(($(cat "$CG/cpuacct.usage") / 1000))
	else
		awk '$1 == "usage_usec" { print $2 }' "$CG/cpu.stat"
	fi
}
cg_enter

# ---- the milters and Postfix ---------------------------------------------
# milter NAME inet|unix CMD...: start CMD with a config whose
# milter.socket is a fresh port or a socket in $T; sets pf_NAME to
# Postfix's name for it
milter() {
	_name=$1; _kind=$2; shift 2
	if [ "$_kind" = inet ]; then
		_port=$(pf_port)
		_sock=inet:$_port@127.0.0.1
		eval "pf_$_name=inet:127.0.0.1:$_port"
	else
		_sock=unix:$T/$_name.sock
		eval "pf_$_name=$_sock"
	fi
	sed "s|^\([[:space:]]*\)socket = .*|\1socket = \"$_sock\";|" \
		conf/brudvagt.conf > "$T/$_name.conf"
	# umask: Postfix's smtpd (user postfix) must reach a unix socket
	(umask 0; exec "$@" "$T/$_name.conf") > "$T/$_name.log" 2>&1 &
	PIDS="$PIDS $!"
	[ "$_name" = brudvagt ] && MPID=$!
	if [ "$_kind" = inet ]; then
		wait_port "$_port" 10
	else
		i=0; while [ ! -S "$T/$_name.sock" ] && [ $i -lt 100 ]; do
			sleep 0.1; i=$((i + 1)); done
	fi
}
milter brudvagt inet "$BUILD/brudvagt-milter" -c
milter brudvagt_unix unix "$BUILD/brudvagt-milter" -c
for m in data eom edits; do
	milter "$m" inet "$BUILD/tests/itest_nullmilter" "$m"
done
milter eom_unix unix "$BUILD/tests/itest_nullmilter" eom

SINK=$(pf_port)
smtpd_none=$(pf_port)
pf_setup "$T" "$smtpd_none" "$SINK" ""
for m in data eom edits brudvagt eom_unix brudvagt_unix; do
	p=$(pf_port)
	eval "mp=\$pf_$m; smtpd_$m=$p"
	echo "127.0.0.1:$p inet n - n - 20 smtpd -o smtpd_milters=$mp" \
		>> "$T/etc/master.cf"
done
sink_start "$T" "$SINK" nodump
pf_start "$T"
for m in none data eom edits brudvagt eom_unix brudvagt_unix; do
	eval "wait_port \$smtpd_$m 10"
done
wait_port "$SINK" 10

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
# a report with its quoted history, like a real one
i=0; while [ $i -lt 40 ]; do
	echo "> Tidligere korrespondance om sagen, linje $i, uden personoplysninger." >> "$T/report.eml"
	i=$((i + 1))
done

# ---- one run -------------------------------------------------------------
# drained: wait (bounded) until the queue is empty, so that one run's
# deliveries do not load the next run
drained() {
	i=0
	while [ "$(find "$T/spool/incoming" "$T/spool/active" \
		"$T/spool/deferred" -type f 2>/dev/null | wc -l)" -gt 0 ]; do
		[ $i -ge 1200 ] && { echo "queue does not drain" >&2; return 1; }
		sleep 0.05; i=$((i + 1))
	done
}

now() { date +%s.%N; }

# run CASE RCPT LABEL ROUND: appends "LABEL accepted/s delivered/s
# cpu-us/msg ROUND" to runs
run() {
	drained
	eval "port=\$smtpd_$1"
	c0=$(cpu_us); t0=$(now)
	smtp-source -s "$S" -m "$N" $REUSE -f sender@example.org -t "$2" \
		-F "$T/report.eml" "127.0.0.1:$port"
	t1=$(now)
	drained
	t2=$(now); c2=$(cpu_us)
	echo "$3 $N $t0 $t1 $t2 $c0 $c2 $4" | awk '{
		printf "%s %.0f %.0f %.0f %d\n", $1, $2 / ($4 - $3),
			$2 / ($5 - $3), ($7 - $6) / $2, $8 }' >> "$T/runs"
}

set -- "none $OWNER without" "data $OWNER ref-data" "eom $OWNER ref-eom" \
	"edits $OWNER ref-edits" "brudvagt $OWNER report" \
	"brudvagt $OTHER other" "eom_unix $OWNER ref-eom-unix" \
	"brudvagt_unix $OWNER report-unix"
echo "N=$N S=$S ROUNDS=$ROUNDS SESSION=$SESSION; per run: case accepted/s delivered/s cpu-us/msg${CG:+}"
[ -z "$CG" ] && echo "(no cgroup: CPU per message not measured, shown as 0)"
# warm up: let Postfix start its processes and every milter its threads
for c; do
	# shellcheck disable=SC2086
	(set -- $c; eval "port=\$smtpd_$1"
	smtp-source -s "$S" -m 200 $REUSE -f sender@example.org -t "$2" \
		-F "$T/report.eml" "127.0.0.1:$port")
done
r=0
while [ $r -lt "$ROUNDS" ]; do
	k=0
	while [ $k -lt $# ]; do
		# rotate: round r starts with case r
		eval "c=\${$(( (k + r) % $# + 1 ))}"
		# shellcheck disable=SC2086
		run $c $((r + 1))
		k=$((k + 1))
	done
	echo "round $((r + 1)):" $(tail -n $# "$T/runs" | sort |
		awk '{ printf "%s %s/%s/%s; ", $1, $2, $3, $4 }')
	r=$((r + 1))
done
kill -USR1 "$MPID"; sleep 0.2
grep "counters" "$T/brudvagt.log" | tail -1

# ---- the table: medians over the rounds --------------------------------
# Each ratio pairs a case with the run without a milter of the same round
# (minutes apart at most), so that the load of a shared machine cancels out
# as far as it can; the range shows what it did not.
awk -v cpu="${CG:+1}" '
{ n[$1]++; acc[$1, $5] = $2; c[$1, $5] = $4; rounds = $5 > rounds ? $5 : rounds }
function median(v, m,   i, j, t) {
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
		if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
	return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
}
function stat(k, what,   r, v, lo, hi, m) {
	lo = 1e9; hi = 0
	for (r = 1; r <= rounds; r++) {
		if (what == "acc") v[r] = acc[k, r]
		else if (what == "cpu") v[r] = c[k, r]
		else if (what == "ratio") v[r] = acc[k, r] / acc["without", r]
		else v[r] = c["without", r] / c[k, r]
		if (v[r] < lo) lo = v[r]; if (v[r] > hi) hi = v[r]
	}
	m = median(v, rounds)
	LO = lo; HI = hi
	return m
}
function row(k, label,   a, rt) {
	a = stat(k, "acc"); rt = stat(k, "ratio")
	printf "%-42s %6d  %4.2f (%4.2f-%4.2f)", label, a, rt, LO, HI
	if (cpu) {
		printf "  %6d", stat(k, "cpu")
		rt = stat(k, "cpuratio")
		printf "  %4.2f (%4.2f-%4.2f)", rt, LO, HI
	}
	printf "\n"
	R[k] = stat(k, "ratio")
}
END {
	printf "%-42s %6s  %-16s", "median of " rounds " rounds", "msg/s", "ratio (range)"
	if (cpu) printf "  %6s  %s", "us/msg", "CPU ratio (range)"
	printf "\n"
	row("without", "without a milter")
	row("ref-data", "reference milter, accept at DATA")
	row("ref-eom", "reference milter, whole message")
	row("ref-edits", "reference milter, message + 6 edits")
	row("report", "brudvagt-milter, reports to the owner")
	row("other", "brudvagt-milter, other mail")
	row("ref-eom-unix", "unix socket: reference, whole message")
	row("report-unix", "unix socket: brudvagt-milter, reports")
	printf "postfix with brudvagt-milter against without: reports %.2f (unix socket %.2f), other mail %.2f (target >= 0.90)\n",
		R["report"], R["report-unix"], R["other"]
}' "$T/runs"

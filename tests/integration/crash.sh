#!/bin/sh
# SPDX-License-Identifier: MIT
#
# crash.sh — kill -9 brudvagtd again and again during a burst of reports,
# then prove that nothing was lost or done twice (issue 3, crash safety).
#
# The burst: 2,000 distinct reports (tests/lib/reports.sh: distinct
# Message-IDs, four municipalities as senders, 20 without a Message-ID)
# written into the borgerservice Maildir before Dovecot starts, and the
# first 200 of them (10 %) into the dpo Maildir as well: 2,200 messages.
# (It was 500 + 50 until ingest got three times faster: a start then
# stored all 550 within 130 ms, and 12 of 20 kills came after the end.)
# brudvagtd runs as a daemon on both accounts over implicit TLS; it commits
# in batches (archive files behind one barrier, one transaction, one UID
# STORE per batch): every other start, and every start killed late in the
# burst, with batch_messages = 16, the others with the default 256.
#
# The kills: CRASH_KILLS (20) times, brudvagtd is started, runs until the
# store holds a seeded-random number of message locations (so every kill
# lands inside the burst, however fast the machine) plus a random 0-40 ms,
# or for a random 0-150 ms from its start (every third kill: connect, TLS,
# first fetch), and gets SIGKILL. The seed is printed; CRASH_SEED=N replays
# the same thresholds and delays. After the last kill it is started once
# more, runs until all 2,200 locations are stored (<= 60 s), and is stopped
# with SIGTERM (exit 0 expected).
#
# Asserted: every one of the 2,000 reports (by its Subject token, which
# also covers those without a Message-ID) is exactly one message and one
# case; the set of Message-IDs in the store equals the set delivered; the
# 200 cross-account duplicates are one message with two locations; case
# refs are BV-YYYY-0001..2000 without a gap; PRAGMA integrity_check is ok; and
# no message in either mailbox lacks $Brudvagt (doveadm search, all UIDs).
#
# Measured here (2 cores): 12-13 s in all (20 kills; 5-6 s with 12). Run by tests/run.sh with $BUILD.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BVD=$BUILD/brudvagtd
[ -x "$BVD" ] || { echo "crash: $BVD not built" >&2; exit 1; }

. tests/lib/dovecot.sh
. tests/lib/reports.sh
. tests/lib/conf.sh
. tests/lib/kills.sh

NREPORTS=2000
NDUP=200		# reports 1..NDUP also go to dpo
NOMID_EVERY=100		# reports 100, 200, ... carry no Message-ID
NLOC=$((NREPORTS + NDUP))
KILLS=${CRASH_KILLS:-20}
SEED=${CRASH_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
TAG=crash
echo "crash: seed $SEED (replay with CRASH_SEED=$SEED)"

. tests/lib/check.sh
now_ms() { date +%s%3N; }

t_start=$(now_ms)
dovecot_setup || exit 1
T=$DV_DIR/t
mkdir -p "$T"
reports_maildir borgerservice 1 $NREPORTS $TAG $NOMID_EVERY || exit 1
reports_maildir dpo 1 $NDUP $TAG $NOMID_EVERY || exit 1
dovecot_start || exit 1

conf_write "$T/crash.conf" "$T"

# Every other start commits in batches of 16 messages instead of the
# default 256: more commit points for the kills to land between. So does
# every start whose kill waits for more than 200 locations: with 256 a
# batch, one commit can take such a start to the end of the burst before
# the kill, which then lands after it (seen under load: 8 of 20 inside).
conf_write "$T/crash16.conf" "$T" "batch_messages = 16;" "batch_messages = 16;"

# The kill plan (tests/lib/kills.sh): thresholds rise through 1..NLOC-20
# stored locations.
kills_plan "$SEED" "$KILLS" $((NLOC + 20)) > "$T/plan"

locations() { q "select count(*) from message_locations" 2>/dev/null || echo 0; }

start_daemon() {	# [CONF]
	"$BVD" -c "${1:-$T/crash.conf}" 2>> "$T/daemon.err" &
	pid=$!
	dovecot_track $pid
}

i=0
mid_burst=0
while read -r threshold delay; do
	i=$((i + 1))
	echo "--- start $i" >> "$T/daemon.err"
	if [ $((i % 2)) = 0 ] || [ "$threshold" -gt 200 ]; then
		start_daemon "$T/crash16.conf"
	else
		start_daemon
	fi
	if [ "$threshold" -gt 0 ]; then
		kills_wait "$threshold" 30 $pid locations ||
			bad "kill $i: $threshold locations not reached in 30 s"
	fi
	sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
	n=$(locations)
	if ! kill -KILL $pid 2>/dev/null; then
		bad "kill $i: brudvagtd had already exited: $(tail -2 "$T/daemon.err")"
	fi
	wait $pid 2>/dev/null
	[ "$n" -lt $NLOC ] && mid_burst=$((mid_burst + 1))
	echo "  kill $i: at ${threshold}+${delay} ms, $n/$NLOC locations stored"
done < "$T/plan"
[ $mid_burst -ge 10 ] && ok "$mid_burst of $i kill -9 landed before the burst was done" ||
	bad "only $mid_burst kills landed inside the burst"

echo "--- final start" >> "$T/daemon.err"
start_daemon
kills_wait $NLOC 60 $pid locations && ok "after the last restart all $NLOC messages are stored" ||
	bad "after 60 s: $(locations)/$NLOC locations; $(tail -3 "$T/daemon.err")"
# Let the outbound thread queue the mails of every case first (<= 60 s),
# so that the checks below see a settled store and spool.
unnotified() { q "select count(*) from cases c where not exists (select 1 from events v
	where v.case_id = c.id and v.type = 'mails_queued')" 2>/dev/null || echo 1; }
_i=0
while [ "$(unnotified)" != 0 ] && [ $_i -lt 600 ]; do sleep 0.1; _i=$((_i + 1)); done
# Give the last UID STORE a moment, then stop as systemd would.
sleep 0.2
kill -TERM $pid
wait $pid
rc=$?
[ $rc = 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: status $rc"

# The delivered set, and what the store made of it.
awk -v n=$NREPORTS -v tag=$TAG -v nomid=$NOMID_EVERY 'BEGIN {
	for (i = 1; i <= n; i++)
		if (i % nomid != 0)
			printf "<%s-%06d@brudvagt.test>\n", tag, i
}' | sort > "$T/mids.want"
q "select message_id from messages where message_id is not null" | sort > "$T/mids.got"
if cmp -s "$T/mids.want" "$T/mids.got"; then
	ok "Message-IDs in the store = the $(wc -l < "$T/mids.want") delivered"
else
	bad "Message-IDs differ (< delivered, > stored): $(diff "$T/mids.want" "$T/mids.got" | grep '^[<>]' | head -5 | tr '\n' ' ')"
fi
# Per report token: one message, one case, the message is its report.
bad_tokens=$(q "select m.subject, count(distinct m.id), count(distinct c.id)
	from messages m left join cases c on c.report_message = m.id
	group by m.subject having count(distinct m.id) != 1 or count(distinct c.id) != 1")
n=$(q "select count(distinct subject) from messages")
[ -z "$bad_tokens" ] && [ "$n" = $NREPORTS ] &&
	ok "each of the $NREPORTS reports is exactly one message and one case" ||
	bad "reports: $n distinct; not one message+one case: $(echo "$bad_tokens" | head -3 | tr '\n' ' ')"
n=$(q "select count(*) from cases")
[ "$n" = $NREPORTS ] && ok "$n cases" || bad "cases: $n, want $NREPORTS"
n=$(q "select count(*) from (select message from message_locations group by message having count(*) = 2)")
d=$(q "select count(*) from message_locations where account = 'dpo'")
[ "$n" = $NDUP ] && [ "$d" = $NDUP ] && ok "the $NDUP reports in both mailboxes: one message, two locations" ||
	bad "duplicates: $n messages with 2 locations, $d dpo locations; want $NDUP"
n=$(q "select count(*) from messages where message_id is null")
[ "$n" = $((NREPORTS / NOMID_EVERY)) ] && ok "$n reports without Message-ID, each kept apart" ||
	bad "messages without Message-ID: $n, want $((NREPORTS / NOMID_EVERY))"

# Refs: BV-YYYY-0001..N, gapless, one year.
gaps=$(q "select count(*), count(distinct year), min(seq), max(seq),
	sum(ref != printf('BV-%04d-%04d', year, seq)) from cases")
[ "$gaps" = "$NREPORTS|1|1|$NREPORTS|0" ] && ok "refs $(q "select min(ref) || '..' || max(ref) from cases"), no gap" ||
	bad "refs (count|years|min|max|malformed): $gaps"

n=$(find "$T/spool/tmp" -type f 2>/dev/null | wc -l)
[ "$n" = 0 ] && ok "no unfinished file left in spool/tmp" ||
	bad "$n unfinished file(s) left in spool/tmp after the last restart"

n=$(q "pragma integrity_check")
[ "$n" = ok ] && ok "integrity_check ok" || bad "integrity_check: $n"
n=$(q "pragma foreign_key_check" | head -3)
[ -z "$n" ] && ok "foreign_key_check clean" || bad "foreign_key_check: $n"

# Every message on the server carries $Brudvagt.
for u in borgerservice dpo; do
	all=$(doveadm -c "$DV_CONF" search -u $u mailbox INBOX all | wc -l)
	unmarked=$(doveadm -c "$DV_CONF" -f flow fetch -u $u uid mailbox INBOX unkeyword '$Brudvagt' |
		sed 's/^uid=//' | tr '\n' ' ')
	[ -z "$unmarked" ] && ok "$u: all $all messages carry \$Brudvagt" ||
		bad "$u: of $all messages, UIDs without \$Brudvagt: $unmarked"
done

grep -q "panic\|Assertion\|AddressSanitizer\|runtime error" "$T/daemon.err" &&
	bad "the daemon log has a panic or a sanitizer report: $(grep -m1 "panic\|Assertion\|AddressSanitizer\|runtime error" "$T/daemon.err")"
echo "crash: $i kills, $(( ($(now_ms) - t_start) / 1000 )) s"
if [ $fails != 0 ]; then
	cp "$T/daemon.err" "/tmp/crash-$SEED.daemon.err" 2>/dev/null &&
		echo "crash: daemon log kept in /tmp/crash-$SEED.daemon.err"
fi
[ $fails = 0 ]

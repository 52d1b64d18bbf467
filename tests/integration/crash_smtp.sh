#!/bin/sh
# SPDX-License-Identifier: MIT
#
# crash_smtp.sh — kill -9 brudvagtd 20 times during a 1,000-message burst
# that goes all the way through: Dovecot → brudvagtd → SMTP (issue 8,
# crash consistency). crash.sh does the same without an SMTP side.
#
# The burst: 1,000 distinct reports (tests/lib/reports.sh: four
# municipalities as senders, 250 each; every one says Horsens is
# affected) written into the borgerservice Maildir before Dovecot starts.
# brudvagtd runs as a daemon over implicit TLS, with build/tests/itest_smtp
# as its SMTP server (it keeps a message only once the final "." has come,
# and answers 250 after it has). The per-sender limit is off (0): no case
# is held. Each report queues a triage to the system owner, a forward to
# Horsens unless Horsens reported it (750 forwards), and, up to the
# receipt limit (10 an hour per address), a receipt: 1,790 mails.
#
# The kills: CRASH_KILLS (20) times, brudvagtd is started, runs until the
# store's progress (message locations + mails sent; 2,790 in all) reaches a
# seeded-random threshold that rises through the run, plus 0-40 ms, or for
# 0-150 ms from its start (every third kill: connect, TLS, recovery), and
# gets SIGKILL (tests/lib/kills.sh). The seed is printed; CRASH_SEED=N
# replays the plan. Then brudvagtd --once finishes the work.
#
# Asserted: every report is exactly one message and one case, refs
# gapless, each case's first mails queued once (one mails_queued event);
# every outbound row sent, none failed or left queued; each of the 750
# forwards (each non-reporting party's) is one row, its party notified, and
# reached the SMTP server at least once, to its recipient; a mail that
# reached it more than once did so with the same Message-ID (repeats are
# counted and printed: a kill between the server's 250 and the "sent"
# commit) — no (case, kind, recipient) under two Message-IDs, nothing
# captured that the store does not know; integrity_check and
# foreign_key_check clean; no file left in spool/tmp or spool/outbound;
# every message on the server carries $Brudvagt.
# Run by tests/run.sh with $BUILD set; exits 0 when every check passes.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BVD=$BUILD/brudvagtd
ITS=$BUILD/tests/itest_smtp
for b in "$BVD" "$ITS"; do
	[ -x "$b" ] || { echo "crash_smtp: $b not built" >&2; exit 1; }
done

. tests/lib/dovecot.sh
. tests/lib/reports.sh
. tests/lib/kills.sh

NREPORTS=1000
NFORWARDS=750		# the reports not from Horsens
NMAILS=$((NREPORTS + NFORWARDS + 4 * 10))
WORK=$((NREPORTS + NMAILS))
KILLS=${CRASH_KILLS:-20}
SEED=${CRASH_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
TAG=csmtp
echo "crash_smtp: seed $SEED (replay with CRASH_SEED=$SEED)"

. tests/lib/check.sh
now_ms() { date +%s%3N; }

t_start=$(now_ms)
dovecot_setup || exit 1
T=$DV_DIR/t
mkdir -p "$T/its"
reports_maildir borgerservice 1 $NREPORTS $TAG || exit 1
dovecot_start || exit 1
dv_free_port ITS_PORT || exit 1
"$ITS" "$ITS_PORT" "$T/its" &
dovecot_track $!
dv_wait_port "$ITS_PORT" || exit 1

cat > "$T/bv.conf" <<EOF2
accounts = (
  { name = "borgerservice"; host = "127.0.0.1"; port = $DV_IMAPS_PORT; tls = "implicit";
    ca_file = "$DV_CA"; user = "borgerservice"; password_file = "$DV_PW_BORGERSERVICE";
    mailbox = "INBOX"; timeout_seconds = 10; } );
smtp = { host = "127.0.0.1"; port = $ITS_PORT; tls = "none"; from = "brudvagt@aarhus.dk";
         message_id_domain = "brudvagt.aarhus.dk"; timeout_seconds = 10; };
system_owner = { name = "Borgerservice, Aarhus Kommune"; emails = [ "borgerservice@aarhus.dk" ]; };
supplier = { name = "Deloitte"; domains = [ "deloitte.dk" ]; emails = [ ]; };
municipalities = (
  { name = "Horsens"; domains = [ "horsens.dk" ]; contacts = ( { email = "dpo@horsens.dk"; } ); },
  { name = "Silkeborg"; domains = [ "silkeborg.dk" ]; contacts = ( { email = "dpo@silkeborg.dk"; } ); },
  { name = "Viborg"; domains = [ "viborg.dk" ]; contacts = ( { email = "dpo@viborg.dk"; } ); },
  { name = "Favrskov"; domains = [ "favrskov.dk" ]; contacts = ( { email = "dpo@favrskov.dk"; } ); } );
deadlines = { digest_hour = -1; };
limits = { reports_per_sender_per_hour = 0; };
store = { path = "$T/brudvagt.db"; };
spool = { path = "$T/spool"; };
EOF2

kills_plan "$SEED" "$KILLS" $WORK > "$T/plan"
progress() {
	q "select (select count(*) from message_locations) +
		  (select count(*) from outbound where status = 'sent')" 2>/dev/null || echo 0
}

i=0
mid=0
while read -r threshold delay; do
	i=$((i + 1))
	echo "--- start $i" >> "$T/daemon.err"
	"$BVD" -c "$T/bv.conf" 2>> "$T/daemon.err" &
	pid=$!
	dovecot_track $pid
	if [ "$threshold" -gt 0 ]; then
		kills_wait "$threshold" 30 $pid progress ||
			bad "kill $i: progress $threshold not reached in 30 s"
	fi
	sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
	if ! kill -KILL $pid 2>/dev/null; then
		bad "kill $i: brudvagtd had already exited: $(tail -2 "$T/daemon.err")"
	fi
	wait $pid 2>/dev/null
	n=$(progress)
	[ "$n" -lt $WORK ] && mid=$((mid + 1))
	echo "  kill $i: at ${threshold}+${delay} ms: $n/$WORK (stored + sent), $(ls "$T/its" | wc -l) mails at the server"
done < "$T/plan"
[ $mid -ge 15 ] && ok "$mid of $i kill -9 landed before the work was done" ||
	bad "only $mid kills landed inside the work"

echo "--- final --once" >> "$T/daemon.err"
timeout 90 "$BVD" -c "$T/bv.conf" --once 2>> "$T/daemon.err" && ok "a last brudvagtd --once exits 0" ||
	bad "the last --once failed: $(tail -3 "$T/daemon.err")"

# The store: every report exactly one message and one case.
bad_tokens=$(q "select m.subject, count(distinct m.id), count(distinct c.id)
	from messages m left join cases c on c.report_message = m.id
	group by m.subject having count(distinct m.id) != 1 or count(distinct c.id) != 1")
n=$(q "select count(distinct subject) from messages")
[ -z "$bad_tokens" ] && [ "$n" = $NREPORTS ] &&
	ok "each of the $NREPORTS reports is exactly one message and one case" ||
	bad "reports: $n distinct; not one message+one case: $(echo "$bad_tokens" | head -3 | tr '\n' ' ')"
gaps=$(q "select count(*), count(distinct year), min(seq), max(seq) from cases")
[ "$gaps" = "$NREPORTS|1|1|$NREPORTS" ] && ok "refs $(q "select min(ref) || '..' || max(ref) from cases"), no gap" ||
	bad "refs (count|years|min|max): $gaps"
n=$(q "select count(*) from cases c where (select count(*) from events v where v.case_id = c.id and v.type = 'mails_queued') != 1")
[ "$n" = 0 ] && ok "each case's first mails queued once" || bad "$n cases without exactly one mails_queued"

# The queue: everything sent.
st=$(q "select kind || ':' || status || ':' || count(*) from outbound group by kind, status order by kind" | tr '\n' ' ')
n=$(q "select count(*) from outbound where status = 'sent'")
[ "$n" = $NMAILS ] && [ "$(q "select count(*) from outbound")" = $NMAILS ] &&
	ok "all $NMAILS mails sent: $st" || bad "outbound rows: $st; want $NMAILS, all sent"

# Forwards: one row per non-reporting party, sent, the party notified.
n=$(q "select count(*) from parties p where p.reporter = 0 and p.kind = 'municipality'")
f=$(q "select count(*) from outbound where kind = 'forward'")
u=$(q "select count(*) from parties p where p.reporter = 0 and p.kind = 'municipality' and
	(p.notified_at is null or (select count(*) from outbound o where o.party = p.id and o.kind = 'forward' and o.status = 'sent') != 1)")
[ "$n" = $NFORWARDS ] && [ "$f" = $NFORWARDS ] && [ "$u" = 0 ] &&
	ok "$NFORWARDS forwards: one row each, sent, every party notified" ||
	bad "forwards: $n parties, $f rows, $u not exactly once sent and notified; want $NFORWARDS"

# The SMTP server's side. want: every row's Message-ID, to its recipient.
q "select '<case-' || c.ref || '.' || o.seq || '@brudvagt.aarhus.dk>', o.recipients, o.kind
	from outbound o join cases c on c.id = o.case_id" | tr '|' ' ' | sort > "$T/want"
find "$T/its" -name '*.eml' -print0 | xargs -0 -r awk '
	function out() { if (FNR0) print m, r, k }
	{ sub(/\r$/, "") }
	FNR == 1 { out(); FNR0 = 1; m = k = "-"; r = $2; gsub(/[<>]/, "", r); hdr = 1 }
	hdr && $0 == "" { hdr = 0 }
	hdr && m == "-" && /^Message-ID: / { m = $2 }
	hdr && k == "-" && /^X-Brudvagt-Mail: / { k = $2 }
	END { out() }' | sort > "$T/got"
got=$(wc -l < "$T/got")
missing=$(sort -u "$T/got" | comm -23 "$T/want" - | wc -l)
fw_missing=$(sort -u "$T/got" | comm -23 "$T/want" - | grep -c ' forward$')
[ "$missing" = 0 ] && ok "every one of the $NMAILS mails reached the SMTP server ($got captures)" ||
	bad "$missing mails never reached the server ($fw_missing forwards): $(sort -u "$T/got" | comm -23 "$T/want" - | head -3 | tr '\n' ' ')"
n=$(comm -13 "$T/want" "$(sort -u "$T/got" > "$T/got.u"; echo "$T/got.u")" | wc -l)
[ "$n" = 0 ] && ok "nothing reached it that the store does not know" ||
	bad "$n captures the store does not know: $(comm -13 "$T/want" "$T/got.u" | head -3 | tr '\n' ' ')"
reps=$(uniq -d "$T/got" | wc -l)
extra=$((got - $(wc -l < "$T/got.u")))
echo "  repeats: $reps mails reached the server more than once ($extra extra copies), each time under its one Message-ID:"
uniq -c "$T/got" | awk '$1 > 1 { printf "       %dx %s %s %s\n", $1, $2, $3, $4 }' | head -25
n=$(awk '{ sub(/\.[0-9]+@.*/, "", $1); print $1, $2, $3 }' "$T/got.u" | sort | uniq -d | wc -l)
[ "$n" = 0 ] && ok "no (case, kind, recipient) under two Message-IDs" ||
	bad "$n (case, kind, recipient) reached the server under two Message-IDs"
[ "$reps" -le "$KILLS" ] && ok "at most one repeat per kill ($reps)" || bad "$reps repeats for $KILLS kills"

n=$(q "pragma integrity_check")
[ "$n" = ok ] && ok "integrity_check ok" || bad "integrity_check: $n"
n=$(q "pragma foreign_key_check" | head -3)
[ -z "$n" ] && ok "foreign_key_check clean" || bad "foreign_key_check: $n"
n=$(find "$T/spool/tmp" "$T/spool/outbound" -type f 2>/dev/null | wc -l)
[ "$n" = 0 ] && ok "no file left in spool/tmp or spool/outbound" ||
	bad "$n files left: $(find "$T/spool/tmp" "$T/spool/outbound" -type f | head -3 | tr '\n' ' ')"
all=$(doveadm -c "$DV_CONF" search -u borgerservice mailbox INBOX all | wc -l)
unmarked=$(doveadm -c "$DV_CONF" -f flow fetch -u borgerservice uid mailbox INBOX unkeyword '$Brudvagt' |
	sed 's/^uid=//' | tr '\n' ' ')
[ -z "$unmarked" ] && [ "$all" = $NREPORTS ] && ok "all $all messages carry \$Brudvagt" ||
	bad "of $all messages, UIDs without \$Brudvagt: $unmarked"

grep -q "panic\|Assertion\|AddressSanitizer\|runtime error" "$T/daemon.err" &&
	bad "the daemon log has a panic or a sanitizer report: $(grep -m1 "panic\|Assertion\|AddressSanitizer\|runtime error" "$T/daemon.err")"
echo "crash_smtp: $i kills, $(( ($(now_ms) - t_start) / 1000 )) s"
if [ $fails != 0 ]; then
	cp "$T/daemon.err" "/tmp/crash_smtp-$SEED.daemon.err" 2>/dev/null &&
		echo "crash_smtp: daemon log kept in /tmp/crash_smtp-$SEED.daemon.err"
fi
[ $fails = 0 ]

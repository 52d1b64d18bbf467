#!/bin/sh
# SPDX-License-Identifier: MIT
#
# outbound_latency.sh — time from the APPEND of a report (doveadm save
# into a private Dovecot) to the last of its forwards accepted by an SMTP
# server (build/tests/itest_smtp -l logs each acceptance in ms), over
# BENCH_N reports (default 200) sent one after another to a running
# brudvagtd (IMAP IDLE); next to it, in the same run, Dovecot's own IDLE
# floor: APPEND into a second mailbox → EXISTS seen by an IDLE client
# (build/tests/itest_imap idle), every 10th report. Prints p50/p99 of
# both and of the difference. Target: p99 < 1 s end to end, < 100 ms
# above the floor.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${BENCH_N:-200}
BVD=$BUILD/brudvagtd
ITS=$BUILD/tests/itest_smtp
ITI=$BUILD/tests/itest_imap
SAMPLE=tests/corpus/sample/02-silkeborg-adgang-andre-kommuner.eml
for b in "$BVD" "$ITS" "$ITI"; do
	[ -x "$b" ] || { echo "outbound_latency: $b not built" >&2; exit 1; }
done
. tests/lib/dovecot.sh
now_ms() { date +%s%3N; }

dovecot_setup || exit 1
dovecot_start || exit 1
T=$DV_DIR/t
mkdir -p "$T/its"
dv_free_port ITS_PORT || exit 1
cat > "$T/b.conf" <<EOF2
accounts = (
  { name = "borgerservice"; host = "127.0.0.1"; port = $DV_IMAPS_PORT; tls = "implicit";
    ca_file = "$DV_CA"; user = "borgerservice"; password_file = "$DV_PW_BORGERSERVICE";
    mailbox = "INBOX"; timeout_seconds = 30; },
  { name = "dpo"; host = "127.0.0.1"; port = $DV_IMAPS_PORT; tls = "implicit";
    ca_file = "$DV_CA"; user = "dpo"; password_file = "$DV_PW_DPO";
    mailbox = "INBOX"; timeout_seconds = 30; } );
smtp = { host = "127.0.0.1"; port = $ITS_PORT; tls = "none"; from = "brudvagt@aarhus.dk"; };
system_owner = { name = "Borgerservice, Aarhus Kommune";
                 emails = [ "borgerservice@aarhus.dk", "databeskyttelse@aarhus.dk" ]; };
supplier = { name = "Deloitte"; domains = [ "deloitte.dk" ]; emails = [ "sikkerhed@deloitte.dk" ]; };
municipalities = (
  { name = "Silkeborg"; domains = [ "silkeborg.dk" ]; contacts = ( { email = "dpo@silkeborg.dk"; } ); },
  { name = "Viborg"; domains = [ "viborg.dk" ]; contacts = ( { email = "dpo@viborg.dk"; } ); },
  { name = "Favrskov"; domains = [ "favrskov.dk" ]; contacts = ( { email = "dpo@favrskov.dk"; } ); } );
store = { path = "$T/brudvagt.db"; };
spool = { path = "$T/spool"; };
EOF2
# the daemon watches borgerservice only; dpo is the floor's mailbox
sed '/name = "dpo"/,/timeout_seconds = 30; } );/d; s/timeout_seconds = 30; },$/timeout_seconds = 30; } );/' \
	"$T/b.conf" > "$T/d.conf"
"$ITS" "$ITS_PORT" "$T/its" -l & dovecot_track $!
dv_wait_port "$ITS_PORT" || exit 1
"$BVD" -c "$T/d.conf" 2> "$T/daemon.err" & dovecot_track $!
sleep 1

i=1
: > "$T/lat"; : > "$T/floor"
while [ $i -le "$N" ]; do
	mid="<bench$i-$$@silkeborg.dk>"
	sed "s/^Message-ID: .*/Message-ID: $mid/" "$SAMPLE" > "$T/m.eml"
	t0=$(now_ms)
	dovecot_deliver borgerservice "$T/m.eml"
	j=0
	while [ "$(cat "$T/its/accepted.log" 2>/dev/null | grep -c " forward $mid")" -lt 3 ]; do
		j=$((j + 1))
		[ $j -gt 500 ] && { echo "report $i: no forwards after 10 s" >&2; exit 1; }
		sleep 0.02
	done
	last=$(grep " forward $mid" "$T/its/accepted.log" | sort -n | tail -1 | cut -d' ' -f1)
	echo $((last - t0)) >> "$T/lat"
	if [ $((i % 10)) = 0 ]; then	# the IDLE floor, same run
		"$ITI" "$T/b.conf" dpo idle 5 > "$T/idle.out" 2>/dev/null &
		ip=$!
		k=0; until grep -q ready "$T/idle.out" || [ $k -gt 250 ]; do sleep 0.02; k=$((k + 1)); done
		sleep 0.2	# "ready" comes just before the IDLE command
		t1=$(now_ms)
		dovecot_deliver dpo "$T/m.eml"
		wait $ip
		at=$(sed -n 's/.*at=\([0-9]*\).*/\1/p' "$T/idle.out")
		grep -q 'idle=1' "$T/idle.out" && [ -n "$at" ] && echo $((at - t1)) >> "$T/floor"
	fi
	i=$((i + 1))
done
pct() { sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; print v[i] }'; }
l50=$(pct "$T/lat" 50); l99=$(pct "$T/lat" 99); f50=$(pct "$T/floor" 50); f99=$(pct "$T/floor" 99)
echo "outbound latency, APPEND -> last of 3 forwards accepted, $N reports:"
echo "  end to end   p50 ${l50} ms  p99 ${l99} ms   (target p99 < 1000 ms)"
echo "  IDLE floor   p50 ${f50} ms  p99 ${f99} ms   ($(wc -l < "$T/floor") samples, same run)"
echo "  above floor  p50 $((l50 - f50)) ms  p99 $((l99 - f99)) ms   (target < 100 ms)"

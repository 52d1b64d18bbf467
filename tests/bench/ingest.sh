#!/bin/sh
# SPDX-License-Identifier: MIT
#
# ingest.sh [BUILD] — brudvagtd's ingest against a private Dovecot over
# implicit TLS (issue 3's benchmark). Two parts, in one run:
#
# Throughput: 10,000 reports (tests/lib/reports.sh) are written into the
# borgerservice Maildir before Dovecot starts. The reference is
# build/tests/itest_rawfetch fetch — daemon/imap.c's imap_fetch_since with a
# callback that does nothing, the physical limit of this client on this
# server — run once before and once after brudvagtd, the better one
# counting. brudvagtd -v -c CONF --once then ingests the mailbox in batches
# of 256 (archive, analyse, one barrier for the files, one commit, one UID
# STORE per batch); its ingest rate is messages over the time from its
# start to the last commit it logs. Target: >= 50 % of the raw rate. The
# whole --once process is shown too: after the ingest it queues the
# receipt, triage and forwards of 10,000 cases (27,940 mails, each with its
# queue file) and defers them, the SMTP server being down.
#
# Latency: brudvagtd runs as a daemon (-v: it logs "IDLE news at=EPOCH_MS"
# when its session gets an untagged EXISTS, and "uid=N committed
# at=EPOCH_MS"); a bare IDLE client (itest_rawfetch idle, the same imap.c
# and the same log line) watches the dpo mailbox too; a Python imaplib
# client APPENDs 200 reports to dpo over TLS, one at a time, each 50 ms
# after the previous one's case is in the store. Per message: APPEND
# (tagged OK) -> EXISTS at the bare client (the server's floor: Dovecot
# holds IDLE notifications back ~0.5 s), -> EXISTS at brudvagtd's own
# session (Dovecot does not tell two sessions at the same moment),
# -> commit; and EXISTS -> commit in brudvagtd's session, what brudvagtd
# adds. Target: p99 added < 50 ms.
#
# Knobs: BENCH_N (10000), BENCH_LAT_N (200). Prints a table; exits non-zero
# only when a step fails (a missed target is reported, not failed). Keep the
# temp dir (logs, store, per-message times) with DV_KEEP=1.
#
# The table also gives the analysis alone (itest_benchparse, one core, over
# 2,000 of the same reports): no ingest that analyses a message before it
# commits it can pass that line.
#
# Measured here (2 cores shared with other work, ext4 without a journal on
# a virtio disk, Dovecot 2.3.19), two runs at load 0.4-1 on 2026-12-01:
# raw 32,154-36,630 msg/s; analysis alone 10,480 (32 % of raw); ingest
# 2,203-2,238 msg/s (4.5 s; 6 % of raw: missed); the whole --once
# 1,094-1,290 msg/s; latency added p50 4 ms, p99 6-13 ms (met). The 50 %
# target is out of reach by design: the analysis alone reaches 32 % on one
# core, and each message also gets its archive file, its case, parties and
# events in SQLite and its share of a commit (perf: ~0.35 ms a message
# besides the analysis's ~0.1 ms).
# History: 151-274 msg/s with an fsync'd file, a commit and a STORE per
# message; 680-1,263 with batches; 706 -> 791 with the cases_reporter
# index; 2,203 with the analysis twice as fast, the flood count stopped at
# the limit and the unnotified cases found by a partial index (schema 4).
# Before schema 4 the per-round scan of every case and the per-sender count
# grew with the store: batches of 256 took 150 ms at the start of the run
# and 520 ms at its end, and p99 added latency was 38-383 ms.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-${BUILD:-build}}
BVD=$BUILD/brudvagtd
RAW=$BUILD/tests/itest_rawfetch
N=${BENCH_N:-10000}
LAT_N=${BENCH_LAT_N:-200}
PY=/usr/bin/python3
[ -x "$BVD" ] || { echo "ingest bench: $BVD not built" >&2; exit 1; }
BENCHPARSE=$BUILD/tests/itest_benchparse
[ -x "$RAW" ] || make -s "$RAW" || exit 1
[ -x "$BENCHPARSE" ] || make -s "$BENCHPARSE" || exit 1

. tests/lib/dovecot.sh
. tests/lib/reports.sh
. tests/lib/conf.sh
now_ms() { date +%s%3N; }
die() { echo "ingest bench: $*" >&2; exit 1; }

dovecot_setup || exit 1
T=$DV_DIR/t
mkdir -p "$T"
t0=$(now_ms)
reports_maildir borgerservice 1 "$N" bench || exit 1
echo "setup: $N reports written to the Maildir in $(( $(now_ms) - t0 )) ms"
dovecot_start || exit 1

conf_write "$T/bench.conf" "$T"

# ---- throughput ---------------------------------------------------------
# Dovecot builds its index of the new Maildir on the first SELECT: let an
# untimed raw fetch pay for that.
timeout 300 "$RAW" "$T/bench.conf" borgerservice fetch > "$T/raw0" || die "raw fetch failed"
echo "warm-up (index build): $(cat "$T/raw0")"
timeout 300 "$RAW" "$T/bench.conf" borgerservice fetch > "$T/raw1" || die "raw fetch failed"
t0=$(now_ms)
timeout 1800 "$BVD" -v -c "$T/bench.conf" --once 2> "$T/once.err" || die "brudvagtd --once failed: $(tail -3 "$T/once.err")"
once_ms=$(( $(now_ms) - t0 ))
last=$(sed -n 's/.*watch: borgerservice: uid=[0-9]* committed at=//p' "$T/once.err" | sort -n | tail -1)
[ -n "$last" ] || die "no commit logged by brudvagtd -v"
ingest_ms=$(( last - t0 ))
timeout 300 "$RAW" "$T/bench.conf" borgerservice fetch > "$T/raw2" || die "raw fetch failed"
cases=$(sqlite3 "$T/brudvagt.db" "select count(*) from cases")
[ "$cases" = "$N" ] || die "$cases cases after --once, want $N"
# The analysis alone, on one core, over the same reports: the ceiling of
# any ingest that analyses each message before it commits it.
find "$DV_DIR/mail/borgerservice/Maildir/cur" -type f | head -2000 > "$T/sample.list"
# shellcheck disable=SC2046
ana=$("$BENCHPARSE" -n 3 $(cat "$T/sample.list") | awk '{ print $5 }') ||
	die "itest_benchparse failed"
raw_rate() { sed 's/.*rate=//' "$1"; }
raw1=$(raw_rate "$T/raw1")
raw2=$(raw_rate "$T/raw2")
raw=$(( raw1 > raw2 ? raw1 : raw2 ))
rate=$(( N * 1000 / ingest_ms ))
once_rate=$(( N * 1000 / once_ms ))

# ---- latency ------------------------------------------------------------
"$BVD" -v -c "$T/bench.conf" 2> "$T/daemon.err" &
dovecot_track $!
"$RAW" "$T/bench.conf" dpo idle > "$T/idle.out" 2> "$T/idle.err" &
dovecot_track $!
i=0
until grep -q ready "$T/idle.out" 2>/dev/null && grep -q "ready" "$T/daemon.err"; do
	i=$((i + 1))
	[ $i -lt 200 ] || die "daemon or IDLE client not ready in 10 s"
	sleep 0.05
done
sleep 0.5	# both are in IDLE now

$PY - "$DV_IMAPS_PORT" "$DV_CA" "$DV_PW_DPO" "$T/brudvagt.db" "$LAT_N" \
	"$REPORTS_TEMPLATE" > "$T/append.out" <<'EOF' || die "APPEND client failed"
import imaplib, re, sqlite3, ssl, sys, time
port, ca, pwfile, db, n, tmpl = sys.argv[1:7]
ctx = ssl.create_default_context(cafile=ca)
m = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=ctx)
m.login("dpo", open(pwfile).read().strip())
base = open(tmpl, "rb").read()
con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
for k in range(int(n)):
    mid = b"<lat-%06d@brudvagt.test>" % k
    msg = re.sub(rb"(?m)^Message-ID: .*$", b"Message-ID: " + mid, base)
    msg = re.sub(rb"(?m)^Subject: .*$", b"Subject: Sikkerhedsbrud i MUNI - lat-%06d\r" % k, msg)
    t0 = time.time()
    typ, data = m.append("INBOX", None, None, msg)
    t1 = time.time()
    uid = int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))
    deadline = t1 + 10
    while time.time() < deadline:
        if con.execute("select 1 from messages where message_id = ?",
                       (mid.decode(),)).fetchone():
            break
        time.sleep(0.02)
    else:
        sys.exit("no case for uid %d after 10 s" % uid)
    print(uid, int(t0 * 1000), int(t1 * 1000), flush=True)
    time.sleep(0.05)
m.logout()
EOF

grep "watch: dpo: uid=.* committed at=" "$T/daemon.err" |
	sed 's/.*uid=\([0-9]*\) committed at=\([0-9]*\).*/\1 \2/' > "$T/commits"
sed -n 's/^.*imap: dpo: IDLE news at=//p' "$T/idle.err" > "$T/news.bare"
sed -n 's/^.*imap: dpo: IDLE news at=//p' "$T/daemon.err" > "$T/news.daemon"

# Per APPEND (sent at S, tagged OK at D): the first EXISTS at or after S at
# the bare client (B) and at brudvagtd's session (E), and the commit of
# that UID (C). Columns: B-D, E-D, C-D, C-E, C-B; p50/p99 by nearest rank.
awk -v n="$LAT_N" '
FILENAME == ARGV[1] { commit[$1] = $2; next }
FILENAME == ARGV[2] { bare[++nb] = $1; next }
FILENAME == ARGV[3] { dmn[++nd] = $1; next }
{
	uid = $1; sent = $2; done = $3
	while (wb <= nb && bare[wb] < sent) wb++
	while (wd <= nd && dmn[wd] < sent) wd++
	if (wb > nb || wd > nd || !(uid in commit)) { missing++; next }
	k++
	c = commit[uid]
	col1[k] = bare[wb] - done; col2[k] = dmn[wd] - done
	col3[k] = c - done; col4[k] = c - dmn[wd]; col5[k] = c - bare[wb]
	wb++; wd++
}
function pct(a, p,   b, i, j, x, idx) {	# nearest rank; mawk has no asort
	for (i = 1; i <= k; i++) {
		x = a[i]
		for (j = i - 1; j >= 1 && b[j] > x; j--)
			b[j + 1] = b[j]
		b[j + 1] = x
	}
	idx = int(k * p / 100 + 0.999999); if (idx < 1) idx = 1
	return b[idx]
}
function row(name, a, note) {
	printf "%-50s %6d %6d   %s\n", name, pct(a, 50), pct(a, 99), note
}
END {
	if (missing) printf "latency: %d APPENDs without an EXISTS or a commit\n", missing
	printf "%-50s %6s %6s\n", "latency over " k " APPENDs (ms)", "p50", "p99"
	row("APPEND -> EXISTS, bare IDLE client (server floor)", col1, "")
	row("APPEND -> EXISTS, brudvagtd session", col2, "")
	row("APPEND -> case committed", col3, "")
	a99 = pct(col4, 99)
	row("EXISTS -> commit: what brudvagtd adds", col4,
	    a99 < 50 ? "target p99 < 50: met" : "target p99 < 50: MISSED")
	row("bare client EXISTS -> commit (for reference)", col5, "")
}' "$T/commits" "$T/news.bare" "$T/news.daemon" "$T/append.out" > "$T/latency"

echo
printf "%-44s %10s\n" "throughput over TLS, $N reports" "msg/s"
printf "%-44s %10d   (runs: %s, %s)\n" "raw fetch (itest_rawfetch, no-op callback)" "$raw" "$raw1" "$raw2"
printf "%-44s %10d   (%d %% of raw; 2,000 of the reports, 3 passes)\n" "analysis alone, one core (itest_benchparse)" \
	"$ana" $(( ana * 100 / raw ))
printf "%-44s %10d   (%d ms) %d %% of raw, target >= 50 %%: %s\n" "brudvagtd ingest (start -> last commit)" \
	"$rate" "$ingest_ms" $(( rate * 100 / raw )) "$([ $(( rate * 2 )) -ge "$raw" ] && echo met || echo MISSED)"
printf "%-44s %10d   (%d ms, with queueing %s mails)\n" "brudvagtd --once, whole process" \
	"$once_rate" "$once_ms" "$(sqlite3 "$T/brudvagt.db" "select count(*) from outbound")"
echo
cat "$T/latency"

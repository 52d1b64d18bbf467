#!/bin/sh
# SPDX-License-Identifier: MIT
#
# faults_disk.sh — brudvagtd when its disk fails (issue 8): ENOSPC and EIO
# on the archive, the outbound queue, the whole spool and the store,
# injected by tests/itest_faultfs.c (LD_PRELOAD; see there for the calls
# it fails) while a control file exists. A private Dovecot
# (tests/lib/dovecot.sh) holds the reports; build/tests/itest_smtp takes
# the mails.
#
# Targets (the path prefix that fails, and how):
#   archive  SPOOL/archive: mkdir, rename into it, write/fsync there
#   queue    SPOOL/outbound: the same, for the queue files
#   spool    SPOOL/ as a whole, data calls only: write() and fsync() of
#            every file and directory there fail (a full spool file system)
#   store    the store's directory: SQLite's pwrite64/fdatasync of the
#            database and its WAL, and creating them
#
# For each target x {ENOSPC, EIO}, one new report, twice:
#   --once with the fault on: exit 74; an error naming the failing path is
#   logged; the report is not marked $Brudvagt and has no case, no message
#   row, no location (queue: the case is committed and marked, but has no
#   mail queued and its parties are not notified: it is queued later, not
#   lost); nothing is left in SPOOL/tmp. Then --once with the fault off:
#   exit 0, the report is one case, marked, and every mail of the case
#   reached the SMTP server once.
#   As a daemon (started with no fault): the fault goes on, a report
#   arrives; the error is logged naming the path, the daemon keeps running
#   and retries with a growing delay (no busy loop: the injected failures
#   are counted), the report is neither marked nor a case (queue: as
#   above). The fault goes off: the report is one case, marked, every mail
#   sent once.
# At the end: every report exactly one case, every mail at the server
# once (distinct Message-IDs), PRAGMA integrity_check ok, SIGTERM → 0.
# Run by tests/run.sh with $BUILD set; exits 0 when every check passes.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BVD=$BUILD/brudvagtd
ITS=$BUILD/tests/itest_smtp
SHIM=$BUILD/tests/itest_faultfs.so
for b in "$BVD" "$ITS" "$SHIM"; do
	[ -e "$b" ] || { echo "faults_disk: $b not built" >&2; exit 1; }
done

. tests/lib/dovecot.sh
. tests/lib/reports.sh
. tests/lib/faults.sh

dovecot_setup || exit 1
dovecot_start || exit 1
T=$DV_DIR/t
mkdir -p "$T/its"
SPOOL=$T/spool
CTL=$T/fault.ctl
FLOG=$T/fault.log
: > "$FLOG"
dv_free_port ITS_PORT || exit 1
"$ITS" "$ITS_PORT" "$T/its" 2> "$T/its.err" &
dovecot_track $!
dv_wait_port "$ITS_PORT" || { bad "itest_smtp did not start"; exit 1; }
faults_conf "$T/bv.conf" "$ITS_PORT" "
  { name = \"borgerservice\"; host = \"127.0.0.1\"; port = $DV_IMAPS_PORT; tls = \"implicit\";
    ca_file = \"$DV_CA\"; user = \"borgerservice\"; password_file = \"$DV_PW_BORGERSERVICE\";
    mailbox = \"INBOX\"; timeout_seconds = 10; }"

# once: brudvagtd --once under the shim (the fault is off while $CTL is
# absent), bounded to 60 s.
once() {
	env FAULTFS_CTL="$CTL" FAULTFS_LOG="$FLOG" LD_PRELOAD="$SHIM" \
		timeout 60 "$BVD" -c "$T/bv.conf" --once
}

# fault_on TARGET ERRNO: write the control file.
fault_on() {
	case $1 in
	archive) printf '%s\n%s/archive\n' "$2" "$SPOOL" ;;
	queue)	 printf '%s\n%s/outbound\n' "$2" "$SPOOL" ;;
	spool)	 printf '%s data\n%s/\n' "$2" "$SPOOL" ;;
	store)	 printf '%s\n%s/db/\n' "$2" "$T" ;;
	esac > "$CTL.new" && mv "$CTL.new" "$CTL"
}
fault_off() { rm -f "$CTL"; }
# what_fails TARGET: the path an error must name.
what_fails() {
	case $1 in
	archive) echo "$SPOOL/archive" ;;
	queue)	 echo "$SPOOL/outbound" ;;
	spool)	 echo "$SPOOL/" ;;
	store)	 echo "$T/db/brudvagt.db" ;;
	esac
}

# case_of TAG: the case ref of TAG's one report (empty when none).
case_of() {
	q "select c.ref from cases c join messages m on m.id = c.report_message
	   where m.subject like '%- $1-0%'"
}
# rows TAG: its messages, locations and outbound rows.
rows() {
	q "select (select count(*) from messages where subject like '%- $1-0%'),
	   (select count(*) from message_locations l join messages m on m.id = l.message
	    where m.subject like '%- $1-0%'),
	   (select count(*) from outbound o join cases c on c.id = o.case_id
	    join messages m on m.id = c.report_message where m.subject like '%- $1-0%')" |
		tr '|' ' '
}
# mails_once REF: every mail of case REF sent, each at the server exactly once.
mails_once() {
	_rows=$(q "select count(*) from outbound o join cases c on c.id = o.case_id where c.ref = '$1'")
	_sent=$(q "select count(*) from outbound o join cases c on c.id = o.case_id
		   where c.ref = '$1' and o.status = 'sent'")
	_got=$(grep -l "^X-Brudvagt-Case: $1" "$T/its"/*.eml 2>/dev/null | wc -l)
	_ids=$(grep -h -m1 -i '^Message-ID:' $(grep -l "^X-Brudvagt-Case: $1" "$T/its"/*.eml) 2>/dev/null |
		sort -u | wc -l)
	[ "$_rows" -gt 0 ] && [ "$_sent" = "$_rows" ] && [ "$_got" = "$_rows" ] && [ "$_ids" = "$_rows" ]
}
mails_once_msg() {
	echo "$(q "select count(*) from outbound o join cases c on c.id = o.case_id where c.ref = '$1'") rows, $(q "select count(*) from outbound o join cases c on c.id = o.case_id where c.ref = '$1' and o.status = 'sent'") sent, $(grep -l "^X-Brudvagt-Case: $1" "$T/its"/*.eml 2>/dev/null | wc -l) at the server"
}
# tmp_empty: no unfinished file in SPOOL/tmp.
tmp_empty() { [ -z "$(ls -A "$SPOOL/tmp" 2>/dev/null)" ]; }
injected() { wc -l < "$FLOG"; }

# not_processed TARGET TAG: the state while the fault is on.
not_processed() {
	_r=$(rows "$2")
	if [ "$1" = queue ]; then
		_ref=$(case_of "$2")
		_notified=$(q "select count(*) from parties p join cases c on c.id = p.case_id
			       where c.ref = '$_ref' and p.notified_at is not null")
		[ -n "$_ref" ] && [ "$_r" = "1 1 0" ] && [ "$_notified" = 0 ] && all_marked borgerservice &&
			ok "the case $_ref committed and marked; no mail queued, no party notified (to be queued later)" ||
			bad "queue: case '$_ref', rows '$_r', notified $_notified, unmarked '$(unmarked borgerservice)'"
	else
		[ "$_r" = "0 0 0" ] && [ -z "$(case_of "$2")" ] && ! all_marked borgerservice &&
			ok "not committed (no case, message, location or mail), not marked" ||
			bad "$1: rows '$_r', case '$(case_of "$2")', unmarked '$(unmarked borgerservice)'"
	fi
}

# processed TAG: after the fault: one case, marked, its mails sent once.
processed() {
	_ref=$(case_of "$1")
	exactly_once "$1" 1
	all_marked borgerservice && ok "marked \$Brudvagt" ||
		bad "unmarked: $(unmarked borgerservice)"
	until_ok 20 mails_once "$_ref" &&
		ok "$_ref: $(mails_once_msg "$_ref"), each once" ||
		bad "$_ref mails: $(mails_once_msg "$_ref")"
}

n=0
echo "--once"
for target in archive queue spool store; do
	for errno in ENOSPC EIO; do
		n=$((n + 1)); tag=once-$target-$errno
		echo "$target, $errno"
		reports borgerservice $n $n "$tag"
		f0=$(injected); log=$T/once-$n.err
		fault_on $target $errno
		once 2> "$log"; rc=$?
		fault_off
		[ $rc = 74 ] && ok "--once with the fault: exit 74" || bad "--once with the fault: exit $rc"
		line=$(grep -m1 -F "$(what_fails $target)" "$log")
		[ -n "$line" ] && [ "$(injected)" -gt "$f0" ] &&
			ok "logged ($(($(injected) - f0)) failures injected): $line" ||
			bad "no error naming $(what_fails $target): $(tail -3 "$log")"
		# (SQLite says "unable to open database file", whatever the errno)
		case $target-$errno in
		store-*) ;;
		*-ENOSPC) grep -q 'No space left on device' "$log" || bad "no 'No space left' in the log" ;;
		*-EIO)	grep -q 'Input/output error' "$log" || bad "no 'Input/output error' in the log" ;;
		esac
		not_processed $target "$tag"
		tmp_empty && ok "nothing left in SPOOL/tmp" || bad "left in tmp: $(ls "$SPOOL/tmp")"
		once 2> "$T/once-$n.ok.err"; rc=$?
		[ $rc = 0 ] && ok "--once without the fault: exit 0" ||
			bad "--once without the fault: exit $rc: $(tail -3 "$T/once-$n.ok.err")"
		processed "$tag"
	done
done

echo "daemon"
# (not through bvd: a function in the background is a subshell, and $!
# would be its PID; env execs brudvagtd)
env FAULTFS_CTL="$CTL" FAULTFS_LOG="$FLOG" LD_PRELOAD="$SHIM" \
	"$BVD" -c "$T/bv.conf" 2> "$T/daemon.err" &
BV=$!
dovecot_track $BV
until_ok 20 grep -q 'every account connected; ready' "$T/daemon.err" &&
	ok "connected" || { bad "not ready: $(tail -5 "$T/daemon.err")"; exit 1; }
for target in archive queue spool store; do
	for errno in ENOSPC EIO; do
		n=$((n + 1)); tag=daemon-$target-$errno
		echo "$target, $errno"
		l0=$(wc -l < "$T/daemon.err"); f0=$(injected)
		fault_on $target $errno
		reports borgerservice $n $n "$tag"
		what=$(what_fails $target)
		new_log() { tail -n +$((l0 + 1)) "$T/daemon.err"; }
		logged() { new_log | grep -qF "$what"; }
		until_ok 20 logged && ok "logged: $(new_log | grep -m1 -F "$what")" ||
			{ bad "no error naming $what: $(new_log | tail -3)"; fault_off; continue; }
		# two retries (the watcher backs off; the outbound thread waits
		# its 5 s tick), then count what was tried meanwhile
		if [ $target = queue ]; then
			retried() { [ "$(new_log | grep -c "queueing new cases' mails")" -ge 2 ]; }
		else
			retried() { [ "$(new_log | grep -c 'borgerservice: reconnecting in')" -ge 2 ]; }
		fi
		t0=$(now_ms)
		until_ok 20 retried && ok "retried: $(($(injected) - f0)) failures injected in $(( ($(now_ms) - t0) / 1000 + 1 )) s;$(new_log | sed -n 's/.*reconnecting in \([0-9]*\) ms.*/ \1/p' | tr -d '\n') ms" ||
			bad "no retry: $(new_log | tail -3)"
		[ $(($(injected) - f0)) -le 60 ] || bad "a busy loop: $(($(injected) - f0)) failures injected"
		kill -0 $BV 2>/dev/null && ok "still running" || bad "brudvagtd died: $(tail -3 "$T/daemon.err")"
		not_processed $target "$tag"
		fault_off
		t0=$(now_ms)
		until_ok 40 has_cases "$tag" 1 && until_ok 10 all_marked borgerservice &&
			ok "the fault gone: processed within $(( $(now_ms) - t0 )) ms" ||
			bad "not processed after the fault: $(new_log | tail -3)"
		processed "$tag"
	done
done
kill -TERM $BV
i=0
while kill -0 $BV 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
wait $BV; rc=$?
[ $rc = 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc"

echo "the end"
nc=$(q "select count(*) from cases")
[ "$nc" = $n ] && ok "$n reports, $n cases" || bad "$nc cases for $n reports"
all=$(grep -h -m1 -i '^Message-ID:' "$T/its"/*.eml | wc -l)
uniq=$(grep -h -m1 -i '^Message-ID:' "$T/its"/*.eml | sort -u | wc -l)
[ "$all" = "$uniq" ] && ok "$all mails at the server, none twice" || bad "$all mails, $uniq distinct"
r=$(q "pragma integrity_check")
[ "$r" = ok ] && ok "integrity_check ok" || bad "integrity_check: $r"
[ $fails = 0 ] || { echo "faults_disk: $fails failed (kept: DV_KEEP=1)"; exit 1; }
echo "faults_disk: all passed"

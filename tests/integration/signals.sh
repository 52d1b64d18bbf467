#!/bin/sh
# SPDX-License-Identifier: MIT
#
# signals.sh — brudvagtd under an operator's signals, against a private
# Dovecot (tests/lib/dovecot.sh):
#   - SIGHUP with a broken configuration: still running, the refusal logged
#     with file:line, the running configuration still in effect;
#   - SIGHUP with a good one that adds the dpo account: the new setting in
#     effect (a report to dpo becomes a case);
#   - SIGTERM: exit 0 in under 10 s, and nothing lost: a report delivered
#     just before is a case after a following --once, exactly once.
# Run by tests/run.sh with $BUILD set; exits 0 when every check passes.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BVD=$BUILD/brudvagtd
SAMPLE=tests/corpus/sample
[ -x "$BVD" ] || { echo "signals: $BVD not built" >&2; exit 1; }

. tests/lib/dovecot.sh

. tests/lib/check.sh

dovecot_setup || exit 1
dovecot_start || exit 1
T=$DV_DIR/t
mkdir -p "$T"

account() {	# NAME PWFILE
	echo "  { name = \"$1\"; host = \"127.0.0.1\"; port = $DV_IMAPS_PORT; tls = \"implicit\";
    ca_file = \"$DV_CA\"; user = \"$1\"; password_file = \"$2\"; timeout_seconds = 10; }"
}
# conf FILE ACCOUNTS...: the parties the sample reports name.
conf() {
	f=$1; shift
	{
		echo "accounts = ("
		printf '%s' "$1"; shift
		for a in "$@"; do printf ',\n%s' "$a"; done
		cat <<EOF
 );
smtp = { host = "127.0.0.1"; port = 2525; tls = "none"; from = "brudvagt@aarhus.dk"; };
system_owner = { name = "Borgerservice, Aarhus Kommune";
                 emails = [ "borgerservice@aarhus.dk", "databeskyttelse@aarhus.dk" ]; };
supplier = { name = "Deloitte"; domains = [ "deloitte.dk" ]; };
municipalities = (
  { name = "Horsens"; domains = [ "horsens.dk" ]; },
  { name = "Silkeborg"; domains = [ "silkeborg.dk" ]; },
  { name = "Viborg"; domains = [ "viborg.dk" ]; },
  { name = "Favrskov"; domains = [ "favrskov.dk" ]; },
  { name = "Hjørring"; domains = [ "hjoerring.dk" ]; },
  { name = "Brønderslev"; domains = [ "bronderslev.dk" ]; },
  { name = "Aarhus"; domains = [ "aarhus.dk" ]; } );
store = { path = "$T/brudvagt.db"; };
spool = { path = "$T/spool"; };
EOF
	} > "$f"
}
BS=$(account borgerservice "$DV_PW_BORGERSERVICE")
DPO=$(account dpo "$DV_PW_DPO")
CONF=$T/brudvagt.conf
conf "$CONF" "$BS"

wait_cases() {	# N SECONDS
	_i=0
	while [ "$_i" -lt $(($2 * 10)) ]; do
		[ "$(q "select count(*) from cases" 2>/dev/null)" = "$1" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
wait_log() {	# PATTERN SECONDS
	_i=0
	while [ "$_i" -lt $(($2 * 10)) ]; do
		grep -q "$1" "$T/daemon.err" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# systemd's side of sd_notify: a datagram socket whose messages go to a file.
/usr/bin/python3 - "$T/notify.sock" "$T/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode() + "\n")
        out.flush()
PY
dovecot_track $!
i=0
while [ ! -S "$T/notify.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

NOTIFY_SOCKET=$T/notify.sock "$BVD" -c "$CONF" 2> "$T/daemon.err" &
pid=$!
dovecot_track $pid
wait_log "borgerservice: connected" 10 || bad "the daemon did not connect: $(tail -3 "$T/daemon.err")"
dovecot_deliver borgerservice "$SAMPLE/01-horsens-fejlsendt-chatlog.eml"
wait_cases 1 15 && ok "running: a report became a case" || bad "no case after 15 s"
i=0
while ! grep -q "STATUS=watching; 1 open cases" "$T/notify.log" 2>/dev/null && [ $i -lt 150 ]; do
	sleep 0.1; i=$((i + 1))
done
grep -q "^READY=1" "$T/notify.log" && ok "sd_notify: READY=1 once connected" || bad "no READY=1"
grep -q "STATUS=watching; 1 open cases, [0-9]* mails queued" "$T/notify.log" &&
	ok "sd_notify: $(grep -o 'STATUS=watching; 1 open cases[^;]*' "$T/notify.log" | tail -1)" ||
	bad "no STATUS with the open cases: $(tail -2 "$T/notify.log")"
grep -q "^WATCHDOG=1" "$T/notify.log" && ok "sd_notify: WATCHDOG=1" || bad "no WATCHDOG=1"

# A broken file: refused with file:line, the daemon keeps going.
cp "$CONF" "$T/good.conf"
printf 'colour = "blue";\n' >> "$CONF"
kill -HUP $pid
if wait_log "reload refused" 5; then
	line=$(grep "reload refused" "$T/daemon.err" | head -n 1)
	echo "$line" | grep -qE "$CONF:[0-9]+: " && ok "bad config refused with file:line: $(echo "$line" | cut -c1-160)" ||
		bad "refusal without file:line: $line"
else
	bad "no refusal logged: $(tail -3 "$T/daemon.err")"
fi
kill -0 $pid 2>/dev/null && ok "still running after SIGHUP with a broken config" || bad "the daemon died"
dovecot_deliver borgerservice "$SAMPLE/03-hjoerring-tyveri-usb-latin1.eml"
wait_cases 2 15 && ok "the running configuration still works" || bad "no case after the refused reload"
dovecot_deliver dpo "$SAMPLE/02-silkeborg-adgang-andre-kommuner.eml"
sleep 2
[ "$(q "select count(*) from cases")" = 2 ] && ok "dpo not watched yet (the old configuration)" ||
	bad "dpo was read before the reload"

# A good file adding the dpo account: in effect after SIGHUP.
conf "$CONF" "$BS" "$DPO"
kill -HUP $pid
wait_log "configuration reloaded" 10 && ok "good config reloaded" || bad "no reload logged"
wait_cases 3 20 && ok "the new setting is in effect: dpo's report became a case" ||
	bad "dpo's report not read after the reload: $(tail -3 "$T/daemon.err")"
kill -0 $pid 2>/dev/null || bad "the daemon died on reload"

# SIGTERM right after a delivery: exit 0 in under 10 s, nothing lost.
dovecot_deliver dpo "$SAMPLE/07-broenderslev-kort.eml"
start=$(date +%s%N)
kill -TERM $pid
wait $pid
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $rc = 0 ] && [ $ms -lt 10000 ] && ok "SIGTERM: exit 0 in $ms ms" || bad "SIGTERM: status $rc after $ms ms"
timeout 60 "$BVD" -c "$CONF" --once 2> "$T/once.err" || bad "--once after stop failed: $(tail -2 "$T/once.err")"
n=$(q "select count(*) from cases")
d=$(q "select count(*) from (select message_id from messages group by message_id having count(*) > 1)")
[ "$n" = 4 ] && [ "$d" = 0 ] && ok "nothing lost: 4 reports, 4 cases, no duplicate" ||
	bad "after stop and --once: $n cases (want 4), $d duplicate messages"
grep -q "030478" "$T/daemon.err" "$T/once.err" && bad "a CPR number reached the log"

[ $fails = 0 ]

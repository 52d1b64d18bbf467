#!/bin/sh
# SPDX-License-Identifier: MIT
#
# faults_imap.sh [FRONT...] — brudvagtd when the IMAP connection fails
# mid-session (issue 8). A private Dovecot (tests/lib/dovecot.sh); the
# account "borgerservice" reaches it through tests/lib/imapproxy.py
# (timeout_seconds = 3), the account "dpo" directly over implicit TLS.
# Three rounds, one brudvagtd each (or the FRONTs named), as borgerservice
# reaches the proxy:
#   plain     tls = "none"
#   tls       tls = "implicit", ca_file the test CA: the proxy ends TLS with
#             Dovecot's certificate and forwards plain IMAP
#   starttls  tls = "starttls", ca_file the test CA: the proxy speaks plain
#             IMAP, offers STARTTLS, answers it and ends TLS itself
# so a hang or reset reaches brudvagtd through libetpan's plain and its
# TLS (GnuTLS) read path alike. In each round:
#
#   hang:  the proxy stops forwarding the server's answer to the body
#          UID FETCH after 2 KB and holds the socket open. Must happen:
#          brudvagtd gives up within timeout_seconds (+2 s), logs it
#          naming the account, reconnects with a growing delay (the
#          proxy keeps hanging each new session); dpo's reports become
#          cases meanwhile; no borgerservice report is committed or
#          marked $Brudvagt while its body never arrived.
#   reset: the proxy resets the connection (SO_LINGER 0, RST) at the same
#          point. Must happen: the reset is logged naming the account,
#          brudvagtd reconnects; dpo keeps working.
#   idle-burst: during IDLE the proxy sends 16 KB of untagged lines that
#          end in an EXISTS, in one write (one full TLS record). Must
#          happen: brudvagtd answers DONE within 1 s.
#   After each, the proxy passes again: every report, of both accounts,
#   is exactly one message and one case and carries $Brudvagt on the
#   server; brudvagtd stops on SIGTERM with status 0. The store and the
#   mailboxes carry over from round to round.
# Run by tests/run.sh with $BUILD set; exits 0 when every check passes.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BVD=$BUILD/brudvagtd
PY=/usr/bin/python3
[ -x "$BVD" ] || { echo "faults_imap: $BVD not built" >&2; exit 1; }
[ -x "$PY" ] || { echo "faults_imap: $PY missing" >&2; exit 1; }

. tests/lib/dovecot.sh
. tests/lib/reports.sh
. tests/lib/faults.sh

TIMEOUT=3
dovecot_setup || exit 1
dovecot_start || exit 1
T=$DV_DIR/t
mkdir -p "$T"

# round_start FRONT: the proxy with FRONT, borgerservice through it,
# brudvagtd (BV) ready. Sets CTL, PLOG, ERR and PROXY.
round_start() {
	CTL=$T/$1.ctl PLOG=$T/$1.log ERR=$T/$1-daemon.err
	case $1 in
	plain)	_opt= _tls='tls = "none";' ;;
	tls)	_opt="--tls $DV_DIR/server.pem $DV_DIR/server.key"
		_tls="tls = \"implicit\"; ca_file = \"$DV_CA\";" ;;
	starttls) _opt="--starttls $DV_DIR/server.pem $DV_DIR/server.key"
		_tls="tls = \"starttls\"; ca_file = \"$DV_CA\";" ;;
	*)	echo "faults_imap: unknown front '$1'" >&2; exit 2 ;;
	esac
	dv_free_port PROXY_PORT || exit 1
	echo pass > "$CTL"
	"$PY" tests/lib/imapproxy.py $_opt "$PROXY_PORT" "$DV_PLAIN_PORT" "$CTL" \
		"$PLOG" 2> "$T/$1-proxy.err" &
	PROXY=$!
	dovecot_track $PROXY
	dv_wait_port "$PROXY_PORT" ||
		{ bad "the proxy did not start: $(cat "$T/$1-proxy.err")"; exit 1; }
	# SMTP: nobody listens on port 9; mails stay queued, not tested here.
	faults_conf "$T/bv.conf" 9 "
  { name = \"borgerservice\"; host = \"127.0.0.1\"; port = $PROXY_PORT; $_tls
    user = \"borgerservice\"; password_file = \"$DV_PW_BORGERSERVICE\";
    mailbox = \"INBOX\"; timeout_seconds = $TIMEOUT; },
  { name = \"dpo\"; host = \"127.0.0.1\"; port = $DV_IMAPS_PORT; tls = \"implicit\";
    ca_file = \"$DV_CA\"; user = \"dpo\"; password_file = \"$DV_PW_DPO\";
    mailbox = \"INBOX\"; timeout_seconds = 10; }"
	echo "start ($1): the proxy passes"
	"$BVD" -c "$T/bv.conf" 2> "$ERR" &
	BV=$!
	dovecot_track $BV
	until_ok 20 grep -q 'every account connected; ready' "$ERR" &&
		ok "both accounts connected" || { bad "not ready: $(tail -5 "$ERR")"; exit 1; }
	[ "$1" = plain ] || { grep -q ' tls$' "$PLOG" && ok "borgerservice came through the proxy's $1 front" ||
		bad "no TLS handshake at the proxy: $(head -5 "$PLOG")"; }
}

# fault MODE TAG FIRST: the proxy misbehaves (MODE) while 3 borgerservice and 2
# dpo reports arrive; then it passes again.
fault() {
	_mode=$1 _tag=$2	# $3: the first report number
	echo "$_mode: mid-FETCH"
	: > "$T/mark.err"
	_log0=$(wc -l < "$ERR")
	echo "$_mode" > "$CTL"
	reports borgerservice $3 $(($3 + 2)) "$_tag"
	if until_ok 20 grep -q " $_mode\$" "$PLOG"; then
		_at=$(grep " $_mode\$" "$PLOG" | head -1 | cut -d' ' -f1)
		ok "the proxy did it ($_mode after 2 KB of the body FETCH)"
	else
		bad "the proxy never got to $_mode: $(tail -3 "$PLOG")"
		return
	fi
	# the first failure logged, naming the account, and when
	until_ok $((TIMEOUT + 5)) sh -c "tail -n +$((_log0 + 1)) '$ERR' |
		grep -q 'imap: borgerservice: UID FETCH'"
	_seen=$(now_ms)
	_line=$(tail -n +$((_log0 + 1)) "$ERR" | grep -m1 'imap: borgerservice: UID FETCH')
	# a hang: after timeout_seconds, not twice that; a reset: at once
	_lo=$(( (TIMEOUT - 1) * 1000 )) _hi=$(( (TIMEOUT + 1) * 1000 ))
	[ "$_mode" = reset ] && _lo=0 _hi=1000
	if [ -n "$_line" ] && [ $((_seen - _at)) -ge $_lo ] && [ $((_seen - _at)) -le $_hi ]; then
		ok "noticed after $((_seen - _at)) ms (timeout ${TIMEOUT} s): $_line"
	else
		bad "noticed after $((_seen - _at)) ms, want $_lo-$_hi: '$_line'"
	fi
	reports dpo $3 $(($3 + 1)) "$_tag-dpo"
	until_ok 15 has_cases "$_tag-dpo" 2 &&
		ok "dpo's 2 reports became cases during the $_mode" ||
		bad "dpo during the $_mode: $(cases "$_tag-dpo") cases"
	[ "$(cases "$_tag")" = 0 ] && ! all_marked borgerservice &&
		ok "no borgerservice report committed or marked while the body is missing" ||
		bad "during the $_mode: $(cases "$_tag") cases, unmarked: '$(unmarked borgerservice)'"
	until_ok 20 sh -c "[ \$(tail -n +$((_log0 + 1)) '$ERR' | grep -c 'borgerservice: reconnecting in') -ge 3 ]"
	_delays=$(tail -n +$((_log0 + 1)) "$ERR" |
		sed -n 's/.*watch: borgerservice: reconnecting in \([0-9]*\) ms.*/\1/p' | tr '\n' ' ')
	set -- $_delays
	if [ $# -ge 3 ] && [ $# -le 5 ] && [ "$2" -gt "$1" ] && [ "$3" -gt "$2" ]; then
		ok "reconnects with a growing delay: $_delays ms"
	else
		bad "reconnect delays: '$_delays' (want 3-5, growing)"
	fi
	kill -0 $BV 2>/dev/null && ok "brudvagtd still running" || bad "brudvagtd died"
	echo pass > "$CTL"
	_t0=$(now_ms)
	until_ok 40 has_cases "$_tag" 3 && until_ok 10 all_marked borgerservice &&
		ok "the proxy passes again: caught up in $(( $(now_ms) - _t0 )) ms" ||
		bad "after the $_mode: $(cases "$_tag") of 3 cases, unmarked: '$(unmarked borgerservice)'"
	exactly_once "$_tag" 3
	exactly_once "$_tag-dpo" 2
}

# idle_burst N TAG: during IDLE the proxy sends 16 KB of untagged lines
# ending in an EXISTS in one write (through TLS: one full record), as a
# server does when many flags change. brudvagtd must see the EXISTS at once
# (its DONE within 1 s), not when the server next writes. Report N starts
# the IDLE that gets the burst and must become a case.
idle_burst() {
	echo "idle-burst: an EXISTS behind 16 KB of untagged lines"
	echo idle-burst > "$CTL"
	reports borgerservice $1 $1 "$2"
	until_ok 10 grep -q ' burst$' "$PLOG" || { bad "no burst: $(tail -3 "$PLOG")"; return; }
	echo pass > "$CTL"
	_at=$(grep -m1 ' burst$' "$PLOG" | cut -d' ' -f1)
	until_ok 5 sh -c "sed -n '/ burst\$/,\$p' '$PLOG' | grep -q ' cmd DONE\$'"
	_done=$(sed -n '/ burst$/,$p' "$PLOG" | grep -m1 ' cmd DONE$' | cut -d' ' -f1)
	[ -n "$_done" ] && [ $((_done - _at)) -le 1000 ] &&
		ok "the EXISTS seen at once: DONE $((_done - _at)) ms after the burst" ||
		bad "no DONE within 5 s of the burst: the EXISTS sat unread"
	until_ok 20 has_cases "$2" 1 && until_ok 10 all_marked borgerservice &&
		ok "the report that started that IDLE became a case, marked" ||
		bad "$2: $(cases "$2") cases, unmarked: '$(unmarked borgerservice)'"
}

# round FRONT FIRST: one brudvagtd, a hang and a reset through FRONT;
# reports numbered from FIRST (a user's numbers must not repeat).
round() {
	round_start "$1"
	fault hang "$1-hang" "$2"
	fault reset "$1-reset" $(($2 + 10))
	idle_burst $(($2 + 20)) "$1-burst"
	echo "the end ($1)"
	all_marked dpo && ok "every dpo message carries \$Brudvagt" || bad "dpo unmarked: $(unmarked dpo)"
	grep -q 'reset' "$PLOG" && grep -q 'imap: borgerservice: .*connection lost' "$ERR" &&
		ok "the reset logged: $(grep -m1 'imap: borgerservice: .*connection lost' "$ERR")" ||
		bad "no 'connection lost' for borgerservice"
	kill -TERM $BV
	i=0
	while kill -0 $BV 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
	wait $BV; rc=$?
	[ $rc = 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc"
	kill -TERM $PROXY
	wait $PROXY 2>/dev/null
}

n=0
for front in ${@:-plain tls starttls}; do
	round "$front" $((n * 100 + 1))
	n=$((n + 1))
done
n=$(q "pragma integrity_check")
[ "$n" = ok ] && ok "integrity_check ok" || bad "integrity_check: $n"
[ $fails = 0 ] || { echo "faults_imap: $fails failed (logs: $T/*-daemon.err)"; exit 1; }
echo "faults_imap: all passed"

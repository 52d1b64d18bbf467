#!/bin/sh
# SPDX-License-Identifier: MIT
#
# imap_tls.sh — daemon/imap.c against a private Dovecot (tests/lib/dovecot.sh):
# TLS modes, certificate and host-name checks, fetch by UID, the $Brudvagt
# keyword without \Seen, IDLE wake-up, a Dovecot restart during IDLE, and
# libetpan's IDLE continuation bug against a scripted server; STARTTLS
# stripped from CAPABILITY, or answered BAD, by a man in the middle
# (tests/lib/imapproxy.py): refused before LOGIN.
# Run by tests/run.sh with $BUILD set; exits 0 when every check passes.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
DRV=$BUILD/tests/itest_imap
[ -x "$DRV" ] || { echo "imap_tls: $DRV not built" >&2; exit 1; }

. tests/lib/dovecot.sh

. tests/lib/check.sh
now_ms() { date +%s%3N; }

dovecot_setup || exit 1
dovecot_start || exit 1
echo "  dovecot up in ${DV_START_MS} ms (imaps $DV_IMAPS_PORT, imap $DV_IMAP_PORT, plain $DV_PLAIN_PORT, noname $DV_NONAME_PORT)"
T=$DV_DIR/t
mkdir -p "$T"
OUT=$T/all.out	# every driver output, checked for the passwords at the end

# conf FILE NAME HOST PORT TLS CA_FILE|- USER PWFILE: a brudvagt.conf with
# the contract's keys and one account.
conf() {
	_ca=""
	[ "$6" != - ] && _ca="ca_file = \"$6\";"
	cat > "$1" <<EOF
accounts = ( { name = "$2"; host = "$3"; port = $4; tls = "$5"; $_ca
               user = "$7"; password_file = "$8"; mailbox = "INBOX";
               timeout_seconds = 10; poll_seconds = 2; } );
smtp = { host = "127.0.0.1"; port = 587; tls = "starttls";
         from = "brudvagt@aarhus.dk"; message_id_domain = "brudvagt.aarhus.dk"; };
system_owner = { name = "Borgerservice, Aarhus Kommune";
                 emails = [ "borgerservice@aarhus.dk", "databeskyttelse@aarhus.dk" ]; };
supplier = { name = "Deloitte"; domains = [ "deloitte.dk" ]; emails = [ ]; };
municipalities = ( { name = "Egedal"; domains = [ "egekom.dk" ]; contacts = ( ); } );
deadlines = { ack_hours = 24; reminder_hours = [ 8, 16 ]; authority_hours = 72; };
store = { path = "$T/brudvagt.db"; };
spool = { path = "$T/spool"; };
EOF
}

# drv NAME ARGS...: run the driver (bounded to 60 s); stdout in $T/NAME.out,
# stderr in $T/NAME.err; returns its status.
drv() {
	_n=$1; shift
	timeout 60 "$DRV" "$@" > "$T/$_n.out" 2> "$T/$_n.err"
	_rc=$?
	cat "$T/$_n.out" "$T/$_n.err" >> "$OUT"
	return $_rc
}

# wait_line FILE PATTERN SECONDS
wait_line() {
	_i=0
	while [ $_i -lt $(($3 * 20)) ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# wait_pid PID SECONDS: its exit status, or 124 after killing it.
wait_pid() {
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt $(($2 * 20)) ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -TERM "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 124
	fi
	wait "$1"
}

# msg FILE N BODYLINES: a CRLF message (so bytes compare exactly after FETCH).
msg() {
	{
		printf 'From: Egedal DPO <dpo@egekom.dk>\r\n'
		printf 'To: borgerservice@aarhus.dk\r\n'
		printf 'Subject: Brud nr. %s \344\370\345\r\n' "$2"
		printf 'Message-ID: <test-%s-%s@egekom.dk>\r\n' "$2" "$$"
		printf '\r\n'
		_i=0
		while [ $_i -lt "$3" ]; do
			printf 'Linje %s af brevet %s.\r\n' "$_i" "$2"
			_i=$((_i + 1))
		done
		printf '.\r\n..leading dots\r\n'
	} > "$1"
}

B=borgerservice
conf "$T/implicit.conf" $B 127.0.0.1 "$DV_IMAPS_PORT" implicit "$DV_CA" $B "$DV_PW_BORGERSERVICE"

echo "implicit TLS, fetch in UID order"
msg "$T/m1.eml" 1 3
msg "$T/m2.eml" 2 2000
msg "$T/m3.eml" 3 1
for i in 1 2 3; do dovecot_deliver $B "$T/m$i.eml" || bad "deliver m$i"; done
mkdir -p "$T/got"
if drv fetch0 "$T/implicit.conf" $B fetch 0 "$T/got"; then
	uids=$(sed -n 's/^uid=\([0-9]*\) .*/\1/p' "$T/fetch0.out" | tr '\n' ' ')
	[ "$uids" = "1 2 3 " ] && ok "fetch 0: uids $uids" || bad "fetch 0: uids '$uids'"
	for i in 1 2 3; do
		cmp -s "$T/m$i.eml" "$T/got/$i.eml" && ok "uid $i bytes equal" ||
			bad "uid $i bytes differ"
	done
	grep -q "keywords=1" "$T/fetch0.out" && grep -q "idle=1" "$T/fetch0.out" &&
		ok "SELECT: keywords allowed, IDLE offered" || bad "SELECT info: $(head -1 "$T/fetch0.out")"
else
	bad "fetch 0: $(cat "$T/fetch0.err")"
fi
drv fetch1 "$T/implicit.conf" $B fetch 1 &&
	[ "$(grep -c '^uid=' "$T/fetch1.out")" = 2 ] && grep -q '^uid=2 ' "$T/fetch1.out" &&
	ok "fetch since 1: uids 2 and 3" || bad "fetch since 1: $(cat "$T/fetch1.out" "$T/fetch1.err")"
drv fetch3 "$T/implicit.conf" $B fetch 3 && grep -q '^fetched=0$' "$T/fetch3.out" &&
	ok "fetch since the last uid: nothing (3:* is not uid 3)" ||
	bad "fetch since 3: $(cat "$T/fetch3.out" "$T/fetch3.err")"
mkdir -p "$T/trunc"
drv fetchmax "$T/implicit.conf" $B fetch 0 "$T/trunc" 1000 &&
	grep -q '^uid=2 len=1000 size=[0-9]* truncated=1$' "$T/fetchmax.out" &&
	grep -q '^uid=1 len=[0-9]* size=[0-9]* truncated=0$' "$T/fetchmax.out" &&
	cmp -s "$T/trunc/2.eml" "$T/got/2.eml" 2>/dev/null; r=$?
if [ $r = 1 ] && [ "$(head -c 1000 "$T/got/2.eml" | cmp -s - "$T/trunc/2.eml"; echo $?)" = 0 ]; then
	ok "max_bytes 1000: uid 2 delivered truncated to its first 1000 bytes"
else
	bad "max_bytes: $(cat "$T/fetchmax.out" "$T/fetchmax.err")"
fi

echo "\$Brudvagt keyword, never \\Seen"
if drv mark "$T/implicit.conf" $B mark 1 3; then
	f1=$(dovecot_flags $B 1); f2=$(dovecot_flags $B 2); f3=$(dovecot_flags $B 3)
	case "$f1 $f3" in *'$Brudvagt'*'$Brudvagt'*) ok "uids 1 and 3 carry \$Brudvagt" ;;
		*) bad "flags after mark: 1='$f1' 3='$f3'" ;; esac
	case "$f1 $f2 $f3" in *Seen*) bad "\\Seen set: '$f1' '$f2' '$f3'" ;;
		*) ok "no \\Seen after fetch and mark ('$f1' / '$f2')" ;; esac
	case "$f2" in *Brudvagt*) bad "uid 2 marked" ;; *) ok "uid 2 unmarked" ;; esac
else
	bad "mark: $(cat "$T/mark.err")"
fi

echo "host names and STARTTLS"
conf "$T/localhost.conf" $B localhost "$DV_IMAPS_PORT" implicit "$DV_CA" $B "$DV_PW_BORGERSERVICE"
drv localhost "$T/localhost.conf" $B check && ok "implicit TLS to host localhost (DNS name, SNI)" ||
	bad "localhost: $(cat "$T/localhost.err")"
conf "$T/starttls.conf" dpo 127.0.0.1 "$DV_IMAP_PORT" starttls "$DV_CA" dpo "$DV_PW_DPO"
drv starttls "$T/starttls.conf" dpo check && ok "STARTTLS with the test CA" ||
	bad "starttls: $(cat "$T/starttls.err")"

# refused NAME CONF ACCOUNT EXPECTED-STDERR
refused() {
	drv "$1" "$2" "$3" check; _rc=$?
	if [ $_rc = 69 ] && grep -qF "$4" "$T/$1.err"; then
		ok "refused: $(cat "$T/$1.err")"
	else
		bad "$1: status $_rc, stderr: $(cat "$T/$1.err") (wanted: $4)"
	fi
	! grep -q '^connected' "$T/$1.out" || bad "$1: logged in anyway"
}
conf "$T/wrongca.conf" $B 127.0.0.1 "$DV_IMAPS_PORT" implicit "$DV_WRONG_CA" $B "$DV_PW_BORGERSERVICE"
refused wrongca "$T/wrongca.conf" $B \
	"imap: borgerservice: certificate verification failed: issuer is unknown (host 127.0.0.1)"
conf "$T/system.conf" $B 127.0.0.1 "$DV_IMAPS_PORT" implicit - $B "$DV_PW_BORGERSERVICE"
refused system "$T/system.conf" $B \
	"imap: borgerservice: certificate verification failed: issuer is unknown"
conf "$T/wrongca-st.conf" dpo 127.0.0.1 "$DV_IMAP_PORT" starttls "$DV_WRONG_CA" dpo "$DV_PW_DPO"
refused wrongca_starttls "$T/wrongca-st.conf" dpo \
	"imap: dpo: certificate verification failed: issuer is unknown"
conf "$T/noname.conf" $B 127.0.0.1 "$DV_NONAME_PORT" implicit "$DV_NONAME_CA" $B "$DV_PW_BORGERSERVICE"
refused noname "$T/noname.conf" $B \
	"imap: borgerservice: certificate verification failed: the name in the certificate does not match (host 127.0.0.1)"
conf "$T/noname2.conf" $B localhost "$DV_NONAME_PORT" implicit "$DV_NONAME_CA" $B "$DV_PW_BORGERSERVICE"
refused noname_dns "$T/noname2.conf" $B \
	"the name in the certificate does not match (host localhost)"
conf "$T/nostarttls.conf" dpo 127.0.0.1 "$DV_PLAIN_PORT" starttls "$DV_CA" dpo "$DV_PW_DPO"
refused nostarttls "$T/nostarttls.conf" dpo \
	"imap: dpo: the server does not offer STARTTLS; refusing to log in without TLS"

echo "STARTTLS downgraded by a man in the middle (tests/lib/imapproxy.py)"
dv_free_port PROXY_PORT || bad "no port for the proxy"
/usr/bin/python3 tests/lib/imapproxy.py "$PROXY_PORT" "$DV_IMAP_PORT" "$T/proxy.ctl" \
	"$T/proxy.log" 2> "$T/proxy.err" &
dovecot_track $!
dv_wait_port "$PROXY_PORT" || bad "the proxy did not start: $(cat "$T/proxy.err")"
conf "$T/mitm.conf" dpo 127.0.0.1 "$PROXY_PORT" starttls "$DV_CA" dpo "$DV_PW_DPO"
echo pass > "$T/proxy.ctl"
drv mitm_pass "$T/mitm.conf" dpo check && ok "through the proxy, untouched: STARTTLS and login work" ||
	bad "mitm pass: $(cat "$T/mitm_pass.err")"
: > "$T/proxy.log"
echo strip-starttls > "$T/proxy.ctl"
refused mitm_strip "$T/mitm.conf" dpo \
	"imap: dpo: the server does not offer STARTTLS; refusing to log in without TLS"
echo bad-starttls > "$T/proxy.ctl"
refused mitm_bad "$T/mitm.conf" dpo "imap: dpo: STARTTLS: protocol error (9): STARTTLS not here (proxy)"
grep -q ' strip$' "$T/proxy.log" && grep -q ' bad-starttls$' "$T/proxy.log" &&
	ok "the proxy removed STARTTLS from CAPABILITY, then answered STARTTLS with BAD" ||
	bad "the proxy did not interfere: $(cat "$T/proxy.log")"
! grep -q 'cmd LOGIN\|cmd AUTHENTICATE' "$T/proxy.log" &&
	ok "no LOGIN passed the proxy while it interfered: the password never went out in the clear" ||
	bad "a login passed the proxy: $(grep 'cmd' "$T/proxy.log" | tr '\n' ' ')"

echo "tls = none, password file checks"
conf "$T/none.conf" dpo 127.0.0.1 "$DV_PLAIN_PORT" none - dpo "$DV_PW_DPO"
drv none "$T/none.conf" dpo check && ok "tls = none on the plain port" ||
	bad "none: $(cat "$T/none.err")"
cp "$DV_PW_DPO" "$T/world.pw"; chmod 0644 "$T/world.pw"
conf "$T/world.conf" dpo 127.0.0.1 "$DV_IMAPS_PORT" implicit "$DV_CA" dpo "$T/world.pw"
drv world "$T/world.conf" dpo check && grep -q "password_file .* is world-readable" "$T/world.err" &&
	ok "world-readable password file: logged in, warned" || bad "world: $(cat "$T/world.err")"

echo "IDLE"
"$DRV" "$T/implicit.conf" $B idle 20 > "$T/idle.out" 2> "$T/idle.err" &
pid=$!; dovecot_track $pid
if wait_line "$T/idle.out" '^ready' 10; then
	sleep 0.3	# let IDLE reach the server
	msg "$T/m4.eml" 4 5
	t0=$(now_ms)
	dovecot_deliver_maildir $B "$T/m4.eml"
	wait_pid $pid 15; rc=$?
	cat "$T/idle.out" "$T/idle.err" >> "$OUT"
	at=$(sed -n 's/^idle=1 ms=[0-9]* at=\([0-9]*\)$/\1/p' "$T/idle.out")
	if [ $rc = 0 ] && [ -n "$at" ] && [ $((at - t0)) -lt 3000 ]; then
		ok "IDLE woke $((at - t0)) ms after delivery (Dovecot holds EXISTS ~500 ms)"
	else
		bad "IDLE: status $rc: $(cat "$T/idle.out" "$T/idle.err")"
	fi
else
	bad "IDLE driver never ready: $(cat "$T/idle.err")"
fi
drv idlequiet "$T/implicit.conf" $B idle 2 && grep -q '^idle=0 ms=2[0-9][0-9][0-9] ' "$T/idlequiet.out" &&
	ok "IDLE times out after 2 s with nothing new" || bad "idle timeout: $(cat "$T/idlequiet.out" "$T/idlequiet.err")"
for mode in before literal quiet bye; do
	drv fake_$mode fake-idle $mode; rc=$?
	case "$mode:$rc:$(grep '^idle=' "$T/fake_$mode.out" | cut -d' ' -f1)" in
	before:0:idle=1|literal:0:idle=1|quiet:0:idle=0|bye:69:idle=-1)
		ok "scripted server, $mode: $(grep '^idle=' "$T/fake_$mode.out" | cut -d' ' -f1,2)" ;;
	*)	bad "scripted server, $mode: status $rc: $(cat "$T/fake_$mode.out" "$T/fake_$mode.err")" ;;
	esac
done

echo "Dovecot restart during IDLE"
"$DRV" "$T/implicit.conf" $B survive 60 4 > "$T/survive.out" 2> "$T/survive.err" &
pid=$!; dovecot_track $pid
if wait_line "$T/survive.out" '^ready' 10; then
	sleep 0.3
	t0=$(now_ms)
	dv_stop_one main
	msg "$T/m5.eml" 5 5
	dovecot_deliver_maildir $B "$T/m5.eml"	# while the server is down
	dv_start_one main "$DV_CONF" "$DV_IMAPS_PORT" || bad "restart"
	wait_pid $pid 30; rc=$?
	cat "$T/survive.out" "$T/survive.err" >> "$OUT"
	if [ $rc = 0 ] && grep -q '^idle=-1$' "$T/survive.out" &&
	   grep -q '^reconnected' "$T/survive.out" && grep -q '^uid=5 ' "$T/survive.out"; then
		ok "IDLE failed on restart ($(grep -m1 'imap: ' "$T/survive.err" | sed 's/^itest_imap: expected: //')), $(grep '^reconnected' "$T/survive.out"), uid 5 fetched; $(($(now_ms) - t0)) ms"
	else
		bad "survive: status $rc: $(cat "$T/survive.out" "$T/survive.err")"
	fi
else
	bad "survive driver never ready: $(cat "$T/survive.err")"
fi

echo "a wrong password (last: Dovecot delays later logins from the same IP)"
printf 'wrong\n' > "$T/bad.pw"; chmod 0600 "$T/bad.pw"
conf "$T/badpw.conf" dpo 127.0.0.1 "$DV_IMAPS_PORT" implicit "$DV_CA" dpo "$T/bad.pw"
refused badpw "$T/badpw.conf" dpo "imap: dpo: LOGIN: login refused"

echo "no password in any output"
leak=0
for f in "$DV_PW_BORGERSERVICE" "$DV_PW_DPO"; do
	grep -qF "$(cat "$f")" "$OUT" && leak=1
done
[ $leak = 0 ] && ok "passwords never printed" || bad "a password appears in the output"

echo "imap_tls: $fails failed"
[ $fails = 0 ]

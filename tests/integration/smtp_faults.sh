#!/bin/sh
# SPDX-License-Identifier: MIT
#
# smtp_faults.sh — outbound delivery when the SMTP server misbehaves
# (build/tests/itest_smtp, a scripted server), with a private Dovecot:
#   - 421 at the greeting: every mail stays queued with the 421 recorded,
#     and is delivered on a later run (the clock moved with libfaketime);
#   - a server that stops answering after the message data: the client
#     times out (smtp.timeout_seconds), the mail stays queued, and a later
#     run delivers everything; a mail the server may already have taken is
#     repeated only with its own Message-ID;
#   - smtp.tls = starttls against a server that does not offer STARTTLS,
#     and against one that offers it and answers 454 (a downgrade by a man
#     in the middle looks like either): refused and logged, nothing reaches
#     the server in the clear, every mail stays queued with the reason, and
#     goes out once TLS is no longer demanded (tls = none, a later run).
# Run by tests/run.sh with $BUILD set; exits 0 when every check passes.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BVD=$BUILD/brudvagtd
ITS=$BUILD/tests/itest_smtp
for b in "$BVD" "$ITS"; do
	[ -x "$b" ] || { echo "smtp_faults: $b not built" >&2; exit 1; }
done

. tests/lib/dovecot.sh

. tests/lib/check.sh
KINDS="('receipt', 'triage', 'forward')"

dovecot_setup || exit 1
dovecot_start || exit 1
T=$DV_DIR/t
mkdir -p "$T/its"
dv_free_port ITS_PORT || exit 1

cat > "$T/bv.conf" <<EOF2
accounts = (
  { name = "borgerservice"; host = "127.0.0.1"; port = $DV_PLAIN_PORT; tls = "none";
    user = "borgerservice"; password_file = "$DV_PW_BORGERSERVICE";
    mailbox = "INBOX"; timeout_seconds = 10; } );
smtp = { host = "127.0.0.1"; port = $ITS_PORT; tls = "none"; from = "brudvagt@aarhus.dk";
         message_id_domain = "brudvagt.aarhus.dk"; timeout_seconds = 3; };
system_owner = { name = "Borgerservice, Aarhus Kommune";
                 emails = [ "borgerservice@aarhus.dk", "databeskyttelse@aarhus.dk" ]; };
supplier = { name = "Deloitte"; domains = [ "deloitte.dk" ]; emails = [ "sikkerhed@deloitte.dk" ]; };
municipalities = (
  { name = "Silkeborg"; domains = [ "silkeborg.dk" ]; contacts = ( { email = "dpo@silkeborg.dk"; } ); },
  { name = "Viborg"; domains = [ "viborg.dk" ]; contacts = ( { email = "dpo@viborg.dk"; } ); },
  { name = "Favrskov"; domains = [ "favrskov.dk" ]; contacts = ( { email = "dpo@favrskov.dk"; } ); } );
deadlines = { digest_hour = -1; };
store = { path = "$T/brudvagt.db"; };
spool = { path = "$T/spool"; };
EOF2

once() {	# LOG [FAKETIME]
	if [ -n "${2:-}" ]; then
		timeout 90 faketime -f "$2" "$BVD" -c "$T/bv.conf" --once 2>> "$T/$1"
	else
		timeout 90 "$BVD" -c "$T/bv.conf" --once 2>> "$T/$1"
	fi || bad "--once ($1) failed: $(tail -2 "$T/$1")"
}
# sent REF / queued REF: the case's own mails in that state.
count() { q "select count(*) from outbound o join cases c on c.id = o.case_id
	where c.ref = '$1' and o.kind in $KINDS and o.status = '$2'"; }
report() {	# TAG: sample 02 under a Message-ID of its own
	sed "s/^Message-ID: <5e0f7c1a/Message-ID: <$1-5e0f7c1a/" \
		tests/corpus/sample/02-silkeborg-adgang-andre-kommuner.eml > "$T/$1.eml"
	dovecot_deliver borgerservice "$T/$1.eml"
}

echo "421 at the greeting"
"$ITS" "$ITS_PORT" "$T/its" -g 1 & its=$!
dovecot_track $its
dv_wait_port "$ITS_PORT" || { bad "itest_smtp -g did not start"; exit 1; }
report g421
once g1.err
R1=$(q "select ref from cases order by id desc limit 1")
total=$(q "select count(*) from outbound o join cases c on c.id = o.case_id where c.ref = '$R1' and o.kind in $KINDS")
n=$(q "select count(*) from outbound o join cases c on c.id = o.case_id where c.ref = '$R1'
	and o.status = 'queued' and o.last_error like '%421%'")
[ "$n" -ge 1 ] && ok "421: the refused session's mail queued with the 421 recorded ($n of $total)" ||
	bad "421: no mail queued with the 421"
once g2.err '+10m'
[ "$(count "$R1" sent)" = "$total" ] && ok "a later run: all $total delivered" ||
	bad "after 421: $(count "$R1" sent) of $total sent"
kill $its; wait $its 2>/dev/null

echo "a server silent after DATA"
rm -f "$T/its"/*
"$ITS" "$ITS_PORT" "$T/its" -H & its=$!
dovecot_track $its
dv_wait_port "$ITS_PORT" || { bad "itest_smtp -H did not start"; exit 1; }
report hang
start=$(date +%s)
once h1.err
took=$(( $(date +%s) - start ))
R2=$(q "select ref from cases order by id desc limit 1")
total=$(q "select count(*) from outbound o join cases c on c.id = o.case_id where c.ref = '$R2' and o.kind in $KINDS")
[ "$(count "$R2" queued)" -ge 1 ] && ok "hang: the mail in hand stays queued (--once took ${took} s, timeout 3 s)" ||
	bad "hang: nothing left queued: $(q "select status, last_error from outbound o join cases c on c.id = o.case_id where c.ref = '$R2'")"
once h2.err '+10m'
once h3.err '+30m'
[ "$(count "$R2" sent)" = "$total" ] && ok "later runs: all $total delivered" ||
	bad "after the hang: $(count "$R2" sent) of $total sent"
got=$(for f in "$T/its"/*.eml; do grep -m1 -i '^Message-ID:' "$f"; done | sort)
uniq_n=$(echo "$got" | uniq | grep -c .)
rep=$(echo "$got" | uniq -d | grep -c .)
[ "$uniq_n" = "$total" ] && ok "each of the $total mails reached the server; $rep repeated, with its own Message-ID" ||
	bad "distinct Message-IDs at the server: $uniq_n, want $total"
kill $its; wait $its 2>/dev/null

echo "STARTTLS demanded, not to be had"
sed 's/tls = "none"; from =/tls = "starttls"; from =/' "$T/bv.conf" > "$T/st.conf"
grep -q 'tls = "starttls"; from' "$T/st.conf" || bad "st.conf: no smtp.tls = starttls"
# starttls LOG FAKETIME ITEST-FLAGS...: one --once with st.conf against
# itest_smtp started with the flags; nothing may arrive.
starttls() {
	_log=$1 _ft=$2; shift 2
	rm -f "$T/its"/*
	"$ITS" "$ITS_PORT" "$T/its" "$@" & its=$!
	dovecot_track $its
	dv_wait_port "$ITS_PORT" || bad "itest_smtp $* did not start"
	timeout 90 faketime -f "$_ft" "$BVD" -c "$T/st.conf" --once 2>> "$T/$_log"
	kill $its; wait $its 2>/dev/null
	[ -z "$(ls "$T/its")" ] && ok "itest_smtp ${*:-without STARTTLS}: nothing reached the server" ||
		bad "itest_smtp $*: mail arrived: $(ls "$T/its")"
}
report tls
starttls t1.err '+1h'
R3=$(q "select ref from cases order by id desc limit 1")
total=$(q "select count(*) from outbound o join cases c on c.id = o.case_id where c.ref = '$R3' and o.kind in $KINDS")
grep -q 'does not offer STARTTLS; refusing to send without TLS' "$T/t1.err" &&
	ok "not offered: $(grep -m1 'does not offer STARTTLS' "$T/t1.err" | sed 's/^brudvagtd: //')" ||
	bad "not offered: nothing logged: $(tail -3 "$T/t1.err")"
[ "$(count "$R3" queued)" = "$total" ] && ok "all $total mails of $R3 stay queued" ||
	bad "not offered: $(count "$R3" queued) of $total queued"
starttls t2.err '+2h' -s
grep -q 'STARTTLS' "$T/t2.err" && grep -q '454\|STARTTLS failed' "$T/t2.err" &&
	ok "answered 454: $(grep -m1 'STARTTLS' "$T/t2.err" | sed 's/^brudvagtd: //')" ||
	bad "454: nothing logged: $(tail -3 "$T/t2.err")"
n=$(q "select count(*) from outbound o join cases c on c.id = o.case_id where c.ref = '$R3'
	and o.kind in $KINDS and o.status = 'queued' and o.last_error like '%STARTTLS%'")
[ "$n" -ge 1 ] && [ "$(count "$R3" queued)" = "$total" ] &&
	ok "still queued, $n with the STARTTLS refusal recorded" || bad "454: $n with STARTTLS recorded, $(count "$R3" queued) of $total queued"
"$ITS" "$ITS_PORT" "$T/its" & its=$!
dovecot_track $its
dv_wait_port "$ITS_PORT" || bad "itest_smtp did not start"
once t3.err '+4h'
kill $its; wait $its 2>/dev/null
[ "$(count "$R3" sent)" = "$total" ] && ok "tls = none on a later run: all $total sent" ||
	bad "after the refusals: $(count "$R3" sent) of $total sent"

n=$(q "pragma integrity_check")
[ "$n" = ok ] && ok "integrity_check ok" || bad "integrity_check: $n"
[ $fails = 0 ] || { echo "smtp_faults: $fails failed"; exit 1; }
echo "smtp_faults: all passed"

#!/bin/sh
# SPDX-License-Identifier: MIT
#
# deadlines.sh — the deadline clock from the outside, the clock moved by
# libfaketime (no hooks in brudvagtd): a store made by
# $BUILD/tests/itest_deadlines (one case from Egedal; forwards to Viborg,
# Favrskov and Deloitte accepted at T0 = now), brudvagtd --once against a
# private Dovecot (an empty mailbox; plain IMAP, as the test certificates
# expire after two days of faked time) at T0 + 7 h, 8 h, 16 h, 25 h, 30 h:
#   - nothing before 8 h; a reminder to each silent party at 8 h and 16 h;
#   - a second run at the same time sends nothing again;
#   - Favrskov acknowledges (brudvagtctl ack) between the reminders: no
#     16 h reminder for it, and the escalation at 25 h names exactly
#     "Viborg og Deloitte";
#   - after Viborg and Deloitte acknowledge, nothing more is sent;
#   - Viborg and Favrskov, undecided on Datatilsynet, are warned at 48 h;
#     at 73 h both are told the 72 hours have passed, the system owner once;
#   - across the end of summer time the 24 hours are real hours, and the
#     escalation says so in Copenhagen time.
# The clock queues its mails in the outbound queue; --once delivers them to
# an smtp-sink, and each step's mails are read decoded (maildecode.py).
# Run by tests/run.sh with $BUILD set.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BVD=$BUILD/brudvagtd
CTL=$BUILD/brudvagtctl
MK=$BUILD/tests/itest_deadlines
for b in "$BVD" "$CTL" "$MK"; do
	[ -x "$b" ] || { echo "deadlines: $b not built" >&2; exit 1; }
done
command -v faketime >/dev/null || { echo "deadlines: faketime missing (apt-get install faketime)" >&2; exit 1; }

. tests/lib/dovecot.sh

. tests/lib/check.sh

dovecot_setup || exit 1
dovecot_start || exit 1
T=$DV_DIR/t
mkdir -p "$T/spool" "$T/sink" "$T/seen"
chmod 0777 "$T/sink"
dv_free_port SINK_PORT || exit 1
smtp-sink -u nobody -d "$T/sink/%H%M%S." 127.0.0.1:$SINK_PORT 10 &
dovecot_track $!
dv_wait_port "$SINK_PORT" || exit 1
DECODE="/usr/bin/python3 tests/lib/maildecode.py"

cat > "$T/bv.conf" <<EOF2
accounts = (
  { name = "borgerservice"; host = "127.0.0.1"; port = $DV_PLAIN_PORT; tls = "none";
    user = "borgerservice"; password_file = "$DV_PW_BORGERSERVICE";
    mailbox = "INBOX"; timeout_seconds = 10; } );
smtp = { host = "127.0.0.1"; port = $SINK_PORT; tls = "none"; from = "brudvagt@aarhus.dk";
         message_id_domain = "brudvagt.aarhus.dk"; };
system_owner = { name = "Borgerservice, Aarhus Kommune";
                 emails = [ "borgerservice@aarhus.dk", "databeskyttelse@aarhus.dk" ]; };
supplier = { name = "Deloitte"; domains = [ "deloitte.dk" ]; emails = [ "muni@deloitte.dk" ]; };
municipalities = (
  { name = "Egedal"; domains = [ "egekom.dk" ]; contacts = ( { email = "dpo@egekom.dk"; } ); },
  { name = "Viborg"; domains = [ "viborg.dk" ];
    contacts = ( { title = "DPO"; name = "Henrik Bruun"; email = "dpo@viborg.dk"; mobile = "+45 20 00 34 01"; } ); },
  { name = "Favrskov"; domains = [ "favrskov.dk" ]; contacts = ( { email = "dpo@favrskov.dk"; } ); } );
deadlines = { ack_hours = 24; reminder_hours = [ 8, 16 ]; authority_hours = 72; digest_hour = -1; };
store = { path = "$T/brudvagt.db"; };
spool = { path = "$T/spool"; };
EOF2

t0=$(date +%s)
REF=$("$MK" "$T/brudvagt.db" "$t0") || { echo "deadlines: itest_deadlines failed" >&2; exit 1; }

# collect LABEL: the mails the sink got since the last step, decoded, into
# $T/steps/LABEL/ (smtp-sink writes a file when the session ends: wait for
# the queue's QUIT to land).
collect() {
	sleep 0.3
	mkdir -p "$T/steps/$1"
	for f in "$T/sink"/*; do
		[ -f "$f" ] || continue
		$DECODE "$f" > "$T/steps/$1/${f##*/}.txt"
		mv "$f" "$T/seen/"
	done
}
# at OFFSET: brudvagtd --once with the clock at T0 + OFFSET; its mails in
# $T/steps/OFFSET.
at() {
	timeout 60 faketime -f "+$1" "$BVD" -c "$T/bv.conf" --once 2>> "$T/once.err"
	rc=$?
	[ $rc = 0 ] || bad "--once at +$1 exited $rc: $(tail -3 "$T/once.err")"
	rm -rf "$T/steps/$1"
	collect "$1"
}
# kind STEP KIND: how many mails of X-Brudvagt-Mail KIND the step brought.
kind() { grep -l "^X-Brudvagt-Mail: $2\$" "$T/steps/$1"/* 2>/dev/null | wc -l; }
# to STEP ADDRESS: the step's mail(s) to ADDRESS.
to() { grep -l "^To: .*$2" "$T/steps/$1"/* 2>/dev/null; }
# mails: how many deadline mails so far (the case's own receipt, triage and
# forwards, which the queue sends for a case that never had them, aside).
mails() {
	grep -lE '^X-Brudvagt-Mail: (reminder|escalation|authority|digest)' \
		"$T/seen"/* 2>/dev/null | wc -l
}
ledger() { sqlite3 -batch -noheader "$T/brudvagt.db" "select count(*) from deadline_sent"; }

at 7h
[ "$(mails)" = 0 ] && ok "+7 h: nothing due" || bad "+7 h: $(mails) mails"

at 8h
[ "$(kind 8h reminder)" = 3 ] && ok "+8 h: a reminder to each of the three silent parties" ||
	bad "+8 h: $(kind 8h reminder) reminders, $(mails) mails"
f=$(to 8h 'dpo@viborg\.dk' | head -1)
[ -n "$f" ] && grep -q '^X-Brudvagt-Mail: reminder$' "$f" &&
	grep -q "^Subject: \[$REF\] Påmindelse: kvittering senest " "$f" &&
	ok "Viborg's reminder: kind, To and Subject" || bad "Viborg's reminder: $(cat $f 2>/dev/null | head -20)"
[ -n "$(to 8h 'muni@deloitte\.dk')" ] && ok "the supplier's reminder goes to its listed address" ||
	bad "no reminder to muni@deloitte.dk"
n=$(ledger)
at 8h
[ "$(mails)" = 3 ] && [ "$(ledger)" = "$n" ] && ok "+8 h again: nothing sent twice" ||
	bad "+8 h again: $(mails) mails, ledger $(ledger) (was $n)"

"$CTL" -c "$T/bv.conf" ack "$REF" Favrskov > /dev/null || bad "ack Favrskov"
at 16h
[ "$(kind 16h reminder)" = 2 ] && ok "+16 h: two reminders, none to Favrskov (acknowledged)" ||
	bad "+16 h: $(kind 16h reminder) reminders"
[ -n "$(to 16h 'favrskov')" ] && bad "+16 h: Favrskov reminded after its ack"

at 25h
# one mail to each of the system owner's two addresses
[ "$(kind 25h escalation)" = 2 ] && [ -n "$(to 25h 'borgerservice@aarhus\.dk')" ] &&
	[ -n "$(to 25h 'databeskyttelse@aarhus\.dk')" ] &&
	ok "+25 h: one escalation, to each of the system owner's addresses" ||
	bad "+25 h: $(kind 25h escalation) escalations"
f=$(to 25h 'borgerservice@aarhus\.dk' | head -1)
grep -q "^Subject: \[$REF\] Eskalering: ingen kvittering fra Viborg og Deloitte$" "$f" &&
	ok "its Subject names exactly the silent: Viborg og Deloitte" || bad "escalation: $(grep Subject "$f")"
grep -q '^X-Brudvagt-Mail: escalation$' "$f" && ok "to the system owner" ||
	bad "escalation To: $(grep '^To' "$f")"
grep -q 'Kontakt: DPO Henrik Bruun <dpo@viborg.dk>, mobil +45 20 00 34 01' "$f" &&
	ok "with the contact details" || bad "escalation body: $(cat "$f")"
n=$(mails)
at 25h
[ "$(mails)" = "$n" ] && ok "+25 h again: nothing sent twice" || bad "+25 h again: $(mails) mails, was $n"

"$CTL" -c "$T/bv.conf" ack "$REF" Viborg > /dev/null || bad "ack Viborg"
"$CTL" -c "$T/bv.conf" ack "$REF" supplier > /dev/null || bad "ack supplier"
at 30h
[ "$(mails)" = "$n" ] && ok "+30 h, everyone acknowledged: nothing more" || bad "+30 h: $(mails) mails, was $n"
"$CTL" -c "$T/bv.conf" show "$REF" > "$T/show.txt"
[ "$(grep -c ' deadline ' "$T/show.txt")" = 6 ] && ok "show: six deadline events (3 + 2 reminders, 1 escalation) in the history" ||
	bad "show: $(grep deadline "$T/show.txt")"

# GDPR art. 33: Viborg and Favrskov have recorded no Datatilsynet decision.
at 49h
[ -n "$(to 49h 'dpo@viborg\.dk')" ] && [ -n "$(to 49h 'dpo@favrskov\.dk')" ] &&
	[ "$(ls "$T/steps/49h" | wc -l)" = 2 ] && ok "+49 h: the 48 h warning to Viborg and Favrskov" ||
	bad "+49 h: $(ls "$T/steps/49h" | wc -l) mails"
[ "$(kind 49h authority)" = 2 ] && ok "kind authority" || bad "warning kind: $(grep -h X-Brudvagt-Mail "$T/steps/49h"/*)"
at 73h
[ -n "$(to 73h 'dpo@viborg\.dk')" ] && [ -n "$(to 73h 'dpo@favrskov\.dk')" ] &&
	[ "$(kind 73h authority)" = 4 ] && ok "+73 h: both municipalities told the deadline passed" ||
	bad "+73 h: $(kind 73h authority) authority mails"
f=$(to 73h 'borgerservice@aarhus\.dk')
[ "$(echo "$f" | grep -c .)" = 1 ] &&
	grep -q "^Subject: \[$REF\] Datatilsynet: fristen er overskredet uden beslutning fra Viborg og Favrskov$" "$f" &&
	ok "and the system owner once, naming both" || bad "owner's authority mail: $f $(grep Subject $f)"
n=$(mails)
at 80h
[ "$(mails)" = "$n" ] && ok "+80 h: nothing twice" || bad "+80 h: $(mails) mails, was $n"

# The end of summer time: forwards accepted Saturday 24 October 2026 at
# 12.00 CEST (10:00 UTC); the 24 hours end Sunday at 11.00 CET (10:00 UTC),
# not at 12.00 on the wall clock. Absolute fake times, a store of its own.
cp "$T/bv.conf" "$T/dst.conf"
sed -i "s|$T/brudvagt.db|$T/dst.db|; s|$T/spool|$T/dst-spool|" "$T/dst.conf"
mkdir -p "$T/dst-spool"
DREF=$("$MK" "$T/dst.db" "$(date -u -d '2026-10-24 10:00:00' +%s)") || bad "itest_deadlines (DST)"
dst_at() {
	TZ=UTC timeout 60 faketime "$1" "$BVD" -c "$T/dst.conf" --once 2>> "$T/once.err" ||
		bad "--once at $1 failed"
	rm -rf "$T/steps/$2"
	collect "$2"
}
dst_at '2026-10-25 09:59:00' dst1
[ "$(kind dst1 escalation)" = 0 ] || bad "DST: escalated at 10.59 CET, before the deadline"
dst_at '2026-10-25 10:00:30' dst2
f=$(grep -l '^X-Brudvagt-Mail: escalation$' "$T/steps/dst2"/* 2>/dev/null | head -1)
[ -n "$f" ] && grep -q '^  Underrettet: 24.10.2026 kl. 12.00, frist: 25.10.2026 kl. 11.00$' "$f" &&
	ok "DST: escalated at 11.00 CET, 24 hours after 12.00 CEST, both times in Copenhagen time" ||
	bad "DST escalation: $(cat "$f" 2>/dev/null | head -12)"

[ $fails = 0 ] || { echo "deadlines: $fails failed"; exit 1; }
echo "deadlines: all passed"

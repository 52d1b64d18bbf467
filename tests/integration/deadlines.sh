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
# The mails are read from SPOOL/deadline-outbox (deadline_send_to_dir) until
# the outbound queue takes them. Run by tests/run.sh with $BUILD set.
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

fails=0
ok() { echo "  ok   $*"; }
bad() { echo "  FAIL $*"; fails=$((fails + 1)); }

dovecot_setup || exit 1
dovecot_start || exit 1
T=$DV_DIR/t
mkdir -p "$T/spool"
OUT=$T/spool/deadline-outbox

cat > "$T/bv.conf" <<EOF2
accounts = (
  { name = "borgerservice"; host = "127.0.0.1"; port = $DV_PLAIN_PORT; tls = "none";
    user = "borgerservice"; password_file = "$DV_PW_BORGERSERVICE";
    mailbox = "INBOX"; timeout_seconds = 10; } );
smtp = { host = "127.0.0.1"; port = 2525; tls = "none"; from = "brudvagt@aarhus.dk";
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

# at OFFSET [LABEL]: brudvagtd --once with the clock at T0 + OFFSET.
at() {
	timeout 60 faketime -f "+$1" "$BVD" -c "$T/bv.conf" --once 2>> "$T/once.err"
	rc=$?
	[ $rc = 0 ] || bad "--once at +$1 exited $rc: $(tail -3 "$T/once.err")"
}
count() { ls "$OUT" 2>/dev/null | grep -c "$1"; }
mails() { ls "$OUT" 2>/dev/null | wc -l; }
ledger() { sqlite3 -batch -noheader "$T/brudvagt.db" "select count(*) from deadline_sent"; }

at 7h
[ "$(mails)" = 0 ] && ok "+7 h: nothing due" || bad "+7 h: $(mails) mails: $(ls "$OUT")"

at 8h
[ "$(count '_reminder_.*_8h.eml')" = 3 ] && ok "+8 h: a reminder to each of the three silent parties" ||
	bad "+8 h: $(ls "$OUT")"
f=$(grep -l '^To: dpo@viborg.dk$' "$OUT"/*_8h.eml)
[ -n "$f" ] && grep -q '^X-Brudvagt-Mail: reminder$' "$f" &&
	grep -q "^Subject: \[$REF\] Påmindelse: kvittering senest " "$f" &&
	ok "Viborg's reminder: kind, To and Subject" || bad "Viborg's reminder: $(cat $f 2>/dev/null)"
grep -q '^To: muni@deloitte.dk$' "$OUT"/*_8h.eml && ok "the supplier's reminder goes to its listed address" ||
	bad "no reminder to muni@deloitte.dk"
n=$(ledger)
at 8h
[ "$(mails)" = 3 ] && [ "$(ledger)" = "$n" ] && ok "+8 h again: nothing sent twice" ||
	bad "+8 h again: $(mails) mails, ledger $(ledger) (was $n)"

"$CTL" -c "$T/bv.conf" ack "$REF" Favrskov > /dev/null || bad "ack Favrskov"
at 16h
[ "$(count '_reminder_.*_16h.eml')" = 2 ] && ok "+16 h: two reminders, none to Favrskov (acknowledged)" ||
	bad "+16 h: $(ls "$OUT")"
grep -l 'favrskov' "$OUT"/*_16h.eml >/dev/null 2>&1 && bad "+16 h: Favrskov reminded after its ack"

at 25h
esc=$(ls "$OUT" | grep '_escalation_')
[ "$(echo "$esc" | grep -c .)" = 1 ] && ok "+25 h: one escalation" || bad "+25 h: escalations: '$esc'"
f=$OUT/$(echo "$esc" | head -1)
grep -q "^Subject: \[$REF\] Eskalering: ingen kvittering fra Viborg og Deloitte$" "$f" &&
	ok "its Subject names exactly the silent: Viborg og Deloitte" || bad "escalation: $(grep Subject "$f")"
grep -q '^To: borgerservice@aarhus.dk, databeskyttelse@aarhus.dk$' "$f" && ok "to the system owner" ||
	bad "escalation To: $(grep '^To' "$f")"
grep -q 'Kontakt: DPO Henrik Bruun <dpo@viborg.dk>, mobil +45 20 00 34 01' "$f" &&
	ok "with the contact details" || bad "escalation body: $(cat "$f")"
n=$(mails)
at 25h
[ "$(mails)" = "$n" ] && ok "+25 h again: nothing sent twice" || bad "+25 h again: $(mails) mails, was $n"

"$CTL" -c "$T/bv.conf" ack "$REF" Viborg > /dev/null || bad "ack Viborg"
"$CTL" -c "$T/bv.conf" ack "$REF" supplier > /dev/null || bad "ack supplier"
at 30h
[ "$(mails)" = "$n" ] && ok "+30 h, everyone acknowledged: nothing more" || bad "+30 h: $(ls "$OUT")"
"$CTL" -c "$T/bv.conf" show "$REF" > "$T/show.txt"
[ "$(grep -c ' deadline ' "$T/show.txt")" = 6 ] && ok "show: six deadline events (3 + 2 reminders, 1 escalation) in the history" ||
	bad "show: $(grep deadline "$T/show.txt")"

# GDPR art. 33: Viborg and Favrskov have recorded no Datatilsynet decision.
at 49h
[ "$(count '_authority-warning_.*_48h.eml')" = 2 ] && ok "+49 h: the 48 h warning to Viborg and Favrskov" ||
	bad "+49 h: $(ls "$OUT" | grep authority)"
grep -q '^X-Brudvagt-Mail: authority$' "$OUT"/*authority-warning*48h.eml && ok "kind authority" ||
	bad "warning kind: $(grep X-Brudvagt-Mail "$OUT"/*authority-warning*)"
at 73h
[ "$(count '_authority-passed_')" = 2 ] && ok "+73 h: both municipalities told the deadline passed" ||
	bad "+73 h: $(ls "$OUT" | grep authority)"
f=$(ls "$OUT"/*_authority-owner_* 2>/dev/null)
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
}
dst_at '2026-10-25 09:59:00'
ls "$T/dst-spool/deadline-outbox" | grep -q escalation && bad "DST: escalated at 10.59 CET, before the deadline"
dst_at '2026-10-25 10:00:30'
f=$(ls "$T/dst-spool/deadline-outbox"/*_escalation_* 2>/dev/null | head -1)
[ -n "$f" ] && grep -q '^  Underrettet: 24.10.2026 kl. 12.00, frist: 25.10.2026 kl. 11.00$' "$f" &&
	ok "DST: escalated at 11.00 CET, 24 hours after 12.00 CEST, both times in Copenhagen time" ||
	bad "DST escalation: $(cat "$f" 2>/dev/null | head -12)"

[ $fails = 0 ] || { echo "deadlines: $fails failed"; exit 1; }
echo "deadlines: all passed"

#!/bin/sh
# SPDX-License-Identifier: MIT
#
# e2e.sh — the procedure end to end, with a real Dovecot and an SMTP sink on
# 127.0.0.1 and the clock moved by libfaketime: the system owner reports a
# breach at Odder, Samsø and Skanderborg; brudvagtd forwards it to the three
# municipalities and Deloitte; Odder, Samsø and Deloitte reply, Skanderborg
# answers with an out-of-office; 25 hours later the escalation to the system
# owner names exactly Skanderborg ("Eskalering: ingen kvittering fra
# Skanderborg"), with its return date. Run by tests/run.sh with $BUILD set.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BVD=$BUILD/brudvagtd
CTL=$BUILD/brudvagtctl
DECODE="/usr/bin/python3 tests/lib/maildecode.py"
for b in "$BVD" "$CTL"; do
	[ -x "$b" ] || { echo "e2e: $b not built" >&2; exit 1; }
done

. tests/lib/dovecot.sh

. tests/lib/check.sh

dovecot_setup || exit 1
dovecot_start || exit 1
T=$DV_DIR/t
mkdir -p "$T/sink" "$T/dec"
chmod 0777 "$T/sink"
dv_free_port SINK_PORT || exit 1
smtp-sink -u nobody -d "$T/sink/%H%M%S." 127.0.0.1:$SINK_PORT 10 &
dovecot_track $!
dv_wait_port "$SINK_PORT" || exit 1

cat > "$T/bv.conf" <<EOF2
accounts = (
  { name = "borgerservice"; host = "127.0.0.1"; port = $DV_PLAIN_PORT; tls = "none";
    user = "borgerservice"; password_file = "$DV_PW_BORGERSERVICE";
    mailbox = "INBOX"; timeout_seconds = 10; } );
smtp = { host = "127.0.0.1"; port = $SINK_PORT; tls = "none"; from = "brudvagt@aarhus.dk";
         message_id_domain = "brudvagt.aarhus.dk"; timeout_seconds = 5; };
system_owner = { name = "Borgerservice, Aarhus Kommune";
                 emails = [ "borgerservice@aarhus.dk", "databeskyttelse@aarhus.dk" ]; };
supplier = { name = "Deloitte"; domains = [ "deloitte.dk" ]; emails = [ "muni@deloitte.dk" ]; };
municipalities = (
  { name = "Odder"; domains = [ "odder.dk" ]; contacts = ( { email = "dpo@odder.dk"; } ); },
  { name = "Samsø"; domains = [ "samsoe.dk" ]; contacts = ( { email = "dpo@samsoe.dk"; } ); },
  { name = "Skanderborg"; domains = [ "skanderborg.dk" ];
    contacts = ( { title = "DPO"; name = "Karen Lauridsen"; email = "dpo@skanderborg.dk"; } ); },
  { name = "Aarhus"; domains = [ "aarhus.dk" ]; contacts = ( { email = "dpo@aarhus.dk"; } ); } );
deadlines = { ack_hours = 24; reminder_hours = [ 8, 16 ]; authority_hours = 72; digest_hour = -1; };
store = { path = "$T/brudvagt.db"; };
spool = { path = "$T/spool"; };
EOF2

# once [OFFSET]: brudvagtd --once, the clock at now + OFFSET.
once() {
	if [ -n "${1:-}" ]; then
		timeout 60 faketime -f "+$1" "$BVD" -c "$T/bv.conf" --once 2>> "$T/once.err"
	else
		timeout 60 "$BVD" -c "$T/bv.conf" --once 2>> "$T/once.err"
	fi || bad "--once ${1:-} failed: $(tail -3 "$T/once.err")"
	sleep 0.3	# smtp-sink writes a mail when its session ends
}
# decoded: decode every captured mail into $T/dec (once each).
decoded() {
	for f in "$T/sink"/*; do
		[ -f "$f" ] && [ ! -f "$T/dec/${f##*/}.txt" ] && $DECODE "$f" > "$T/dec/${f##*/}.txt"
	done
}

# The system owner's report (sample 11), sent now.
sed -e "s/^Date: .*/Date: $(date -R)/" \
	-e 's/i dag kl. 10.05/i dag kl. 00.05/' \
	tests/corpus/sample/11-systemejer-statistiklink.eml > "$T/report.eml"
dovecot_deliver borgerservice "$T/report.eml"
once
REF=$(q "select ref from cases")
[ -n "$REF" ] && ok "the report opened $REF" || bad "no case"
decoded
for a in dpo@odder.dk dpo@samsoe.dk dpo@skanderborg.dk muni@deloitte.dk; do
	grep -l "^X-Brudvagt-Mail: forward" "$T/dec"/*.txt | xargs grep -l "^To: .*$a" >/dev/null ||
		bad "no forward to $a"
done
[ "$fails" = 0 ] && ok "forwards to Odder, Samsø, Skanderborg and Deloitte"
FWD=$(grep -l "^X-Brudvagt-Mail: forward" "$T/dec"/*.txt | xargs grep -l "^To: .*dpo@odder.dk" |
	head -1 | xargs grep -m1 '^Message-ID:' | sed 's/^Message-ID: *//')

# Replies: two municipalities and the supplier acknowledge; the third
# municipality is away.
reply() {	# FROM SUBJECT EXTRA-HEADERS BODY
	printf 'From: %s\r\nTo: brudvagt@aarhus.dk\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s.%s@test>\r\nIn-Reply-To: %s\r\nReferences: %s\r\n%sContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' \
		"$1" "$2" "$(date -R)" "$(date +%s%N)" "${1%@*}" "$FWD" "$FWD" "$3" "$4" > "$T/reply.eml"
	dovecot_deliver borgerservice "$T/reply.eml"
}
reply "dpo@odder.dk" "SV: [$REF] Sikkerhedsbrud i MUNI" "" "Modtaget, tak. Odder Kommune."
reply "dpo@samsoe.dk" "Re: [$REF] Sikkerhedsbrud i MUNI" "" "Vi bekræfter modtagelsen. Vi anmelder ikke bruddet til Datatilsynet."
reply "muni@deloitte.dk" "RE: [$REF] Sikkerhedsbrud i MUNI" "" "Received, we are investigating."
reply "dpo@skanderborg.dk" "Automatisk svar: [$REF] Sikkerhedsbrud i MUNI" "Auto-Submitted: auto-replied\r\n" \
	"Jeg er på ferie og tilbage mandag den 14. december 2026."
once
acked=$(q "select group_concat(p.name, ',') from (select name from parties where ack_at is not null order by name) p")
[ "$acked" = "Deloitte,Odder,Samsø" ] && ok "acknowledged: $acked; the out-of-office is none" ||
	bad "acknowledged: '$acked'"
ret=$(q "select return_date is not null from parties where name = 'Skanderborg'")
[ "$ret" = 1 ] && ok "Skanderborg's return date recorded" || bad "no return date for Skanderborg"
dec=$(q "select authority_decision from parties where name = 'Samsø'")
[ "$dec" = 0 ] && ok "Samsø's decision recorded: no notification" || bad "Samsø's decision: '$dec'"

# A day later: the escalation names exactly the silent one.
before=$(ls "$T/sink" | wc -l)
once 25h
decoded
esc=$(grep -l '^X-Brudvagt-Mail: escalation' "$T/dec"/*.txt 2>/dev/null)
n=$(echo "$esc" | grep -c .)
[ "$n" -ge 1 ] && ok "+25 h: escalated to the system owner ($n mails)" || bad "+25 h: no escalation"
f=$(echo "$esc" | head -1)
if grep -q "^Subject: \[$REF\] Eskalering: ingen kvittering fra Skanderborg$" "$f" 2>/dev/null; then
	ok "its Subject names exactly Skanderborg"
else
	bad "escalation Subject: $(grep '^Subject' "$f" 2>/dev/null)"
fi
grep -q 'dpo@skanderborg.dk' "$f" && ok "with Skanderborg's contact" || bad "no contact in the escalation"
grep -q '14.12.2026' "$f" && ok "and its return date" || bad "no return date in the escalation"
grep -q "^To: .*borgerservice@aarhus.dk" $esc && ok "to the system owner" || bad "escalation not to the system owner"
after=$(ls "$T/sink" | wc -l)
once 25h
[ "$(ls "$T/sink" | wc -l)" = "$after" ] && ok "a second run at +25 h sends nothing" ||
	bad "a second run sent $(( $(ls "$T/sink" | wc -l) - after )) more"
[ "$after" -gt "$before" ] || bad "nothing sent at +25 h"

[ $fails = 0 ] || { echo "e2e: $fails failed"; exit 1; }
echo "e2e: all passed"

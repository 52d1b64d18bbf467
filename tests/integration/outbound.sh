#!/bin/sh
# SPDX-License-Identifier: MIT
#
# outbound.sh — brudvagtd's outbound mail against a private Dovecot
# (tests/lib/dovecot.sh), Postfix's smtp-sink and a scripted SMTP server
# (build/tests/itest_smtp):
#   - a municipality's report with CPR numbers, a spoofed one, the
#     supplier's (all municipalities), the system owner's and one with a
#     hostile subject and name: exactly the recipients of the procedure's
#     table; subject tags, Message-IDs, In-Reply-To/References per the
#     contract; the original attached to the triage only; no CPR number in
#     any byte to the supplier or a municipality (after decoding QP and
#     base64); no injected header;
#   - the spoofed report is held (triage only) until brudvagtctl release;
#   - a bounce through IMAP fails its mail; 451 then success; 550 → failed on the case and a delivery-failure
#     mail naming the address; the SMTP server down → queued → delivered
#     once it is up; a certificate from the wrong CA refused;
#   - kill -9 during delivery, restart: every mail reaches the server, a
#     repeat only with the same Message-ID (counted and printed); mails the
#     restart itself deferred get one retry after the backoff, with a note
#     saying why they were deferred.
# Run by tests/run.sh with $BUILD set; exits 0 when every check passes.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BVD=$BUILD/brudvagtd
CTL=$BUILD/brudvagtctl
ITS=$BUILD/tests/itest_smtp
SAMPLE=tests/corpus/sample
DECODE="/usr/bin/python3 tests/lib/maildecode.py"
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 | head -1)
for b in "$BVD" "$CTL" "$ITS"; do
	[ -x "$b" ] || { echo "outbound: $b not built" >&2; exit 1; }
done
command -v smtp-sink >/dev/null || { echo "outbound: smtp-sink missing (postfix)" >&2; exit 1; }

. tests/lib/dovecot.sh

. tests/lib/check.sh
# This test's mails; the deadline clock (--once runs it) adds its own.
KINDS="('receipt', 'triage', 'forward', 'delivery-failure')"

dovecot_setup || exit 1
dovecot_start || exit 1
T=$DV_DIR/t
mkdir -p "$T/sink" "$T/its" "$T/dec"
chmod 0777 "$T/sink"
dv_free_port SINK_PORT && dv_free_port ITS_PORT && dv_free_port TLS_PORT || exit 1

# conf FILE PORT [TLS CA]
conf() {
	cat > "$1" <<EOF2
accounts = (
  { name = "borgerservice"; host = "127.0.0.1"; port = $DV_IMAPS_PORT; tls = "implicit";
    ca_file = "$DV_CA"; user = "borgerservice"; password_file = "$DV_PW_BORGERSERVICE";
    mailbox = "INBOX"; timeout_seconds = 10; } );
smtp = { host = "127.0.0.1"; port = $2; tls = "${3:-none}"; ${4:+ca_file = \"$4\";}
         from = "brudvagt@aarhus.dk"; message_id_domain = "brudvagt.aarhus.dk";
         timeout_seconds = 3; };
system_owner = { name = "Borgerservice, Aarhus Kommune";
                 emails = [ "borgerservice@aarhus.dk", "databeskyttelse@aarhus.dk" ]; };
supplier = { name = "Deloitte"; domains = [ "deloitte.dk" ]; emails = [ "sikkerhed@deloitte.dk" ]; };
municipalities = (
  { name = "Silkeborg"; domains = [ "silkeborg.dk" ]; contacts = ( { email = "dpo@silkeborg.dk"; } ); },
  { name = "Viborg"; domains = [ "viborg.dk" ]; contacts = ( { email = "dpo@viborg.dk"; name = "Hanne Dahl"; } ); },
  { name = "Favrskov"; domains = [ "favrskov.dk" ]; contacts = ( { email = "dpo@favrskov.dk"; }, { email = "it@favrskov.dk"; } ); },
  { name = "Skive"; domains = [ "skivekommune.dk" ]; contacts = ( { email = "dpo@skivekommune.dk"; } ); },
  { name = "Odder"; domains = [ "odder.dk" ]; contacts = ( { email = "dpo@odder.dk"; } ); },
  { name = "Aarhus"; domains = [ "aarhus.dk" ]; contacts = ( { email = "dpo@aarhus.dk"; } ); } );
deadlines = { digest_hour = -1; };	# no daily digest mixed into the counts
store = { path = "$T/brudvagt.db"; };
spool = { path = "$T/spool"; };
EOF2
}
conf "$T/sink.conf" "$SINK_PORT"
conf "$T/its.conf" "$ITS_PORT"
conf "$T/wrongca.conf" "$TLS_PORT" implicit "$DV_WRONG_CA"

once() {	# CONF LOG [FAKETIME]
	if [ -n "${3:-}" ]; then
		timeout 60 faketime -f "$3" "$BVD" -c "$1" --once 2>> "$2"
	else
		timeout 60 "$BVD" -c "$1" --once 2>> "$2"
	fi
}

# A report with CR/LF hidden in encoded words of its subject and name.
cat > "$T/hostile.eml" <<'EOF2'
From: =?UTF-8?Q?Hanne=0D=0ABcc:_evil@example.com?= <dpo@viborg.dk>
To: borgerservice@aarhus.dk
Subject: =?UTF-8?Q?Sikkerhedsbrud_i_MUNI=0D=0ABcc:_evil@example.com=0D=0A=0D=0Ax?=
Date: Mon, 26 Oct 2026 09:00:00 +0100
Message-ID: <hostile-1@viborg.dk>
Authentication-Results: mx.aarhus.dk; spf=pass smtp.mailfrom=viborg.dk;
	dkim=pass header.d=viborg.dk; dmarc=pass header.from=viborg.dk
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hej

Vi har konstateret et brud på persondatasikkerheden i MUNI. En borgers
CPR-nummer 010170-1234 blev vist til en anden borger i chatten.

Venlig hilsen
Hanne
EOF2

echo "smtp-sink: five reports"
smtp-sink -u nobody -d "$T/sink/%H%M%S." 127.0.0.1:$SINK_PORT 10 &
dovecot_track $!
dv_wait_port "$SINK_PORT" || exit 1
for f in 02-silkeborg-adgang-andre-kommuner 08-skive-kort-dmarc-fail \
	 09-deloitte-alle-kommuner-base64 11-systemejer-statistiklink; do
	dovecot_deliver borgerservice "$SAMPLE/$f.eml"
done
dovecot_deliver borgerservice "$T/hostile.eml"
t0=$(date +%s%3N)
once "$T/sink.conf" "$T/once1.err" && ok "--once exits 0 ($(( $(date +%s%3N) - t0 )) ms for 5 reports)" ||
	bad "--once failed: $(tail -3 "$T/once1.err")"

# decode_all DIR: DIR/*.eml-ish captures decoded into $T/dec/NAME.txt;
# prints "CASE KIND RCPT" per mail, sorted.
summary() {
	for f in "$T/sink"/*; do
		[ -f "$f" ] || continue
		d="$T/dec/$(basename "$f").txt"
		[ -f "$d" ] || $DECODE "$f" > "$d"
		case_=$(grep -m1 '^X-Brudvagt-Case:' "$d" | cut -d' ' -f2)
		kind=$(grep -m1 '^X-Brudvagt-Mail:' "$d" | cut -d' ' -f2)
		rcpt=$(grep -m1 '^X-Rcpt-Args:' "$d" | sed 's/.*<\(.*\)>.*/\1/')
		echo "$case_ $kind $rcpt"
	done | grep -E ' (receipt|triage|forward|delivery-failure) ' | sort
}
expect() {	# CASE "KIND RCPT..." as "kind:rcpt" words
	got=$(summary | awk -v c="$1" '$1 == c { print $2 ":" $3 }' | tr '\n' ' ' | sed 's/ $//')
	want=$(echo "$2" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$want" ] && ok "$1 ($3): $got" || bad "$1 ($3): got '$got', want '$want'"
}
ref() { q "select ref from cases c join messages m on m.id = c.report_message where m.message_id = '$1'"; }
R02=$(ref '<5e0f7c1a-93d2-4b8e-a7f4-61c2d9b0e3a5@silkeborg.dk>')
R08=$(ref '<9C41E0B2-77D5-4F3A-B8E6-2A5D0C13F9B7@skivekommune.dk>')
R09=$(ref '<DU2PR09MB7788E1F2A3B4C5D6E7F8091A2B3C4D5E@DU2PR09MB7788.eurprd09.prod.outlook.com>')
R11=$(ref '<AM0PR09MB2211D4E5F6A7B8C9D0E1F2A3B4C5D6E7@AM0PR09MB2211.eurprd09.prod.outlook.com>')
RH=$(ref '<hostile-1@viborg.dk>')
SO="triage:borgerservice@aarhus.dk triage:databeskyttelse@aarhus.dk"
expect "$R02" "receipt:jonas.riis@silkeborg.dk $SO forward:sikkerhed@deloitte.dk forward:dpo@viborg.dk forward:dpo@favrskov.dk forward:it@favrskov.dk" "municipality, CPR numbers"
expect "$R08" "$SO" "spoofed: held, triage only"
expect "$R09" "receipt:rjandersen@deloitte.dk $SO forward:dpo@silkeborg.dk forward:dpo@viborg.dk forward:dpo@favrskov.dk forward:it@favrskov.dk forward:dpo@skivekommune.dk forward:dpo@odder.dk forward:dpo@aarhus.dk" "supplier, all municipalities"
expect "$R11" "receipt:borgerservice@aarhus.dk forward:sikkerhed@deloitte.dk forward:dpo@odder.dk" "system owner"
expect "$RH" "receipt:dpo@viborg.dk $SO forward:sikkerhed@deloitte.dk" "hostile subject"

# Headers per the contract, on every mail.
hdr_bad=""
for d in $(grep -l '^X-Brudvagt-Mail: \(receipt\|triage\|forward\)$' "$T/dec"/*.txt); do
	c=$(grep -m1 '^X-Brudvagt-Case:' "$d" | cut -d' ' -f2)
	grep -m1 '^Subject:' "$d" | grep -qF "[$c]" || hdr_bad="$hdr_bad subject:$d"
	grep -m1 '^Message-ID:' "$d" | grep -Eq "^Message-ID: <case-$c\.[0-9]+@brudvagt\.aarhus\.dk>$" || hdr_bad="$hdr_bad mid:$d"
	grep -qx 'Auto-Submitted: auto-generated' "$d" || hdr_bad="$hdr_bad auto:$d"
	mid=$(q "select m.message_id from cases c join messages m on m.id = c.report_message where c.ref = '$c'")
	grep -qxF "In-Reply-To: $mid" "$d" && grep -qxF "References: $mid" "$d" || hdr_bad="$hdr_bad irt:$d"
done
[ -z "$hdr_bad" ] && ok "every mail: [REF] subject, <case-REF.SEQ@domain>, Auto-Submitted, In-Reply-To/References = the report" ||
	bad "headers:$hdr_bad"
n=$(for d in "$T/dec"/*.txt; do grep -m1 '^Message-ID:' "$d"; done | sort | uniq -d | wc -l)
[ "$n" = 0 ] && ok "Message-IDs unique" || bad "$n Message-IDs repeated"

# No CPR number to the supplier or a municipality; the triage has the original.
cpr=0
for d in "$T/dec"/*.txt; do
	grep -q '^X-Brudvagt-Mail: triage' "$d" && continue
	grep -Eq '030478.?1234|121190.?4321|010170.?1234' "$d" && cpr=$((cpr + 1))
	grep -Eq '030478.?1234|121190.?4321|010170.?1234' "$(echo "$d" | sed 's|/dec/|/sink/|; s|\.txt$||')" && cpr=$((cpr + 1))
done
[ $cpr = 0 ] && ok "no CPR number in any receipt or forward (raw and decoded)" || bad "$cpr mails with a CPR number"
n=$(grep -l '^X-Brudvagt-Mail: forward' "$T/dec"/*.txt | xargs grep -l 'CPR fjernet' | wc -l)
[ "$n" -ge 4 ] && ok "forwards say [CPR fjernet] ($n)" || bad "forwards with [CPR fjernet]: $n"
tri=$(grep -l "^X-Brudvagt-Case: $R02" "$T/dec"/*.txt | xargs grep -l '^X-Brudvagt-Mail: triage' | head -1)
grep -q '^Content-Type: message/rfc822' "$tri" && grep -q '030478-1234' "$tri" &&
	grep -q '^Message-ID: <5e0f7c1a-93d2-4b8e-a7f4-61c2d9b0e3a5@silkeborg.dk>' "$tri" &&
	ok "triage carries the original as message/rfc822" || bad "triage without the original: $tri"
n=$(grep -l '^X-Brudvagt-Mail: \(forward\|receipt\)' "$T/dec"/*.txt | xargs grep -l 'message/rfc822' | wc -l)
[ "$n" = 0 ] && ok "the original goes nowhere else" || bad "$n non-triage mails carry a message/rfc822"
grep -q 'IKKE VERIFICERET' $(grep -l "^X-Brudvagt-Case: $R08" "$T/dec"/*.txt) &&
	ok "$R08 triage marked IKKE VERIFICERET" || bad "$R08 triage not marked unverified"

# Header injection: no Bcc line, no recipient outside the table, anywhere.
if grep -qi '^bcc:' "$T/sink"/* || grep -q 'evil@example.com' "$T/sink"/* /dev/null | grep -q 'X-Rcpt'; then
	bad "an injected header reached the wire"
else
	ok "hostile subject and name: no injected header"
fi
grep -l "^X-Brudvagt-Case: $RH" "$T/dec"/*.txt | xargs grep -h '^Subject:' | head -1 | grep -q '^Subject: .*Sikkerhedsbrud i MUNI \?Bcc: evil@example.com' &&
	ok "the hostile subject is kept on one line" || bad "hostile subject: $(grep -l "^X-Brudvagt-Case: $RH" "$T/dec"/*.txt | xargs grep -h '^Subject:' | head -1)"
n=$(q "select count(*) from parties p join cases c on c.id = p.case_id where c.ref = '$R02' and p.name in ('Viborg', 'Favrskov', 'Deloitte') and p.notified_at is not null")
[ "$n" = 3 ] && ok "notified_at set for the parties whose forward was accepted" || bad "notified_at: $n of 3"
grep -q '030478\|121190\|010170' "$T/once1.err" && bad "a CPR number reached the log" || ok "no CPR number in the log"

echo "release and reject"
before=$(summary | wc -l)
"$CTL" -c "$T/sink.conf" release "$R08" > "$T/rel.out" 2>&1 && ok "release $R08: $(cat "$T/rel.out")" || bad "release: $(cat "$T/rel.out")"
"$CTL" -c "$T/sink.conf" release "$R08" > /dev/null 2>&1; rc=$?
[ $rc = 65 ] && ok "a second release refused (65)" || bad "second release: $rc"
"$CTL" -c "$T/sink.conf" reject "$R02" > /dev/null 2>&1; rc=$?
[ $rc = 65 ] && ok "reject of an open case refused (65)" || bad "reject open: $rc"
once "$T/sink.conf" "$T/once2.err"
expect "$R08" "receipt:lokj@skivekommune.dk $SO forward:sikkerhed@deloitte.dk" "released"
n=$(( $(summary | wc -l) - before ))
[ "$n" = 2 ] && ok "release sent 2 mails" || bad "release sent $n mails"

echo "a bounce of a forward, through IMAP"
seq=$(q "select o.seq from outbound o join cases c on c.id = o.case_id where c.ref = '$R02' and o.recipients = 'dpo@viborg.dk' and o.kind = 'forward'")
sed -e "s/BV-2026-0004/$R02/g" -e "s/case-$R02\.17@/case-$R02.$seq@/" \
    -e 's/^Message-Id: <20261015152140/Message-Id: <bounce-20261015152140/' \
    -e 's/it-sikkerhed@halsnaes.dk/dpo@viborg.dk/g' "$SAMPLE/15-bounce-bv-2026-0004.eml" > "$T/bounce.eml"
dovecot_deliver borgerservice "$T/bounce.eml"
once "$T/sink.conf" "$T/once3.err"
st=$(q "select o.status || ' ' || o.last_error from outbound o join cases c on c.id = o.case_id where c.ref = '$R02' and o.seq = $seq")
case $st in failed\ bounced:*) ok "bounce: $R02 seq $seq (dpo@viborg.dk) failed: $st" ;; *) bad "bounce: '$st'" ;; esac
n=$(summary | grep -c "^$R02 delivery-failure ")
[ "$n" = 2 ] && ok "bounce: the system owner told (2 delivery-failure mails)" || bad "bounce notices: $n"

echo "scripted SMTP: 451 twice, 550 for it@favrskov.dk, then the server down"
"$ITS" "$ITS_PORT" "$T/its" -t 2 -r it@favrskov.dk & its=$!
dovecot_track $its
dv_wait_port "$ITS_PORT" || exit 1
sed 's/^Message-ID: <5e0f7c1a/Message-ID: <retry-5e0f7c1a/' "$SAMPLE/02-silkeborg-adgang-andre-kommuner.eml" > "$T/r1.eml"
dovecot_deliver borgerservice "$T/r1.eml"
once "$T/its.conf" "$T/its1.err"
R1=$(q "select ref from cases order by id desc limit 1")
n=$(q "select count(*) from outbound o join cases c on c.id = o.case_id where c.ref = '$R1' and o.status = 'queued' and o.last_error like '%451%'")
[ "$n" = 2 ] && ok "451: 2 mails deferred" || bad "deferred after 451: $n"
st=$(q "select o.status || ' ' || o.last_error from outbound o join cases c on c.id = o.case_id where c.ref = '$R1' and recipients = 'it@favrskov.dk'")
case $st in failed*550*) ok "550: it@favrskov.dk failed ($st)" ;; *) bad "it@favrskov.dk: '$st'" ;; esac
q "select detail from events e join cases c on c.id = e.case_id where c.ref = '$R1' and type = 'delivery_failed'" | grep -q 'it@favrskov.dk' &&
	ok "delivery_failed event on $R1" || bad "no delivery_failed event"
n=$(grep -l '^X-Brudvagt-Mail: delivery-failure' "$T/its"/*.eml 2>/dev/null | xargs -r $DECODE | grep -c 'Modtager: *it@favrskov.dk')
[ "$n" = 2 ] && ok "delivery-failure to both system-owner addresses, naming it@favrskov.dk" || bad "delivery-failure mails naming it: $n"
once "$T/its.conf" "$T/its2.err" '+10m'
n=$(q "select count(*) from outbound o join cases c on c.id = o.case_id where c.ref = '$R1' and o.status = 'sent' and o.kind in ('receipt', 'triage', 'forward')")
[ "$n" = 6 ] && ok "after the backoff: 6 of the 7 mails sent" || bad "sent for $R1: $n, want 6"
mids() { for f in "$T/its"/*.eml; do grep -m1 '^Message-ID:' "$f"; done; }
dup=$(mids | sort | uniq -d | wc -l)
[ "$dup" = 0 ] && ok "each delivered once" || bad "$dup Message-IDs delivered twice"

kill $its; wait $its 2>/dev/null
sed 's/^Message-ID: <5e0f7c1a/Message-ID: <down-5e0f7c1a/' "$SAMPLE/02-silkeborg-adgang-andre-kommuner.eml" > "$T/r2.eml"
dovecot_deliver borgerservice "$T/r2.eml"
once "$T/its.conf" "$T/its3.err" '+20m'
R2=$(q "select ref from cases order by id desc limit 1")
n=$(q "select count(*) from outbound o join cases c on c.id = o.case_id where c.ref = '$R2' and o.status = 'queued' and o.kind in $KINDS")
[ "$n" = 7 ] && ok "server down: 7 mails queued" || bad "server down: $n queued"
"$CTL" -c "$T/its.conf" queue | grep -q "$R2" && ok "brudvagtctl queue lists them" || bad "queue does not list $R2"
"$ITS" "$ITS_PORT" "$T/its" & its=$!
dovecot_track $its
dv_wait_port "$ITS_PORT"
once "$T/its.conf" "$T/its4.err" '+40m'
n=$(q "select count(*) from outbound o join cases c on c.id = o.case_id where c.ref = '$R2' and o.status = 'sent' and o.kind in $KINDS")
[ "$n" = 7 ] && ok "server up again: all 7 delivered" || bad "after the server came up: $n sent"

echo "TLS: a certificate from the wrong CA"
(printf '220 tls test\r\n'; sleep 20) | openssl s_server -quiet -accept "$TLS_PORT" \
	-cert "$DV_DIR/server.pem" -key "$DV_DIR/server.key" > /dev/null 2>&1 &
dovecot_track $!
dv_wait_port "$TLS_PORT"
sed 's/^Message-ID: <5e0f7c1a/Message-ID: <tls-5e0f7c1a/' "$SAMPLE/02-silkeborg-adgang-andre-kommuner.eml" > "$T/r3.eml"
dovecot_deliver borgerservice "$T/r3.eml"
once "$T/wrongca.conf" "$T/tls.err" '+60m'
grep -q 'certificate verification failed: issuer is unknown' "$T/tls.err" &&
	ok "refused: $(grep -m1 -o 'smtp: .*issuer is unknown[^;]*' "$T/tls.err" | cut -c1-100)" || bad "wrong CA not refused: $(tail -3 "$T/tls.err")"

echo "kill -9 during delivery"
i=1
while [ $i -le 6 ]; do
	sed "s/^Message-ID: <5e0f7c1a/Message-ID: <kill$i-5e0f7c1a/" "$SAMPLE/02-silkeborg-adgang-andre-kommuner.eml" > "$T/k$i.eml"
	dovecot_deliver borgerservice "$T/k$i.eml"
	i=$((i + 1))
done
before=$(ls "$T/its" | wc -l)
# libfaketime preloaded, not the faketime wrapper: $! must be brudvagtd itself.
LD_PRELOAD=$FAKETIME_LIB FAKETIME='+80m' "$BVD" -c "$T/its.conf" 2> "$T/kill.err" & pid=$!
dovecot_track $pid
j=0
while [ $j -lt 200 ] && [ $(( $(ls "$T/its" | wc -l) - before )) -lt 10 ]; do sleep 0.02; j=$((j + 1)); done
kill -9 $pid; wait $pid 2>/dev/null
got=$(( $(ls "$T/its" | wc -l) - before ))
# Two fake minutes on: a mail the killed daemon deferred (first retry
# after OUTBOUND_BACKOFF_FIRST, 60 s) is due again.
once "$T/its.conf" "$T/kill2.err" '+82m'
n=$(q "select count(*) from outbound where status = 'queued'")
if [ "$n" != 0 ]; then
	# Seen once in many runs: 4 mails left, deferred within the restart
	# itself. Print why, then retry as the daemon would after the backoff.
	echo "  note: $n mails still queued after the restart; retrying after the backoff"
	q "select case_id, seq, recipient, attempts, last_error from outbound where status = 'queued'" |
		sed 's/^/       queued: /'
	grep "deferred\|smtp:" "$T/kill2.err" | tail -4 | sed 's/^/       restart: /'
	once "$T/its.conf" "$T/kill3.err" '+85m'
fi
sent=$(q "select count(*) from outbound o join messages m on m.case_id = o.case_id where m.message_id like '<kill%' and o.status = 'sent' and o.kind in $KINDS")
dup=$(mids | sort | uniq -d | wc -l)
if [ "$sent" = 42 ]; then
	ok "killed after $got mails; after restart all 42 sent, $dup repeated (same Message-ID)"
else
	bad "after kill -9 (after $got mails): $sent of 42 sent, $n queued, $dup repeated"
	q "select case_id, seq, recipient, attempts, next_try, last_error from outbound where status = 'queued'" | sed 's/^/       queued: /'
	grep -v "IDLE news" "$T/kill.err" | tail -8 | sed 's/^/       killed: /'
	tail -12 "$T/kill2.err" | sed 's/^/       restart: /'
	[ -f "$T/kill3.err" ] && tail -6 "$T/kill3.err" | sed 's/^/       retry: /'
fi
n=$(q "pragma integrity_check")
[ "$n" = ok ] && ok "integrity_check ok" || bad "integrity_check: $n"
ls "$T/spool/outbound" | grep -q . && bad "queue files left: $(ls "$T/spool/outbound" | head -3)" || ok "no queue file left behind"

[ $fails = 0 ]

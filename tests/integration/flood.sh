#!/bin/sh
# SPDX-License-Identifier: MIT
#
# flood.sh — 1,000 reports from one sender in a minute, and no outbound
# storm (issue 8): the per-sender limit (limits.reports_per_sender_per_hour)
# and the receipt limit (limits.receipts_per_address_per_hour), end to end.
#
# The flood: 1,000 copies of the supplier's report that says every
# municipality is affected (tests/corpus/sample/09-…; one sender,
# rjandersen@deloitte.dk, distinct Message-IDs), written into the
# borgerservice Maildir before Dovecot starts, and in the middle of them
# one ordinary report from Silkeborg (sample 02). Forty municipalities are
# configured, one contact each: unlimited, the flood would be 40,000
# forwards. One brudvagtd --once (implicit TLS to Dovecot, smtp-sink -d as
# the SMTP server) takes it all.
#
# Asserted, from the SMTP server's side (every captured mail, by
# X-Brudvagt-Mail and envelope recipient) and the store's:
#   - 1,001 messages and 1,001 cases, refs gapless; the first LIMIT flood
#     cases open, the other 980 held;
#   - exactly what the design says reached the server: forwards for the
#     first LIMIT flood cases only (LIMIT to each of the 40 contacts), a
#     triage per case for them only, RECEIPTS receipts to the sender, one
#     flood notice per system-owner address naming the sender and the
#     count, and the Silkeborg report's receipt, triage and forwards as
#     usual; nothing else, no mail left queued;
#   - brudvagtd's peak RSS below RSS_MAX_KB;
#   - 30 hours later (libfaketime) the deadline clock escalates the open
#     cases only: no reminder and no escalation about a held case;
#   - brudvagtctl release of a held case sends its receipt and forwards.
# Measured here (2 cores, shared): 40-48 s in all, the --once run 32-36 s
# (ingest ~13 s, queueing ~10 s, 858 mails delivered ~9 s), peak RSS ~20 MB.
# Run by tests/run.sh with $BUILD set; exits 0 when every check passes.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BVD=$BUILD/brudvagtd
CTL=$BUILD/brudvagtctl
for b in "$BVD" "$CTL"; do
	[ -x "$b" ] || { echo "flood: $b not built" >&2; exit 1; }
done
command -v smtp-sink >/dev/null || { echo "flood: smtp-sink missing (postfix)" >&2; exit 1; }

. tests/lib/dovecot.sh
. tests/lib/reports.sh

N=1000			# the flood
LIMIT=20		# limits.reports_per_sender_per_hour (the default)
RECEIPTS=10		# limits.receipts_per_address_per_hour (the default)
SENDER=rjandersen@deloitte.dk
RSS_MAX_KB=65536
SAMPLE=tests/corpus/sample

. tests/lib/check.sh
now_ms() { date +%s%3N; }

t_start=$(now_ms)
dovecot_setup || exit 1
T=$DV_DIR/t
mkdir -p "$T/sink"
chmod 0777 "$T/sink"
reports_copies borgerservice 1 $N flood "$SAMPLE/09-deloitte-alle-kommuner-base64.eml" || exit 1
_cur=$DV_DIR/mail/borgerservice/Maildir/cur/1700000000.M000500D0.brudvagt:2,
cp "$SAMPLE/02-silkeborg-adgang-andre-kommuner.eml" "$_cur" && chown $DV_MAIL_UID:$DV_MAIL_GID "$_cur"
dovecot_start || exit 1
dv_free_port SINK_PORT || exit 1
smtp-sink -u nobody -d "$T/sink/%M." 127.0.0.1:$SINK_PORT 100 &
dovecot_track $!
dv_wait_port "$SINK_PORT" || exit 1

# The forty municipalities of the contract, one contact each.
MUNIS="Egedal:egekom.dk Favrskov:favrskov.dk Fredensborg:fredensborg.dk
Frederikshavn:frederikshavn.dk Furesø:furesoe.dk Halsnæs:halsnaes.dk
Hedensted:hedensted.dk Herning:herning.dk Hjørring:hjoerring.dk Holbæk:holb.dk
Holstebro:holstebro.dk Horsens:horsens.dk Jammerbugt:jammerbugt.dk Lemvig:lemvig.dk
Morsø:morsoe.dk Norddjurs:norddjurs.dk Odder:odder.dk Rebild:rebild.dk
Samsø:samsoe.dk Skanderborg:skanderborg.dk Skive:skivekommune.dk Struer:struer.dk
Syddjurs:syddjurs.dk Vesthimmerlands:vesthimmerland.dk Viborg:viborg.dk
Aarhus:aarhus.dk Brønderslev:bronderslev.dk Hørsholm:horsholm.dk Randers:randers.dk
Ringkøbing-Skjern:rksk.dk Silkeborg:silkeborg.dk Thisted:thisted.dk
Aalborg:aalborg.dk Fredericia:fredericia.dk Helsingør:helsingor.dk Ishøj:ishoj.dk
Middelfart:middelfart.dk Ringsted:ringsted.dk Varde:varde.dk Vejen:vejen.dk"
NMUNI=$(echo $MUNIS | wc -w)
{
	cat <<EOF2
accounts = (
  { name = "borgerservice"; host = "127.0.0.1"; port = $DV_IMAPS_PORT; tls = "implicit";
    ca_file = "$DV_CA"; user = "borgerservice"; password_file = "$DV_PW_BORGERSERVICE";
    mailbox = "INBOX"; timeout_seconds = 10; } );
smtp = { host = "127.0.0.1"; port = $SINK_PORT; tls = "none"; from = "brudvagt@aarhus.dk";
         message_id_domain = "brudvagt.aarhus.dk"; timeout_seconds = 10; };
system_owner = { name = "Borgerservice, Aarhus Kommune";
                 emails = [ "borgerservice@aarhus.dk", "databeskyttelse@aarhus.dk" ]; };
supplier = { name = "Deloitte"; domains = [ "deloitte.dk" ]; emails = [ "sikkerhed@deloitte.dk" ]; };
deadlines = { digest_hour = -1; };
store = { path = "$T/brudvagt.db"; };
spool = { path = "$T/spool"; };
limits = { reports_per_sender_per_hour = $LIMIT; receipts_per_address_per_hour = $RECEIPTS; };
municipalities = (
EOF2
	echo $MUNIS | tr ' ' '\n' | awk -F: '{ printf "%s  { name = \"%s\"; domains = [ \"%s\" ]; contacts = ( { email = \"dpo@%s\"; } ); }\n", (NR > 1 ? "," : ""), $1, $2, $2 }'
	echo ");"
} > "$T/bv.conf"
[ "$NMUNI" = 40 ] || bad "the contract lists 40 municipalities, the test $NMUNI"
"$BVD" -c "$T/bv.conf" --check-config > /dev/null || exit 1

# captured: one line per mail the SMTP server took: KIND RCPT CASE MESSAGE-ID
captured() {
	find "$T/sink" -type f -print0 | xargs -0 -r awk '
	function out() { if (f != "") print k, r, c, m }
	{ sub(/\r$/, "") }
	FNR == 1 { out(); f = FILENAME; k = r = c = m = "-" }
	k == "-" && /^X-Brudvagt-Mail: / { k = $2 }
	c == "-" && /^X-Brudvagt-Case: / { c = $2 }
	m == "-" && /^Message-I[Dd]: / { m = $2 }
	r == "-" && /^X-Rcpt-Args: / { r = $2; gsub(/[<>]/, "", r) }
	END { out() }'
}
# want KIND RCPT COUNT WHAT: the server took exactly COUNT mails of KIND to RCPT
want() {
	_n=$(awk -v k="$1" -v r="$2" '$1 == k && $2 == r' "$T/got" | wc -l)
	[ "$_n" = "$3" ] && ok "$4: $_n $1 to $2" || bad "$4: $_n $1 to $2, want $3"
}

echo "flood: $N reports from $SENDER and one from Silkeborg, one --once run"
t0=$(now_ms)
/usr/bin/time -f '%M %e' -o "$T/time" timeout 120 "$BVD" -c "$T/bv.conf" --once 2> "$T/once1.err"
rc=$?
ms=$(( $(now_ms) - t0 ))
[ $rc = 0 ] && ok "--once exits 0 in $ms ms" || bad "--once: status $rc: $(tail -3 "$T/once1.err")"
rss=$(tail -1 "$T/time" | cut -d' ' -f1)
[ -n "$rss" ] && [ "$rss" -lt $RSS_MAX_KB ] && ok "peak RSS $rss KB (< $RSS_MAX_KB)" ||
	bad "peak RSS ${rss:-?} KB, want < $RSS_MAX_KB"

# The store: everything kept.
n=$(q "select count(*) from messages")
[ "$n" = $((N + 1)) ] && ok "$n messages stored" || bad "messages: $n, want $((N + 1))"
gaps=$(q "select count(*), min(seq), max(seq), count(distinct year) from cases")
[ "$gaps" = "$((N + 1))|1|$((N + 1))|1" ] && ok "$((N + 1)) cases, refs $(q "select min(ref) || '..' || max(ref) from cases") without a gap" ||
	bad "cases (count|min|max|years): $gaps"
n=$(q "select count(*) from messages m join cases c on c.report_message = m.id")
[ "$n" = $((N + 1)) ] && ok "each message is the report of its own case" || bad "report links: $n"
st=$(q "select status, count(*) from cases where reporter = '$SENDER' group by status order by status" | tr '\n' ' ')
[ "$st" = "held|$((N - LIMIT)) open|$LIMIT " ] && ok "flood cases: $st" || bad "flood cases by status: $st"
first_held=$(q "select min(ref) from cases where reporter = '$SENDER' and status = 'held'")
last_open=$(q "select max(ref) from cases where reporter = '$SENDER' and status = 'open'")
[ "$last_open" \< "$first_held" ] && ok "the first $LIMIT went out ($last_open), from $first_held on held" ||
	bad "open up to $last_open, held from $first_held"
RS=$(q "select c.ref from cases c join messages m on m.id = c.report_message where m.from_addr = 'jonas.riis@silkeborg.dk'")
n=$(q "select status from cases where ref = '$RS'")
[ "$n" = open ] && ok "the Silkeborg report $RS is open" || bad "Silkeborg report $RS: '$n'"

# The SMTP server's side: exactly the design.
captured > "$T/got"
total=$(wc -l < "$T/got")
echo "  the SMTP server took $total mails:"
awk '{ print $1 }' "$T/got" | sort | uniq -c | sed 's/^/       /'
for m in $(echo $MUNIS | tr ' ' '\n' | cut -d: -f2); do
	echo "forward dpo@$m"
done > "$T/contacts"
n=$(awk 'NR == FNR { want[$2] = 1; next } $1 == "forward" && $3 != c && ($2 in want) { got[$2]++ }
	END { for (r in want) if (got[r] != lim) bad++; print bad + 0 }' \
	c="$RS" lim=$LIMIT "$T/contacts" "$T/got")
[ "$n" = 0 ] && ok "flood forwards: exactly $LIMIT to each of the $NMUNI contacts" ||
	bad "flood forwards: $n of the $NMUNI contacts did not get exactly $LIMIT"
n=$(awk -v s="$SENDER" -v rs="$RS" '$3 != rs && $1 == "forward"' "$T/got" | wc -l)
[ "$n" = $((LIMIT * NMUNI)) ] && ok "flood forwards in all: $n (unlimited: $((N * NMUNI)))" ||
	bad "flood forwards: $n, want $((LIMIT * NMUNI))"
want receipt "$SENDER" $RECEIPTS "flood receipts"
for so in borgerservice@aarhus.dk databeskyttelse@aarhus.dk; do
	want triage "$so" $((LIMIT + 1 + 1)) "per-case triage for $LIMIT + one flood notice + Silkeborg's"
done
n=$(awk -v rs="$RS" '$3 == rs { print $1 ":" $2 }' "$T/got" | sort | tr '\n' ' ')
w="forward:dpo@favrskov.dk forward:dpo@viborg.dk forward:sikkerhed@deloitte.dk receipt:jonas.riis@silkeborg.dk triage:borgerservice@aarhus.dk triage:databeskyttelse@aarhus.dk "
[ "$n" = "$w" ] && ok "Silkeborg's report, in the same run, as usual: $n" || bad "Silkeborg's report: '$n', want '$w'"
expect=$((LIMIT * NMUNI + RECEIPTS + 2 * (LIMIT + 1) + 6))
[ "$total" = $expect ] && ok "$total mails in all, as designed" || bad "$total mails in all, want $expect"
n=$(awk '$1 != "receipt" && $1 != "triage" && $1 != "forward"' "$T/got" | wc -l)
[ "$n" = 0 ] && ok "no other kind of mail" || bad "$n mails of other kinds"
n=$(awk '{ print $4 }' "$T/got" | sort | uniq -d | wc -l)
[ "$n" = 0 ] && ok "every Message-ID once" || bad "$n Message-IDs repeated"
n=$(q "select count(*) from outbound where status != 'sent'")
[ "$n" = 0 ] && ok "nothing left queued" || bad "$n outbound rows not sent"

# The notice: one per system-owner address, on the first held case,
# naming the sender and the count.
NC=$(q "select c.ref from events e join cases c on c.id = e.case_id where e.type = 'mails_queued' and e.detail like 'flood notice:%'" | tr '\n' ' ')
[ "$NC" = "$first_held " ] && ok "one case carries the notice: $NC" || bad "notice cases: '$NC', want $first_held"
f=$(grep -l "^X-Brudvagt-Case: $first_held" "$T/sink"/* | head -1)
if [ -n "$f" ]; then
	/usr/bin/python3 tests/lib/maildecode.py "$f" > "$T/notice.txt"
	grep -q "^Subject: \[$first_held\] Mange anmeldelser fra $SENDER: $((LIMIT + 1)) på en time" "$T/notice.txt" &&
		grep -q "^X-Brudvagt-Mail: triage" "$T/notice.txt" &&
		ok "notice: $(grep -m1 '^Subject:' "$T/notice.txt")" || bad "notice: $(grep -m1 '^Subject:' "$T/notice.txt")"
else
	bad "no mail about $first_held reached the server"
fi

# The deadline clock, 30 hours on: the acknowledgement deadline (24 h) has
# passed for every forwarded party. Only the open cases are chased.
echo "30 hours later: the deadline clock"
rm -f "$T/sink"/*
timeout 60 faketime -f '+30h' "$BVD" -c "$T/bv.conf" --once 2> "$T/once2.err" ||
	bad "--once +30h failed: $(tail -3 "$T/once2.err")"
captured > "$T/got"
n=$(awk '{ print $1 }' "$T/got" | sort | uniq -c | tr -s ' ' | tr '\n' ',')
want_esc=$((2 * (LIMIT + 1)))
m=$(awk '$1 == "escalation"' "$T/got" | wc -l)
[ "$m" = $want_esc ] && [ "$(wc -l < "$T/got")" = $want_esc ] &&
	ok "$want_esc escalations ($((LIMIT + 1)) open cases x 2 system-owner addresses), nothing else:$n" ||
	bad "after 30 h:$n want $want_esc escalations only"
n=$(q "select count(*) from deadline_sent d join cases c on c.id = d.case_id where c.status = 'held'")
h=$(awk '{ print $3 }' "$T/got" | sort -u | while read -r ref; do q "select status from cases where ref = '$ref'"; done | grep -c held)
[ "$n" = 0 ] && [ "$h" = 0 ] && ok "no reminder or escalation about a held case" ||
	bad "held cases chased: $n ledger rows, $h mails"

echo "release of a held case"
rm -f "$T/sink"/*
faketime -f "+30h" "$CTL" -c "$T/bv.conf" release "$first_held" > "$T/rel.out" 2>&1 || bad "release: $(cat "$T/rel.out")"
timeout 60 faketime -f '+30h' "$BVD" -c "$T/bv.conf" --once 2> "$T/once3.err" ||
	bad "--once after release failed: $(tail -3 "$T/once3.err")"
captured > "$T/got"
n=$(awk -v r="$first_held" '$3 == r && $1 == "forward"' "$T/got" | wc -l)
m=$(awk -v r="$first_held" '$3 == r && $1 == "receipt"' "$T/got" | wc -l)
[ "$n" = $NMUNI ] && [ "$m" = 1 ] && ok "released $first_held: $n forwards and its receipt" ||
	bad "released $first_held: $n forwards, $m receipts"

n=$(q "pragma integrity_check")
[ "$n" = ok ] && ok "integrity_check ok" || bad "integrity_check: $n"
grep -q "panic\|Assertion\|AddressSanitizer\|runtime error" "$T"/once*.err &&
	bad "a panic or sanitizer report in the log"
echo "flood: $(( ($(now_ms) - t_start) / 1000 )) s in all"
[ $fails = 0 ]

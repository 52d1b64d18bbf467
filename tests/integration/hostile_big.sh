#!/bin/sh
# SPDX-License-Identifier: MIT
#
# hostile_big.sh — big and hostile messages end to end (issue 8): through
# `brudvagtctl parse` and through brudvagtd reading a real Dovecot.
#
# The input (tests/lib/hostile.sh, generated here, nothing committed):
# a 50,000,000-byte report, one 2 MiB past limits.max_message_bytes
# (50 MiB), 10,000 MIME parts, multiparts 1,000 deep, and the small
# hostile set of corpus_asan.sh (a 2 MB header line, NUL bytes, invalid
# UTF-8, encoded words holding CR/LF, random binary, an empty file, ...).
#
# 1. parse: each file alone under /usr/bin/time. Exit 0 or 65 (never a
#    crash); the big reports give their own JSON line; max RSS of the
#    50 MB one <= PARSE_RSS_MAX_MB. With $SANBUILD set (make check), the
#    four big ones again under ASan+UBSan: no report.
# 2. daemon: every file is written into the borgerservice Maildir before
#    Dovecot starts; one `brudvagtd --once` over implicit TLS (the SMTP
#    port is closed, so every mail stays queued and can be read). Then:
#    - exit 0, max RSS <= DAEMON_RSS_MAX_MB;
#    - every UID on the server is one message row and carries $Brudvagt;
#    - each message's archived file is as long as the server's copy
#      (RFC822.SIZE), or exactly max_message_bytes when the copy is larger;
#      the 50 MB report's archive is byte for byte the file written;
#    - the message past the limit, the 10,000 parts and the 1,000-deep
#      nesting are each a needs_triage case (analysed in part at most) with
#      a triage mail queued to the system owner; every report is a case;
#    - no queued mail has a header line made of the CR/LF inside an
#      encoded word, and no envelope recipient is outside the configured
#      parties and the reporters: nothing goes to evil@example.org, and at
#      most MAILS_PER_MESSAGE mails are queued per message;
#    - PRAGMA integrity_check is ok.
#
# Measured here (2 cores, 3 runs): 7-8 s in all. parse of the 50 MB report:
# max RSS 103 MB; brudvagtd --once over all 19 messages (108 MB): 3.3-3.5 s,
# max RSS 123-126 MB (libetpan holds a fetched body about twice).
# Run by tests/run.sh with $BUILD.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BVD=$BUILD/brudvagtd
CTL=$BUILD/brudvagtctl
TIME=/usr/bin/time
for b in "$BVD" "$CTL" "$TIME"; do
	[ -x "$b" ] || { echo "hostile_big: no $b (make all; make deps installs time)" >&2; exit 1; }
done

. tests/lib/dovecot.sh
. tests/lib/hostile.sh

MAX=52428800			# limits.max_message_bytes, the default
PARSE_RSS_MAX_MB=128		# parse of the 50 MB report: ~2.5 x its size
DAEMON_RSS_MAX_MB=160		# brudvagtd --once over everything: ~3 x 50 MiB
MAILS_PER_MESSAGE=3		# receipt, triage, one forward

. tests/lib/check.sh
now_ms() { date +%s%3N; }

t0=$(now_ms)
dovecot_setup || exit 1
T=$DV_DIR/t
H=$T/in
mkdir -p "$H"
hostile_big "$H" $MAX
hostile_small "$H"
n_in=$(ls "$H" | wc -l)
echo "hostile_big: $n_in messages, $(du -sm "$H" | cut -f1) MB, generated in $(($(now_ms) - t0)) ms"

# ---- 1. brudvagtctl parse ----------------------------------------------

parse_ok=0
for f in "$H"/*; do
	n=${f##*/}
	"$TIME" -f %M -o "$T/parse.rss" "$CTL" parse "$f" >"$T/parse.out" 2>"$T/parse.err"
	rc=$?
	case $rc in
	0|65) parse_ok=$((parse_ok + 1)) ;;
	*) bad "parse $n: exit $rc: $(grep -v '^Command' "$T/parse.err" | head -3)" ;;
	esac
	[ "$(wc -l <"$T/parse.out")" = 1 ] || bad "parse $n: $(wc -l <"$T/parse.out") output lines, want 1"
	case $n in
	big50.eml|over.eml|parts10k.eml|nest1000.eml)
		id=hostile-${n%.eml}
		grep -qF "\"message_id\": \"<$id@viborg.dk>\", \"kind\": \"report\"" "$T/parse.out" ||
			bad "parse $n: not read as Viborg's report: $(head -c 200 "$T/parse.out")"
		rss=$(($(tail -n 1 "$T/parse.rss") / 1024))
		echo "  parse $n: $(wc -c <"$f") bytes, max RSS $rss MB"
		if [ "$n" = big50.eml ]; then
			[ "$rss" -le $PARSE_RSS_MAX_MB ] &&
				ok "parse of the 50 MB report: max RSS $rss MB <= $PARSE_RSS_MAX_MB MB" ||
				bad "parse of the 50 MB report: max RSS $rss MB > $PARSE_RSS_MAX_MB MB"
		fi ;;
	esac
done
[ $parse_ok = "$n_in" ] && ok "parse: all $n_in files exit 0 or 65, one JSON line each"
# The big four once more under ASan+UBSan (the small set is corpus_asan.sh's).
if [ -n "${SANBUILD:-}" ]; then
	san=0
	for n in big50 over parts10k nest1000; do
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1 \
			"$SANBUILD/brudvagtctl" parse "$H/$n.eml" >/dev/null 2>"$T/san.err"
		rc=$?
		if [ $rc != 0 ] || grep -Eq 'Sanitizer|runtime error:' "$T/san.err"; then
			bad "parse $n.eml under ASan+UBSan: exit $rc: $(head -3 "$T/san.err")"
			san=1
		fi
	done
	[ $san = 0 ] && ok "parse under ASan+UBSan: the big four clean"
fi

# ---- 2. brudvagtd --once -----------------------------------------------

for f in "$H"/*; do
	dovecot_deliver_maildir borgerservice "$f" || exit 1
done
dovecot_start || exit 1

cat >"$T/bv.conf" <<EOF
accounts = (
  { name = "borgerservice"; host = "127.0.0.1"; port = $DV_IMAPS_PORT; tls = "implicit";
    ca_file = "$DV_CA"; user = "borgerservice"; password_file = "$DV_PW_BORGERSERVICE";
    mailbox = "INBOX"; timeout_seconds = 30; } );
# port 1: connection refused, so every mail stays queued to be read here
smtp = { host = "127.0.0.1"; port = 1; tls = "none"; from = "brudvagt@aarhus.dk";
         message_id_domain = "brudvagt.aarhus.dk"; };
system_owner = { name = "Borgerservice, Aarhus Kommune"; emails = [ "borgerservice@aarhus.dk" ]; };
supplier = { name = "Deloitte"; domains = [ "deloitte.dk" ]; emails = [ "sikkerhed@deloitte.dk" ]; };
municipalities = (
  { name = "Viborg"; domains = [ "viborg.dk" ]; contacts = ( { email = "dpo@viborg.dk"; } ); } );
limits = { max_message_bytes = $MAX; };
store = { path = "$T/brudvagt.db"; };
spool = { path = "$T/spool"; };
EOF

t1=$(now_ms)
timeout 120 "$TIME" -f %M -o "$T/daemon.rss" "$BVD" -c "$T/bv.conf" --once 2>"$T/daemon.err"
rc=$?
secs=$(awk -v ms=$(($(now_ms) - t1)) 'BEGIN { printf "%.1f", ms / 1000 }')
rss=$(($(tail -n 1 "$T/daemon.rss") / 1024))
[ $rc = 0 ] && ok "brudvagtd --once: exit 0 after $secs s" ||
	bad "brudvagtd --once: exit $rc after $secs s: $(grep -v '^Command' "$T/daemon.err" | tail -3)"
[ "$rss" -le $DAEMON_RSS_MAX_MB ] &&
	ok "brudvagtd --once: max RSS $rss MB <= $DAEMON_RSS_MAX_MB MB" ||
	bad "brudvagtd --once: max RSS $rss MB > $DAEMON_RSS_MAX_MB MB"

# The server's view: UID and RFC822.SIZE of every message.
doveadm -c "$DV_CONF" -f tab fetch -u borgerservice 'uid size.virtual' mailbox INBOX all |
	tail -n +2 | sort -n >"$T/server"
n=$(wc -l <"$T/server")
[ "$n" = "$n_in" ] || bad "Dovecot holds $n messages, $n_in were written"
n=$(q "select count(*) from message_locations l join messages m on m.id = l.message
	where l.account = 'borgerservice'")
[ "$n" = "$n_in" ] && ok "all $n_in messages stored (a location and a message row each)" ||
	bad "$n of $n_in messages stored; $(grep -E 'warn|err' "$T/daemon.err" | head -3)"

# Each archived file against the server's size.
q "select l.uid, m.archive_path, m.kind, coalesce(c.status, '-')
	from message_locations l join messages m on m.id = l.message
	left join cases c on c.id = m.case_id order by l.uid" | tr '|' ' ' >"$T/stored"
short=0
while read -r uid size; do
	set -- $(grep "^$uid " "$T/stored")
	want=$size
	[ "$size" -gt $MAX ] && want=$MAX
	got=$(stat -c %s "$T/spool/${2:-none}" 2>/dev/null || echo missing)
	if [ "$got" != "$want" ]; then
		bad "uid $uid: archived ${got} bytes, the server holds $size (want $want)"
		short=$((short + 1))
	fi
done <"$T/server"
[ $short = 0 ] && ok "every archived file is the server's copy in full (max_message_bytes at most)"
big=$(sha256sum <"$H/big50.eml" | cut -c1-64)
a=$(q "select archive_path from messages where message_id = '<hostile-big50@viborg.dk>'")
[ -n "$a" ] && [ "$(sha256sum <"$T/spool/$a" | cut -c1-64)" = "$big" ] &&
	ok "the 50 MB report is archived byte for byte" ||
	bad "the 50 MB report's archive ($a) differs from what was written"

# The limits: stored, flagged needs_triage, shown to the system owner.
for id in over parts10k nest1000; do
	row=$(q "select m.kind, c.ref, c.status from messages m left join cases c on c.id = m.case_id
		where m.message_id = '<hostile-$id@viborg.dk>'")
	ref=$(echo "$row" | cut -d'|' -f2)
	tri=$(q "select count(*) from outbound o join cases c on c.id = o.case_id
		where c.ref = '$ref' and o.kind = 'triage' and o.recipients = 'borgerservice@aarhus.dk'")
	case $row in
	*"|needs_triage")
		[ "$tri" -ge 1 ] && ok "$id: $row, triage mail queued to the system owner" ||
			bad "$id: $row, but no triage mail to the system owner" ;;
	*) bad "$id: stored as '$row', want a needs_triage case" ;;
	esac
done
n=$(q "select count(*) from messages where kind = 'report' and case_id is null")
[ "$n" = 0 ] && ok "every report is a case" || bad "$n reports without a case"

# No injected header, no mail to anyone but the parties and the reporters.
inj=$(for f in "$T"/spool/outbound/*.msg; do
	awk 'NR > 4 && /^\r?$/ { exit } NR > 4' "$f" | grep -ci '^\(bcc\|to\):.*evil@example.org'
done | awk '{ n += $1 } END { print n + 0 }')
carried=$(grep -l 'evil@example.org' "$T"/spool/outbound/*.msg | wc -l)
[ "$inj" = 0 ] && [ "$carried" -gt 0 ] &&
	ok "no queued mail carries a header made of an encoded CR/LF ($carried quote it inline)" ||
	bad "$inj queued mails carry an injected Bcc:/To: evil@example.org ($carried quote it)"
q "select recipients, count(*) from outbound group by recipients" >"$T/recipients"
strays=$(grep -v -E '^(borgerservice@aarhus.dk|dpo@viborg.dk|sikkerhed@deloitte.dk|test@viborg.dk|x@viborg.dk|a@b)\|' \
	"$T/recipients" | tr '\n' ' ')
[ -z "$strays" ] && ok "queued: $(tr '\n' ' ' <"$T/recipients")" ||
	bad "mail queued to unexpected recipients: $strays"
n=$(q "select count(*) from outbound")
[ "$n" -le $((n_in * MAILS_PER_MESSAGE)) ] && ok "$n mails queued for $n_in messages: no storm" ||
	bad "$n mails queued for $n_in messages (> $MAILS_PER_MESSAGE each)"

unmarked=$(doveadm -c "$DV_CONF" -f flow fetch -u borgerservice uid mailbox INBOX \
	unkeyword '$Brudvagt' | sed 's/^uid=//' | tr '\n' ' ')
[ -z "$unmarked" ] && ok "every message carries \$Brudvagt" || bad "not marked: uids $unmarked"
n=$(q "pragma integrity_check")
[ "$n" = ok ] && ok "integrity_check ok" || bad "integrity_check: $n"

echo "hostile_big: $(($(now_ms) - t0)) ms in all"
[ $fails = 0 ] && echo "hostile_big: ok" || echo "hostile_big: $fails failure(s)"
[ $fails = 0 ]

#!/bin/sh
# SPDX-License-Identifier: MIT
#
# ingest.sh — brudvagtd against a private Dovecot (tests/lib/dovecot.sh),
# two accounts over implicit TLS with the test CA:
#   - reports delivered to both mailboxes become one case each; the same
#     Message-ID in both gives one case; messages get $Brudvagt, not \Seen;
#   - a reply from an affected municipality is linked and counted as its
#     acknowledgement; a second --once run adds nothing;
#   - the daemon in IDLE picks up new mail, survives a Dovecot restart with
#     no loss, and stops on SIGTERM within 10 s with status 0;
#   - a wrong CA makes --once exit 69 naming the account.
# Run by tests/run.sh with $BUILD set; exits 0 when every check passes.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BVD=$BUILD/brudvagtd
SAMPLE=tests/corpus/sample
[ -x "$BVD" ] || { echo "ingest: $BVD not built" >&2; exit 1; }

. tests/lib/dovecot.sh
. tests/lib/conf.sh

. tests/lib/check.sh

dovecot_setup || exit 1
dovecot_start || exit 1
T=$DV_DIR/t
mkdir -p "$T"

conf_write "$T/ok.conf" "$T"
CONF_CA=$DV_WRONG_CA conf_write "$T/wrongca.conf" "$T"

# 01 to both mailboxes (same Message-ID), 02 to dpo, 11 to borgerservice.
dovecot_deliver borgerservice "$SAMPLE/01-horsens-fejlsendt-chatlog.eml"
dovecot_deliver dpo "$SAMPLE/01-horsens-fejlsendt-chatlog.eml"
dovecot_deliver dpo "$SAMPLE/02-silkeborg-adgang-andre-kommuner.eml"
dovecot_deliver borgerservice "$SAMPLE/11-systemejer-statistiklink.eml"

if timeout 60 "$BVD" -c "$T/ok.conf" --once 2> "$T/once1.err"; then
	ok "--once exits 0"
else
	bad "--once failed: $(tail -3 "$T/once1.err")"
fi
n=$(q "select count(*) from cases")
[ "$n" = 3 ] && ok "3 reports, one in both mailboxes: 3 cases" || bad "cases: $n, want 3"
n=$(q "select count(*) from messages")
[ "$n" = 3 ] && ok "3 distinct messages stored" || bad "messages: $n, want 3"
n=$(q "select count(*) from message_locations")
[ "$n" = 4 ] && ok "4 locations (01 seen in both accounts)" || bad "locations: $n, want 4"
f=$(dovecot_flags borgerservice 1)
case $f in
*'$Brudvagt'*) case $f in *Seen*) bad "uid 1 was marked \\Seen: $f" ;; *) ok "processed: \$Brudvagt set, \\Seen not ($f)" ;; esac ;;
*) bad "uid 1 flags: '$f', want \$Brudvagt" ;;
esac
silkeborg=$(q "select ref from cases where reporting_municipality = 'Silkeborg'")
parties=$(q "select group_concat(name, ',') from (select p.name from parties p join cases c on c.id = p.case_id where c.ref = '$silkeborg' order by p.name)")
[ "$parties" = "Deloitte,Favrskov,Silkeborg,Viborg" ] && ok "parties of $silkeborg: $parties" ||
	bad "parties of $silkeborg: '$parties'"
grep -q "030478" "$T/once1.err" && bad "a CPR number reached the log" || ok "no CPR number in the log"

# A reply from Viborg on the Silkeborg case: linked and counted.
sed -e "s/BV-2026-0003/$silkeborg/g" "$SAMPLE/12-kvittering-sv-bv-2026-0003.eml" > "$T/ack.eml"
dovecot_deliver dpo "$T/ack.eml"
timeout 60 "$BVD" -c "$T/ok.conf" --once 2> "$T/once2.err" || bad "second --once failed"
ack=$(q "select p.ack_from from parties p join cases c on c.id = p.case_id where c.ref = '$silkeborg' and p.name = 'Viborg'")
[ "$ack" = "hdf@viborg.dk" ] && ok "Viborg's acknowledgement recorded" || bad "ack_from: '$ack'"
n=$(q "select count(*) from cases")
[ "$n" = 3 ] && ok "a reply opens no case; a second run adds nothing" || bad "cases after reply: $n"

# The daemon in IDLE: new mail, a Dovecot restart, SIGTERM.
"$BVD" -c "$T/ok.conf" 2> "$T/daemon.err" &
pid=$!
dovecot_track $pid
wait_cases() {	# N SECONDS
	_i=0
	while [ "$_i" -lt $(($2 * 10)) ]; do
		[ "$(q "select count(*) from cases")" = "$1" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
sleep 1
dovecot_deliver_maildir borgerservice "$SAMPLE/04-aarhus-skaermbillede-html.eml"
wait_cases 4 15 && ok "IDLE: a new report became a case" || bad "IDLE: no case after 15 s: $(q "select count(*) from cases") $(cat $T/daemon.err)"
dovecot_restart
dovecot_deliver borgerservice "$SAMPLE/07-broenderslev-kort.eml"
wait_cases 5 40 && ok "after a Dovecot restart: the next report became a case" ||
	bad "after restart: $(q "select count(*) from cases") cases; $(tail -3 "$T/daemon.err")"
start=$(date +%s)
kill -TERM $pid
wait $pid
rc=$?
took=$(($(date +%s) - start))
[ $rc = 0 ] && [ $took -le 10 ] && ok "SIGTERM: exit 0 in ${took} s" || bad "SIGTERM: status $rc after ${took} s"

# A wrong CA: refused, loudly, naming the account.
timeout 60 "$BVD" -c "$T/wrongca.conf" --once 2> "$T/wrongca.err"
rc=$?
[ $rc = 69 ] && grep -q "borgerservice" "$T/wrongca.err" && grep -qi "certificate" "$T/wrongca.err" &&
	ok "wrong CA: exit 69, '$(head -1 "$T/wrongca.err" | cut -c1-100)'" ||
	bad "wrong CA: status $rc: $(head -2 "$T/wrongca.err")"

# An expired certificate: the test certificates last two days; three days
# on (libfaketime), the server's certificate is refused, loudly.
timeout 60 faketime -f '+3d' "$BVD" -c "$T/ok.conf" --once 2> "$T/expired.err"
rc=$?
[ $rc = 69 ] && grep -qi "expired" "$T/expired.err" &&
	ok "expired certificate: exit 69, '$(grep -i -m1 expired "$T/expired.err" | cut -c1-110)'" ||
	bad "expired certificate: status $rc: $(head -2 "$T/expired.err")"

# A UIDVALIDITY change: the mailbox is read again from the start, and
# what is already stored is recognised by Message-ID, never processed twice.
ncases=$(q "select count(*) from cases"); nmsgs=$(q "select count(*) from messages")
if doveadm -c "$DV_CONF" mailbox update -u borgerservice --uid-validity 424242 INBOX; then
	timeout 60 "$BVD" -c "$T/ok.conf" --once 2> "$T/uidv.err" || bad "--once after the UIDVALIDITY change failed"
	grep -q "UIDVALIDITY of INBOX changed from [0-9]* to 424242" "$T/uidv.err" &&
		ok "UIDVALIDITY change logged: $(grep -o 'UIDVALIDITY of INBOX changed[^:]*' "$T/uidv.err")" ||
		bad "no UIDVALIDITY warning: $(tail -2 "$T/uidv.err")"
	[ "$(q "select count(*) from cases")" = "$ncases" ] &&
		[ "$(q "select count(*) from messages")" = "$nmsgs" ] &&
		ok "re-read after the change: no case or message twice ($ncases cases, $nmsgs messages)" ||
		bad "after the change: $(q "select count(*) from cases") cases, $(q "select count(*) from messages") messages"
	[ "$(q "select uidvalidity from mailbox_state where account = 'borgerservice'")" = 424242 ] &&
		ok "the stored position follows the new UIDVALIDITY" || bad "mailbox_state not updated"
else
	bad "doveadm mailbox update --uid-validity failed"
fi

n=$(q "pragma integrity_check")
[ "$n" = ok ] && ok "integrity_check ok" || bad "integrity_check: $n"

[ $fails = 0 ]

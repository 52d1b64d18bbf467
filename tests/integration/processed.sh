#!/bin/sh
# SPDX-License-Identifier: MIT
#
# processed.sh — accounts[].processed_mailbox against a private Dovecot
# (tests/lib/dovecot.sh), implicit TLS with the test CA:
#   - set on borgerservice: committed messages leave INBOX for the
#     processed mailbox (created at connect), marked $Brudvagt, never \Seen;
#     dpo, without it, keeps the default (keyword only, left in INBOX);
#   - committed but not yet moved (the state a crash between the commit and
#     the move leaves; made here by a run without the key): moved on the
#     next connect, nothing processed twice;
#   - a server without MOVE (imap_capability): UID COPY + \Deleted + UID
#     EXPUNGE of exactly our message — another message a person marked
#     \Deleted stays (a plain EXPUNGE would remove it);
#   - a server with neither MOVE nor UIDPLUS, and processed_mailbox naming
#     the watched mailbox, are refused: --once exits 69 saying why.
# Run by tests/run.sh with $BUILD set; exits 0 when every check passes.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BVD=$BUILD/brudvagtd
IMAP=$BUILD/tests/itest_imap
SAMPLE=tests/corpus/sample
[ -x "$BVD" ] || { echo "processed: $BVD not built" >&2; exit 1; }
[ -x "$IMAP" ] || make -s "$IMAP" || exit 1

. tests/lib/dovecot.sh
. tests/lib/conf.sh

. tests/lib/check.sh
count() {	# USER MAILBOX [SEARCH...]
	_u=$1 _m=$2; shift 2
	doveadm -c "$DV_CONF" search -u "$_u" mailbox "$_m" ${*:-all} 2>/dev/null | wc -l
}
flags_of() {	# USER MAILBOX: the flags of every message, one line each
	doveadm -c "$DV_CONF" -f flow fetch -u "$1" flags mailbox "$2" all | sed 's/^flags=//'
}
once() {	# CONF LOG: --once, its status
	timeout 60 "$BVD" -c "$1" --once 2> "$2"
}

dovecot_setup || exit 1
dovecot_start || exit 1
T=$DV_DIR/t
mkdir -p "$T"

conf_write "$T/move.conf" "$T" 'processed_mailbox = "Behandlet";'
conf_write "$T/keyword.conf" "$T"
conf_write "$T/self.conf" "$T" 'processed_mailbox = "INBOX";' 

# ---- moved after the commit ----------------------------------------------
dovecot_deliver borgerservice "$SAMPLE/01-horsens-fejlsendt-chatlog.eml"
dovecot_deliver dpo "$SAMPLE/01-horsens-fejlsendt-chatlog.eml"
dovecot_deliver borgerservice "$SAMPLE/02-silkeborg-adgang-andre-kommuner.eml"
once "$T/move.conf" "$T/move1.err" && ok "--once with processed_mailbox exits 0" ||
	bad "--once failed: $(tail -3 "$T/move1.err")"
grep -q "created Behandlet" "$T/move1.err" && ok "the missing mailbox was created" ||
	bad "no 'created Behandlet' in the log"
[ "$(q "select count(*) from cases")" = 2 ] && ok "2 cases" || bad "cases: $(q "select count(*) from cases")"
n=$(count borgerservice INBOX); m=$(count borgerservice Behandlet)
[ "$n" = 0 ] && [ "$m" = 2 ] && ok "borgerservice: INBOX empty, 2 messages in Behandlet" ||
	bad "borgerservice: INBOX $n, Behandlet $m; want 0, 2"
f=$(flags_of borgerservice Behandlet | tr '\n' ' ')
[ "$(count borgerservice Behandlet keyword '$Brudvagt')" = 2 ] && [ "$(count borgerservice Behandlet seen)" = 0 ] &&
	ok "moved messages carry \$Brudvagt, not \\Seen ($f)" || bad "flags in Behandlet: '$f'"
[ "$(count dpo INBOX)" = 1 ] && [ "$(flags_of dpo INBOX)" = '$Brudvagt' ] &&
	ok "dpo without the key: left in INBOX, \$Brudvagt only" ||
	bad "dpo INBOX: $(count dpo INBOX) messages, flags '$(flags_of dpo INBOX)'"

# ---- committed, not moved: a crash between the commit and the move --------
dovecot_deliver borgerservice "$SAMPLE/11-systemejer-statistiklink.eml"
once "$T/keyword.conf" "$T/kw1.err" || bad "--once without the key failed"
ncases=$(q "select count(*) from cases"); nmsgs=$(q "select count(*) from messages")
[ "$(count borgerservice INBOX)" = 1 ] || bad "the keyword-only run moved: INBOX $(count borgerservice INBOX)"
once "$T/move.conf" "$T/move2.err" || bad "--once after it failed: $(tail -2 "$T/move2.err")"
[ "$(count borgerservice INBOX)" = 0 ] && [ "$(count borgerservice Behandlet)" = 3 ] &&
	grep -q "not yet marked: marking them now" "$T/move2.err" &&
	ok "committed but not moved: moved on the next connect" ||
	bad "after the next connect: INBOX $(count borgerservice INBOX), Behandlet $(count borgerservice Behandlet)"
[ "$(q "select count(*) from cases")" = "$ncases" ] && [ "$(q "select count(*) from messages")" = "$nmsgs" ] &&
	ok "nothing processed twice ($ncases cases, $nmsgs messages)" ||
	bad "cases $(q "select count(*) from cases"), messages $(q "select count(*) from messages")"

# ---- without MOVE: COPY, \Deleted, UID EXPUNGE of exactly ours ------------
caps() {	# CAPABILITIES: restart Dovecot advertising only these after login
	sed -i '/^imap_capability/d' "$DV_CONF"
	echo "imap_capability = $1" >> "$DV_CONF"
	dovecot_restart || bad "Dovecot did not restart with imap_capability = $1"
}
caps "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE UIDPLUS"
dovecot_deliver borgerservice "$SAMPLE/16-moedeinvitation.eml"
dovecot_deliver borgerservice "$SAMPLE/07-broenderslev-kort.eml"
uids=$(doveadm -c "$DV_CONF" -f flow fetch -u borgerservice uid mailbox INBOX all | sed 's/^uid=//' | tr '\n' ' ')
set -- $uids
if [ $# = 2 ]; then
	doveadm -c "$DV_CONF" flags add -u borgerservice '\Deleted' mailbox INBOX uid "$1"
	"$IMAP" "$T/move.conf" borgerservice mark "$2" > "$T/copy.out" 2> "$T/copy.err" ||
		bad "itest_imap mark without MOVE failed: $(cat "$T/copy.err")"
	left=$(doveadm -c "$DV_CONF" -f flow fetch -u borgerservice 'uid flags' mailbox INBOX all | tr '\n' ' ')
	[ "$(count borgerservice INBOX)" = 1 ] && [ "$(count borgerservice INBOX uid "$1" deleted)" = 1 ] &&
		ok "without MOVE: ours moved by UID EXPUNGE; a person's \\Deleted message stays ($left)" ||
		bad "without MOVE: INBOX holds '$left', want only uid $1 (\\Deleted)"
	[ "$(count borgerservice Behandlet)" = 4 ] && ok "the copy is in Behandlet" ||
		bad "Behandlet: $(count borgerservice Behandlet), want 4"
else
	bad "want 2 messages in INBOX, have: $uids"
fi

# ---- refused ------------------------------------------------------------
caps "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE"
once "$T/move.conf" "$T/nomove.err"
rc=$?
[ $rc = 69 ] && grep -q "borgerservice: the server offers neither MOVE nor UIDPLUS" "$T/nomove.err" &&
	ok "neither MOVE nor UIDPLUS: exit 69, '$(grep -m1 -o 'the server offers neither[^(]*' "$T/nomove.err")'" ||
	bad "neither MOVE nor UIDPLUS: status $rc: $(head -2 "$T/nomove.err")"
once "$T/self.conf" "$T/self.err"
rc=$?
[ $rc = 69 ] && grep -q 'processed_mailbox "INBOX" is the watched mailbox' "$T/self.err" &&
	ok "processed_mailbox = mailbox: exit 69" || bad "processed_mailbox = INBOX: status $rc: $(head -2 "$T/self.err")"

n=$(q "pragma integrity_check")
[ "$n" = ok ] && ok "integrity_check ok" || bad "integrity_check: $n"
[ $fails = 0 ]

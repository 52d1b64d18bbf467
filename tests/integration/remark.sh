#!/bin/sh
# SPDX-License-Identifier: MIT
#
# remark.sh — a message committed to the store but never marked on the
# server (brudvagtd killed between the commit and its UID STORE, or the
# STORE failed) gets $Brudvagt on the next connection.
#
# The state a kill -9 at that moment leaves is made by hand: three reports,
# one --once run (committed together in one batch and marked), then
# $Brudvagt removed with doveadm from the whole batch — a kill between a
# batch's commit and its UID STORE leaves every message of it unmarked.
# The next --once run must set it on all three again and open no case.
# Run by tests/run.sh with $BUILD set.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BVD=$BUILD/brudvagtd
SAMPLE=tests/corpus/sample
[ -x "$BVD" ] || { echo "remark: $BVD not built" >&2; exit 1; }

. tests/lib/dovecot.sh
. tests/lib/conf.sh

. tests/lib/check.sh

dovecot_setup || exit 1
dovecot_start || exit 1
T=$DV_DIR/t
mkdir -p "$T"
conf_write "$T/remark.conf" "$T"

for f in 01-horsens-fejlsendt-chatlog 02-silkeborg-adgang-andre-kommuner 04-aarhus-skaermbillede-html; do
	dovecot_deliver borgerservice "$SAMPLE/$f.eml"
done
timeout 60 "$BVD" -c "$T/remark.conf" --once 2> "$T/once1.err" || bad "first --once failed: $(tail -2 "$T/once1.err")"
case $(dovecot_flags borgerservice 3) in
*'$Brudvagt'*) ok "uid 3 marked by the first run" ;;
*) bad "uid 3 not marked by the first run" ;;
esac
marked() { doveadm -c "$DV_CONF" search -u borgerservice mailbox INBOX keyword '$Brudvagt' | wc -l; }
doveadm -c "$DV_CONF" flags remove -u borgerservice '$Brudvagt' mailbox INBOX all
[ "$(marked)" = 0 ] || bad "doveadm did not remove the keyword"
timeout 60 "$BVD" -c "$T/remark.conf" --once 2> "$T/once2.err" || bad "second --once failed: $(tail -2 "$T/once2.err")"
n=$(marked)
[ "$n" = 3 ] && grep -q "3 committed message(s) not yet marked" "$T/once2.err" &&
	ok "a committed but unmarked batch: \$Brudvagt set on all 3 on reconnect" ||
	bad "after reconnect $n of 3 marked: $(tail -2 "$T/once2.err")"
n=$(q "select count(*) from cases")
[ "$n" = 3 ] && ok "no case opened twice ($n cases)" || bad "cases: $n, want 3"
[ $fails = 0 ]

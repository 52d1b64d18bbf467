# SPDX-License-Identifier: MIT
#
# check.sh — the pass/fail helpers of the integration tests (POSIX sh;
# source it).
#
#	ok MESSAGE	prints a check that passed
#	bad MESSAGE	prints a check that failed and counts it in $fails
#	q SQL		runs one statement on the store $T/brudvagt.db (or
#			$STORE_DB when set), waiting up to 5 s for a lock,
#			and prints the rows without headers
#
# A test ends with its own summary line and exits with [ $fails = 0 ].
fails=0
ok() { echo "  ok   $*"; }
bad() { echo "  FAIL $*"; fails=$((fails + 1)); }
q() { sqlite3 -batch -noheader -cmd ".timeout 5000" "${STORE_DB:-$T/brudvagt.db}" "$1"; }

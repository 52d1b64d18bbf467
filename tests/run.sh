#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh [--unit-only] BUILD [SANBUILD] — run every test and print a total.
#
# Unit tests: every BUILD/tests/test_* (cmocka), then the same programs from
# SANBUILD (ASan+UBSan). Integration tests: every tests/integration/*.sh,
# with BUILD and SANBUILD in the environment; each exits 0 on success.
# --unit-only / --integration-only run one half. The last line is "N passed, N failed".
set -u
cd "$(dirname "$0")/.."

unit_only=0
integration_only=0
if [ "${1:-}" = "--unit-only" ]; then unit_only=1; shift; fi
if [ "${1:-}" = "--integration-only" ]; then integration_only=1; shift; fi
BUILD=${1:-build}
SANBUILD=${2:-}
export BUILD SANBUILD

pass=0
fail=0
failed=""

run() {
	name=$1; shift
	start=$(date +%s)
	if "$@"; then
		pass=$((pass + 1))
		echo "ok   $name ($(($(date +%s) - start)) s)"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL $name ($(($(date +%s) - start)) s)"
	fi
}

[ $integration_only = 1 ] && set -- && dirs="" || dirs="$BUILD $SANBUILD"
for dir in $dirs; do
	for t in "$dir"/tests/test_*; do
		case $t in *.o|*.d) continue ;; esac
		[ -x "$t" ] || continue
		run "$t" "$t"
	done
done

if [ $unit_only = 0 ]; then
	for t in tests/integration/*.sh; do
		[ -f "$t" ] || continue
		run "$t" sh "$t"
	done
fi

echo
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ $fail = 0 ]

#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh [BUILD] — make bench: run every tests/bench/*.sh but this one, in
# name order, with BUILD as argument. Benchmarks print figures; none is part
# of make check. Exits non-zero when a benchmark script failed.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
export BUILD
rc=0
for b in tests/bench/*.sh; do
	[ "$b" = tests/bench/run.sh ] && continue
	echo "== $b"
	sh "$b" "$BUILD" || { echo "FAIL $b" >&2; rc=1; }
	echo
done
exit $rc

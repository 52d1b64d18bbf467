#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh BUILD — `make bench`: every tests/bench/*.sh but this one, with
# BUILD in the environment. Benchmarks print their figures; none is part
# of `make check`.
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
export BUILD
rc=0
for b in tests/bench/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	echo "== $b"
	sh "$b" || rc=1
done
exit $rc

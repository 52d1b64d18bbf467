#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh BUILD — every benchmark (make bench), one after the other. Never
# part of make check. Each script prints its own figures; add new ones to
# the list.
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
export BUILD
status=0
for b in \
	tests/bench/milter.sh \
	; do
	echo "== $b"
	sh "$b" || { echo "bench failed: $b"; status=1; }
done
exit $status

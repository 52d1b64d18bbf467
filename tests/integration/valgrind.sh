#!/bin/sh
# SPDX-License-Identifier: MIT
#
# valgrind.sh — every unit test program $BUILD/tests/test_* (the plain
# build, default build/) again under valgrind memcheck: any memory error
# or definite leak fails it (--error-exitcode=1 --leak-check=full
# --errors-for-leak-kinds=definite). Run from anywhere; make check runs it
# after the plain and the ASan+UBSan runs. tests/valgrind.supp holds the
# one false positive of this glibc/valgrind pair (in ld.so). Prints one
# line per program with its time, and the total.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Programs that cannot run under valgrind, with the reason. None so far:
# the --wrap=calloc of test_milter and the forks of test_ctl run as they are.
SKIP=""

command -v valgrind >/dev/null || { echo "valgrind: not installed (make deps)" >&2; exit 1; }

failed=0
start=$(date +%s)
for t in "$BUILD"/tests/test_*; do
	case $t in *.o | *.d) continue ;; esac
	[ -x "$t" ] || continue
	name=${t##*/}
	case " $SKIP " in *" $name "*) echo "valgrind: $name: skipped"; continue ;; esac
	t0=$(date +%s)
	if valgrind -q --error-exitcode=1 --leak-check=full \
	    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	    --suppressions=tests/valgrind.supp \
	    --child-silent-after-fork=yes --trace-children=no \
	    "$t" >"$tmp/$name.log" 2>&1; then
		echo "valgrind: $name: ok ($(($(date +%s) - t0)) s)"
	else
		echo "valgrind: $name: FAIL ($(($(date +%s) - t0)) s)"
		grep -E '^==[0-9]+== ' "$tmp/$name.log" | head -n 30
		tail -n 5 "$tmp/$name.log"
		failed=1
	fi
done
echo "valgrind: total $(($(date +%s) - start)) s"
exit $failed

#!/bin/sh
# SPDX-License-Identifier: MIT
#
# fuzz.sh — every libFuzzer target of tests/fuzz/ for ${FUZZ_SECONDS:-60} s
# under ASan+UBSan (tests/fuzz/run.sh): a crash, sanitizer report, leak,
# an input slower than 1 s or an allocation over 256 MB fails. Builds
# build-fuzz/ with clang first when needed (make fuzz-build). Targets run
# two at a time on a two-CPU machine: about 2 min for three or four.
set -u
cd "$(dirname "$0")/../.."

if ! make -s fuzz-build >/dev/null; then
	echo "fuzz: make fuzz-build failed (clang-14 and libfuzzer-14-dev: make deps)" >&2
	exit 1
fi
# make check fuzzes from a fixed seed (FUZZ_SEED, default 1), so a run is
# the same sequence of inputs on every machine, only longer on a faster
# one; `make fuzz` draws a new seed each time.
FUZZ_SEED=${FUZZ_SEED:-1}
export FUZZ_SEED
exec sh tests/fuzz/run.sh build-fuzz "${FUZZ_SECONDS:-60}"

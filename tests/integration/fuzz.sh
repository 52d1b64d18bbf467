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
# make check fuzzes deterministically: a fixed seed (FUZZ_SEED, default 1),
# a fixed number of inputs per target (FUZZ_RUNS, default 10000, within the
# time limit) and a fresh corpus from the seeds, so a run is the same
# sequence of inputs on every machine; `make fuzz` draws a new seed and
# keeps its corpus.
FUZZ_SEED=${FUZZ_SEED:-1}
FUZZ_RUNS=${FUZZ_RUNS:-10000}
export FUZZ_SEED FUZZ_RUNS
rm -rf build-fuzz/fuzz/corpus
exec sh tests/fuzz/run.sh build-fuzz "${FUZZ_SECONDS:-60}"

#!/bin/sh
# SPDX-License-Identifier: MIT
#
# fuzz.sh — every libFuzzer target of tests/fuzz/ for ${FUZZ_SECONDS:-60} s
# under ASan+UBSan (tests/fuzz/run.sh): a crash, sanitizer report, leak,
# an input slower than 1 s or an allocation over 256 MB fails, and run.sh
# first proves on its canary that each of those does fail. Builds
# build-fuzz/ with clang first when needed (make fuzz-build). Targets run
# two at a time (FUZZ_JOBS, default 2: the CI machine has two CPUs), so
# four targets take two rounds: about 2 min 10 s in all.
set -u
cd "$(dirname "$0")/../.."

if ! make -s fuzz-build >/dev/null; then
	echo "fuzz: make fuzz-build failed (clang-14 and libfuzzer-14-dev: make deps)" >&2
	exit 1
fi
# make check fuzzes each target for the full time, as reproducibly as a
# time limit allows: a fixed seed (FUZZ_SEED, default 1) and a fresh corpus
# from the seeds, so every run starts from the same inputs and mutates
# them in the same order; how far it gets in 60 s depends on the machine.
# `make fuzz` draws a new seed and keeps its corpus.
FUZZ_SEED=${FUZZ_SEED:-1}
FUZZ_JOBS=${FUZZ_JOBS:-2}
export FUZZ_SEED FUZZ_JOBS
rm -rf build-fuzz/fuzz/corpus
exec sh tests/fuzz/run.sh build-fuzz "${FUZZ_SECONDS:-60}"

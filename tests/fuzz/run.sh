#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh BUILD SECONDS [TARGET...] — run the libFuzzer targets of
# BUILD/tests/fuzz/ (made by `make fuzz-build`) for SECONDS each.
#
# Each target runs with -timeout=1 -rss_limit_mb=256 -malloc_limit_mb=256:
# a crash, a sanitizer report, a leak, an input taking over 1 s or an
# allocation over 256 MB fails it. Its corpus lives in BUILD/fuzz/corpus/
# NAME (kept between runs, never committed) and is seeded at run time from
# the test corpora: tests/corpus/{sample,external} for analysis and mime,
# conf/brudvagt.conf and tests/fuzz/seeds/config for config, queue files
# brudvagtd wrote (tests/fuzz/seeds/queue) for queue, and replays
# tests/fixtures/fuzz-regressions/NAME first. A failing
# input is kept as BUILD/fuzz/artifacts/NAME/crash-* (or timeout-*, oom-*,
# leak-*); the full log is BUILD/fuzz/log/NAME.log. Targets run up to
# FUZZ_JOBS at a time (default: the number of CPUs, at most 4). Before
# any of that, limits_hold() makes the canary target (tests/fuzz/canary.c)
# crash, leak, stall and over-allocate under the same options and fails
# the run unless each of those is caught.
# Prints one line per target (executions, exec/s, coverage, features);
# exits 1 when any target failed.
set -u
cd "$(dirname "$0")/../.."

BUILD=${1:?usage: run.sh BUILD SECONDS [TARGET...]}
SECONDS_EACH=${2:?usage: run.sh BUILD SECONDS [TARGET...]}
shift 2
[ $# -gt 0 ] || set -- $(ls "$BUILD"/tests/fuzz/ | sed -n '/^fuzz_canary$/d; s/^fuzz_\([a-z_]*\)$/\1/p')
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$JOBS" -gt 4 ] && JOBS=4
W=$BUILD/fuzz

# -rss_limit_mb counts the whole process. ASan's default 256 MB quarantine
# would trip it alone, and its allocator keeps freed pages: after 10 min
# fuzz_analysis stood at 257 MB while the input itself needed 50 MB. With
# a 16 MB quarantine, pages released twice a second and shorter malloc
# stacks the same corpus peaks at 135 MB.
ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16:allocator_release_to_os_interval_ms=500:malloc_context_size=10:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp}
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

# args NAME: the target's options and seed directories. Inputs that once
# failed (tests/fixtures/fuzz-regressions/NAME) are seeds too, so every
# run replays them first.
args() {
	reg=tests/fixtures/fuzz-regressions/$1
	[ -d "$reg" ] && echo "$reg"
	# Inputs up to 64 KiB for mime (0.29 s, the slowest seed prefix, under
	# ASan), 16 KiB for analysis: with the fuzzer's comparison tracing
	# the extraction runs ~20x slower than in the plain build (28 KB:
	# 0.04 s plain, 0.5-0.9 s here), and a 1 s timeout must catch a slow
	# algorithm, not the instrumentation.
	case $1 in
	analysis)
		echo "-dict=tests/fuzz/analysis.dict -max_len=16384" \
		     "tests/corpus/sample tests/corpus/external" ;;
	mime)
		echo "-dict=tests/fuzz/analysis.dict -max_len=65536" \
		     "tests/corpus/sample tests/corpus/external" ;;
	config)
		echo "-dict=tests/fuzz/config.dict -max_len=16384" \
		     "tests/fuzz/seeds/config" ;;
	queue)
		echo "-max_len=16384 tests/fuzz/seeds/queue" ;;
	*)
		echo "" ;;
	esac
}

# libfuzzer NAME SECONDS LEAKS CORPUS-AND-SEEDS...: one libFuzzer session.
libfuzzer() {
	name=$1 secs=$2 leaks=$3
	shift 3
	# shellcheck disable=SC2086
	"$BUILD/tests/fuzz/fuzz_$name" -max_total_time="$secs" -timeout=1 ${FUZZ_SEED:+-seed=$FUZZ_SEED} ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} \
		-rss_limit_mb=256 -malloc_limit_mb=256 -detect_leaks="$leaks" \
		-print_final_stats=1 -artifact_prefix="$W/artifacts/$name/" \
		"$@" >>"$W/log/$name.log" 2>&1 </dev/null
}

# busy_timeout NAME: did NAME's session just end in a timeout that was the
# machine's, not the input's? libFuzzer's -timeout counts wall time, and on
# a shared machine a 40 ms input has taken over 1 s (load 10-17 on 2 CPUs:
# the 30-minute run at nice 19, and even a replay at nice 0). So the input
# is replayed once under /usr/bin/time with -timeout=60: when it ends by
# itself and used under 0.5 s of CPU (the whole process, start-up
# included), it does not need the second the limit allows, and the
# timeout is put down to the machine: the artifact is renamed
# busy-timeout-* and 0 returned. Anything else fails the run as before.
busy_timeout() {
	log=$W/log/$1.log
	art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
	case ${art##*/} in timeout-*) ;; *) return 1 ;; esac
	/usr/bin/time -f '%U %S' -o "$log.cpu" "$BUILD/tests/fuzz/fuzz_$1" -timeout=60 \
		-rss_limit_mb=256 -malloc_limit_mb=256 -runs=1 "$art" \
		>>"$log.replay" 2>&1 </dev/null || return 1
	cpu=$(tail -n 1 "$log.cpu" | awk '{ print $1 + $2 }')
	awk -v c="$cpu" 'BEGIN { exit !(c < 0.5) }' || return 1
	mv "$art" "${art%/*}/busy-${art##*/}"
	echo "fuzz: busy timeout: ${art##*/} replays in $cpu s of CPU; continuing" >>"$log"
	return 0
}

# fuzz NAME: run one target for SECONDS_EACH; exit status is libFuzzer's.
# A session that ends in a timeout busy_timeout() puts down to the machine
# is followed by another for the time left, from the corpus so far.
#
# config is different. libconfig leaks a token on many syntax errors
# (tests/fuzz/lsan.supp), and each such input would cost a full
# LeakSanitizer scan: 450 exec/s instead of 17,000. So it fuzzes with leak
# detection off, then replays its whole corpus with it on (a leak of ours
# lies on a path the corpus covers). What libconfig leaks also adds up
# (118,000 buffers after 1.4 million runs trip the 256 MB RSS limit), so
# it fuzzes in sessions of at most 120 s, each starting from the corpus.
fuzz() {
	name=$1
	corpus=$W/corpus/$name
	mkdir -p "$corpus" "$W/artifacts/$name" "$W/log"
	: >"$W/log/$name.log"
	leaks=1 most=$SECONDS_EACH
	if [ "$name" = config ]; then
		cp conf/brudvagt.conf "$corpus/brudvagt.conf"
		leaks=0 most=120
	fi
	left=$SECONDS_EACH
	while [ "$left" -gt 0 ]; do
		s=$left
		[ "$s" -gt "$most" ] && s=$most
		t0=$(date +%s)
		# shellcheck disable=SC2046
		libfuzzer "$name" "$s" "$leaks" "$corpus" $(args "$name") ||
			{ st=$?; busy_timeout "$name" || return $st; s=$(($(date +%s) - t0 + 1)); }
		left=$((left - s))
	done
	[ "$leaks" = 1 ] && return 0
	echo "fuzz: replaying the corpus with leak detection" >>"$W/log/$name.log"
	libfuzzer "$name" 0 1 -runs=0 "$corpus"
}

# limits_hold: prove on the canary (tests/fuzz/canary.c) that the options
# libfuzzer() passes turn a crash, a leak, a slow input, one allocation
# over 256 MB and an RSS over 256 MB into a failure, and that a harmless
# input passes: a clean run below means something. The rss input waits 3 s
# and is given -timeout=10 so that the RSS check, not the timeout, ends it.
limits_hold() {
	log=$W/log/canary.log
	mkdir -p "$W/canary" "$W/artifacts/canary" "$W/log"
	ok=1
	for check in "crash:ERROR: AddressSanitizer" "leak:ERROR: LeakSanitizer" \
	    "slow:ERROR: libFuzzer: timeout after" \
	    "malloc:ERROR: libFuzzer: out-of-memory (malloc(" \
	    "rss:ERROR: libFuzzer: out-of-memory (used:" "harmless:"; do
		word=${check%%:*} want=${check#*:}
		printf '%s' "$word" >"$W/canary/$word"
		: >"$log"
		extra=""
		[ "$word" = rss ] && extra=-timeout=10
		# shellcheck disable=SC2086
		(unset FUZZ_RUNS; libfuzzer canary 0 1 $extra "$W/canary/$word")
		st=$?
		if [ -z "$want" ] && [ "$st" != 0 ]; then
			echo "fuzz: limits: a harmless input failed (exit $st): $log"
			ok=0
		elif [ -n "$want" ] && { [ "$st" = 0 ] || ! grep -qF "$want" "$log"; }; then
			echo "fuzz: limits: '$word' did not fail with \"$want\" (exit $st): $log"
			ok=0
		fi
	done
	[ "$ok" = 1 ] && echo "fuzz: limits hold: crash, leak, timeout 1 s, malloc 256 MB, RSS 256 MB"
	[ "$ok" = 1 ]
}

# report NAME STATUS: one line from the log's final stats.
report() {
	log=$W/log/$1.log
	# Sessions add up: runs summed, coverage from the last DONE before
	# the replay, peak RSS the highest.
	runs=$(sed -n '/replaying the corpus/q; s/^stat::number_of_executed_units: *//p' \
		"$log" | awk '{ n += $1 } END { print n + 0 }')
	eps=$((runs / SECONDS_EACH))
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | sort -n | tail -n 1)
	last=$(sed '/replaying the corpus/q' "$log" | grep -E '^#[0-9]+.*cov: ' | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
	busy=$(grep -c '^fuzz: busy timeout' "$log")
	if [ "$2" = 0 ]; then
		verdict=ok
		[ "$busy" -gt 0 ] && verdict="ok ($busy busy timeout(s), see the log)"
	else
		verdict="FAIL (exit $2)"
	fi
	echo "fuzz: $1: $verdict: ${SECONDS_EACH} s, runs=${runs:-?}" \
	     "exec/s=${eps:-?} cov=${cov:-?} ft=${ft:-?} corpus=${corp:-?}" \
	     "peak_rss_mb=${rss:-?}"
	if [ "$2" != 0 ]; then
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*fuzz check failed|.*runtime error|artifact_prefix|Test unit written)' \
			"$log" | head -n 8 | sed 's/^/fuzz:   /'
		echo "fuzz:   log: $log"
	fi
}

# batch NAME...: run these targets side by side, then report each.
batch() {
	for name; do
		fuzz "$name" &
		echo $! >"$W/$name.pid"
	done
	for name; do
		wait "$(cat "$W/$name.pid")"
		st=$?
		rm -f "$W/$name.pid"
		report "$name" "$st"
		[ "$st" = 0 ] || failed=1
	done
}

mkdir -p "$W"
failed=0
if [ ! -x "$BUILD/tests/fuzz/fuzz_canary" ]; then
	echo "fuzz: no $BUILD/tests/fuzz/fuzz_canary (make fuzz-build)"
	exit 1
fi
limits_hold || exit 1
group="" n=0
for name; do
	if [ ! -x "$BUILD/tests/fuzz/fuzz_$name" ]; then
		echo "fuzz: $name: no $BUILD/tests/fuzz/fuzz_$name (make fuzz-build)"
		failed=1
		continue
	fi
	group="$group $name" n=$((n + 1))
	if [ "$n" -ge "$JOBS" ]; then
		# shellcheck disable=SC2086
		batch $group
		group="" n=0
	fi
done
# shellcheck disable=SC2086
[ -z "$group" ] || batch $group
exit $failed

# SPDX-License-Identifier: MIT
#
# kills.sh — the kill -9 plan of a crash test (POSIX sh + awk; source it).
#
#	kills_plan SEED KILLS WORK > PLAN
#
# prints one line per kill, "THRESHOLD DELAY_MS", from the seed (the same
# seed, the same plan): every third kill has THRESHOLD 0 and lands DELAY_MS
# (0-150) after the start (connect, TLS, recovery); the others wait until
# the test's progress measure reaches THRESHOLD, which rises through
# 1..WORK-40 over the kills, and then DELAY_MS (0-40) more.
#
#	kills_wait N SECONDS PID PROBE
#
# waits until the command PROBE prints a number >= N, or PID died, or
# SECONDS passed (polled every ~10 ms); 0 when N was reached.
# Used by tests/integration/crash.sh and crash_smtp.sh.

kills_plan() {
	awk -v seed="$1" -v k="$2" -v w="$3" 'BEGIN {
		srand(seed)
		for (i = 1; i <= k; i++) {
			if (i % 3 == 0)
				printf "0 %d\n", int(rand() * 150)
			else
				printf "%d %d\n", int((i - rand()) * (w - 40) / k) + 1,
				       int(rand() * 40)
		}
	}'
}

kills_wait() {
	_end=$(( $(date +%s%3N) + $2 * 1000 ))
	while [ "$(date +%s%3N)" -lt "$_end" ]; do
		[ "$($4)" -ge "$1" ] && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}

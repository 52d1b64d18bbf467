#!/bin/sh
# SPDX-License-Identifier: MIT
#
# check_config.sh — brudvagtd --check-config accepts the example
# configuration (exit 0, "configuration OK") and refuses a bad one (exit 78,
# "file:line: message" on stderr); no arguments is a usage error (64).
# Uses $BUILD/brudvagtd (default build); run from anywhere.
set -u
cd "$(dirname "$0")/../.."
BIN=${BUILD:-build}/brudvagtd
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
failures=0

fail() {
	echo "check_config: FAIL: $*" >&2
	failures=$((failures + 1))
}

# matches FILE PATTERN: "" wants FILE empty, "*" takes anything, else grep -E.
matches() {
	case $2 in
	"") [ ! -s "$1" ] ;;
	"*") true ;;
	*) grep -Eq "$2" "$1" ;;
	esac
}

# expect STATUS STDOUT-PATTERN STDERR-PATTERN ARGS...
expect() {
	want=$1 out_re=$2 err_re=$3
	shift 3
	"$BIN" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" = "$want" ] || fail "$*: exit $got, want $want ($(cat "$tmp/err"))"
	matches "$tmp/out" "$out_re" || fail "$*: stdout '$(cat "$tmp/out")' !~ /$out_re/"
	matches "$tmp/err" "$err_re" || fail "$*: stderr '$(cat "$tmp/err")' !~ /$err_re/"
}

[ -x "$BIN" ] || { echo "check_config: no $BIN (run make)" >&2; exit 1; }

expect 0 '^configuration OK$' '' -c conf/brudvagt.conf --check-config
expect 0 '^configuration OK$' '*' --config=conf/brudvagt.conf --check-config -v

# An unknown key inside smtp of an otherwise good file.
sed '/^smtp = {$/a\
	prot = 25;' conf/brudvagt.conf >"$tmp/unknown.conf"
line=$(grep -n 'prot = 25;' "$tmp/unknown.conf" | cut -d: -f1)
expect 78 '' "^$tmp/unknown.conf:$line: unknown key 'smtp.prot'\$" \
	-c "$tmp/unknown.conf" --check-config

printf 'accounts = ( );\n' >"$tmp/empty.conf"
expect 78 '' "^$tmp/empty.conf:1: accounts: must not be empty\$" \
	-c "$tmp/empty.conf" --check-config

printf 'smtp = {\n  host = ;\n};\n' >"$tmp/syntax.conf"
expect 78 '' "^$tmp/syntax.conf:2: " -c "$tmp/syntax.conf" --check-config

expect 78 '' "^$tmp/missing.conf: cannot open" -c "$tmp/missing.conf" --check-config
expect 64 '' 'usage' --check-config
expect 64 '' 'usage' -c conf/brudvagt.conf --bogus

[ "$failures" = 0 ] && echo "check_config: ok"
[ "$failures" = 0 ]

#!/bin/sh
# SPDX-License-Identifier: MIT
#
# conf-keys.sh — the settings table of conf/settings.c as roff, for
# brudvagt.conf(5), so that the man page and the table cannot drift.
#
#   sh scripts/conf-keys.sh            print the roff key entries
#   sh scripts/conf-keys.sh --keys     print the keys, one a line
#   sh scripts/conf-keys.sh --update   rewrite the block of man/brudvagt.conf.5
#                                      between the GENERATED KEYS markers
#   sh scripts/conf-keys.sh --check    exit 1 when that block is out of date
#
# It reads the SETTINGS[] initialiser: one macro per key (GROUP, LIST, STR,
# EMAIL, DOMAIN, TLS, INT, SIZE, BOOL, LIST_OF, INTS), as defined in
# settings.c. A key "x.*.y" (y of each element of list x) is shown "x[].y".
set -eu
cd "$(dirname "$0")/.."
SRC=conf/settings.c
MAN=man/brudvagt.conf.5
KEYS=man/brudvagt.conf.keys
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"' EXIT
BEGIN_MARK='.\" BEGIN GENERATED KEYS (scripts/conf-keys.sh --update)'
END_MARK='.\" END GENERATED KEYS'

# One tab-separated line per key: key, type, required, default, bounds.
rows() {
	awk '
	/^static const struct setting SETTINGS\[\] = \{/ { on = 1; next }
	on && /^\};/ { on = 0 }
	!on { next }
	{
		sub(/\/\*.*\*\//, "")
		buf = buf " " $0
		depth += gsub(/\(/, "(", $0) - gsub(/\)/, ")", $0)
		if (depth == 0 && buf ~ /\)/) { entry(buf); buf = "" }
	}
	function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
	function size(s) {
		s = trim(s); gsub(/ \* /, " ", s)
		sub(/ KIB$/, " KiB", s); sub(/ MIB$/, " MiB", s); sub(/ GIB$/, " GiB", s)
		if (s == "KIB") s = "1 KiB"; if (s == "MIB") s = "1 MiB"; if (s == "GIB") s = "1 GiB"
		return s
	}
	function str(s) { s = trim(s); return s == "NULL" ? "\\(em" : s }
	function entry(e,    m, a, n, i, key, type, req, def, bounds, flags) {
		e = trim(e); sub(/,$/, "", e)
		m = e; sub(/\(.*/, "", m); m = trim(m)
		sub(/^[A-Z_]+\(/, "", e); sub(/\)$/, "", e)
		n = split(e, a, ",")
		for (i = 1; i <= n; i++) a[i] = trim(a[i])
		if (m == "LIST_OF") { key = a[2]; flags = a[3] } else { key = a[1]; flags = a[2] }
		gsub(/"/, "", key); gsub(/\.\*/, "[]", key)
		req = (flags ~ /F_REQUIRED/) ? "yes" : "no"
		def = "\\(em"; bounds = ""
		if (m == "GROUP") type = "group"
		else if (m == "LIST") { type = "list of groups"; bounds = (flags ~ /F_NONEMPTY/) ? "at least one" : "" }
		else if (m == "STR") { type = "string"; def = str(a[5]) }
		else if (m == "EMAIL") type = "e-mail address"
		else if (m == "DOMAIN") type = "domain"
		else if (m == "TLS") { type = "implicit, starttls, none"; req = "no"; def = a[4] }
		else if (m == "INT") { type = "integer"; def = a[5]; bounds = a[6] ".." a[7] }
		else if (m == "SIZE") { type = "bytes"; req = "no"; def = size(a[4]); bounds = size(a[5]) ".." size(a[6]) }
		else if (m == "BOOL") { type = "boolean"; req = "no"; def = (a[4] == "0") ? "false" : "true" }
		else if (m == "INTS") { type = "array of integers"; req = "no"; def = a[5]; gsub(/"/, "", def); gsub(/ /, ", ", def); def = "[ " def " ]"; bounds = "each " a[6] ".." a[7] }
		else if (m == "LIST_OF") {
			type = (a[1] == "K_EMAILS") ? "array of e-mail addresses" : "array of domains"
			bounds = (flags ~ /F_NONEMPTY/) ? "at least one" : ""
			def = (flags ~ /F_REQUIRED/) ? "\\(em" : "[ ]"
		}
		else { print "conf-keys.sh: unknown macro " m > "/dev/stderr"; exit 1 }
		if (flags ~ /F_DERIVED/) def = "from other keys"
		gsub(/"/, "", def)
		if (def == "") def = "\"\""
		printf "%s\t%s\t%s\t%s\t%s\n", key, type, req, def, bounds == "" ? "\\(em" : bounds
	}' "$SRC"
}

# descriptions: "KEY<TAB>roff line" for every line of the records in KEYS.
descriptions() {
	awk '/^\.\\"/ { next }
	     /^@/ { key = substr($0, 2); next }
	     key != "" { printf "%s\t%s\n", key, $0 }' "$KEYS"
}

# The generated block: per top-level key a .SS, per key a .TP with its
# name, type, default, bounds, then its text from KEYS.
table() {
	rows > "$TMPD/rows"
	descriptions > "$TMPD/desc"
	cut -f1 "$TMPD/desc" | sort -u > "$TMPD/described"
	cut -f1 "$TMPD/rows" | sort -u > "$TMPD/keys"
	missing=$(comm -23 "$TMPD/keys" "$TMPD/described")
	extra=$(comm -13 "$TMPD/keys" "$TMPD/described")
	if [ -n "$missing$extra" ]; then
		[ -n "$missing" ] && echo "conf-keys.sh: no text in $KEYS for:" $missing >&2
		[ -n "$extra" ] && echo "conf-keys.sh: text in $KEYS for unknown keys:" $extra >&2
		return 1
	fi
	echo "$BEGIN_MARK"
	awk -F '\t' -v desc="$TMPD/desc" '
	BEGIN { while ((getline l < desc) > 0) { k = l; sub(/\t.*/, "", k); sub(/^[^\t]*\t/, "", l); text[k] = text[k] l "\n" } }
	function roff(s) { gsub(/-/, "\\-", s); return s }
	{
		key = $1
		if (key !~ /[.[]/) printf ".SS %s\n", key
		printf ".TP\n.B %s\n", roff(key)
		line = $2
		if ($3 == "yes") line = line "; required"
		else if ($4 != "\\(em") line = line "; default " roff($4)
		if ($5 != "\\(em") line = line "; " roff($5)
		printf ".RI \"(%s)\"\n.br\n", line
		printf "%s", text[key]
	}' "$TMPD/rows"
	echo "$END_MARK"
}

# The man page with its generated block replaced by table's output.
updated() {
	table > "$1.block" || exit 1
	# The marks through the environment: awk -v would eat their backslash.
	B="$BEGIN_MARK" E="$END_MARK" F="$1.block" awk '
		$0 == ENVIRON["B"] { while ((getline l < ENVIRON["F"]) > 0) print l; skip = 1; n++; next }
		$0 == ENVIRON["E"] { skip = 0; next }
		!skip
		END { if (n != 1) { print "conf-keys.sh: no GENERATED KEYS block in the man page" > "/dev/stderr"; exit 1 } }' "$MAN"
	rm -f "$1.block"
}

case ${1:-} in
"") table ;;
--keys) rows | cut -f1 ;;
--update)
	updated "$MAN.tmp" > "$MAN.new" && mv "$MAN.new" "$MAN" ;;
--check)
	updated "$MAN.tmp" > "$MAN.new"
	if cmp -s "$MAN.new" "$MAN"; then rm -f "$MAN.new"; exit 0; fi
	diff -u "$MAN" "$MAN.new" >&2 || true
	rm -f "$MAN.new"
	echo "conf-keys.sh: $MAN is out of date with $SRC: run sh scripts/conf-keys.sh --update" >&2
	exit 1 ;;
*) echo "usage: conf-keys.sh [--keys|--update|--check]" >&2; exit 64 ;;
esac
